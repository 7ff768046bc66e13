#!/usr/bin/env bash
# `make screenshot`: docs/dashboard.png, the dashboard with real data. Starts the development
# broker, a producer and a consumer, sends scripts/demo_traffic.py's sessions through the producer
# over ~20 s, and photographs the whole page in headless Chromium at 1440 CSS pixels.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${BIN:-bin}"
OUTPUT="${OUTPUT:-docs/dashboard.png}"
source scripts/bench-common.sh

start_pipeline
python3 scripts/demo_traffic.py --producer "$producer_url" --sessions "${SESSIONS:-160}" --duration "${SPREAD:-20}"
mkdir -p "$(dirname "$OUTPUT")"
python3 - "$dashboard_url" "$OUTPUT" <<'PY'
import sys
import time

sys.path.insert(0, "scripts")
from browser import Browser

url, output = sys.argv[1], sys.argv[2]
browser = Browser(width=1440, height=900)
try:
    browser.open(url)
    if not browser.wait("return document.body.classList.contains('is-live');", timeout=20):
        sys.exit("screenshot: the dashboard did not go live")
    time.sleep(1.5)  # the figures of the last events, and the bars' widths settled
    browser.full_page_screenshot(output, 1440)
finally:
    browser.close()
print("screenshot: wrote " + output)
PY
