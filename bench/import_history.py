#!/usr/bin/env python3
"""Imports N events over DAYS days and SITES sites through the producer at URL, as an importer
does: `POST /events` in batches of 500 with `Authorization: Bearer TOKEN`, each event with its
past `timestamp`. For `make bench-history`.

Visits, not loose events: a visit is 1 to 8 events (mostly page views) a few minutes apart, by one
of USERS visitors, from a referrer or a campaign, with a browser's user agent and a public
address (countries come from the producer's country data). WORKERS processes post in parallel over
kept-alive connections; it prints the events accepted and the seconds taken, and exits 1 if any
batch was not answered 202 with all its events accepted."""
import http.client
import json
import multiprocessing
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

url, token, count, days, sites, users, workers = sys.argv[1:8]
count, days, sites, users, workers = int(count), int(days), int(sites), int(users), int(workers)
PAGES = 2000
agents = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
]
referrers = ["https://www.google.com/", "https://news.ycombinator.com/", "", "", "https://www.reddit.com/r/swift/"]
campaigns = ["", "", "", "", "?utm_source=newsletter&utm_medium=email&utm_campaign=winter"]
# Public addresses in a few countries' ranges (the producer anonymizes them before Kafka).
addresses = ["81.2.69.%d", "89.160.20.%d", "175.16.199.%d", "2.125.160.%d", "216.160.83.%d", "5.145.8.%d"]


def visits(worker, total):
    """Yields the JSON of `total` events, visit by visit, for one worker."""
    rng = random.Random(worker)
    now = datetime.now(timezone.utc) - timedelta(hours=1)  # a visit lasts at most ~40 minutes
    made = 0
    visit = 0
    while made < total:
        visit += 1
        site = f"site{rng.randrange(sites) + 1}.example"
        visitor = rng.randrange(users)
        start = now - timedelta(seconds=rng.randrange(days * 86400))
        session = f"w{worker}-v{visit}"
        agent = rng.choice(agents)
        address = rng.choice(addresses) % rng.randrange(1, 255)
        referrer = rng.choice(referrers)
        campaign = rng.choice(campaigns)
        for step in range(min(rng.choice([1, 1, 1, 2, 2, 3, 4, 8]), total - made)):
            time_of = start + timedelta(seconds=step * rng.randrange(20, 300))
            page = int(rng.paretovariate(1.1)) % PAGES
            kind = "page_view" if step == 0 or rng.random() < 0.8 else "click"
            event = {
                "type": kind, "site": site, "session_id": session, "user_id": f"u{visitor}",
                "url": f"https://{site}/page/{page}" + (campaign if step == 0 else ""),
                "user_agent": agent, "ip_address": address,
                "timestamp": time_of.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            if step == 0 and referrer:
                event["referrer"] = referrer
            if kind == "page_view":
                event["metadata"] = {"load_time": rng.randrange(80, 4000)}
            made += 1
            yield json.dumps(event, separators=(",", ":"))


def post(worker, total, results):
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    batch, accepted = [], 0

    def send():
        nonlocal accepted
        body = "[" + ",".join(batch) + "]"
        for attempt in range(20):
            try:
                connection.request("POST", "/events", body, headers)
                response = connection.getresponse()
                answer = response.read()
            except (OSError, http.client.HTTPException):
                connection.close()
                time.sleep(0.5)
                continue
            if response.status == 503:
                time.sleep(0.2 * (attempt + 1))
                continue
            if response.status != 202 or json.loads(answer).get("accepted") != len(batch):
                refused = [r for r in json.loads(answer).get("results", []) if r.get("status") != "accepted"][:3]
                sys.stderr.write(f"import: {response.status} {refused or answer[:300]!r}\n")
                results.put(-1)
                sys.exit(1)
            accepted += len(batch)
            return
        sys.stderr.write("import: the producer did not take a batch in 20 attempts\n")
        results.put(-1)
        sys.exit(1)

    for line in visits(worker, total):
        batch.append(line)
        if len(batch) == 500:
            send()
            batch = []
    if batch:
        send()
    results.put(accepted)


if __name__ == "__main__":
    results = multiprocessing.Queue()
    share = [count // workers + (1 if index < count % workers else 0) for index in range(workers)]
    started = time.time()
    processes = [multiprocessing.Process(target=post, args=(index, share[index], results)) for index in range(workers)]
    for process in processes:
        process.start()
    accepted = [results.get() for _ in processes]
    for process in processes:
        process.join()
    if any(value < 0 for value in accepted):
        sys.exit(1)
    print(sum(accepted), f"{time.time() - started:.1f}")
