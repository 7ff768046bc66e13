#!/usr/bin/env bash
# `make bench-history`: the history in ClickHouse under a realistic load, on this machine.
#
# 1. Import: EVENTS events (default 10,000,000) over DAYS days (90) and SITES sites (3), in visits,
#    through the producer with IMPORT_TOKEN (bench/import_history.py, WORKERS processes), while a
#    consumer with CLICKHOUSE_URL writes them into a local ClickHouse (Debian's clickhouse-server
#    with config/clickhouse). Checks count() = uniqExact(id) = EVENTS at the end.
# 2. The writer against kcat on the same topic, whole runs from process start to the last record,
#    interleaved ROUNDS times (2): `kcat -C`, `kcat -G` in a new group (the development broker holds
#    a new group's first join for 3 s, as it does the writer's), and `consumer --rebuild-history`
#    into an empty database (the writer alone: reads every partition, inserts every row).
# 3. ClickHouse's disk per million events (bytes on disk of the active parts) and its RSS.
# 4. The dashboard's page for site1 over the last 30 days: its 7 queries to POST /api/v2/query at
#    once, as the page sends them, plain and filtered on a source, QUERY_RUNS times (20): p50 and
#    p95 per query and for the whole page, in milliseconds.
#
# The development broker keeps 5 MiB per partition: PARTITIONS (default 400) must hold the whole
# import for step 2 (the script checks).
set -euo pipefail
cd "$(dirname "$0")/.."

EVENTS="${EVENTS:-10000000}"
DAYS="${DAYS:-90}"
SITES="${SITES:-3}"
USERS="${USERS:-2000000}"
WORKERS="${WORKERS:-2}"
PARTITIONS="${PARTITIONS:-400}"
ROUNDS="${ROUNDS:-2}"
QUERY_RUNS="${QUERY_RUNS:-20}"
BIN="${BIN:-bin}"
TOPIC=history-bench
TOKEN="bench-import-token-$RANDOM$RANDOM$RANDOM"

command -v kcat >/dev/null || { echo "bench-history: kcat is missing; run make deps" >&2; exit 1; }
source scripts/bench-common.sh

# ClickHouse, as make run starts it, with its data in the scratch folder.
start_clickhouse
query() { curl -fsS "$clickhouse_url/" --data-binary "$1"; }

start_dev_broker --topic "$TOPIC" --partitions "$PARTITIONS"
producer_port="$(free_port)"
stats_port="$(free_port)"
group="bench-$RANDOM$RANDOM"
KAFKA_BROKERS="$brokers" KAFKA_TOPIC="$TOPIC" SERVER_PORT="$producer_port" IMPORT_TOKEN="$TOKEN" ACK_MODE=enqueued \
  LOG_LEVEL=warning "$BIN/producer" >"$work/producer.log" 2>&1 &
pids+=($!)
KAFKA_BROKERS="$brokers" KAFKA_TOPIC="$TOPIC" CONSUMER_GROUP="$group" STATS_PORT="$stats_port" STATS_INTERVAL=3600 \
  CLICKHOUSE_URL="$clickhouse_url" LOG_LEVEL=warning "$BIN/consumer" >"$work/consumer.log" 2>&1 &
consumer=$!
pids+=($consumer)
wait_for_url "http://127.0.0.1:$producer_port/ready" producer "$work/producer.log"
wait_for_url "http://127.0.0.1:$stats_port/health" consumer "$work/consumer.log"

echo "bench-history: importing $EVENTS events over $DAYS days and $SITES sites through the producer"
start=$(date +%s.%N)
read -r imported import_seconds < <(python3 bench/import_history.py "http://127.0.0.1:$producer_port" "$TOKEN" \
  "$EVENTS" "$DAYS" "$SITES" "$USERS" "$WORKERS")
