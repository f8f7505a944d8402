#!/bin/sh
# A PNG screenshot of a whole barometer report, as an analyst sees it on a laptop.
#
#   docs/render_report.sh REPORT.html OUT.png
#
# Opens REPORT.html (e.g. outbox/barometer/barometer.html) in Debian's headless chromium at
# 1400 px wide (WIDTH=... to change), measures the page, and writes a screenshot of all of it.
# Nothing is fetched from the network: the report holds its scripts and data.
# Needs chromium:  apt-get update && apt-get install chromium
# (and fonts-dejavu-core when text shows as boxes).
set -eu

WIDTH=${WIDTH:-1400}
if [ $# -ne 2 ]; then
    echo "usage: $0 REPORT.html OUT.png" >&2
    exit 2
fi
if [ ! -f "$1" ]; then
    echo "$0: no such report: $1" >&2
    exit 2
fi
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "$0: chromium is not installed; install it with: apt-get install chromium" >&2
    exit 3
fi

report=$(realpath "$1")
out=$(realpath -m "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

shoot() {   # shoot HEIGHT ARGS... : chromium headless at WIDTH x HEIGHT with a throwaway profile
    height=$1
    shift
    "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
        --user-data-dir="$work/profile" --window-size="$WIDTH,$height" \
        --virtual-time-budget=5000 "$@" 2>"$work/chromium.log"
}

# Pass 1: a copy that writes its own height into the title once loaded.
cp "$report" "$work/measure.html"
echo '<script>addEventListener("load",function(){document.title="height:"+document.documentElement.scrollHeight})</script>' \
    >>"$work/measure.html"
height=$(shoot 900 --dump-dom "file://$work/measure.html" | sed -n 's/.*<title>height:\([0-9]*\)<\/title>.*/\1/p')
if [ -z "$height" ]; then
    echo "$0: chromium could not open the report; its log:" >&2
    cat "$work/chromium.log" >&2
    exit 1
fi

# Pass 2: the report itself, in a window as tall as the page.
shoot "$height" --screenshot="$out" "file://$report" >/dev/null
if [ ! -s "$out" ]; then
    echo "$0: chromium wrote no screenshot; its log:" >&2
    cat "$work/chromium.log" >&2
    exit 1
fi
echo "$out: ${WIDTH}x$height"
