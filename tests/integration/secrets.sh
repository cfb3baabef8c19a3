#!/usr/bin/env bash
# After the integration tests, on the stack they ran against: what the
# service wrote down must hold no secret.  TAP lines.
#   - tessie-api's log, nginx's access and error logs and PostgreSQL's log
#     hold no login token or Tesla token (a JWT), no refresh token, no
#     admin password, JWT_SECRET or ENCRYPTION_KEY, and no coordinate;
#   - a plain-text dump of the database holds no Tesla token in clear: no
#     JWT, no refresh token of the simulator, nothing its tokens start with.
# The simulator's own log is Tesla's side, not ours: not read.
#
#	tests/integration/secrets.sh	(STACK_DIR, PGBIN and the stack's env)
set -uo pipefail

pgrun=
[ "$(id -u)" -eq 0 ] && pgrun="runuser -u postgres --"
pg() { (cd / && $pgrun "$PGBIN/$1" -h "$STACK_DIR/pg/sock" -U tessie "${@:2}"); }

# A Tesla account connected now, so that the dump holds its tokens (the
# tests end with it disconnected), after the tests' failed logins.
pg psql -d tessie -qtA -c "DELETE FROM login_attempts" >/dev/null
token=$(curl -sf -H 'Content-Type: application/json' \
	-d "{\"password\":\"$TESSIE_ADMIN_PASSWORD\"}" \
	"$TEST_BASE_URL/api/auth/login" | sed 's/.*"token":"\([^"]*\)".*/\1/')
curl -sf -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
	-d '{"refresh_token":"sim-refresh-token-0"}' "$TEST_BASE_URL/api/auth/token"
sleep 1.5 # nginx writes its access log every second

logs=()
for f in "$STACK_DIR/api.log" "$STACK_DIR/nginx-access.log" \
	"$STACK_DIR"/nginx/*.log "$STACK_DIR/pg/postgres.log"; do
	[ -s "$f" ] && logs+=("$f")
done

n=0
fail=0
# check NAME REGEX FILE...: ok when no line of the files matches.
check() {
	local name=$1 re=$2 hits
	shift 2
	n=$((n + 1))
	hits=$(grep -E -n -a -- "$re" "$@" 2>/dev/null | head -3)
	if [ -z "$hits" ]; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		# Show where, not what: the secret itself stays out of the output.
		sed -E 's/^([^:]*:[0-9]+):.*/#   \1/' <<<"$hits"
		fail=1
	fi
}

n=$((n + 1))
if [ "${#logs[@]}" -ge 2 ]; then
	echo "ok $n - logs to read: ${#logs[@]} ($(cat "${logs[@]}" | wc -l) lines)"
else
	echo "not ok $n - logs to read: only ${#logs[@]} (nginx and postgres write at least)"
	fail=1
fi
# A JWT: a base64url JSON header ({"... is eyJ), a payload and a signature.
jwt='eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.'
check "logs: no JWT (login or Tesla token)" "$jwt" "${logs[@]}"
check "logs: no refresh token" '(NA|EU)_[0-9a-f]{32}|sim-refresh-token|sim-test-token' "${logs[@]}"
check "logs: no admin password" "$TESSIE_ADMIN_PASSWORD" "${logs[@]}"
check "logs: no JWT_SECRET" "$JWT_SECRET" "${logs[@]}"
check "logs: no ENCRYPTION_KEY" "$ENCRYPTION_KEY" "${logs[@]}"
check "logs: no OAuth code or state in a logged URL" '[?&](code|state)=' "${logs[@]}"
# Coordinates: a value after a name, or a pair with 3+ decimals.
check "logs: no coordinate" \
	'(latitude|longitude|lat|lon)"?[=:, ]{1,3}-?[0-9]{1,3}\.[0-9]|-?[0-9]{1,3}\.[0-9]{3,}, ?-?[0-9]{1,3}\.[0-9]{3,}' \
	"${logs[@]}"
# PostgreSQL's DETAIL of a failed statement quotes rows and keys.
check "logs: no row or key quoted by PostgreSQL" \
	'DETAIL: +(Failing row contains|Key \()' "${logs[@]}"

dump=$(mktemp)
trap 'rm -f "$dump"' EXIT
n=$((n + 1))
if pg pg_dump tessie >"$dump" 2>/dev/null &&
	grep -q "tesla_tokens" "$dump"; then
	echo "ok $n - database dumped ($(wc -c <"$dump") bytes)"
else
	echo "not ok $n - pg_dump of the test database failed"
	fail=1
fi
sealed=$(pg psql -d tessie -qtA -c "SELECT count(*) FROM tesla_tokens" 2>/dev/null)
n=$((n + 1))
if [ "${sealed:-0}" -gt 0 ]; then
	echo "ok $n - Tesla tokens stored: $sealed"
else
	echo "not ok $n - no Tesla token stored: the dump check would prove nothing"
	fail=1
fi
check "dump: no Tesla token in clear (JWT)" "$jwt" "$dump"
check "dump: no refresh token in clear" '(NA|EU)_[0-9a-f]{32}|sim-refresh-token|sim-test-token' "$dump"
check "dump: no ENCRYPTION_KEY" "$ENCRYPTION_KEY" "$dump"
exit $fail
