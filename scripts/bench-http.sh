#!/usr/bin/env bash
# `make bench-http`: the producer's HTTP ingestion against nginx answering `return 202` with a body
# of the same size, in one run, on this machine. For nginx, ACK_MODE=enqueued and ACK_MODE=durable:
# wrk -t2 -c64 and -c256 (-d DURATION, --latency), POSTing the sample page_view event. Prints one
# table (requests/s, p50, p99, non-2xx, ratio to nginx at the same concurrency), then checks that
# every 202 is on the topic. A third producer row, "enqueued-limited", turns the rate limiter on
# (RATE_LIMIT_PER_IP high enough never to refuse): what the limiter costs when every request comes
# from one address, its worst case (one bucket, one lock).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10}"
CONCURRENCIES=(${CONCURRENCIES:-64 256})
BIN="${BIN:-bin}"
# The development broker keeps the last 5 MiB / 100,000 message sets of a partition (design §6).
# Durable requests go out in small batches (linger 0), which compress less: their topics get more
# partitions so that every record of a run stays readable for the check at the end.
PARTITIONS="${PARTITIONS:-16}"
DURABLE_PARTITIONS="${DURABLE_PARTITIONS:-64}"

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
command -v kcat >/dev/null || missing+=(kcat)
if ((${#missing[@]})); then
  if [[ "$(id -u)" == 0 ]]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "bench-http: missing ${missing[*]}; run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

source scripts/bench-common.sh

# --- development broker, one topic per producer run (mode and concurrency), so each run's
# records can be counted on their own and stay within the broker's per-partition retention ---
topics=()
for c in "${CONCURRENCIES[@]}"; do
  topics+=(--topic "bench-enqueued-c$c:$PARTITIONS" --topic "bench-durable-c$c:$DURABLE_PARTITIONS")
  topics+=(--topic "bench-enqueued-limited-c$c:$PARTITIONS")
done
start_dev_broker "${topics[@]}"

# --- nginx answering like the producer ---
nginx_port="$(free_port)"
body='{"status":"accepted","id":"00000000-0000-0000-0000-000000000000"}'
mkdir -p "$work/nginx"
cat >"$work/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx;
  proxy_temp_path $work/nginx;
  fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx;
  scgi_temp_path $work/nginx;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      default_type application/json;
      return 202 '$body';
    }
  }
}
CONF
"$NGINX" -c "$work/nginx.conf" &
pids+=($!)
sleep 0.5

# run_wrk NAME PORT CONCURRENCY -> appends a row to $work/rows
run_wrk() {
  local name="$1" port="$2" connections="$3"
  local out="$work/wrk-$name-$connections.txt"
  wrk -t2 -c"$connections" -d"${DURATION}s" --latency -s bench/post_event.lua "http://127.0.0.1:$port" >"$out" 2>&1
  python3 - "$out" "$name" "$connections" >>"$work/rows" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(value):
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p50 = ms(re.search(r"\s50%\s+(\S+)", text).group(1))
p99 = ms(re.search(r"\s99%\s+(\S+)", text).group(1))
total = int(re.search(r"(\d+) requests in", text).group(1))
non2xx = int((re.search(r"Non-2xx or 3xx responses: (\d+)", text) or [0, 0])[1])
errors = re.search(r"Socket errors: (.*)", text)
print(f"{sys.argv[2]}\t{sys.argv[3]}\t{rps:.0f}\t{p50:.2f}\t{p99:.2f}\t{non2xx}\t{total}\t{errors.group(1) if errors else 'none'}")
PY
}

: >"$work/rows"
# Rows at one concurrency run back to back (nginx first), so each ratio compares measurements
# taken minutes apart at most: this shared machine drifts more than that between runs.
for c in "${CONCURRENCIES[@]}"; do
  run_wrk nginx "$nginx_port" "$c"
  for mode in enqueued durable enqueued-limited; do
    port="$(free_port)"
    limit=0
    [[ "$mode" == *-limited ]] && limit=1000000
    KAFKA_BROKERS="$brokers" KAFKA_TOPIC="bench-$mode-c$c" SERVER_PORT="$port" ACK_MODE="${mode%-limited}" \
      RATE_LIMIT_PER_IP="$limit" RATE_LIMIT_BURST=10000000 LOG_LEVEL=warning \
      "$BIN/producer" >"$work/producer-$mode-$c.log" 2>&1 &
    producer=$!
    pids+=($producer)
    for _ in $(seq 1 100); do
      curl -fs "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break
      sleep 0.1
    done
    run_wrk "$mode" "$port" "$c"
    kill -TERM "$producer"
    wait "$producer" || echo "bench-http: producer ($mode, c$c) exited with $?" >&2
  done
done

echo
echo "HTTP ingestion, wrk -t2 -d${DURATION}s, $(nproc) cores; ratio = requests/s relative to nginx at the same concurrency"
python3 - "$work/rows" <<'PY'
import sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
nginx = {r[1]: float(r[2]) for r in rows if r[0] == "nginx"}
print(f"| {'server':<26} | {'conns':>5} | {'requests/s':>10} | {'p50 ms':>7} | {'p99 ms':>7} | {'non-2xx':>7} | {'ratio':>5} |")
print(f"|{'-'*28}|{'-'*7}|{'-'*12}|{'-'*9}|{'-'*9}|{'-'*9}|{'-'*7}|")
for name, conns, rps, p50, p99, non2xx, total, errors in rows:
    label = "nginx return 202" if name == "nginx" else f"producer {name}"
    ratio = float(rps) / nginx[conns] if conns in nginx and nginx[conns] else 0
    print(f"| {label:<26} | {conns:>5} | {float(rps):>10,.0f} | {float(p50):>7.2f} | {float(p99):>7.2f} | {non2xx:>7} | {ratio:>5.2f} |")
    if errors != "none" and not errors.startswith("connect 0, read 0, write 0, timeout 0"):
        print(f"|   socket errors: {errors}")
PY

echo
status=0
while IFS=$'\t' read -r name conns rps p50 p99 non2xx total errors; do
  [[ "$name" == nginx ]] && continue
  topic="bench-$name-c$conns"
  on_topic=$(kcat -b "$brokers" -t "$topic" -C -o beginning -e -q -f 'x\n' 2>/dev/null | wc -l)
  got=$((total - non2xx))
  # wrk stops with up to CONNECTIONS requests in flight: those may be stored without wrk seeing
  # their 202, so the topic may hold a few more than wrk counted, never fewer.
  if ((on_topic < got)); then
    echo "$topic: $on_topic events on the topic, $got 202s counted by wrk: LOST $((got - on_topic))"
    status=1
  else
    echo "$topic: $on_topic events on the topic, $got 202s counted by wrk: none lost ($((on_topic - got)) answered after wrk stopped)"
  fi
done <"$work/rows"
exit $status
