#!/usr/bin/env bash
# make bench's last step: one table of every figure the bench scripts gave
# (bench_figure in tests/bench/lib.sh), each with the target its issue
# states and whether it is met, and the same as JSON so that runs can be
# compared.  Figures, no pass/fail: the exit status says only whether the
# report could be made.
#
#	tests/bench/report.sh [BUILD]
#	  BENCH_FIGURES  the figures (default BUILD/bench.tsv)
#	  BENCH_JSON     the JSON written (default BUILD/bench.json)
#	  BENCH_COMPARE  a JSON of an earlier run to compare with (default: the
#	                 BENCH_JSON found here, kept as bench.prev.json beside it)
#
# The JSON (schema 1), one figure object per line:
#	{
#	"schema": 1,
#	"date": "2026-11-24T10:40:00Z",          when the report was made, UTC
#	"commit": "b0fc87f...", "dirty": true,   git HEAD (null outside git);
#	                                         dirty: files changed or new
#	"machine": {"nproc": 2, "mem_total_kb": 24684012, "cpu": "...",
#	  "kernel": "6.1.0-...", "loadavg": "1.52 1.20 0.95"},  (at the end)
#	"settings": {"wrk": "-t2 -c32 -d10s, 3 rounds", ...},
#	"figures": [
#	{"name": "state: ours / thin, req/s (median by round)", "value": 1.02,
#	  "unit": "x", "target": ">= 1.0", "met": true},
#	...
#	]}
# value: a number, or "ERR" when the figure was made of error answers (or
# could not be measured); target: the issue's own, null where it gives
# none; met: true or false, null without a target or a value.
#
# Comparing: a run keeps the JSON it finds as bench.prev.json and prints,
# per figure (matched by name), the previous value and the change in %;
# BENCH_COMPARE=old.json compares with any earlier run instead (keep a
# copy of a run's JSON to compare with it later).  By hand:
#	jq -r '.figures[] | [.name, .value] | @tsv' build/bench.json
set -euo pipefail
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
figures=${BENCH_FIGURES:-$BUILD/bench.tsv}
json=${BENCH_JSON:-$BUILD/bench.json}
compare=${BENCH_COMPARE:-}

if [ ! -s "$figures" ]; then
	echo "bench report: no figures in $figures" >&2
	exit 1
fi
if [ -n "$compare" ] && [ ! -f "$compare" ]; then
	echo "bench report: $compare: no such file" >&2
	exit 1
fi
if [ -f "$json" ]; then
	prev=${json%.json}.prev.json
	if [ -z "$compare" ] || [ "$compare" -ef "$json" ]; then
		compare=$prev
	fi
	mv -f "$json" "$prev"
fi

