#!/usr/bin/env bash
# Installs, idempotently, every Debian and npm package that building,
# running and testing Tessie Stats needs.  Fast when all is there already.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBS=(
	# build
	gcc make pkg-config libc6-dev libpq-dev libjansson-dev
	libcurl4-openssl-dev libssl-dev libjwt-dev libfcgi-dev libmicrohttpd-dev
	# run
	postgresql-15 nginx ca-certificates
	# test and tools
	curl wrk chromium fonts-dejavu-core fonts-liberation clang-format clang-tidy
	cppcheck procps util-linux valgrind
	# fuzzing (make fuzz): clang's libFuzzer and sanitizer runtimes
	clang libclang-rt-14-dev
)

missing=()
for p in "${DEBS[@]}"; do
	case "$p" in \#*) continue ;; esac
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing+=("$p")
	fi
done
# Any nginx flavour (nginx, nginx-light, nginx-full...) will do.
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
	missing=("${missing[@]/nginx/}")
fi
# Node.js 20 or later for the web build; Debian's own is only used when
# none is installed.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	missing+=(nodejs npm)
fi
read -r -a missing <<<"${missing[*]}"

if [ "${#missing[@]}" -gt 0 ]; then
	SUDO=
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	echo "deps: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq >/dev/null
	# Do not let package scripts start system-wide servers we don't use.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
		$SUDO chmod 755 /usr/sbin/policy-rc.d
		trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
	fi
	$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages of web/ (and playwright-core for the browser test).
if [ ! -f web/node_modules/.package-lock.json ] ||
	[ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
	echo "deps: npm ci in web/" >&2
	(cd web && npm ci --no-audit --no-fund --no-update-notifier --loglevel=error >/dev/null)
fi
