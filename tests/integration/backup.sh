#!/usr/bin/env bash
# Backup and restore, after the integration tests, from the database they
# left: tessie-admin backup, then tessie-admin restore into a fresh cluster
# with a second tessie-api and nginx on it, and the same API requests to
# both must answer the same bytes (but for the age of the data, which
# grows by the second).  Also: the key file apart, owner-only, and not in
# the dump; a restore into a database that is not empty refused unless
# --clean; a missing dump file refused.  TAP lines.
#
#	tests/integration/backup.sh BUILD	(the stack's environment)
set -uo pipefail
BUILD=$1
. "$TOP/deploy/stack.sh"

n=0
fail=0
is() { # is NAME CONDITION-STATUS
	n=$((n + 1))
	if [ "$2" -eq 0 ]; then echo "ok $n - $1"; else
		echo "not ok $n - $1"
		fail=1
	fi
}

src_url=$DATABASE_URL
src_base=$TEST_BASE_URL
dir=$STACK_DIR/backup
out=$("$BUILD/tessie-admin" backup "$dir" 2>&1)
is "backup runs" $?
dump=$(ls "$dir"/tessie-*.dump 2>/dev/null | head -1)
keys=$(ls "$dir"/tessie-*.keys 2>/dev/null | head -1)
[ -s "$dump" ] && [ -s "$keys" ]
is "a dump and a key file" $?
grep -q "Keep the key apart from the dump" <<<"$out"
is "it says to keep the key apart" $?
[ "$(stat -c %a "$keys")" = 600 ] && [ "$(stat -c %a "$dir")" = 700 ]
is "the key file and its folder are the owner's only" $?
grep -q "^ENCRYPTION_KEY=$ENCRYPTION_KEY$" "$keys"
is "the key file holds the key" $?
! grep -q -a "$ENCRYPTION_KEY" "$dump"
is "the dump does not" $?

"$BUILD/tessie-admin" restore "$dir/nothing.dump" >/dev/null 2>&1
[ $? -eq 66 ]
is "restore of a missing file: refused (66)" $?
"$BUILD/tessie-admin" restore "$dump" >/dev/null 2>&1
[ $? -eq 65 ]
is "restore into the live, non-empty database: refused (65)" $?

# A fresh cluster, restored, with its own tessie-api and nginx.
STACK_DIR=$STACK_DIR/restored
mkdir -p "$STACK_DIR"
chmod 0755 "$STACK_DIR"
trap 'stack_stop' EXIT
stack_pg_start "$STACK_DIR/pg" -c fsync=off >/dev/null
out=$("$BUILD/tessie-admin" restore "$dump" 2>&1)
is "restore into a fresh cluster" $?
grep -q "opened by this ENCRYPTION_KEY" <<<"$out"
is "the Tesla tokens open with the key" $?
out=$("$BUILD/tessie-admin" restore "$dump" --clean 2>&1)
is "restore --clean over it" $?
# Another key: the data is there, the tokens say what to do.
out=$(ENCRYPTION_KEY=$(printf '%064d' 7) "$BUILD/tessie-admin" restore "$dump" --clean 2>&1)
grep -q "do not open with this ENCRYPTION_KEY" <<<"$out"
is "with another key, it says the tokens do not open" $?
stack_api_start "$BUILD" || is "tessie-api on the restored database" 1
port=$(free_port)
stack_nginx_start "$port" /nonexistent 600r/m || is "nginx on the restored stack" 1
dst_base=http://127.0.0.1:$port

login() {
	curl -sf -H 'Content-Type: application/json' \
		-d "{\"password\":\"$TESSIE_ADMIN_PASSWORD\"}" "$1/api/auth/login" |
		sed 's/.*"token":"\([^"]*\)".*/\1/'
}
# The answer to path from base, the data's age (seconds) taken out.
get() {
	curl -sf -H "Authorization: Bearer $2" "$1$3" |
		sed -E 's/"([a-z_]*age_s|age_days)": ?[0-9.]+/"\1":-/g'
}
src_tok=$(login "$src_base")
dst_tok=$(login "$dst_base")
[ -n "$src_tok" ] && [ -n "$dst_tok" ]
is "logged in to both" $?

# The first id the original lists (a row the API shows, not just stores).
first() {
	curl -sf -H "Authorization: Bearer $src_tok" "$src_base$1" |
		grep -o '"id": *"[0-9a-f-]*"' | head -1 | sed 's/.*"\([0-9a-f-]*\)"$/\1/'
}
v=$(first /api/vehicles)
site=$(first /api/energy/sites)
drive=$(first "/api/drives?limit=1")
sess=$(first "/api/charging/sessions?limit=1")
driver=$(first /api/drivers)
paths=(/api/vehicles "/api/vehicles/$v" "/api/vehicles/$v/state"
	"/api/vehicles/$v/history?from=2020-01-01T00:00:00Z&to=2021-01-01T00:00:00Z&interval=1d"
	"/api/drives?limit=500" "/api/drives/$drive" "/api/charging/sessions?limit=500"
	"/api/charging/sessions/$sess" "/api/charging/stats" /api/places /api/tariffs
	/api/drivers "/api/drivers/$driver/stats" "/api/drivers/$driver/rules"
	/api/settings /api/energy/sites "/api/energy/sites/$site"
	"/api/energy/sites/$site/live" /api/energy/household
	"/api/energy/sites/$site/history?granularity=day&from=2020-01-01T00:00:00Z&to=2029-12-01T00:00:00Z"
	"/api/energy/household/history?granularity=month&from=2020-01-01T00:00:00Z&to=2029-12-01T00:00:00Z"
	"/api/energy/solar/stats?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z"
	/api/auth/status /api/sync/status)
same=0
bad=0
for p in "${paths[@]}"; do
	case $p in */ | *//*) continue ;; esac # no such row left by the tests
	a=$(get "$src_base" "$src_tok" "$p")
	b=$(get "$dst_base" "$dst_tok" "$p")
	if [ -n "$a" ] && [ "$a" = "$b" ]; then
		same=$((same + 1))
	else
		bad=$((bad + 1))
		off=$(cmp <(echo "$a") <(echo "$b") 2>/dev/null | sed -n 's/.* byte \([0-9]*\).*/\1/p')
		off=$(( ${off:-1} > 60 ? ${off:-1} - 60 : 0 ))
		echo "#   $p differs (${#a} and ${#b} bytes):"
		echo "#     original: ${a:$off:120}"
		echo "#     restored: ${b:$off:120}"
	fi
done
[ "$bad" -eq 0 ] && [ "$same" -ge 12 ]
is "the restored service answers $same requests as the original, byte for byte" $?
exit $fail
