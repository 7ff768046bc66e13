#!/usr/bin/env bash
# `make bench-dashboard`: from 202 at the producer to the new figure on an open dashboard, with
# the default settings (durable producer, DASHBOARD_REFRESH_MS=1000), EVENTS events (default 300)
# sent one at a time; /analytics polled every 5 ms in the same run is the reference. See
# bench/dashboard_latency.py for the method.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${BIN:-bin}"
source scripts/bench-common.sh

start_pipeline
echo "bench-dashboard: ${EVENTS:-300} events through $producer_url, watched on $dashboard_url"
python3 bench/dashboard_latency.py "$producer_url" "$dashboard_url" "${EVENTS:-300}"
