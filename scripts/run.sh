#!/usr/bin/env bash
# `make run`: starts the development broker (unless KAFKA_BROKERS is set), a local ClickHouse for
# the history (unless CLICKHOUSE_URL is set; its data in data/clickhouse, kept between runs), the
# producer and the consumer, with their output on this terminal prefixed by service. Ctrl-C stops
# them all; the consumer prints its final summary on the way out.
set -uo pipefail

BIN="${BIN:-bin}"
BROKER_PORT="${BROKER_PORT:-9092}"
# Not 8123: a ClickHouse installed as a system service may hold it.
CLICKHOUSE_PORT="${CLICKHOUSE_PORT:-8124}"
CLICKHOUSE_TCP_PORT="${CLICKHOUSE_TCP_PORT:-9124}"
work="$(mktemp -d)"
pids=()
broker_pid=""
clickhouse_pid=""

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
  for pid in $broker_pid $clickhouse_pid; do
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  rm -rf "$work"
  exit 0
}
trap stop INT TERM EXIT

# await_start PID TRIES WHY CHECK...: waits (TRIES × 0.1 s) until CHECK succeeds; exits saying WHY
# if the process PID ends first.
await_start() {
  local pid="$1" tries="$2" why="$3"
  shift 3
  for _ in $(seq 1 "$tries"); do
    "$@" 2>/dev/null && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "[run] $why" >&2
      exit 1
    fi
    sleep 0.1
  done
}

if [[ -z "${KAFKA_BROKERS:-}" ]]; then
  # In its own session, the broker does not get the terminal's Ctrl-C: stop() ends it last.
  setsid "$BIN/kafka-dev-broker" --port "$BROKER_PORT" > >(tee "$work/broker.log" | prefix broker) 2>&1 &
  broker_pid=$!
  await_start "$broker_pid" 100 "kafka-dev-broker did not start (is port $BROKER_PORT in use? set BROKER_PORT or KAFKA_BROKERS)" \
    grep -q "ready on" "$work/broker.log"
  export KAFKA_BROKERS="localhost:$BROKER_PORT"
else
  echo "[run] using Kafka at $KAFKA_BROKERS"
fi

clickhouse_server="$(command -v clickhouse-server || ls /usr/sbin/clickhouse-server 2>/dev/null || true)"
if [[ -n "${CLICKHOUSE_URL:-}" ]]; then
  echo "[run] history in ClickHouse at $CLICKHOUSE_URL"
elif [[ -z "$clickhouse_server" ]]; then
  echo "[run] no clickhouse-server: no history (install it: sudo apt-get install clickhouse-server)"
else
  data="$PWD/data/clickhouse"
  mkdir -p "$data"
  sed -e "s|{{DATA}}|$data|g" -e "s|{{HTTP_PORT}}|$CLICKHOUSE_PORT|g" -e "s|{{TCP_PORT}}|$CLICKHOUSE_TCP_PORT|g" \
    -e "s|{{USERS}}|$PWD/config/clickhouse/users.xml|g" config/clickhouse/config.xml >"$data/config.xml"
  # Its own session, like the broker: stopped last, after the consumer has written to it.
  setsid "$clickhouse_server" --config-file="$data/config.xml" > >(prefix clickhouse) 2>&1 &
  clickhouse_pid=$!
  await_start "$clickhouse_pid" 300 \
    "clickhouse-server did not start (is port $CLICKHOUSE_PORT in use? set CLICKHOUSE_PORT or CLICKHOUSE_URL)" \
    curl -fs -o /dev/null "http://127.0.0.1:$CLICKHOUSE_PORT/ping"
  export CLICKHOUSE_URL="http://127.0.0.1:$CLICKHOUSE_PORT"
  echo "[run] history in a local ClickHouse at $CLICKHOUSE_URL (data in data/clickhouse)"
fi

"$BIN/producer" > >(prefix producer) 2>&1 &
pids+=($!)
"$BIN/consumer" > >(prefix consumer) 2>&1 &
pids+=($!)

echo "[run] dashboard: http://localhost:${STATS_PORT:-8081}/   (live; JSON at /analytics)"
echo "[run] producer on http://localhost:${SERVER_PORT:-8080} (POST /event)"
echo "[run] try: examples/send_events.sh   (Ctrl-C stops everything)"
# Stop everything if any service dies on its own.
wait -n "${pids[@]}" ${broker_pid:+"$broker_pid"} ${clickhouse_pid:+"$clickhouse_pid"}
echo "[run] a service exited; stopping the others" >&2
stop
