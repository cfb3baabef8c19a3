# Sourced by the integration, browser and bench runners: starts a
# throwaway stack for tests in a new $STACK_DIR and stops it (by PID) when
# the runner exits, whatever happened.
#
#	test_stack_up BUILD WEBROOT [fixtures.sql]
# sets TEST_BASE_URL, TESSIE_ADMIN_PASSWORD, JWT_SECRET, API_PID, PORT.
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
