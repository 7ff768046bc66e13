#!/usr/bin/env bash
# `make bench-consumer-growth`: does the consumer's memory stay bounded as events and users grow?
# Fills topics of one development broker, all with the same number of partitions, with SMALL
# events over SMALL_USERS users, LARGE over LARGE_USERS and HUGE over HUGE_USERS (default
# 1,000,000 / 100,000, 5,000,000 / 1,000,000 and 10,000,000 / 2,000,000; HUGE=0 skips the third),
# runs the consumer over each from the start with a new group, and prints the peak RSS of each
# run, its RSS once the run is over (the state, without fetched batches), with what the session
# budget (SESSION_CAPACITY) did, and the ratio of each run's peak to the one before. The budgets
# and sketches fill as a partition sees more traffic, so the first step may grow; once they are
# full, memory must not.
#
# Then sites (SITES_RUNS=0 skips them): SITES_EVENTS events over SITES_USERS users (default
# 1,000,000 / 100,000) of one site and of SITE_COUNT sites (default 1,000), the latter with the
# default MAX_SITES (100: at most 100 views per partition, the rest in the totals) and with
# MAX_SITES=SITE_COUNT (every site a view). Their RSS after the run, against one site's, gives the
# memory per site view; the default's shows the bound.
set -euo pipefail
cd "$(dirname "$0")/.."

SMALL="${SMALL:-1000000}"
SMALL_USERS="${SMALL_USERS:-100000}"
LARGE="${LARGE:-5000000}"
LARGE_USERS="${LARGE_USERS:-1000000}"
HUGE="${HUGE:-10000000}"
HUGE_USERS="${HUGE_USERS:-2000000}"
PAGES="${PAGES:-5000}"
SITES_RUNS="${SITES_RUNS:-1}"
SITES_EVENTS="${SITES_EVENTS:-1000000}"
SITES_USERS="${SITES_USERS:-100000}"
SITE_COUNT="${SITE_COUNT:-1000}"
# 10,000,000 zstd events need about 100 partitions of 5 MiB (design §6); every topic gets as many
# so that only the events and users differ.
PARTITIONS="${PARTITIONS:-160}"
export COMPRESSION="${COMPRESSION:-zstd}"
BIN="${BIN:-bin}"

command -v kcat >/dev/null || { echo "bench-consumer-growth: kcat is missing; run make deps" >&2; exit 1; }
source scripts/bench-common.sh

runs=()
((SMALL > 0)) && runs+=("growth-small $SMALL $SMALL_USERS")
((LARGE > 0)) && runs+=("growth-large $LARGE $LARGE_USERS")
((HUGE > 0)) && runs+=("growth-huge $HUGE $HUGE_USERS")
topics=()
for run in "${runs[@]}"; do topics+=(--topic "${run%% *}"); done
((SITES_RUNS > 0)) && topics+=(--topic growth-one-site --topic growth-many-sites)
start_dev_broker "${topics[@]}" --partitions "$PARTITIONS"
for run in "${runs[@]}"; do
  read -r topic events users <<<"$run"
  fill_topic "$topic" "$events" "$users" "$PAGES"
done

