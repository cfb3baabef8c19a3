# Functions that start and stop the parts of a Tessie Stats stack on one
# machine: a PostgreSQL cluster in a folder of ours, tessie-api on a unix
# socket, nginx on a loopback port.  Sourced by deploy/run-local.sh, the
# integration tests, the browser test and the benchmark.
#
# Every start records a PID in $STACK_DIR/pids; stack_stop stops exactly
# those, newest first.

PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}

# PostgreSQL will not run as root: use the postgres account then.
stack_pg_user() {
	if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi
}

as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		# From /: the postgres account may not be allowed into the
		# checkout (a clone under /root, say).
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

# A free TCP port on 127.0.0.1, below Linux's ephemeral range (32768 and
# up), where an outgoing connection could hold the port we pick.
free_port() {
	local p
	for _ in $(seq 1 200); do
		p=$((20000 + RANDOM % 12000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

stack_record() { echo "$1 $2" >>"$STACK_DIR/pids"; }

# stack_pg_start DIR [extra postgres options]: initdb on first use, start,
# and set DATABASE_URL.  Data lives in DIR/data, the socket in DIR/sock.
stack_pg_start() {
	local dir=$1
	shift
	mkdir -p "$dir/sock"
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres: "$dir" "$dir/sock"
		chmod 0755 "$dir"
	fi
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		as_pg "$PGBIN/initdb" -D "$dir/data" -U tessie -E UTF8 \
			--auth=trust --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
			cat "$dir/initdb.log" >&2
			return 1
		}
	fi
	# log_error_verbosity=terse: an error's DETAIL would quote the row or
	# key that failed (a place's coordinates, a name) into the log.
	as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
		-o "-c listen_addresses='' -c unix_socket_directories='$dir/sock' -c unix_socket_permissions=0700 -c log_error_verbosity=terse $*" \
		start >/dev/null || {
		tail -n 20 "$dir/postgres.log" >&2
		return 1
	}
	PG_DIR=$dir
	stack_record pg "$(head -n 1 "$dir/data/postmaster.pid")"
	export DATABASE_URL="postgresql:///tessie?host=$dir/sock&user=tessie"
	if ! as_pg "$PGBIN/psql" -h "$dir/sock" -U tessie -d postgres -tAc \
		"SELECT 1 FROM pg_database WHERE datname = 'tessie'" | grep -q 1; then
		as_pg "$PGBIN/createdb" -h "$dir/sock" -U tessie tessie
	fi
}

stack_pg_stop() {
	[ -n "${PG_DIR:-}" ] && [ -f "$PG_DIR/data/postmaster.pid" ] &&
		as_pg "$PGBIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1
	return 0
}

# psql as the tessie superuser on the stack's cluster.  Give it SQL files
# on standard input: psql may run as postgres, which may not read ours.
stack_psql() {
	as_pg "$PGBIN/psql" -h "$PG_DIR/sock" -U tessie -d tessie -v ON_ERROR_STOP=1 -qtA "$@"
}

# stack_api_start BUILD_DIR: tessie-api on $STACK_DIR/api.sock.
stack_api_start() {
	local build=$1
	export TESSIE_FCGI_SOCKET=$STACK_DIR/api.sock
	rm -f "$TESSIE_FCGI_SOCKET"
	# setsid: a Ctrl-C reaches the script, which stops the parts in order.
	setsid "$build/tessie-api" >>"$STACK_DIR/api.log" 2>&1 &
	API_PID=$!
	stack_record api "$API_PID"
	for _ in $(seq 1 100); do
		[ -S "$TESSIE_FCGI_SOCKET" ] && return 0
		kill -0 "$API_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "tessie-api did not start; its log:" >&2
	tail -n 20 "$STACK_DIR/api.log" >&2
	return 1
}

# stack_nginx_start PORT WEBROOT [login rate] [access log]
stack_nginx_start() {
	local port=$1 webroot=$2 rate=${3:-10r/m} access=${4:-$STACK_DIR/nginx-access.log}
	local user_line="" conf=$STACK_DIR/nginx.conf
	[ "$(id -u)" -eq 0 ] && user_line="user root;"
	mkdir -p "$STACK_DIR/nginx"
	sed -e "s|@SOCKET@|$STACK_DIR/api.sock|g" "$TOP/nginx/fastcgi.conf.in" \
		>"$STACK_DIR/nginx/fastcgi.conf"
	cp "$TOP/nginx/headers.conf" "$STACK_DIR/nginx/headers.conf"
	sed -e "s|@RUN@|$STACK_DIR/nginx|g" "$TOP/nginx/errors.conf.in" \
		>"$STACK_DIR/nginx/errors.conf"
	sed -e "s|@USER_LINE@|$user_line|" \
		-e "s|@WORKERS@|${NGINX_WORKERS:-1}|" \
		-e "s|@RUN@|$STACK_DIR/nginx|g" \
		-e "s|@MIME_TYPES@|/etc/nginx/mime.types|" \
		-e "s|@ACCESS_LOG@|$access|" \
		-e "s|@LOGIN_RATE@|$rate|" \
		-e "s|@API_RATE@|${NGINX_API_RATE:-50r/s}|" \
		-e "s|@API_BURST@|${NGINX_API_BURST:-100}|" \
		-e "s|@LOGIN_BURST@|${NGINX_LOGIN_BURST:-10}|" \
		-e "s|@LISTEN@|127.0.0.1:$port|" \
		-e "s|@WEBROOT@|$webroot|" \
		"$TOP/nginx/tessie.conf.in" >"$conf"
	setsid "$NGINX" -q -e "$STACK_DIR/nginx/error.log" -c "$conf" -g 'daemon off;' \
		>>"$STACK_DIR/nginx/stdout.log" 2>&1 &
	NGINX_PID=$!
	stack_record nginx "$NGINX_PID"
	for _ in $(seq 1 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		kill -0 "$NGINX_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "nginx did not start on port $port:" >&2
	cat "$STACK_DIR/nginx/stdout.log" "$STACK_DIR/nginx/error.log" >&2 2>/dev/null
	return 1
}

# Stops everything this stack started, newest first, and waits for it.
stack_stop() {
	[ -f "$STACK_DIR/pids" ] || return 0
	local name pid
	tac "$STACK_DIR/pids" | while read -r name pid; do
		case $name in
		pg) stack_pg_stop ;;
		scheduler)
			# A shell loop: its current child goes with it.
			kill -TERM "$pid" 2>/dev/null || true
			pkill -TERM -P "$pid" 2>/dev/null || true
			;;
		*)
			kill -TERM "$pid" 2>/dev/null || continue
			for _ in $(seq 1 100); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.05
			done
			kill -KILL "$pid" 2>/dev/null || true
			;;
		esac
	done
	rm -f "$STACK_DIR/pids"
}
