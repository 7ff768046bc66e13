#!/usr/bin/env bash
# `make bench-consumer`: the consumer against kcat on the three shapes a topic takes, each on its
# own topic of one development broker, in one run:
#   large     EVENTS events written by kcat in batches of up to BATCH_MESSAGES (a bulk load);
#   producer  the topic as our own producer writes it: PRODUCER_SECONDS of wrk POST /event in
#             durable mode over 256 sessions (linger 0, so a few records per batch);
#   small     SMALL_EVENTS events written by `kcat -P -z lz4 -X linger.ms=20` without keys on
#             128 partitions, each record on a random partition (sticky.partitioning.linger.ms=0):
#             batches of a few tens of records. The default sticky partitioner writes batches of
#             thousands instead, and piles what kcat reads before the topic's metadata arrives
#             onto one partition, past the development broker's 5 MiB per partition.
# For each: kcat -C raw (best of 3), kcat -G in a new group (best of 2), and the consumer in a
# new group from the start (best of 2): its rate once records flow, its whole run, its peak RSS.
# SHAPES picks some of them (default: all three).
set -euo pipefail
cd "$(dirname "$0")/.."

EVENTS="${EVENTS:-1000000}"
SMALL_EVENTS="${SMALL_EVENTS:-500000}"
PRODUCER_SECONDS="${PRODUCER_SECONDS:-3}"
USERS="${USERS:-100000}"
PAGES="${PAGES:-5000}"
SHAPES=(${SHAPES:-large producer small})
BIN="${BIN:-bin}"

command -v kcat >/dev/null || { echo "bench-consumer: kcat is missing; run make deps" >&2; exit 1; }
command -v wrk >/dev/null || [[ " ${SHAPES[*]} " != *" producer "* ]] ||
  { echo "bench-consumer: wrk is missing (the producer shape); run: sudo apt-get install -y wrk" >&2; exit 1; }
source scripts/bench-common.sh

# 32 partitions x 5 MiB of lz4 batches hold well over a million events; the producer's small
# batches compress less and get 64 (design §6).
start_dev_broker --topic bench-large:32 --topic bench-producer:64 --topic bench-small:128

# fill_small TOPIC EVENTS: unkeyed, random partitions, lz4, linger 20 ms, from a file as fast as
# kcat reads it.
fill_small() {
  local topic="$1" events="$2" on_topic
  echo "bench: writing $events events without keys to random partitions (lz4, linger 20 ms) to $topic"
  python3 bench/generate_events.py "$events" "$USERS" "$PAGES" | cut -f2 >"$work/events.json"
  kcat -b "$brokers" -t "$topic" -P -z lz4 -X linger.ms=20 -X sticky.partitioning.linger.ms=0 <"$work/events.json"
  rm -f "$work/events.json"
  on_topic=$(count_on_topic "$topic")
  if ((on_topic != events)); then
    echo "bench: only $on_topic of $events events are on $topic" >&2
    exit 1
  fi
}

# fill_through_producer TOPIC SECONDS: our producer in durable mode under wrk; sets $filled.
fill_through_producer() {
  local topic="$1" seconds="$2" port producer
  port="$(free_port)"
  KAFKA_BROKERS="$brokers" KAFKA_TOPIC="$topic" SERVER_PORT="$port" ACK_MODE=durable LOG_LEVEL=warning \
    "$BIN/producer" >"$work/producer.log" 2>&1 &
  producer=$!
  pids+=($producer)
  wait_for_url "http://127.0.0.1:$port/ready" producer "$work/producer.log"
  echo "bench: POST /event in durable mode for $seconds s (wrk -c64, 256 sessions) to $topic"
  wrk -t2 -c64 -d"${seconds}s" -s bench/post_event.lua "http://127.0.0.1:$port" >"$work/wrk-fill.txt"
  kill -TERM "$producer"
  wait "$producer" || true
  filled=$(count_on_topic "$topic")
}

count_on_topic() { kcat -b "$brokers" -t "$1" -C -o beginning -e -q -f 'x\n' | wc -l; }

