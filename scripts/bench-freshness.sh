#!/usr/bin/env bash
# `make bench-freshness`: the default pipeline (development broker, producer, consumer) while the
# producer takes RATE events/s (default 5000) for SECONDS (default 60): how far /analytics is
# behind what the producer accepted, sampled every 0.1 s, and the consumer lag from /metrics.
# See bench/freshness.py for the method.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${BIN:-bin}"
source scripts/bench-common.sh

start_pipeline
echo "bench-freshness: ${RATE:-5000} events/s for ${SECONDS_TO_RUN:-60} s through $producer_url"
python3 bench/freshness.py "$producer_url" "${dashboard_url%/}" "${RATE:-5000}" "${SECONDS_TO_RUN:-60}"
