#!/usr/bin/env bash
# Figures, no pass/fail: the web app's initial payload, the files
# web/dist/index.html loads before any route (its script, the chunks it
# preloads and its CSS), gzip -9 as nginx could send them, and the largest
# lazy chunk.  Target (issue 6): the initial payload under 250 KB gzip.
#
#	tests/bench/web.sh
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP/web"
[ -f dist/index.html ] || npm run --silent build >/dev/null
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
printf '%-44s %9s %15s gzip (lazy)\n' "largest chunk: ${largest#dist/}" "" \
	"$(gzip -9c "$largest" | wc -c)"
