#!/usr/bin/env bash
# `make screenshot`: docs/dashboard.png (the shop's dashboard) and docs/dashboard-sites.png (the
# overview of both demo sites), with real data. Starts the development broker, a producer and a
# consumer, sends scripts/demo_traffic.py's sessions (two sites, visitors from several countries)
# through the producer over ~20 s, and photographs each whole page in headless Chromium at 1440
# CSS pixels.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${BIN:-bin}"
OUTPUT="${OUTPUT:-docs/dashboard.png}"
OVERVIEW="${OVERVIEW:-docs/dashboard-sites.png}"
source scripts/bench-common.sh

start_pipeline
python3 scripts/demo_traffic.py --producer "$producer_url" --sessions "${SESSIONS:-160}" --duration "${SPREAD:-20}"
mkdir -p "$(dirname "$OUTPUT")"
python3 - "$dashboard_url" "$OUTPUT" "$OVERVIEW" <<'PY'
import sys
import time

sys.path.insert(0, "scripts")
from browser import Browser

url, output, overview = sys.argv[1], sys.argv[2], sys.argv[3]
browser = Browser(width=1440, height=900)
try:
    for page, path in [(url, overview), (url.rstrip("/") + "/?site=shop.example", output)]:
        browser.open(page)
        if not browser.wait("return document.body.classList.contains('is-live');", timeout=20):
            sys.exit("screenshot: " + page + " did not go live")
        time.sleep(1.5)  # the figures of the last events, and the bars' widths settled
        browser.full_page_screenshot(path, 1440)
        print("screenshot: wrote " + path)
finally:
    browser.close()
PY
