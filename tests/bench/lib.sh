# shellcheck shell=bash
# Sourced by the bench scripts (tests/bench/*.sh): the one way they give
# their figures to the report (tests/bench/report.sh), the wrk measurement
# they share, and the memory of the stack's long-lived processes.
#
# bench_figure NAME VALUE UNIT [TARGET]
#	appends "NAME<TAB>VALUE<TAB>UNIT<TAB>TARGET<TAB>MET" to the file
#	$BENCH_FIGURES names (nothing when it is unset: a script run alone
#	prints only its own section).  TARGET is "< 5", "<= 64", ">= 1.0",
#	... as the issue states it, or empty for none ("-" in the file); MET
#	is met, missed, "-" (no target) or ERR (VALUE is not a number: a
#	figure made of error answers is ERR, never a number).
# bench_setting KEY VALUE
#	records a setting of the run ("@KEY<TAB>VALUE"), e.g. wrk's duration,
#	so that runs with different settings are not compared unawares.
# bench_stack_up BUILD
#	a throwaway stack (tests/stack-up.sh, sourced first) whose nginx
#	serves a web root of one page, $www; both go when the script exits.
#	Settings such as NGINX_API_RATE go before it, as for test_stack_up.

if [ -n "${BENCH_FIGURES:-}" ]; then
	case $BENCH_FIGURES in
	/*) ;;
	*) BENCH_FIGURES=$PWD/$BENCH_FIGURES ;;
	esac
	export BENCH_FIGURES
fi

bench_figure() {
	[ -n "${BENCH_FIGURES:-}" ] || return 0
	awk -v name="$1" -v value="$2" -v unit="$3" -v target="${4:-}" 'BEGIN {
		gsub(/\t/, " ", name)
		met = "-"
		if (value !~ /^-?[0-9]+(\.[0-9]+)?$/) {
			value = met = "ERR"
		} else if (target != "") {
			op = target; sub(/[ 0-9.]+$/, "", op)
			lim = target; sub(/^[<>=]+ */, "", lim)
			v = value + 0; lim += 0
			if (op == "<") ok = v < lim
			else if (op == "<=") ok = v <= lim
			else if (op == ">") ok = v > lim
			else if (op == ">=") ok = v >= lim
			else if (op == "=") ok = v == lim
			else { print "bench_figure: bad target " target >"/dev/stderr"; exit 1 }
			met = ok ? "met" : "missed"
		}
		printf "%s\t%s\t%s\t%s\t%s\n", name, value, unit, target == "" ? "-" : target, met
	}' >>"$BENCH_FIGURES"
}

bench_setting() {
	[ -n "${BENCH_FIGURES:-}" ] || return 0
	printf '@%s\t%s\n' "$1" "$2" >>"$BENCH_FIGURES"
}

# Busy CPU time of the whole machine so far, in clock ticks.
bench_busy_ticks() {
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8; exit }' /proc/stat
}

# bench_wrk CONNECTIONS WRK-ARGS...: wrk -t$THREADS -d$DURATION, printing
# "req/s p50-ms p99-ms cpu-us-per-request" (the busy CPU time of the whole
# machine per request: wrk, nginx, workers and PostgreSQL together,
# steadier than requests/s on a small machine).  Any non-2xx answer or
# socket error makes every figure ERR (wrk's output goes to stderr).
bench_wrk() {
	local c=$1 out b0 b1
	shift
	b0=$(bench_busy_ticks)
	out=$(wrk -t"${THREADS:-2}" -c"$c" -d"${DURATION:-10s}" \
		--timeout 30s --latency "$@")
	b1=$(bench_busy_ticks)
	if echo "$out" | grep -qE "Non-2xx|Socket errors"; then
		echo "bench: errors from $*:" >&2
		echo "$out" >&2
		echo "ERR ERR ERR ERR"
		return
	fi
	awk -v ticks=$((b1 - b0)) -v hz="$(getconf CLK_TCK)" '
	function ms(v) {
		if (v ~ /us$/) return v / 1000
		if (v ~ /ms$/) return v + 0
		if (v ~ /s$/) return v * 1000
		return v
	}
	/requests in/ { n = $1 }
	/Requests\/sec/ { rps = $2 }
	$1 == "50%" { p50 = ms($2) }
	$1 == "99%" { p99 = ms($2) }
	END { printf "%.0f %.2f %.2f %.0f\n", rps, p50, p99, n ? ticks * 1e6 / hz / n : 0 }' <<<"$out"
}

# bench_procs: one line per long-lived process of this stack -- the
# nginx, tessie-api and PostgreSQL masters recorded in $STACK_DIR/pids
# and their children: "kind pid VmRSS Pss own title", in kB, where own is
# Pss_Anon + Pss_Shmem: the process's share of the memory it shares only
# with its own stack (copy-on-write pages after fork, PostgreSQL's shared
# buffers), without the pages of the binaries and libraries, which every
# other stack on the machine running the same files shares too (so Pss
# moves with what else runs).  Pss and own are "-" when
# /proc/PID/smaps_rollup cannot be read (another user's process without
# root); own is Pss on kernels without Pss_Anon.  Kinds: nginx-master,
# nginx-worker, api-master, api-worker, pg-postmaster, pg-backend (a
# client connection), pg-aux (checkpointer, writers, launchers).
bench_procs() {
	local name m p kind title rss pss own
	while read -r name m; do
		case $name in
		api | nginx | pg) ;;
		*) continue ;;
		esac
		for p in "$m" $(pgrep -P "$m"); do
			title=$(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline") || continue
			rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null) || continue
			read -r pss own < <(awk '
				$1 == "Pss:" { pss = $2 }
				$1 == "Pss_Anon:" || $1 == "Pss_Shmem:" { own += $2; split_ = 1 }
				END { if (pss == "") print "- -"; else print pss, split_ ? own : pss }' \
				"/proc/$p/smaps_rollup" 2>/dev/null || echo "- -")
			case $name:$p in
			*:"$m") kind=$name-master ;;
			pg:*)
				case $title in
				*checkpointer* | *writer* | *launcher* | *archiver* | \
					*"stats collector"* | *walsender* | *walreceiver*) kind=pg-aux ;;
				*) kind=pg-backend ;;
				esac
				;;
			*) kind=$name-worker ;;
			esac
			[ "$kind" = pg-master ] && kind=pg-postmaster
			printf '%s %s %s %s %s %s\n' "$kind" "$p" "${rss:-0}" "${pss:--}" "${own:--}" \
				"$(echo "$title" | tr ' ' '_' | cut -c1-40)"
		done
	done <"$STACK_DIR/pids"
}

bench_stack_up() {
	www=$(mktemp -d /tmp/tessie-bench-www.XXXXXX)
	chmod 0755 "$www"
	echo '<!doctype html><title>bench</title>' >"$www/index.html"
	test_stack_up "$1" "$www"
	trap 'test_stack_cleanup; rm -rf "$www"' EXIT
}