# measure SHAPE TOPIC EVENTS: appends "shape events kcat_s group_s steady_rate consumer_s rss_kb"
measure() {
  local shape="$1" topic="$2" events="$3" kcat_seconds="" group_seconds="" start seconds read_back
  for _ in 1 2 3; do
    start=$(date +%s.%N)
    kcat -b "$brokers" -t "$topic" -C -o beginning -e -q -f '%s\n' >/dev/null
    kcat_seconds=$(shorter "$kcat_seconds" "$(echo "$(date +%s.%N) - $start" | bc)")
  done
  # kcat in a new group of its own pays the broker's delay before a new group's first
  # assignment, as the consumer does: the like-for-like reference for the whole run.
  for _ in 1 2; do
    start=$(date +%s.%N)
    read_back=$(kcat -b "$brokers" -G "bench-kcat-$RANDOM$RANDOM" -o beginning -e -q -f '%s\n' "$topic" | wc -l)
    seconds=$(echo "$(date +%s.%N) - $start" | bc)
    if ((read_back != events)); then
      echo "bench-consumer: kcat -G read $read_back of $events events on $topic" >&2
      exit 1
    fi
    group_seconds=$(shorter "$group_seconds" "$seconds")
  done
  local steady_best=0 consumer_best="" rss_most=0 rates=()
  for _ in 1 2; do
    run_consumer "$topic" "$events"
    rates+=("$steady_rate")
    ((steady_rate > steady_best)) && steady_best=$steady_rate
    consumer_best=$(shorter "$consumer_best" "$consumer_seconds")
    ((peak_rss_kb > rss_most)) && rss_most=$peak_rss_kb
    local total
    total=$(curl -fs "http://127.0.0.1:$stats_port/analytics" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total_events"])')
    if ((total != events)); then
      echo "bench-consumer: the consumer counted $total of $events events on $topic" >&2
      exit 1
    fi
    stop_consumer
  done
  echo "$shape $events $kcat_seconds $group_seconds $steady_best $consumer_best $rss_most ${rates[*]}" >>"$work/shapes"
}

: >"$work/shapes"
for shape in "${SHAPES[@]}"; do
  case "$shape" in
    large)
      fill_topic bench-large "$EVENTS" "$USERS" "$PAGES"
      measure large bench-large "$EVENTS"
      ;;
    producer)
      fill_through_producer bench-producer "$PRODUCER_SECONDS"
      measure producer bench-producer "$filled"
      ;;
    small)
      fill_small bench-small "$SMALL_EVENTS"
      measure small bench-small "$SMALL_EVENTS"
      ;;
    *)
      echo "bench-consumer: unknown shape $shape (large, producer, small)" >&2
      exit 2
      ;;
  esac
done

python3 - "$work/shapes" "$(nproc)" <<'PY'
import sys
rows = [line.split() for line in open(sys.argv[1]) if line.strip()]
print(f"\nConsumer against kcat, {sys.argv[2]} cores. Rates are events/s; \"flowing\" leaves out start-up and the")
print("group join (the development broker holds a new group's first join for 3 s); whole runs are seconds.")
print("| shape    |    events | kcat -C | consumer flowing | ratio | kcat -G s | consumer s | whole ratio | RSS MB |")
print("|----------|-----------|---------|------------------|-------|-----------|------------|-------------|--------|")
for shape, events, kcat, group, steady, consumer, rss, *runs in rows:
    events, kcat, group, steady, consumer = int(events), float(kcat), float(group), int(steady), float(consumer)
    kcat_rate = events / kcat
    print(f"| {shape:<8} | {events:>9,} | {kcat_rate:>7,.0f} | {steady:>16,} | {steady / kcat_rate:>5.2f} "
          f"| {group:>9.2f} | {consumer:>10.2f} | {group / consumer:>11.2f} | {int(rss) / 1024:>6.0f} |")
    print(f"|   runs: " + ", ".join(f"{int(rate) / kcat_rate:.2f}x" for rate in runs) + " of kcat -C once flowing")
PY
