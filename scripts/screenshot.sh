#!/usr/bin/env bash
# `make screenshot`: docs/dashboard.png (the shop's last 30 days from the history, compared with
# the 30 days before) and docs/dashboard-sites.png (the overview of both demo sites, live), with
# real data. Starts the development broker, a ClickHouse, a producer and a consumer, imports
# scripts/demo_traffic.py's sessions over the past 60 days (two sites, visitors from several
# countries) through IMPORT_TOKEN, sends live sessions over ~20 s, and photographs each whole page
# in headless Chromium at 1440 CSS pixels.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${BIN:-bin}"
OUTPUT="${OUTPUT:-docs/dashboard.png}"
OVERVIEW="${OVERVIEW:-docs/dashboard-sites.png}"
source scripts/bench-common.sh

start_clickhouse
export CLICKHOUSE_URL="$clickhouse_url" IMPORT_TOKEN="screenshot-import-$RANDOM$RANDOM$RANDOM" IMPORT_MAX_AGE_DAYS=90
export GOALS="Signup=event:signup,Pricing=page:/pricing"
start_pipeline
python3 scripts/demo_traffic.py --producer "$producer_url" --sessions "${PAST_SESSIONS:-6000}" --days 60 --seed 11 \
  --import-token "$IMPORT_TOKEN"
python3 scripts/demo_traffic.py --producer "$producer_url" --sessions "${SESSIONS:-160}" --duration "${SPREAD:-20}"
# The history holds every event once the writer's count stops growing.
stored=-1
for _ in $(seq 1 60); do
  now_stored=$(curl -fsS "$clickhouse_url/" --data-binary "SELECT count() FROM analytics.events" 2>/dev/null || echo 0)
  [[ "$now_stored" == "$stored" && "$now_stored" != 0 ]] && break
  stored=$now_stored
  sleep 2
done
mkdir -p "$(dirname "$OUTPUT")"
python3 - "$dashboard_url" "$OUTPUT" "$OVERVIEW" <<'PY'
import sys
import time

sys.path.insert(0, "scripts")
from browser import Browser

url, output, overview = sys.argv[1], sys.argv[2], sys.argv[3]
browser = Browser(width=1440, height=900)
try:
    ready = {
        overview: "return document.body.classList.contains('is-live');",
        output: "return document.getElementById('status-text').textContent.startsWith('History ·');",
    }
    for page, path in [(url, overview), (url.rstrip("/") + "/?site=shop.example&range=30d", output)]:
        browser.open(page)
        if not browser.wait(ready[path], timeout=30):
            sys.exit("screenshot: " + page + " did not load")
        time.sleep(1.5)  # the figures of the last events, and the bars' widths settled
        browser.full_page_screenshot(path, 1440)
        print("screenshot: wrote " + path)
finally:
    browser.close()
PY
