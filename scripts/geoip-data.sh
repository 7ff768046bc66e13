#!/usr/bin/env bash
# The producer's default country data: IPFire Location's ranges as Debian's tor-geoipdb ships them
# (/usr/share/tor/geoip and geoip6; CC BY-SA 4.0, https://location.ipfire.org/), unpacked into
# data/geoip without installing the package, which would pull in the tor daemon. Kept between
# runs; GEOIP_DATA_DIR chooses another folder. Needs Debian's package lists (apt-get update).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
target="${GEOIP_DATA_DIR:-$root/data/geoip}"
if [[ -s "$target/geoip" && -s "$target/geoip6" ]]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "geoip-data: no apt-get here; copy geoip and geoip6 from Debian's tor-geoipdb into $target" >&2
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
if ! apt-get download tor-geoipdb >/dev/null 2>&1; then
  if [[ "$(id -u)" == "0" ]]; then
    apt-get update -qq >/dev/null
    apt-get download tor-geoipdb >/dev/null 2>&1 || true
  fi
fi
deb="$(ls tor-geoipdb_*.deb 2>/dev/null | head -1 || true)"
if [[ -z "$deb" ]]; then
  echo "geoip-data: could not download tor-geoipdb; countries stay unknown until you run" >&2
  echo "  sudo apt-get update && scripts/geoip-data.sh" >&2
  exit 0
fi
dpkg-deb -x "$deb" unpacked
mkdir -p "$target"
cp unpacked/usr/share/tor/geoip unpacked/usr/share/tor/geoip6 "$target/"
cp unpacked/usr/share/doc/tor-geoipdb/copyright "$target/copyright"
echo "geoip-data: IPFire Location country ranges from $deb in $target"