((imported == EVENTS)) || { echo "bench-history: $imported of $EVENTS imported" >&2; exit 1; }
lag_at_import_end=$(curl -fs "http://127.0.0.1:$stats_port/metrics" | awk '$1 == "history_lag_records" {print int($2)}')
stored=0
for _ in $(seq 1 3600); do
  stored=$(query "SELECT count() FROM analytics.events")
  ((stored >= EVENTS)) && break
  sleep 0.5
done
stored_seconds=$(echo "$(date +%s.%N) - $start" | bc)
read -r rows ids < <(query "SELECT count(), uniqExact(id) FROM analytics.events FORMAT TSV")
echo "bench-history: $rows rows, $ids ids for $EVENTS events"
((rows == EVENTS && ids == EVENTS)) || { echo "bench-history: not exactly once" >&2; exit 1; }
kill -TERM "$consumer"
wait "$consumer" 2>/dev/null || true
on_topic=$(kcat -b "$brokers" -t "$TOPIC" -C -o beginning -e -q -f 'x\n' | wc -l)
((on_topic == EVENTS)) || {
  echo "bench-history: the broker holds $on_topic of $EVENTS events; raise PARTITIONS" >&2
  exit 1
}

# 2. The writer alone against kcat, interleaved.
kcat_c="" kcat_g="" writer=""
for round in $(seq 1 "$ROUNDS"); do
  start=$(date +%s.%N)
  read_back=$(kcat -b "$brokers" -t "$TOPIC" -C -o beginning -e -q -f 'x\n' | wc -l)
  kcat_c=$(shorter "$kcat_c" "$(echo "$(date +%s.%N) - $start" | bc)")
  ((read_back == EVENTS)) || { echo "bench-history: kcat -C read $read_back" >&2; exit 1; }
  start=$(date +%s.%N)
  read_back=$(kcat -b "$brokers" -G "bench-kcat-$RANDOM$RANDOM" -o beginning -e -q -f 'x\n' "$TOPIC" | wc -l)
  kcat_g=$(shorter "$kcat_g" "$(echo "$(date +%s.%N) - $start" | bc)")
  ((read_back == EVENTS)) || { echo "bench-history: kcat -G read $read_back" >&2; exit 1; }
  start=$(date +%s.%N)
  KAFKA_BROKERS="$brokers" KAFKA_TOPIC="$TOPIC" CONSUMER_GROUP="bench-rebuild-$round-$RANDOM" \
    CLICKHOUSE_URL="$clickhouse_url" CLICKHOUSE_DATABASE="rebuild$round" LOG_LEVEL=warning \
    "$BIN/consumer" --rebuild-history >"$work/rebuild.log" 2>&1 || { cat "$work/rebuild.log" >&2; exit 1; }
  writer=$(shorter "$writer" "$(echo "$(date +%s.%N) - $start" | bc)")
  read -r rows ids < <(query "SELECT count(), uniqExact(id) FROM rebuild$round.events FORMAT TSV")
  ((rows == EVENTS && ids == EVENTS)) || { echo "bench-history: rebuild stored $rows rows, $ids ids" >&2; exit 1; }
  query "DROP DATABASE rebuild$round"
  echo "bench-history: round $round: kcat -C ${kcat_c}s, kcat -G ${kcat_g}s, writer ${writer}s (best so far)"
done

# 3. Disk and memory.
read -r bytes compressed uncompressed < <(query "SELECT sum(bytes_on_disk), sum(data_compressed_bytes), \
sum(data_uncompressed_bytes) FROM system.parts WHERE active AND database = 'analytics' AND table = 'events' FORMAT TSV")

# 4. The dashboard's page: its 7 queries to POST /api/v2/query at once, for site1 over the last
#    30 days, plain and filtered on a source, QUERY_RUNS times (bench/dashboard_queries.py).
#    ClickHouse has finished merging the import's parts first, as on a site in use.
for _ in $(seq 1 300); do
  [[ "$(query "SELECT count() FROM system.merges")" == 0 ]] && break
  sleep 1
