/*
 * A tiny TAP producer shared by the C unit and integration tests.
 *
 *	static void t_example(void) { ok(1 + 1 == 2, "sum"); }
 *	static const struct tap_test tests[] = { TAP(t_example) };
 *	int main(void) { return tap_run(tests, nitems(tests)); }
 *
 * Each ok() prints "ok N - msg" or "not ok N - msg" with the file and line;
 * tests/run.sh adds the lines up into the closing "N passed, N failed".
 */
#ifndef TESSIE_TAP_H
#define TESSIE_TAP_H

#include <stdio.h>
#include <string.h>

struct tap_test {
	const char *name;
	void (*fn)(void);
};

#define TAP(f)                                                                 \
	{                                                                      \
#f, f                                                          \
	}

static int tap_n, tap_failed;
static const char *tap_current;

static int
tap_ok(int cond, const char *file, int line, const char *msg)
{
	tap_n++;
	if (cond) {
		printf("ok %d - %s: %s\n", tap_n, tap_current, msg);
	} else {
		tap_failed++;
		printf("not ok %d - %s: %s\n#   at %s:%d\n", tap_n, tap_current,
		    msg, file, line);
	}
	fflush(stdout);
	return cond;
}

#define ok(cond, msg) tap_ok(!!(cond), __FILE__, __LINE__, (msg))
#define is_int(got, want, msg)                                                 \
	do {                                                                   \
		long long g_ = (long long)(got), w_ = (long long)(want);       \
		if (!ok(g_ == w_, msg))                                        \
			printf("#   got %lld, want %lld\n", g_, w_);           \
	} while (0)
#define is_str(got, want, msg)                                                 \
	do {                                                                   \
		const char *g_ = (got), *w_ = (want);                          \
		if (!ok(g_ != NULL && w_ != NULL ? strcmp(g_, w_) == 0         \
						 : g_ == w_,                   \
			msg))                                                  \
			printf("#   got \"%s\", want \"%s\"\n",                \
			    g_ ? g_ : "(null)", w_ ? w_ : "(null)");           \
	} while (0)

static int
tap_run(const struct tap_test *tests, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		tap_current = tests[i].name;
		tests[i].fn();
	}
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
