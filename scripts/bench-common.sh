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

# start_clickhouse: Debian's clickhouse-server with config/clickhouse (as make run starts it), its
# data in the scratch folder, on a free port; waits until it answers and sets $clickhouse (its
# pid) and $clickhouse_url; exits if it is missing or does not start.
start_clickhouse() {
  local server port
  server="$(command -v clickhouse-server || ls /usr/sbin/clickhouse-server 2>/dev/null || true)"
  [[ -n "$server" ]] || { echo "clickhouse-server is missing; run make deps" >&2; exit 1; }
  port="$(free_port)"
  mkdir -p "$work/clickhouse"
  sed -e "s|{{DATA}}|$work/clickhouse|g" -e "s|{{HTTP_PORT}}|$port|g" -e "s|{{TCP_PORT}}|$(free_port)|g" \
    -e "s|{{USERS}}|$PWD/config/clickhouse/users.xml|g" config/clickhouse/config.xml >"$work/clickhouse/config.xml"
  "$server" --config-file="$work/clickhouse/config.xml" >"$work/clickhouse.log" 2>&1 &
  clickhouse=$!
  pids+=($clickhouse)
  clickhouse_url="http://127.0.0.1:$port"
  wait_for_url "$clickhouse_url/ping" clickhouse-server "$work/clickhouse.log"
}

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

# run_consumer TOPIC EVENTS: starts "$CONSUMER_BIN" (default "$BIN/consumer") with a new group on
# TOPIC and waits until it has consumed EVENTS records. With $DURING_RUN set, that command runs
# with the stats port as its argument once the consumer answers, until the records are in.
# Sets $consumer (its pid, left running), $stats_port, $consumer_seconds (from start, including
# reading the partials topic and joining the group), $steady_rate (events/s once records flow)
# and $peak_rss_kb.
run_consumer() {
  local topic="$1" events="$2" start timing
  stats_port="$(free_port)"
  start=$(date +%s.%N)
  KAFKA_BROKERS="$brokers" KAFKA_TOPIC="$topic" CONSUMER_GROUP="bench-$RANDOM$RANDOM" STATS_PORT="$stats_port" \
    STATS_INTERVAL=3600 LOG_LEVEL=warning "${CONSUMER_BIN:-$BIN/consumer}" >"$work/consumer-$topic.log" 2>&1 &
  consumer=$!
  pids+=($consumer)
  local load=""
  if [[ -n "${DURING_RUN:-}" ]]; then
    wait_for_url "http://127.0.0.1:$stats_port/health" consumer "$work/consumer-$topic.log"
    $DURING_RUN "$stats_port" &
    load=$!
  fi
  if ! timing=$(python3 bench/wait_consumed.py "$stats_port" "$events" "$consumer" "$start"); then
    echo "consumer exited:" >&2
    cat "$work/consumer-$topic.log" >&2
    exit 1
  fi
  if [[ -n "$load" ]]; then
    kill -INT "$load" 2>/dev/null || true
    wait "$load" 2>/dev/null || true
  fi
  read -r consumer_seconds steady_rate <<<"$timing"
  peak_rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$consumer/status")
}

# fill_topic TOPIC EVENTS USERS PAGES [SITES]: writes sample events (of SITES sites; 0: none named) to TOPIC with kcat, compressed with
# $COMPRESSION (default lz4) in batches of up to $BATCH_MESSAGES (default 10000; live traffic
# arrives in batches of a few), and checks that all of them are there (the development broker
# keeps 5 MiB per partition).
fill_topic() {
  local topic="$1" events="$2" users="$3" pages="$4" sites="${5:-0}" on_topic
  echo "bench: writing $events events ($users users, $pages pages, $sites sites, ${COMPRESSION:-lz4}) to $topic"
  # From a file, not a pipe: fed as fast as it reads, kcat fills batches of 10,000; fed by the
  # generator, it sent smaller batches, and the consumer was slower and larger on them.
  python3 bench/generate_events.py "$events" "$users" "$pages" "$sites" >"$work/events.tsv"
  kcat -b "$brokers" -t "$topic" -P -K $'\t' -z "${COMPRESSION:-lz4}" -X linger.ms=50 \
    -X batch.num.messages="${BATCH_MESSAGES:-10000}" <"$work/events.tsv"
  rm -f "$work/events.tsv"
  on_topic=$(kcat -b "$brokers" -t "$topic" -C -o beginning -e -q -f 'x\n' | wc -l)
  if ((on_topic != events)); then
    echo "bench: only $on_topic of $events events are on $topic (broker retention? more partitions)" >&2
    exit 1
  fi
}

# stop_consumer: stops the consumer run_consumer left running ($consumer) and waits for it.
stop_consumer() {
  kill -TERM "$consumer"
  wait "$consumer" 2>/dev/null || true
}

# shorter BEST SECONDS: the shorter of two durations in seconds; BEST is empty before the first.
shorter() {
  if [[ -z "$1" ]] || (($(echo "$2 < $1" | bc))); then echo "$2"; else echo "$1"; fi
}

# wait_for_url URL NAME LOG: waits up to 30 s until URL answers 2xx; exits with LOG if it does not.
wait_for_url() {
  for _ in $(seq 1 300); do
    curl -fs "$1" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "$2 did not start:" >&2
  cat "$3" >&2
  exit 1
}

# start_pipeline: the development broker, a producer and a consumer on free ports (any other
# settings come from the environment), ready to use; sets $producer_url and $dashboard_url.
start_pipeline() {
  start_dev_broker
  local producer_port consumer_port
  producer_port="$(free_port)"
  consumer_port="$(free_port)"
  KAFKA_BROKERS="$brokers" SERVER_PORT="$producer_port" "$BIN/producer" >"$work/producer.log" 2>&1 &
  pids+=($!)
  KAFKA_BROKERS="$brokers" STATS_PORT="$consumer_port" STATS_HOST=127.0.0.1 "$BIN/consumer" \
    >"$work/consumer.log" 2>&1 &
  pids+=($!)
  producer_url="http://127.0.0.1:$producer_port"
  dashboard_url="http://127.0.0.1:$consumer_port/"
  wait_for_url "$producer_url/ready" producer "$work/producer.log"
  wait_for_url "${dashboard_url}health" consumer "$work/consumer.log"
  # The group's first join takes the development broker 3 s: the consumer owns no partition
  # before, and events sent then would wait for it.
  for _ in $(seq 1 100); do
    grep -q "partitions assigned" "$work/consumer.log" && return 0
    sleep 0.1
  done
  echo "consumer was given no partitions:" >&2
  cat "$work/consumer.log" >&2
  exit 1
}
