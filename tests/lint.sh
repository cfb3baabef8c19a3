#!/usr/bin/env bash
# Static checks: SQL is never built with printf-style formatting or passed
# as a non-constant string, and cppcheck finds nothing.  (clang-format is
# checked by `make fmt-check`, which `make lint` runs first.)
set -uo pipefail
cd "$(dirname "$0")/.."
fail=0
SRC=$(git ls-files 'lib/*.c' 'handlers/*.c' 'jobs/*.c' 'tests/*.c' 'tests/**/*.c' 2>/dev/null)

# 1. A format string that contains SQL.  A comment saying "lint-ok" on the
#    line before allows one (a search text, say, that is never run).
if awk '
	/(s?n?printf|asprintf|sbuf_v?addf|FCGX_FPrintF)[[:space:]]*\([^;]*"[^"]*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|DROP|ALTER|TRUNCATE) / {
		if (prev !~ /lint-ok/) { print FILENAME ":" FNR ": " $0; bad = 1 }
	}
	{ prev = $0 }
	END { exit !bad }' $SRC; then
	echo "lint: SQL built with printf-style formatting (use \$1 parameters)"
	fail=1
fi
# 2. libpq calls whose SQL is not a literal, outside the two places that run
#    constant SQL they were given (db.c) or read from sql/ (migrate.c).
if grep -nE '\b(PQexec|PQexecParams|PQprepare|PQsendQuery|PQsendQueryParams|PQsendPrepare)[[:space:]]*\([^,]+,[[:space:]]*[^"[:space:]]' $SRC |
	grep -vE '^lib/(db|migrate)\.c:'; then
	echo "lint: SQL passed to libpq as a variable: use a constant struct db_stmt"
	fail=1
fi
# 3. cppcheck.
if ! cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
	--std=c11 --inline-suppr -Ilib -D__GNUC__ --suppress=missingIncludeSystem \
	--suppress=ctunullpointer \
	lib handlers jobs tests/unit tests/integration tests/sim tests/fuzz; then
	echo "lint: cppcheck found problems"
	fail=1
fi
[ "$fail" -eq 0 ] && echo "lint: clean"
exit $fail
