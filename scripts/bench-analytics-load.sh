#!/usr/bin/env bash
# `make bench-analytics-load`: does a client polling GET /analytics as fast as it can slow the
# consumer down? EVENTS events on a 32-partition topic of the development broker; the consumer
# reads them in a new group, alternately alone and with `wrk -c$CONNECTIONS` on /analytics for the
# whole run, ROUNDS times (interleaved, so the machine's drift hits both alike). kcat -G in a new
# group is the reference for a whole run.
# With BASE_BIN=<folder of older binaries>, each round also runs that consumer both ways: an A/B
# of the change against the code before it, in the same command.
set -euo pipefail
cd "$(dirname "$0")/.."

EVENTS="${EVENTS:-1000000}"
USERS="${USERS:-100000}"
PAGES="${PAGES:-5000}"
ROUNDS="${ROUNDS:-3}"
CONNECTIONS="${CONNECTIONS:-16}"
BIN="${BIN:-bin}"
BASE_BIN="${BASE_BIN:-}"

command -v kcat >/dev/null || { echo "bench-analytics-load: kcat is missing; run make deps" >&2; exit 1; }
command -v wrk >/dev/null || { echo "bench-analytics-load: wrk is missing; run: sudo apt-get install -y wrk" >&2; exit 1; }
source scripts/bench-common.sh

start_dev_broker --topic bench-load:32
fill_topic bench-load "$EVENTS" "$USERS" "$PAGES"

group_seconds=""
for _ in 1 2; do
  start=$(date +%s.%N)
  read_back=$(kcat -b "$brokers" -G "bench-kcat-$RANDOM$RANDOM" -o beginning -e -q -f '%s\n' bench-load | wc -l)
  ((read_back == EVENTS)) || { echo "bench-analytics-load: kcat -G read $read_back of $EVENTS" >&2; exit 1; }
  group_seconds=$(shorter "$group_seconds" "$(echo "$(date +%s.%N) - $start" | bc)")
done

# poll_analytics PORT: wrk on /analytics until killed; its summary goes to $work/wrk-PORT.txt.
poll_analytics() {
  exec wrk -t2 -c"$CONNECTIONS" -d600s --latency "http://127.0.0.1:$1/analytics" >"$work/wrk-$1.txt" 2>&1
}

builds=("head:$BIN")
[[ -n "$BASE_BIN" ]] && builds+=("base:$BASE_BIN")
: >"$work/runs"
for round in $(seq 1 "$ROUNDS"); do
  for build in "${builds[@]}"; do
    name="${build%%:*}"
    for load in quiet polled; do
      if [[ "$load" == polled ]]; then DURING_RUN=poll_analytics; else unset DURING_RUN; fi
      CONSUMER_BIN="${build#*:}/consumer" run_consumer bench-load "$EVENTS"
      # /analytics serves the snapshot of the last refresh (DASHBOARD_REFRESH_MS, 1 s): give it two.
      for _ in $(seq 1 20); do
        total=$(curl -fs "http://127.0.0.1:$stats_port/analytics" |
          python3 -c 'import json,sys; print(json.load(sys.stdin).get("total_events", -1))')
        ((total == EVENTS)) && break
        sleep 0.1
      done
      stop_consumer
      # wrk prints its totals when it is stopped; a request it saw none of shows as 0.
      served=0
      if [[ "$load" == polled ]]; then
        served=$(awk '/requests in/ {print $1}' "$work/wrk-$stats_port.txt" 2>/dev/null || echo 0)
      fi
      echo "round $round: $name consumer, $load: ${consumer_seconds}s whole, $steady_rate events/s flowing," \
        "total $total, /analytics answered ${served:-0} times"
      echo "$name $load $consumer_seconds $steady_rate $total ${served:-0}" >>"$work/runs"
    done
  done
done
unset DURING_RUN

python3 - "$work/runs" "$EVENTS" "$group_seconds" "$CONNECTIONS" "$(nproc)" <<'PY'
import statistics, sys
runs = [line.split() for line in open(sys.argv[1]) if line.strip()]
events, group, connections, cores = int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5]
print(f"\nConsumption of {events:,} events, alone and with wrk -c{connections} polling GET /analytics, {cores} cores;")
print(f"medians of the rounds. kcat -G whole run: {group:.2f} s.")
print("| consumer | /analytics | whole run s | vs kcat -G | flowing events/s | polled / quiet | /analytics answered |")
print("|----------|------------|-------------|------------|------------------|----------------|---------------------|")
for name in dict.fromkeys(run[0] for run in runs):
    medians = {}
    for load in ("quiet", "polled"):
        rows = [r for r in runs if r[0] == name and r[1] == load]
        bad = [r for r in rows if int(r[4]) != events]
        if bad:
            print(f"  note: {name} {load}: /analytics showed {bad[0][4]} of {events} events at the end")
        medians[load] = (statistics.median(float(r[2]) for r in rows), int(statistics.median(int(r[3]) for r in rows)),
                         statistics.median(int(r[5]) for r in rows))
    for load in ("quiet", "polled"):
        seconds, rate, served = medians[load]
        ratio = f"{rate / medians['quiet'][1]:.2f}" if load == "polled" else "1.00"
        print(f"| {name:<8} | {load:<10} | {seconds:>11.2f} | {group / seconds:>10.2f} | {rate:>16,} | {ratio:>14} "
              f"| {int(served):>19,} |")
PY
