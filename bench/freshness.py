#!/usr/bin/env python3
"""How far /analytics is behind the topic while the producer takes RATE events/s for SECONDS.

usage: freshness.py PRODUCER_URL CONSUMER_URL RATE SECONDS

Senders POST /events in batches of 10 (sessions cycling over 256), paced to RATE events/s in
all, each over its own kept-alive connection, and note when each batch's 202 came back and how
many events had been accepted by then. Every 0.1 s a sampler reads /analytics' total_events and
the summed consumer_lag from the consumer's /metrics. A sample showing total T is behind by the
time since the T-th accepted event's 202 (0 when everything accepted is counted). Prints the
worst and the 99th percentile of that delay, the largest consumer lag, and whether the
producer kept up with RATE; exits 1 when it did not or a batch was refused.
"""
import bisect
import http.client
import json
import sys
import threading
import time
import urllib.parse

producer_url, consumer_url = urllib.parse.urlsplit(sys.argv[1]), urllib.parse.urlsplit(sys.argv[2])
rate, seconds = int(sys.argv[3]), float(sys.argv[4])
BATCH = 10
SENDERS = 16
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"

accepted_at = []  # (time of the 202, events accepted in all by then), in order
accepted_lock = threading.Lock()
failures = []


def body(sender, sequence):
    events = []
    for index in range(BATCH):
        session = (sender * 131 + sequence * BATCH + index) % 256
        events.append({
            "type": "page_view", "session_id": f"fresh{session}", "url": f"https://example.com/p{session % 50}",
            "referrer": "https://google.com", "user_agent": UA,
        })
    return json.dumps(events)


def send(sender, start, stop_at):
    connection = http.client.HTTPConnection(producer_url.hostname, producer_url.port, timeout=10)
    interval = BATCH * SENDERS / rate
    sequence = 0
    while True:
        due = start + (sequence + sender / SENDERS) * interval
        if due >= stop_at:
            return
        delay = due - time.time()
        if delay > 0:
            time.sleep(delay)
        connection.request("POST", "/events", body(sender, sequence), {"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        if response.status != 202:
            failures.append(response.status)
        else:
            with accepted_lock:
                total = (accepted_at[-1][1] if accepted_at else 0) + BATCH
                accepted_at.append((time.time(), total))  # under the lock: times stay in order
        sequence += 1


def sample(stop, samples):
    analytics = http.client.HTTPConnection(consumer_url.hostname, consumer_url.port, timeout=10)
    while not stop.is_set():
        analytics.request("GET", "/analytics")
        total = json.loads(analytics.getresponse().read())["total_events"]
        now = time.time()
        analytics.request("GET", "/metrics")
        lag = sum(float(line.split()[-1]) for line in analytics.getresponse().read().decode().splitlines()
                  if line.startswith("consumer_lag{"))
        samples.append((now, total, lag))
        time.sleep(0.1)


def delay_of(now, total):
    """Seconds since the first 202 after which more events were accepted than `total` shows."""
    with accepted_lock:
        counts = [count for _, count in accepted_at]
        index = bisect.bisect_right(counts, total)
        first = accepted_at[index][0] if index < len(accepted_at) else None
    return now - first if first is not None and first <= now else 0.0


samples = []
stop = threading.Event()
sampler = threading.Thread(target=sample, args=(stop, samples))
sampler.start()
start = time.time()
stop_at = start + seconds
senders = [threading.Thread(target=send, args=(index, start, stop_at)) for index in range(SENDERS)]
for thread in senders:
    thread.start()
for thread in senders:
    thread.join()
sent_seconds = time.time() - start
time.sleep(3)
stop.set()
sampler.join()

during = [(now, total, lag) for now, total, lag in samples if start <= now <= stop_at]
delays = sorted(delay_of(now, total) for now, total, _ in during)
accepted = accepted_at[-1][1] if accepted_at else 0
final = samples[-1][1] if samples else 0
achieved = accepted / sent_seconds
p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))] if delays else 0
print(f"| offered events/s | accepted events/s | samples | behind p99 s | behind max s | max consumer lag |")
print(f"|------------------|-------------------|---------|--------------|--------------|------------------|")
print(f"| {rate:>16,} | {achieved:>17,.0f} | {len(during):>7} | {p99:>12.2f} | {max(delays, default=0):>12.2f} "
      f"| {int(max((lag for _, _, lag in during), default=0)):>16,} |")
print(f"accepted {accepted:,} events in {sent_seconds:.1f} s; /analytics counted {final:,} three seconds after the last")
if failures:
    print(f"freshness: {len(failures)} batches were refused (statuses {sorted(set(failures))})")
    sys.exit(1)
if achieved < rate * 0.95:
    print(f"freshness: the senders reached only {achieved:,.0f} of {rate:,} events/s; the figures are for that rate")
    sys.exit(1)
if final < accepted:
    print(f"freshness: /analytics shows {final:,} of {accepted:,} accepted events")
    sys.exit(1)
