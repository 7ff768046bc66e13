#!/usr/bin/env python3
"""Sends a plausible site's traffic to the producer: visitors in sessions of a few page views,
coming from search, social and direct, on phones and desktops, with clicks, custom events and
page-load times. For `make screenshot` and for trying the dashboard by hand.

usage: demo_traffic.py [--producer http://localhost:8080] [--sessions 120] [--seed 7] [--duration 0]
                       [--days 0 --import-token TOKEN]

With --duration, each session's events go out in steps spread over that many seconds, so sessions
last a while and the charts show more than one minute. With --days, the sessions are spread over
the past that many days (more of them lately, fewer at weekends) and sent with their own
timestamps through the producer's IMPORT_TOKEN, for the history views.
"""
import argparse
import datetime
import json
import random
import sys
import time
import urllib.request
import uuid

PAGES = ["/", "/pricing", "/docs/getting-started", "/blog/kafka-in-swift", "/docs/configuration",
         "/features", "/blog/hyperloglog-explained", "/signup", "/about", "/docs/operations",
         "/changelog", "/contact"]
REFERRERS = [None, None, None, "https://www.google.com/search?q=swift+analytics", "https://news.ycombinator.com/",
             "https://twitter.com/someone/status/1", "https://github.com/example/repo", "https://duckduckgo.com/",
             "https://www.reddit.com/r/swift/", "https://www.bing.com/search?q=kafka"]
AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0",
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
]
CUSTOM = ["signup", "newsletter_subscribe", "download_pdf", "video_play"]
# Public addresses whose countries IPFire Location knows (US, GB, DE, FR, NL, JP, BR, SE, AU), so
# the Countries card has something to show; the producer anonymizes them before publishing.
ADDRESSES = ["8.8.8.8", "151.101.1.1", "81.2.69.142", "212.58.244.1", "85.214.132.117", "78.46.0.1",
             "94.23.0.1", "51.15.0.1", "133.242.0.1", "200.160.2.3", "130.237.0.1", "1.1.1.1"]
ADDRESS_WEIGHTS = [20, 8, 12, 5, 12, 6, 8, 5, 6, 4, 3, 3]


CAMPAIGNS = [None, "utm_source=newsletter&utm_medium=email&utm_campaign=winter_sale",
             "utm_source=twitter&utm_medium=social&utm_campaign=spring_launch", "ref=producthunt"]


def session_events(rng):
    number = rng.randint(1, 400)
    user = "visitor-%d" % number
    # Each visitor keeps one address (and so one country) across sessions.
    address = random.Random(number).choices(ADDRESSES, weights=ADDRESS_WEIGHTS)[0]
    session = str(uuid.UUID(int=rng.getrandbits(128)))
    agent = rng.choice(AGENTS)
    referrer = rng.choice(REFERRERS)
    campaign = rng.choices(CAMPAIGNS, weights=[70, 15, 10, 5])[0]
    pages = [rng.choices(PAGES, weights=[30, 12, 10, 9, 7, 6, 5, 4, 3, 3, 2, 1])[0]]
    for _ in range(rng.choices([0, 1, 2, 3, 5], weights=[40, 25, 15, 12, 8])[0]):
        pages.append(rng.choice(PAGES))
    events = []
    for index, path in enumerate(pages):
        event = {"type": "page_view", "user_id": user, "session_id": session, "url": "https://shop.example" + path,
                 "user_agent": agent, "metadata": {"load_time": round(rng.lognormvariate(6.4, 0.45))}}
        if index == 0 and referrer:
            event["referrer"] = referrer
        if index == 0 and campaign:
            event["url"] += ("&" if "?" in event["url"] else "?") + campaign
        events.append(event)
        if rng.random() < 0.35:
            events.append({"type": "click", "user_id": user, "session_id": session,
                           "url": "https://shop.example" + path, "metadata": {"element": "cta"}})
    if rng.random() < 0.3:
        events.append({"type": rng.choice(CUSTOM), "user_id": user, "session_id": session,
                       "url": "https://shop.example" + pages[-1]})
    events.append({"type": "session", "user_id": user, "session_id": session, "metadata": {"action": "end"}})
    # All from the visitor's browser: without it, urllib's own user agent would mark them as bots.
    # Two sites, as one deployment usually serves: most visitors on the shop, some on its blog.
    site = "shop.example" if number % 4 else "blog.example"
    for event in events:
        event.setdefault("user_agent", agent)
        event["site"] = site
        event["ip_address"] = address
    return events


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--producer", default="http://localhost:8080")
    parser.add_argument("--sessions", type=int, default=120)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--duration", type=float, default=0)
    parser.add_argument("--days", type=int, default=0)
    parser.add_argument("--import-token")
    options = parser.parse_args()
    rng = random.Random(options.seed)
    if options.days > 0:
        return backfill(options, rng)
    steps = 8
    waves = [[] for _ in range(steps)]
    for _ in range(options.sessions):
        events = session_events(rng)
        first = rng.randrange(steps) if options.duration > 0 else 0
        for index, event in enumerate(events):
            waves[min(first + index, steps - 1) if options.duration > 0 else 0].append(event)
    total = sum(len(wave) for wave in waves)
    accepted = 0
    for number, wave in enumerate(waves):
        if number > 0 and options.duration > 0:
            time.sleep(options.duration / (steps - 1))
        for start in range(0, len(wave), 200):
            accepted += post(options.producer, wave[start:start + 200])
    print("demo traffic: %d of %d events accepted" % (accepted, total))
    return 0 if accepted == total else 1


def backfill(options, rng):
    """Sessions over the past --days days, each event with its own past timestamp."""
    if not options.import_token:
        print("demo traffic: --days needs --import-token (the producer's IMPORT_TOKEN)", file=sys.stderr)
        return 2
    now = datetime.datetime.now(datetime.timezone.utc)
    # Traffic grows towards today and dips at weekends, so comparisons have something to show.
    days = list(range(1, options.days + 1))
    weights = [(1.0 + (options.days - day) / options.days) * (0.6 if (now - datetime.timedelta(days=day)).weekday() >= 5
                                                              else 1.0) for day in days]
    events = []
    for _ in range(options.sessions):
        day = rng.choices(days, weights=weights)[0]
        start = (now - datetime.timedelta(days=day)).replace(hour=0, minute=0, second=0, microsecond=0)
        start += datetime.timedelta(seconds=rng.randrange(6 * 3600, 23 * 3600))
        for index, event in enumerate(session_events(rng)):
            moment = start + datetime.timedelta(seconds=index * rng.randrange(15, 120))
            event["timestamp"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
            events.append(event)
    accepted = 0
    for start in range(0, len(events), 500):
        accepted += post(options.producer, events[start:start + 500], options.import_token)
    print("demo traffic: %d of %d events accepted, over %d days" % (accepted, len(events), options.days))
    return 0 if accepted == len(events) else 1


def post(producer, events, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    request = urllib.request.Request(producer + "/events", data=json.dumps(events).encode(), headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["accepted"]


if __name__ == "__main__":
    sys.exit(main())
