#!/usr/bin/env python3
"""Times the dashboard's page of history queries against a consumer's POST /api/v2/query, as the
page sends them: all at once (tiles with the previous period, the chart by day with the previous
period, and the five cards' first tabs), for one site and one period, RUNS times, plain and with
a filter. Prints p50 and p95 in milliseconds per query and for the whole page (from the first
request to the last answer). For `make bench-history`.

usage: dashboard_queries.py CONSUMER_URL SITE RANGE RUNS FILTER_DIMENSION FILTER_VALUE"""
import http.client
import json
import sys
import threading
import time
from urllib.parse import urlsplit

url, site, date_range, runs, filter_dimension, filter_value = sys.argv[1:7]
runs = int(runs)
parts = urlsplit(url)
COMPARE = {"comparisons": {"mode": "previous_period"}}
PAGE = [
    ("tiles", {"metrics": ["visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration"],
               "include": COMPARE}),
    ("chart", {"metrics": ["visitors"], "dimensions": ["time"], "include": dict(COMPARE, time_labels=True)}),
    ("pages", {"metrics": ["visitors", "pageviews"], "dimensions": ["event:page"]}),
    ("sources", {"metrics": ["visitors"], "dimensions": ["visit:source"]}),
    # The page works out shares (percentage, conversion rate) from the tiles' visitors.
    ("countries", {"metrics": ["visitors"], "dimensions": ["visit:country"]}),
    ("devices", {"metrics": ["visitors"], "dimensions": ["visit:device"]}),
    ("goals", {"metrics": ["visitors", "events"], "dimensions": ["event:goal"]}),
]


def body(query, filtered):
    request = dict(query, site_id=site, date_range=date_range,
                   filters=[["is", filter_dimension, [filter_value]]] if filtered else [])
    if "dimensions" in query and query["dimensions"] != ["time"]:
        request["pagination"] = {"limit": 9, "offset": 0}
        request["include"] = dict(request.get("include", {}), total_rows=True)
    return json.dumps(request)


def ask(payload, times, name, errors):
    try:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        start = time.perf_counter()
        connection.request("POST", "/api/v2/query", payload, {"Content-Type": "application/json"})
        response = connection.getresponse()
        answer = response.read()
        times[name] = (time.perf_counter() - start) * 1000
        if response.status != 200:
            errors.append("%s: %d %s" % (name, response.status, answer[:200]))
        connection.close()
    except OSError as error:
        errors.append("%s: %s" % (name, error))


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


for filtered in (False, True):
    per_query = {name: [] for name, _ in PAGE}
    pages = []
    errors = []
    for run in range(runs + 1):  # the first run warms ClickHouse's caches and is not counted
        times = {}
        threads = [threading.Thread(target=ask, args=(body(query, filtered), times, name, errors))
                   for name, query in PAGE]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        page = (time.perf_counter() - start) * 1000
        if errors:
            break
        if run > 0:
            pages.append(page)
            for name in times:
                per_query[name].append(times[name])
    if errors:
        print("dashboard queries failed: " + "; ".join(errors[:3]), file=sys.stderr)
        sys.exit(1)
    label = "filtered on %s=%s" % (filter_dimension, filter_value) if filtered else "no filter"
    for name, _ in PAGE:
        print("%s\t%s\t%.0f\t%.0f" % (label, name, percentile(per_query[name], 0.5), percentile(per_query[name], 0.95)))
    print("%s\twhole page\t%.0f\t%.0f" % (label, percentile(pages, 0.5), percentile(pages, 0.95)))
