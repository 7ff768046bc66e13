#!/usr/bin/env bash
# Sends the original project's four sample events to the producer and prints each response.
# Exits non-zero if any event is not accepted (HTTP 202).
#
#   examples/send_events.sh                       # producer on http://localhost:8080
#   PRODUCER_URL=http://host:8080 examples/send_events.sh
set -uo pipefail

PRODUCER_URL="${PRODUCER_URL:-http://localhost:8080}"
# Sent as the original project sent them, with curl's own User-Agent: the producer knows curl is a
# script relaying events, not the visitor's browser, so all four count (the two without
# "user_agent" with device and browser unknown).

events=(
  '{"type":"page_view","user_id":"user123","session_id":"session456","url":"https://example.com/home","referrer":"https://google.com","user_agent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36","metadata":{"load_time":1234}}'
  '{"type":"click","user_id":"user123","session_id":"session456","url":"https://example.com/products","metadata":{"element":"buy-button","position":{"x":100,"y":200}}}'
  '{"type":"page_view","user_id":"user456","session_id":"session789","url":"https://example.com/about","referrer":"https://twitter.com","user_agent":"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1","metadata":{"load_time":856}}'
  '{"type":"session","user_id":"user456","session_id":"session789","metadata":{"action":"start","duration":0}}'
)
names=("page_view /home (user123)" "click /products (user123)" "page_view /about (user456)" "session start (user456)")

failures=0
for index in "${!events[@]}"; do
  response="$(curl -sS --max-time 15 -w '\n%{http_code}' -X POST "$PRODUCER_URL/event" \
    -H 'Content-Type: application/json' --data "${events[$index]}" 2>&1)"
  status="${response##*$'\n'}"
  body="${response%$'\n'*}"
  echo "${names[$index]}: HTTP $status $body"
  if [[ "$status" != "202" ]]; then
    failures=$((failures + 1))
  fi
done

if ((failures > 0)); then
  echo "$failures of ${#events[@]} events were not accepted" >&2
  exit 1
fi
echo "all ${#events[@]} events accepted"