results=()
for run in "${runs[@]}"; do
  read -r topic events users <<<"$run"
  run_consumer "$topic" "$events"
  # Once the last records are applied the fetched batches are freed: what stays is the state.
  sleep 2
  settled_rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$consumer/status")
  sessions=$(curl -fs "http://127.0.0.1:$stats_port/analytics" | python3 -c '
import json, sys
d = json.load(sys.stdin)
s = d["session_metrics"]
print(d["total_events"], d["unique_users"], s["sessions_started"], s["sessions_closed_early"])')
  results+=("$events $consumer_seconds $peak_rss_kb $settled_rss_kb $sessions")
  stop_consumer
done

if ((${#results[@]} > 0)); then
python3 - "$PARTITIONS" "$COMPRESSION" "${results[@]}" <<'PY'
import sys
partitions, compression = int(sys.argv[1]), sys.argv[2]
rows = [line.split() for line in sys.argv[3:]]
print(f"\n{partitions} partitions each, {compression}; consumer from the start, new group")
print("| events     | unique users (HLL) | seconds | peak RSS | vs previous | RSS after | sessions started | closed early |")
print("|------------|--------------------|---------|----------|-------------|-----------|------------------|--------------|")
previous = None
for events, seconds, rss, settled, total, users, started, early in rows:
    step = f"{int(rss) / previous:10.2f}x" if previous else " " * 11
    print(f"| {int(events):10,} | {int(users):18,} | {float(seconds):7.1f} | {int(rss) / 1024:5.0f} MB | {step} "
          f"| {int(settled) / 1024:6.0f} MB | {int(started):16,} | {int(early):12,} |")
    previous = int(rss)
print("RSS after: 2 s after the last record was counted, with the fetched batches freed (the statistics' state)")
for (small, large) in zip(rows, rows[1:]):
    print(f"peak RSS {int(large[2]) / 1024:.0f} MB at {int(large[0]):,} events vs {int(small[2]) / 1024:.0f} MB at {int(small[0]):,}: {int(large[2]) / int(small[2]):.2f}x")
PY
fi

((SITES_RUNS > 0)) || exit 0
fill_topic growth-one-site "$SITES_EVENTS" "$SITES_USERS" "$PAGES" 1
fill_topic growth-many-sites "$SITES_EVENTS" "$SITES_USERS" "$PAGES" "$SITE_COUNT"
site_results=()
for run in "growth-one-site 1 100" "growth-many-sites $SITE_COUNT 100" "growth-many-sites $SITE_COUNT $SITE_COUNT"; do
  read -r topic sites max_sites <<<"$run"
  export MAX_SITES="$max_sites"
  run_consumer "$topic" "$SITES_EVENTS"
  unset MAX_SITES
  sleep 2
  settled_rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$consumer/status")
  shown=$(curl -fs "http://127.0.0.1:$stats_port/api/sites" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')
  over=$(curl -fs "http://127.0.0.1:$stats_port/analytics" | python3 -c 'import json, sys; print(json.load(sys.stdin)["sites_over_capacity"])')
  views=$(curl -fs "http://127.0.0.1:$stats_port/metrics" | awk '$1 == "consumer_site_views" {print int($2)}')
  site_results+=("$sites $max_sites $consumer_seconds $peak_rss_kb $settled_rss_kb $shown $over $views")
  stop_consumer
done

python3 - "$PARTITIONS" "$SITES_EVENTS" "${site_results[@]}" <<'PY'
import sys
partitions, events = int(sys.argv[1]), int(sys.argv[2])
rows = [line.split() for line in sys.argv[3:]]
print(f"\nSites: {events:,} events, {partitions} partitions; consumer from the start, new group")
print("| sites | MAX_SITES | seconds | peak RSS | RSS after | sites with a view | site views (x partitions) | events over MAX_SITES |")
print("|-------|-----------|---------|----------|-----------|-------------------|---------------------------|-----------------------|")
for sites, max_sites, seconds, peak, settled, shown, over, views in rows:
    print(f"| {int(sites):5,} | {int(max_sites):9,} | {float(seconds):7.1f} | {int(peak) / 1024:5.0f} MB "
          f"| {int(settled) / 1024:6.0f} MB | {int(shown):17,} | {int(views):25,} | {int(over):21,} |")
one, bounded, every = rows
per_view = (int(every[4]) - int(one[4])) * 1024 / max(1, int(every[7]) - int(one[7]))
print(f"memory per site view (one site in one partition): {per_view / 1024:.1f} KiB "
      f"= (RSS after with {int(every[7]):,} views - with {int(one[7]):,}) / the views added")
print(f"with MAX_SITES={bounded[1]}: {int(bounded[4]) / 1024:.0f} MB after, {int(bounded[6]):,} events over MAX_SITES "
      f"(at most {bounded[1]} views per partition)")
PY