done
parts=$(query "SELECT count() FROM system.parts WHERE active AND database = 'analytics' AND table = 'events'")
# The consumer that answers reads a development broker of its own with an empty topic: the import's
# broker walks its 10M records on every fetch (librdkafka's mock cluster), and its CPU is not the
# query path's.
query_port="$(free_port)"
query_broker_port="$(free_port)"
"$BIN/kafka-dev-broker" --port "$query_broker_port" --topic queries --partitions 1 >"$work/broker-queries.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do grep -q "ready on" "$work/broker-queries.log" && break; sleep 0.1; done
KAFKA_BROKERS="localhost:$query_broker_port" KAFKA_TOPIC=queries CONSUMER_GROUP="$group" STATS_PORT="$query_port" \
  STATS_INTERVAL=3600 CLICKHOUSE_URL="$clickhouse_url" GOALS="Landing=page:/page/1,Second=page:/page/2" \
  REBUILD_ON_START=false LOG_LEVEL=warning "$BIN/consumer" >"$work/consumer-queries.log" 2>&1 &
query_consumer=$!
pids+=($query_consumer)
wait_for_url "http://127.0.0.1:$query_port/health" consumer "$work/consumer-queries.log"
python3 bench/dashboard_queries.py "http://127.0.0.1:$query_port" site1.example 30d "$QUERY_RUNS" \
  visit:source google.com >"$work/queries"
kill -TERM "$query_consumer"
wait "$query_consumer" 2>/dev/null || true

clickhouse_rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$clickhouse/status")
clickhouse_peak_kb=$(awk '/VmHWM/ {print $2}' "/proc/$clickhouse/status")

python3 - "$EVENTS" "$DAYS" "$SITES" "$PARTITIONS" "$import_seconds" "$stored_seconds" "${lag_at_import_end:-0}" \
  "$kcat_c" "$kcat_g" "$writer" "$bytes" "$compressed" "$uncompressed" "$clickhouse_rss_kb" "$clickhouse_peak_kb" \
  "$work/queries" "$(nproc)" "$parts" <<'PY'
import sys
(events, days, sites, partitions, imported, stored, lag, kcat_c, kcat_g, writer, disk, compressed, uncompressed,
 rss, peak, queries, cores, parts) = sys.argv[1:]
events, millions = int(events), int(events) / 1e6
print(f"\n{events:,} events over {days} days and {sites} sites, {partitions} partitions, {cores} cores")
print(f"import through the producer (IMPORT_TOKEN): {float(imported):.1f} s = {events / float(imported):,.0f} events/s; "
      f"all stored in ClickHouse by the live consumer's writer {float(stored):.1f} s after the import began "
      f"(history lag when the import ended: {int(lag):,} records)")
if kcat_c:
    print("\n| whole run, best of rounds | seconds | events/s | vs kcat -C | vs kcat -G |")
    print("|---|---|---|---|---|")
    for name, seconds in (("kcat -C", kcat_c), ("kcat -G (new group)", kcat_g),
                          ("writer (consumer --rebuild-history)", writer)):
        s = float(seconds)
        print(f"| {name} | {s:.1f} | {events / s:,.0f} | {float(kcat_c) / s:.2f}x | {float(kcat_g) / s:.2f}x |")
else:
    print("\nthe writer against kcat: skipped (ROUNDS=0)")
print(f"\nClickHouse: {int(disk) / millions / 2**20:.1f} MiB on disk per million events "
      f"({int(disk) / 2**20:,.0f} MiB; compressed {int(compressed) / 2**20:,.0f} MiB of {int(uncompressed) / 2**20:,.0f} MiB), "
      f"RSS {int(rss) / 1024:,.0f} MB after the queries, peak {int(peak) / 1024:,.0f} MB")
print(f"\nThe dashboard's page over {parts} merged parts, as the page sends it (shares worked out by the page):")
print("\n| dashboard page, site1, last 30 days (7 queries at once) | query | p50 ms | p95 ms |")
print("|---|---|---|---|")
for line in open(queries):
    label, name, p50, p95 = line.rstrip("\n").split("\t")
    print(f"| {label} | {name} | {p50} | {p95} |")
PY
