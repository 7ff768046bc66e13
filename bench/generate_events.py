#!/usr/bin/env python3
"""Writes N sample events for `make bench-consumer`, one `session_id<TAB>event JSON` line each:
a mix of types over USERS users and PAGES pages, with server timestamps spread over the last hour."""
import json
import random
import sys
import uuid
from datetime import datetime, timedelta, timezone

count, users, pages = (int(value) for value in sys.argv[1:4])
random.seed(42)
now = datetime.now(timezone.utc)
types = ["page_view"] * 6 + ["click"] * 3 + ["session", "signup"]
agents = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
]
referrers = ["https://www.google.com/", "https://twitter.com/", "", "https://news.ycombinator.com/"]
out = sys.stdout
for index in range(count):
    user = random.randrange(users)
    session = f"session{user}-{random.randrange(3)}"
    page = f"/page/{int(random.paretovariate(1.2)) % pages}"
    stamp = (now - timedelta(seconds=random.randrange(3600))).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    event = {
        "id": str(uuid.UUID(int=random.getrandbits(128), version=4)),
        "type": random.choice(types),
        "user_id": f"user{user}",
        "session_id": session,
        "url": "https://example.com" + page,
        "path": page,
        "referrer": random.choice(referrers),
        "user_agent": random.choice(agents),
        "metadata": {"load_time": random.randrange(100, 5000)},
        "timestamp": stamp,
    }
    out.write(session + "\t" + json.dumps(event, separators=(",", ":"), sort_keys=True) + "\n")
