# Shared by the benchmark scripts (sourced, not run): a scratch folder, child processes stopped on
# exit, free ports, and the development broker.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# start_dev_broker ARGS...: starts "$BIN/kafka-dev-broker" on a free port with ARGS, waits until
# it is ready and sets $brokers; exits if it does not start.
start_dev_broker() {
  local port
  port="$(free_port)"
  "$BIN/kafka-dev-broker" --port "$port" "$@" >"$work/broker.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do
    if grep -q "ready on" "$work/broker.log"; then
      brokers="localhost:$port"
      return 0
    fi
    sleep 0.1
  done
  echo "kafka-dev-broker did not start:" >&2
  cat "$work/broker.log" >&2
  exit 1
}
