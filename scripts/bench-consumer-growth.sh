#!/usr/bin/env bash
# `make bench-consumer-growth`: does the consumer's memory stay flat as events and users grow?
# Fills two topics of one development broker with the same number of partitions — SMALL events
# over SMALL_USERS users and LARGE events over LARGE_USERS users (default 1,000,000 / 100,000 and
# 5,000,000 / 1,000,000) — runs the consumer over each from the start with a new group, and prints
# the peak RSS of each run and their ratio, with what the session budget (SESSION_CAPACITY) did.
set -euo pipefail
cd "$(dirname "$0")/.."

SMALL="${SMALL:-1000000}"
SMALL_USERS="${SMALL_USERS:-100000}"
LARGE="${LARGE:-5000000}"
LARGE_USERS="${LARGE_USERS:-1000000}"
PAGES="${PAGES:-5000}"
# 5,000,000 lz4 events need about 160 partitions of 5 MiB (design §6); both topics get as many so
# that only the events and users differ.
PARTITIONS="${PARTITIONS:-160}"
BIN="${BIN:-bin}"

command -v kcat >/dev/null || { echo "bench-consumer-growth: kcat is missing; run make deps" >&2; exit 1; }
source scripts/bench-common.sh

start_dev_broker --topic growth-small --topic growth-large --partitions "$PARTITIONS"
fill_topic growth-small "$SMALL" "$SMALL_USERS" "$PAGES"
fill_topic growth-large "$LARGE" "$LARGE_USERS" "$PAGES"

results=()
for topic in growth-small growth-large; do
  events=$SMALL
  [[ $topic == growth-large ]] && events=$LARGE
  run_consumer "$topic" "$events"
  sessions=$(curl -fs "http://127.0.0.1:$stats_port/analytics" | python3 -c '
import json, sys
d = json.load(sys.stdin)
s = d["session_metrics"]
print(d["total_events"], d["unique_users"], s["sessions_started"], s["sessions_closed_early"])')
  results+=("$events $consumer_seconds $peak_rss_kb $sessions")
  kill -TERM "$consumer"
  wait "$consumer" 2>/dev/null || true
done

python3 - "$PARTITIONS" "${results[@]}" <<'PY'
import sys
partitions = int(sys.argv[1])
rows = [line.split() for line in sys.argv[2:]]
print(f"\n{partitions} partitions each; consumer from the start, new group")
print("| events    | unique users (HLL) | seconds | peak RSS | sessions started | closed early |")
print("|-----------|--------------------|---------|----------|------------------|--------------|")
for events, seconds, rss, total, users, started, early in rows:
    print(f"| {int(events):9,} | {int(users):18,} | {float(seconds):7.1f} | {int(rss) / 1024:5.0f} MB | {int(started):16,} | {int(early):12,} |")
small, large = int(rows[0][2]), int(rows[1][2])
print(f"peak RSS {large / 1024:.0f} MB vs {small / 1024:.0f} MB: {large / small:.2f}x for {int(rows[1][0]) // int(rows[0][0])}x the events")
PY
