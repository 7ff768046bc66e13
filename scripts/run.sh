#!/usr/bin/env bash
# `make run`: starts the development broker (unless KAFKA_BROKERS is set), the producer and the
# consumer, with their output on this terminal prefixed by service. Ctrl-C stops all three;
# the consumer prints its final summary on the way out.
set -uo pipefail

BIN="${BIN:-bin}"
BROKER_PORT="${BROKER_PORT:-9092}"
work="$(mktemp -d)"
pids=()
broker_pid=""

prefix() {
  # Ignore Ctrl-C here so the services' last lines (the final summary) still get printed.
  trap '' INT
  exec sed -u "s/^/[$1] /"
}

stop() {
  trap - INT TERM EXIT
  echo "[run] stopping..."
  # Producer and consumer first, so they can flush, commit and leave the group while the
  # broker is still there; then the broker.
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  if [[ -n "$broker_pid" ]]; then
    kill -TERM "$broker_pid" 2>/dev/null
    wait "$broker_pid" 2>/dev/null
  fi
  rm -rf "$work"
  exit 0
}
trap stop INT TERM EXIT

if [[ -z "${KAFKA_BROKERS:-}" ]]; then
  # In its own session, the broker does not get the terminal's Ctrl-C: stop() ends it last.
  setsid "$BIN/kafka-dev-broker" --port "$BROKER_PORT" > >(tee "$work/broker.log" | prefix broker) 2>&1 &
  broker_pid=$!
  for _ in $(seq 1 100); do
    grep -q "ready on" "$work/broker.log" 2>/dev/null && break
    if ! kill -0 "$broker_pid" 2>/dev/null; then
      echo "[run] kafka-dev-broker did not start (is port $BROKER_PORT in use? set BROKER_PORT or KAFKA_BROKERS)" >&2
      exit 1
    fi
    sleep 0.1
  done
  export KAFKA_BROKERS="localhost:$BROKER_PORT"
else
  echo "[run] using Kafka at $KAFKA_BROKERS"
fi

"$BIN/producer" > >(prefix producer) 2>&1 &
pids+=($!)
"$BIN/consumer" > >(prefix consumer) 2>&1 &
pids+=($!)

echo "[run] dashboard: http://localhost:${STATS_PORT:-8081}/   (live; JSON at /analytics)"
echo "[run] producer on http://localhost:${SERVER_PORT:-8080} (POST /event)"
echo "[run] try: examples/send_events.sh   (Ctrl-C stops everything)"
# Stop everything if any service dies on its own.
wait -n "${pids[@]}" ${broker_pid:+"$broker_pid"}
echo "[run] a service exited; stopping the others" >&2
stop
