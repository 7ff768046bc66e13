#!/usr/bin/env python3
"""Writes N sample events for `make bench-consumer`, one `session_id<TAB>event JSON` line each:
a mix of types over USERS users and PAGES pages, with server timestamps spread over the last hour;
with a fifth argument SITES > 0, each user belongs to one of SITES sites (`site<k>.example`).

Quick enough for tens of millions of events: timestamps are formatted once per second of the
hour, ids are formatted from random bits directly, and each line (keys sorted, no spaces, no
character that needs escaping) is one format string. The random draws are those of the first
version, in the same order, so a seed gives the same events."""
import random
import sys
from datetime import datetime, timedelta, timezone

count, users, pages = (int(value) for value in sys.argv[1:4])
sites = int(sys.argv[4]) if len(sys.argv) > 4 else 0
random.seed(42)
now = datetime.now(timezone.utc)
stamps = [(now - timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z" for second in range(3600)]
types = ["page_view"] * 6 + ["click"] * 3 + ["session", "signup"]
agents = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
]
referrers = ["https://www.google.com/", "https://twitter.com/", "", "https://news.ycombinator.com/"]
# A version-4 UUID from 128 random bits: version nibble 4, variant bits 10 (as uuid.UUID does).
KEEP = ~((0xF000 << 64) | (0xC000 << 48))
VERSION = (0x4000 << 64) | (0x8000 << 48)
randrange, pareto, bits, choice = random.randrange, random.paretovariate, random.getrandbits, random.choice
write = sys.stdout.write
batch = []
for index in range(count):
    user = randrange(users)
    session = f"session{user}-{randrange(3)}"
    page = f"/page/{int(pareto(1.2)) % pages}"
    stamp = stamps[randrange(3600)]
    h = "%032x" % ((bits(128) & KEEP) | VERSION)
    kind = choice(types)
    referrer = choice(referrers)
    agent = choice(agents)
    load = randrange(100, 5000)
    batch.append(
        f'{session}\t{{"id":"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}","metadata":{{"load_time":{load}}},'
        f'"path":"{page}","referrer":"{referrer}","session_id":"{session}",'
        + (f'"site":"site{user % sites}.example",' if sites else "")
        + f'"timestamp":"{stamp}","type":"{kind}",'
        f'"url":"https://example.com{page}","user_agent":"{agent}","user_id":"user{user}"}}\n'
    )
    if len(batch) == 10_000:
        write("".join(batch))
        batch.clear()
write("".join(batch))