# "name<TAB>value" of every figure of a JSON written by this script (or
# the same re-indented: objects are split at "}", not at lines).
prev_values() {
	awk 'BEGIN { RS = "}" }
	function str(key,   i, c, s) {
		i = index($0, "\"" key "\":")
		if (i == 0) return ""
		s = substr($0, i + length(key) + 3)
		sub(/^[ \t\n]*"/, "", s)
		out = ""
		for (i = 1; i <= length(s); i++) {
			c = substr(s, i, 1)
			if (c == "\\") { i++; out = out substr(s, i, 1); continue }
			if (c == "\"") break
			out = out c
		}
		return out
	}
	index($0, "\"name\":") {
		name = str("name")
		v = $0; sub(/.*"value":[ \t\n]*/, "", v); sub(/[,} \t\n].*/, "", v)
		gsub(/"/, "", v)
		printf "%s\t%s\n", name, v
	}' "$1"
}

commit=$(git -C "$TOP" rev-parse HEAD 2>/dev/null || true)
dirty=null
if [ -n "$commit" ]; then
	dirty=false
	[ -z "$(git -C "$TOP" status --porcelain 2>/dev/null)" ] || dirty=true
fi
mkdir -p "$(dirname "$json")"

# The table on stdout, the JSON into $json.
{
	[ -z "$compare" ] || prev_values "$compare" | sed 's/^/=/'
	cat "$figures"
} | awk -F '\t' -v json="$json" -v compare="$compare" \
	-v date="$(date -u +%Y-%m-%dT%H:%M:%SZ)" -v commit="$commit" -v dirty="$dirty" \
	-v nproc="$(nproc)" -v mem="$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)" \
	-v cpu="$(awk -F ': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
	-v kernel="$(uname -r)" -v loadavg="$(cut -d ' ' -f 1-3 /proc/loadavg)" '
function q(s) {
	gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s)
	return "\"" s "\""
}
function num(v) { return v ~ /^-?[0-9]+(\.[0-9]+)?$/ }
# s padded to w columns (an em dash is three bytes, one column).
function pad(s, w,   t, n) {
	t = s; n = length(s) - 2 * gsub(/—/, "", t)
	while (n++ < w) s = s " "
	return s
}
function lpad(s, w,   t, n, p) {
	t = s; n = length(s) - 2 * gsub(/—/, "", t); p = ""
	while (n++ < w) p = p " "
	return p s
}
/^=/ { sub(/^=/, ""); prev[$1] = $2; inprev[$1] = 1; pn++; porder[pn] = $1; next }
/^@/ { sub(/^@/, ""); sn++; skey[sn] = $1; sval[sn] = $2; next }
NF >= 5 {
	n++; name[n] = $1; value[n] = $2; unit[n] = $3; target[n] = $4; met[n] = $5
	seen[$1] = 1
}
END {
	w = 20
	for (i = 1; i <= n; i++) if (length(name[i]) > w) w = length(name[i])
	printf "\nmake bench: every figure (%s, %s, %d cores)\n\n", date, \
		commit == "" ? "not in git" : substr(commit, 1, 10) (dirty == "true" ? "+changes" : ""), nproc
	head = pad("figure", w + 2) lpad("value", 10) "  " pad("unit", 6) pad("target", 8) pad("met", 7)
	if (compare != "") head = head lpad("before", 10) lpad("change", 9)
	sub(/ +$/, "", head)
	print head
	for (i = 1; i <= n; i++) {
		t = target[i] == "-" ? "—" : target[i]
		m = met[i] == "-" ? "—" : met[i]
		line = pad(name[i], w + 2) lpad(value[i], 10) "  " pad(unit[i], 6) pad(t, 8) pad(m, 7)
		if (compare != "") {
			if (!(name[i] in inprev)) { b = "—"; c = "new" }
			else {
				b = prev[name[i]]; c = "—"
				if (num(value[i]) && num(b) && b + 0 != 0)
					c = sprintf("%+.1f%%", (value[i] - b) * 100 / b)
			}
			line = line lpad(b, 10) lpad(c, 9)
		}
		sub(/ +$/, "", line)
		print line
		if (met[i] == "met") nmet++
		else if (met[i] == "missed") nmissed++
		else if (met[i] == "ERR") nerr++
	}
	printf "\n%d figures: %d targets met, %d missed, %d ERR (error answers, no figure)\n", \
		n, nmet, nmissed, nerr
	if (compare != "") {
		printf "before: %s\n", compare
		for (i = 1; i <= pn; i++)
			if (!(porder[i] in seen)) printf "  not in this run: %s\n", porder[i]
	}

	printf "{\n\"schema\": 1,\n\"date\": %s,\n", q(date) >json
	printf "\"commit\": %s, \"dirty\": %s,\n", commit == "" ? "null" : q(commit), dirty >json
	printf "\"machine\": {\"nproc\": %d, \"mem_total_kb\": %d, \"cpu\": %s, \"kernel\": %s, \"loadavg\": %s},\n", \
		nproc, mem, q(cpu), q(kernel), q(loadavg) >json
	printf "\"settings\": {" >json
	for (i = 1; i <= sn; i++)
		printf "%s%s: %s", (i > 1 ? ", " : ""), q(skey[i]), q(sval[i]) >json
	printf "},\n\"figures\": [\n" >json
	for (i = 1; i <= n; i++)
		printf "{\"name\": %s, \"value\": %s, \"unit\": %s, \"target\": %s, \"met\": %s}%s\n", \
			q(name[i]), num(value[i]) ? value[i] : q(value[i]), q(unit[i]), \
			target[i] == "-" ? "null" : q(target[i]), \
			met[i] == "met" ? "true" : met[i] == "missed" ? "false" : "null", \
			(i < n ? "," : "") >json
	printf "]}\n" >json
	close(json)
	printf "json: %s\n", json
}'
