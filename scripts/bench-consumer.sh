#!/usr/bin/env bash
# `make bench-consumer`: fills a topic of the development broker with EVENTS sample events (mix of
# types, USERS users, PAGES pages), checks they are all there, then times in the same run
# (a) kcat reading them raw and (b) the consumer aggregating them from the start with a new group,
# and prints events/s for each, the ratio, and the consumer's peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."

EVENTS="${EVENTS:-1000000}"
USERS="${USERS:-100000}"
PAGES="${PAGES:-5000}"
PARTITIONS="${PARTITIONS:-32}"
BIN="${BIN:-bin}"
TOPIC=bench-consumer

command -v kcat >/dev/null || { echo "bench-consumer: kcat is missing; run make deps" >&2; exit 1; }
source scripts/bench-common.sh

# 32 partitions x 5 MiB of lz4 batches hold well over a million events (design §6).
start_dev_broker --topic "$TOPIC" --partitions "$PARTITIONS"

echo "bench-consumer: generating $EVENTS events ($USERS users, $PAGES pages)"
python3 bench/generate_events.py "$EVENTS" "$USERS" "$PAGES" >"$work/events.tsv"
echo "bench-consumer: producing them with kcat (lz4)"
kcat -b "$brokers" -t "$TOPIC" -P -K $'\t' -z lz4 -X linger.ms=50 -X batch.num.messages=10000 <"$work/events.tsv"
on_topic=$(kcat -b "$brokers" -t "$TOPIC" -C -o beginning -e -q -f 'x\n' | wc -l)
if ((on_topic != EVENTS)); then
  echo "bench-consumer: only $on_topic of $EVENTS events are on the topic (broker retention?)" >&2
  exit 1
fi

# (a) kcat reading everything raw.
start=$(date +%s.%N)
kcat -b "$brokers" -t "$TOPIC" -C -o beginning -e -q -f '%s\n' >/dev/null
kcat_seconds=$(echo "$(date +%s.%N) - $start" | bc)

# (b) the consumer, new group, from the start, until it has consumed everything.
stats_port="$(free_port)"
start=$(date +%s.%N)
KAFKA_BROKERS="$brokers" KAFKA_TOPIC="$TOPIC" CONSUMER_GROUP="bench-$RANDOM$RANDOM" STATS_PORT="$stats_port" \
  STATS_INTERVAL=3600 LOG_LEVEL=warning "$BIN/consumer" >"$work/consumer.log" 2>&1 &
consumer=$!
pids+=($consumer)
consumed=0
first_seen=""
while ((consumed < EVENTS)); do
  sleep 0.2
  kill -0 "$consumer" 2>/dev/null || { echo "bench-consumer: consumer exited" >&2; cat "$work/consumer.log" >&2; exit 1; }
  # Until the consumer has read the partials topic and opened its port, curl fails: not an error.
  consumed=$({ curl -fs "http://127.0.0.1:$stats_port/metrics" 2>/dev/null || true; } | awk '/^records_consumed_total / {print int($2)}')
  consumed=${consumed:-0}
  # The rate once records flow, without start-up (reading the partials topic, joining the group).
  if [[ -z "$first_seen" ]] && ((consumed > 0)); then
    first_seen=$(date +%s.%N)
    first_count=$consumed
  fi
done
end=$(date +%s.%N)
consumer_seconds=$(echo "$end - $start" | bc)
steady_rate=$(echo "($EVENTS - $first_count) / ($end - $first_seen)" | bc)
peak_rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$consumer/status")
totals=$(curl -fs "http://127.0.0.1:$stats_port/analytics" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["total_events"], d["unique_users"], len(d["top_pages"]))')

python3 - "$EVENTS" "$kcat_seconds" "$consumer_seconds" "$peak_rss_kb" "$totals" "$steady_rate" <<'PY'
import sys
events, kcat, consumer, rss = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
total, users, pages = sys.argv[5].split()
print(f"\n{events:,} events, {sys.argv[5]}")
print(f"| reader                     | seconds | events/s  | ratio |")
print(f"|----------------------------|---------|-----------|-------|")
print(f"| kcat -C -e (raw)           | {kcat:7.2f} | {events / kcat:9,.0f} |  1.00 |")
print(f"| consumer (aggregating)     | {consumer:7.2f} | {events / consumer:9,.0f} | {kcat / consumer:5.2f} |")
steady = int(sys.argv[6])
print(f"consumer once records flow (without start-up and group join): {steady:,} events/s ({steady * kcat / events:.2f}x kcat)")
print(f"consumer peak RSS: {rss / 1024:.0f} MB; /analytics: total_events {total}, unique_users {users} (HyperLogLog), top_pages rows {pages}")
PY
