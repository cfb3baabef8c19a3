# Sourced by the integration, browser and bench runners: starts a
# throwaway stack for tests in a new $STACK_DIR and stops it (by PID) when
# the runner exits, whatever happened.
#
#	test_stack_up BUILD WEBROOT [fixtures.sql]
# sets TEST_BASE_URL, TESSIE_ADMIN_PASSWORD, JWT_SECRET, API_PID, PORT.
#	test_stack_api_under BUILD CMD...	(tessie-api under CMD)
#	test_stack_sim NAME CMD...	(a Fleet API simulator: CMD runs tessie-sim)
. "$(dirname "${BASH_SOURCE[0]}")/../deploy/stack.sh"

test_stack_cleanup() {
	stack_stop
	if [ "${KEEP_STACK:-}" = 1 ]; then
		echo "# stack kept in $STACK_DIR" >&2
	else
		rm -rf "$STACK_DIR"
	fi
}

test_stack_up() {
	local build=$1 webroot=$2 fixtures=${3:-}
	STACK_DIR=$(mktemp -d /tmp/tessie-test.XXXXXX)
	chmod 0755 "$STACK_DIR"
	export STACK_DIR
	trap test_stack_cleanup EXIT

	JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
	TESSIE_ADMIN_PASSWORD=t-$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n')
	ENCRYPTION_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d " \n")
	export JWT_SECRET TESSIE_ADMIN_PASSWORD ENCRYPTION_KEY
	export TESSIE_WORKERS=${TESSIE_WORKERS:-3}
	export TESSIE_LOG_LEVEL=${TESSIE_LOG_LEVEL:-warn}
	unset TESSIE_ENV_FILE

	stack_pg_start "$STACK_DIR/pg" -c fsync=off -c synchronous_commit=off \
		-c full_page_writes=off || return 1
	"$build/tessie-admin" migrate -d "$TOP/sql" >/dev/null || return 1
	"$build/tessie-admin" set-password >/dev/null || return 1
	if [ -n "$fixtures" ]; then
		stack_psql <"$fixtures" >/dev/null || return 1
	fi
	stack_api_start "$build" || return 1
	PORT=$(free_port)
	stack_nginx_start "$PORT" "$webroot" "${LOGIN_RATE:-600r/m}" || return 1
	export TEST_BASE_URL=http://127.0.0.1:$PORT
}

# test_stack_api_under BUILD CMD...: tessie-api (stopped first if it runs)
# started again as CMD... BUILD/tessie-api, e.g. under valgrind.  CMD must
# exec it or stay its parent: API_PID is CMD's.
test_stack_api_under() {
	local build=$1 wrap=$STACK_DIR/under
	shift
	if [ -n "${API_PID:-}" ] && kill -TERM "$API_PID" 2>/dev/null; then
		while kill -0 "$API_PID" 2>/dev/null; do sleep 0.05; done
	fi
	mkdir -p "$wrap"
	printf '#!/usr/bin/env bash\nexec %s %q "$@"\n' "$(printf '%q ' "$@")" \
		"$build/tessie-api" >"$wrap/tessie-api"
	chmod +x "$wrap/tessie-api"
	stack_api_start "$wrap"
}

# test_stack_sim NAME CMD...: a Fleet API simulator, CMD... being
# tessie-sim -p 0 and its options (or a wrapper that execs it), its output
# in $STACK_DIR/NAME.out and .log, stopped with the stack.  Once it listens:
# SIM_PID, SIMPORT, TEST_SIM_URL, and the TESLA_* settings that point the jobs and
# tessie-api at it (tessie-api reads them when it starts).
test_stack_sim() {
	local name=$1 pid
	shift
	"$@" >"$STACK_DIR/$name.out" 2>"$STACK_DIR/$name.log" &
	pid=$!
	SIM_PID=$pid
	stack_record sim $pid
	SIMPORT=
	for _ in $(seq 1 400); do
		SIMPORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
			"$STACK_DIR/$name.out" 2>/dev/null || true)
		[ -n "$SIMPORT" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if [ -z "$SIMPORT" ]; then
		echo "not ok - the simulator did not start; its log:"
		sed 's/^/#   /' "$STACK_DIR/$name.log" 2>/dev/null | tail -n 20
		return 1
	fi
	export SIMPORT TEST_SIM_URL=http://127.0.0.1:$SIMPORT
	export TESLA_API_BASE_URL=$TEST_SIM_URL TESLA_AUTH_URL=$TEST_SIM_URL
	export TESLA_CLIENT_ID=tessie-sim TESLA_CLIENT_SECRET=sim-secret
	export TESLA_REDIRECT_URI=$TEST_BASE_URL/api/auth/tesla/callback
}
