#!/usr/bin/env bash
# Screenshot a self-contained report.html with headless Chromium.
#
#   scripts/screenshot_report.sh REPORT_HTML OUT_PNG [WIDTHxHEIGHT]
#
# Needs Chromium and CJK fonts (Debian/Ubuntu):
#   sudo apt-get update && sudo apt-get install -y chromium fonts-noto-cjk
# The report fetches nothing; networking is disabled anyway. A throw-away profile
# directory is used and removed afterwards.
set -euo pipefail

if [[ $# -lt 2 || $# -gt 3 ]]; then
  echo "usage: $0 REPORT_HTML OUT_PNG [WIDTHxHEIGHT]" >&2
  exit 2
fi
html_path=$1
out_png=$2
size=${3:-1280x2000}
if [[ ! "$size" =~ ^[0-9]+x[0-9]+$ ]]; then
  echo "error: size must look like 1280x2000, got '$size'" >&2
  exit 2
fi
if [[ ! -f "$html_path" ]]; then
  echo "error: no such file: $html_path" >&2
  exit 2
fi

browser=""
for candidate in chromium chromium-browser google-chrome google-chrome-stable; do
  if command -v "$candidate" >/dev/null 2>&1; then
    browser=$(command -v "$candidate")
    break
  fi
done
if [[ -z "$browser" ]]; then
  echo "error: chromium not found; install it with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y chromium fonts-noto-cjk" >&2
  exit 3
fi
if command -v fc-list >/dev/null 2>&1 && ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  echo "warning: no CJK font found (apt-get install -y fonts-noto-cjk); Chinese will show as boxes" >&2
fi

abs_html=$(cd "$(dirname "$html_path")" && pwd)/$(basename "$html_path")
mkdir -p "$(dirname "$out_png")"
abs_png=$(cd "$(dirname "$out_png")" && pwd)/$(basename "$out_png")
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --no-first-run --hide-scrollbars \
  --user-data-dir="$profile" --window-size="${size/x/,}" \
  --screenshot="$abs_png" "file://$abs_html" 2> >(grep -v -e 'dbus' -e 'Fontconfig' >&2 || true)

if [[ ! -s "$abs_png" ]]; then
  echo "error: no screenshot written to $abs_png" >&2
  exit 1
fi
echo "$abs_png"
