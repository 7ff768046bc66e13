#!/usr/bin/env python3
"""From 202 at the producer to the new figure on an open dashboard, for EVENTS events.

usage: dashboard_latency.py PRODUCER_URL DASHBOARD_URL EVENTS

The dashboard is open in headless Chromium; a MutationObserver in the page notes when its
"total events" figure changes and to what. Events are POSTed one at a time, each after the
previous one's 202, at random gaps of 0-500 ms (so some land while the stream is holding back a
snapshot for DASHBOARD_REFRESH_MS and some after a quiet spell). The k-th accepted event is on
the page once the figure reaches the starting total + k; its latency is that moment minus its
202. Both clocks are this machine's.

As the reference, a poller reads /analytics over one kept-alive connection every 5 ms in the
same run: 202 to /analytics is what the producer, Kafka and the consumer take; the dashboard adds
the stream's throttle and the page's rendering on top. Prints one table.
"""
import http.client
import json
import random
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, "scripts")
from browser import Browser  # noqa: E402

producer_url, dashboard_url, events = sys.argv[1], sys.argv[2], int(sys.argv[3])
dashboard = urllib.parse.urlsplit(dashboard_url)
producer = urllib.parse.urlsplit(producer_url)

OBSERVE = """
window.totalsSeen = [];
const figure = document.querySelector('[data-footer="total_events"]');
const note = function () {
  window.totalsSeen.push([Date.now() / 1000, Number(figure.textContent.replace(/,/g, '')) || 0]);
};
new MutationObserver(note).observe(figure, { childList: true, characterData: true, subtree: true });
note();
return true;
"""


def analytics_total(connection):
    connection.request("GET", "/analytics")
    return json.loads(connection.getresponse().read())["total_events"]


def poll_analytics(seen, stop):
    connection = http.client.HTTPConnection(dashboard.hostname, dashboard.port, timeout=10)
    last = None
    while not stop.is_set():
        total = analytics_total(connection)
        if total != last:
            seen.append((time.time(), total))
            last = total
        time.sleep(0.005)


def first_time_at_least(seen, total):
    for moment, value in seen:
        if value >= total:
            return moment
    return None


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main():
    browser = Browser(width=1280, height=900)
    try:
        browser.open(dashboard_url)
        if not browser.wait("return document.body.classList.contains('is-live');", timeout=30):
            sys.exit("bench-dashboard: the dashboard did not go live")
        browser.run(OBSERVE)
        base = analytics_total(http.client.HTTPConnection(dashboard.hostname, dashboard.port, timeout=10))
        polled, stop = [], threading.Event()
        poller = threading.Thread(target=poll_analytics, args=(polled, stop), daemon=True)
        poller.start()

        connection = http.client.HTTPConnection(producer.hostname, producer.port, timeout=30)
        rng = random.Random(1)
        accepted_at = []
        for index in range(events):
            time.sleep(rng.uniform(0, 0.5))
            body = json.dumps({"type": "page_view", "user_id": "bench-%d" % index, "session_id": "bench-%d" % index,
                               "url": "https://bench.example/page/%d" % (index % 20)})
            connection.request("POST", "/event", body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            if response.status != 202:
                sys.exit("bench-dashboard: event %d answered %d" % (index, response.status))
            accepted_at.append(time.time())

        final = base + events
        if not browser.wait("return window.totalsSeen.some(function (s) { return s[1] >= %d; });" % final, timeout=30):
            sys.exit("bench-dashboard: the page never showed all %d events" % events)
        time.sleep(0.1)
        stop.set()
        poller.join()
        shown = browser.run("return window.totalsSeen;")
    finally:
        browser.close()

    page, api = [], []
    for index, accepted in enumerate(accepted_at):
        page.append(first_time_at_least(shown, base + index + 1) - accepted)
        api.append(first_time_at_least(polled, base + index + 1) - accepted)
    print("| %d events, 0-500 ms apart | p50 | p90 | p99 | max |" % events)
    print("|---|---|---|---|---|")
    for label, values in (("202 → figure on the dashboard", page), ("202 → /analytics (reference)", api)):
        print("| %s | %s |" % (label, " | ".join("%.0f ms" % (1000 * v) for v in (
            percentile(values, 0.5), percentile(values, 0.9), percentile(values, 0.99), max(values)))))
    print("dashboard / reference at p50: %.2fx, at p99: %.2fx" % (
        percentile(page, 0.5) / max(percentile(api, 0.5), 1e-6), percentile(page, 0.99) / max(percentile(api, 0.99), 1e-6)))
    goal = percentile(page, 0.99) <= 2.0
    print("goal p99 <= 2 s: %s" % ("met" if goal else "NOT met"))


if __name__ == "__main__":
    main()
