#!/usr/bin/env bash
# Installs what building and testing need from Debian's packages, when missing:
# librdkafka-dev, zlib1g-dev and libmaxminddb-dev (found with pkg-config; zlib inflates compressed
# request bodies, libmaxminddb reads GEOIP_DB), kcat (tests read the topic back with it),
# clickhouse-server (the history store; installed without starting its service) and curl
# (examples/send_events.sh); with --browser also chromium, chromium-driver, an emoji font (the
# dashboard's tests, `make screenshot`) and libmaxmind-db-writer-perl (the tests' .mmdb); and the default country data (scripts/geoip-data.sh). As root it runs apt-get; otherwise it prints the command.
set -euo pipefail

missing=()
pkg-config --exists rdkafka 2>/dev/null || missing+=(librdkafka-dev)
pkg-config --exists zlib 2>/dev/null || missing+=(zlib1g-dev)
pkg-config --exists libmaxminddb 2>/dev/null || missing+=(libmaxminddb-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
# The history store (tests start their own server; `make run` a local one): Debian's 18.16.
[[ -x /usr/sbin/clickhouse-server || -x /usr/bin/clickhouse-server ]] || missing+=(clickhouse-server)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [[ "${1:-}" == "--browser" ]]; then
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  [[ -x /usr/bin/chromedriver ]] || missing+=(chromium-driver)
  # The tests write their own .mmdb country database with it (GEOIP_DB).
  perl -MMaxMind::DB::Writer::Tree -e 1 2>/dev/null || missing+=(libmaxmind-db-writer-perl)
  # Country flags are emoji (regional indicators): without a colour emoji font they are boxes.
  [[ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ]] || missing+=(fonts-noto-color-emoji)
fi

# The default country data (IPFire Location via tor-geoipdb) into data/geoip, whatever else is missing.
"$(dirname "$0")/geoip-data.sh"

if ((${#missing[@]} == 0)); then
  exit 0
fi

if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
  echo "deps: installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Packages with a service (clickhouse-server) are not started by the install: ours run as
  # ordinary processes with configurations of their own.
  no_start=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && no_start=1
  fi
  status=0
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || status=$?
  [[ -n "$no_start" ]] && rm -f /usr/sbin/policy-rc.d
  exit "$status"
fi

echo "deps: missing ${missing[*]}. Install them with:" >&2
echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
exit 1
