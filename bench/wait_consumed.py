#!/usr/bin/env python3
"""Waits until the consumer with process id PID, started at START (Unix seconds), has consumed
EVENTS records, reading `records_consumed_total` from its /metrics on PORT, and prints two
numbers: seconds from START to then, and events/s once records flow (from the first poll that saw
any, counting only the records after it).

One kept-alive connection, polled every 0.2 s until four fifths of the records are in and every
10 ms after: the end of the run is seen within ~10 ms instead of up to 0.2 s late (on a 1.5 s run
that lateness alone made the rate up to an eighth lower), without starting a process per poll.
Exits 1 if the consumer exits first."""
import http.client
import os
import sys
import time

port, events, pid, start = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])


def consumed(connection):
    connection.request("GET", "/metrics")
    response = connection.getresponse()
    body = response.read().decode()
    if response.status != 200:
        raise OSError(f"/metrics answered {response.status}")
    for line in body.splitlines():
        if line.startswith("records_consumed_total "):
            return int(float(line.split()[1]))
    return 0


def alive():
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child that exited but was not reaped yet still answers kill -0.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


connection = None
first_seen = first_count = None
count = 0
while count < events:
    time.sleep(0.01 if count >= events * 4 // 5 else 0.2)
    if not alive():
        sys.exit(1)
    try:
        # Until the consumer has read the partials topic and opened its port, this fails: not an error.
        connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        count = consumed(connection)
    except (OSError, http.client.HTTPException):
        connection = None
        continue
    now = time.time()
    if first_seen is None and count > 0:
        first_seen, first_count = now, count

end = time.time()
print(f"{end - start:.3f} {int((events - first_count) / max(end - first_seen, 1e-3))}")
