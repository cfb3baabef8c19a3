#!/usr/bin/env bash
# Figures, no pass/fail: the web app's initial payload, the files
# web/dist/index.html loads before any route (its script, the chunks it
# preloads and its CSS), gzip -9 as nginx could send them, and the largest
# lazy chunk.  Target (issue 6): the initial payload under 250 KB gzip.
#
#	tests/bench/web.sh
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/bench/lib.sh"
cd "$TOP/web"
[ -f dist/index.html ] || npm run --silent build >/dev/null
if [ -n "$(find src index.html -newer dist/index.html -print -quit 2>/dev/null)" ]; then
	echo "web: web/dist is older than web/src: these are the last build's figures" >&2
fi
total=0
printf '\nweb: initial payload (gzip -9; target under 250 KB)\n\n'
for f in $(grep -o '\(src\|href\)="\./assets/[^"]*\.\(js\|css\)"' dist/index.html |
	sed 's/.*="\.\/\(.*\)"/\1/'); do
	raw=$(wc -c <"dist/$f")
	gz=$(gzip -9c "dist/$f" | wc -c)
	total=$((total + gz))
	printf '%-44s %9s bytes %9s gzip\n' "$f" "$raw" "$gz"
done
printf '%-44s %9s %15s gzip\n' "initial payload" "" "$total"
largest=$(ls -S dist/assets/*.js | head -1)
lazy=$(gzip -9c "$largest" | wc -c)
printf '%-44s %9s %15s gzip (lazy)\n' "largest chunk: ${largest#dist/}" "" "$lazy"
# Issue 6: aim under 250 KB (kB of 1,000 bytes: the stricter reading).
kb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1000 }'; }
bench_figure "web: initial payload, gzip -9" "$(kb "$total")" kB "< 250"
bench_figure "web: largest lazy chunk, gzip -9" "$(kb "$lazy")" kB
