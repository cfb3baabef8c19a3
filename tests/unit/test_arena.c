/* Unit tests for lib/arena.c and lib/sbuf.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "sbuf.h"
#include "util.h"

#include "../tap.h"

#define KIB 1024

/* 1 when the n bytes at p are all zero. */
static int
all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		if (c[i] != 0)
			return 0;
	return 1;
}

static void
t_arena_cap(void)
{
	/* Sizes are rounded up to 16 bytes, and the rounded size counts. */
	static const struct {
		size_t cap;
		size_t sizes[4]; /* allocated in turn; 0 ends the list */
		int want[4]; /* 1 when that allocation must succeed */
		size_t used; /* arena_used() afterwards */
	} cases[] = {
		{ 64, { 64 }, { 1 }, 64 },
		{ 64, { 65 }, { 0 }, 0 },
		{ 64, { 48, 16 }, { 1, 1 }, 64 },
		{ 64, { 48, 16, 1 }, { 1, 1, 0 }, 64 },
		{ 64, { 48, 17 }, { 1, 0 }, 48 },
		{ 64, { 48, 17, 16 }, { 1, 0, 1 }, 64 },
		{ 100, { 100 }, { 0 }, 0 },
		{ 100, { 96, 1 }, { 1, 0 }, 96 },
		{ 16, { 1, 1 }, { 1, 0 }, 16 },
		{ 0, { 1 }, { 0 }, 0 },
		{ 8 * KIB, { 8 * KIB }, { 1 }, 8 * KIB },
		{ 8 * KIB + 16, { 8 * KIB, 16 }, { 1, 1 }, 8 * KIB + 16 },
		{ 64 * KIB, { 20 * KIB, 40 * KIB, 4 * KIB, 1 }, { 1, 1, 1, 0 },
		    64 * KIB },
		{ 64 * KIB, { 64 * KIB + 1 }, { 0 }, 0 },
	};
	struct arena *a;
	char msg[96];

	for (size_t i = 0; i < nitems(cases); i++) {
		if ((a = arena_new(cases[i].cap)) == NULL) {
			ok(0, "arena_new");
			continue;
		}
		for (size_t j = 0; j < 4 && cases[i].sizes[j] != 0; j++) {
			void *p = arena_alloc(a, cases[i].sizes[j]);

			snprintf(msg, sizeof(msg),
			    "cap %zu: alloc #%zu of %zu %s", cases[i].cap, j,
			    cases[i].sizes[j],
			    cases[i].want[j] ? "fits" : "refused");
			is_int(p != NULL, cases[i].want[j], msg);
			if (p != NULL)
				memset(p, 0xa5, cases[i].sizes[j]);
		}
		snprintf(msg, sizeof(msg), "cap %zu: arena_used", cases[i].cap);
		is_int(arena_used(a), cases[i].used, msg);
		arena_free(a);
	}
}

static void
t_arena_overflow(void)
{
	/*
	 * Sizes whose rounding or block header would wrap around.  The last
	 * three only reach the block allocation with a cap of SIZE_MAX.
	 */
	static const struct {
		size_t cap;
		size_t size;
	} cases[] = {
		{ 1024 * KIB, SIZE_MAX },
		{ 1024 * KIB, SIZE_MAX - 1 },
		{ 1024 * KIB, SIZE_MAX - 15 },
		{ 1024 * KIB, SIZE_MAX / 2 + 1 },
		{ SIZE_MAX, SIZE_MAX },
		{ SIZE_MAX, SIZE_MAX - 14 },
		{ SIZE_MAX, SIZE_MAX - 15 },
		{ SIZE_MAX, SIZE_MAX - 20 },
		{ SIZE_MAX, SIZE_MAX - 40 },
	};
	struct arena *a;
	char msg[96], *s;

	for (size_t i = 0; i < nitems(cases); i++) {
		if ((a = arena_new(cases[i].cap)) == NULL) {
			ok(0, "arena_new");
			continue;
		}
		snprintf(msg, sizeof(msg), "cap %#zx: alloc %#zx refused",
		    cases[i].cap, cases[i].size);
		ok(arena_alloc(a, cases[i].size) == NULL, msg);
		is_int(arena_used(a), 0, "nothing counted");
		ok((s = arena_alloc(a, 32)) != NULL, "small alloc still works");
		arena_free(a);
	}
	a = arena_new(1024);
	ok(a != NULL && arena_strndup(a, "abc", SIZE_MAX) == NULL,
	    "arena_strndup(SIZE_MAX) refused");
	arena_free(a);
}

static void
t_arena_zero_align(void)
{
	static const size_t sizes[] = { 0, 1, 3, 15, 16, 17, 31, 33, 100, 255,
		4000, 8191, 8192, 8193, 20000 };
	struct arena *a = arena_new(1024 * KIB);
	unsigned char *p;
	size_t bad_align = 0, bad_zero = 0, i;
	int round;

	if (a == NULL) {
		ok(0, "arena_new");
		return;
	}
	/* The second round gets memory that the first one dirtied and freed. */
	for (round = 0; round < 2; round++) {
		for (i = 0; i < nitems(sizes); i++) {
			if ((p = arena_alloc(a, sizes[i])) == NULL) {
				bad_zero++;
				continue;
			}
			if ((uintptr_t)p % 16 != 0)
				bad_align++;
			if (!all_zero(p, sizes[i]))
				bad_zero++;
			memset(p, 0xff, sizes[i] ? sizes[i] : 1);
		}
		arena_reset(a);
	}
	is_int(bad_align, 0, "every block is 16-byte aligned");
	is_int(bad_zero, 0, "every block is zeroed");
	p = arena_alloc(a, 1);
	ok(p != NULL && *p == 0, "alloc(1) after reset is zeroed");
	is_int(arena_used(a), 16, "one byte counts as 16");
	ok(arena_alloc(a, 0) != NULL, "alloc(0) returns memory");
	is_int(arena_used(a), 32, "alloc(0) counts as 16");
	arena_free(a);
}

static void
t_arena_strdup(void)
{
	static const struct {
		const char *s;
		size_t n; /* SIZE_MAX: arena_strdup */
		const char *want;
	} cases[] = {
		{ "hello", SIZE_MAX, "hello" },
		{ "", SIZE_MAX, "" },
		{ "hello", 3, "hel" },
		{ "hello", 0, "" },
		{ "hello", 5, "hello" },
	};
	struct arena *a = arena_new(4 * KIB);
	char msg[64];
	char *p;

	if (a == NULL) {
		ok(0, "arena_new");
		return;
	}
	for (size_t i = 0; i < nitems(cases); i++) {
		if (cases[i].n == SIZE_MAX)
			p = arena_strdup(a, cases[i].s);
		else
			p = arena_strndup(a, cases[i].s, cases[i].n);
		snprintf(msg, sizeof(msg), "strndup(\"%s\", %zu)", cases[i].s,
		    cases[i].n);
		is_str(p, cases[i].want, msg);
		ok(p != cases[i].s, "a copy");
	}
	arena_free(a);
	a = arena_new(16);
	ok(a != NULL && arena_strdup(a, "0123456789abcde") != NULL,
	    "strdup of 15 + NUL fits a 16-byte cap");
	ok(arena_strdup(a, "") == NULL, "strdup over cap refused");
	arena_free(a);
	a = arena_new(16);
	ok(a != NULL && arena_strdup(a, "0123456789abcdef") == NULL,
	    "strdup of 16 + NUL over a 16-byte cap");
	arena_free(a);
}

static int calls[8];
static size_t ncalls;

static void
record(void *p)
{
	if (ncalls < nitems(calls))
		calls[ncalls] = (int)(intptr_t)p;
	ncalls++;
}

static void
t_arena_defer(void)
{
	struct arena *a = arena_new(64);
	int i, order_ok;

	if (a == NULL) {
		ok(0, "arena_new");
		return;
	}
	ncalls = 0;
	for (i = 1; i <= 4; i++)
		is_int(arena_defer(a, record, (void *)(intptr_t)i), 0,
		    "arena_defer");
	is_int(ncalls, 0, "nothing runs before reset");
	is_int(arena_used(a), 0, "deferrals do not count to the cap");
	ok(arena_alloc(a, 64) != NULL, "the whole cap is still there");
	arena_reset(a);
	is_int(ncalls, 4, "four callbacks ran at reset");
	order_ok = ncalls == 4;
	for (i = 0; i < 4 && order_ok; i++)
		order_ok = calls[i] == 4 - i;
	ok(order_ok, "in reverse order of registration");
	is_int(arena_used(a), 0, "reset zeroes arena_used");

	/* Reusable: the cap is whole again and old defers are gone. */
	ok(arena_alloc(a, 64) != NULL, "full cap after reset");
	ok(arena_alloc(a, 1) == NULL, "and still capped");
	is_int(arena_defer(a, record, (void *)(intptr_t)7), 0, "defer again");
	ncalls = 0;
	arena_reset(a);
	ok(ncalls == 1 && calls[0] == 7, "only the new callback ran");
	ncalls = 0;
	arena_reset(a);
	is_int(ncalls, 0, "a second reset runs nothing");

	/* arena_free runs what is pending. */
	arena_defer(a, record, (void *)(intptr_t)5);
	arena_defer(a, record, (void *)(intptr_t)6);
	arena_free(a);
	ok(ncalls == 2 && calls[0] == 6 && calls[1] == 5,
	    "arena_free runs pending callbacks in reverse");
	arena_free(NULL);
	ok(1, "arena_free(NULL)");
}

static void
t_arena_used(void)
{
	static const struct {
		size_t size;
		size_t total; /* arena_used() after this allocation */
	} steps[] = {
		{ 1, 16 },
		{ 16, 32 },
		{ 17, 64 },
		{ 100, 176 },
		{ 9000, 9184 },
		{ 32, 9216 },
	};
	struct arena *a = arena_new(64 * KIB);
	char msg[64];

	if (a == NULL) {
		ok(0, "arena_new");
		return;
	}
	is_int(arena_used(a), 0, "new arena is empty");
	for (size_t i = 0; i < nitems(steps); i++) {
		ok(arena_alloc(a, steps[i].size) != NULL, "alloc");
		snprintf(
		    msg, sizeof(msg), "used after alloc(%zu)", steps[i].size);
		is_int(arena_used(a), steps[i].total, msg);
	}
	arena_reset(a);
	is_int(arena_used(a), 0, "reset");
	arena_free(a);
}

static void
t_sbuf_never_null(void)
{
	struct sbuf a = SBUF_INIT(16), b;
	char *p;
	size_t len = 99;

	ok(a.buf != NULL && a.buf[0] == '\0' && a.len == 0,
	    "SBUF_INIT: empty string");
	sbuf_init(&b, 16);
	ok(b.buf != NULL && b.buf[0] == '\0' && b.len == 0 && !b.failed,
	    "sbuf_init: empty string");
	sbuf_release(&b);
	ok(b.buf != NULL && b.buf[0] == '\0', "release of fresh");
	sbuf_adds(&b, "x");
	sbuf_release(&b);
	ok(b.buf != NULL && b.buf[0] == '\0' && b.len == 0,
	    "release after use");
	is_int(b.cap, 16, "release keeps cap");
	sbuf_reset(&a);
	ok(a.buf != NULL && a.buf[0] == '\0', "reset of fresh");
	p = sbuf_detach(&a, &len);
	ok(p != NULL && p[0] == '\0' && len == 0, "detach of fresh gives \"\"");
	ok(p != sbuf_empty, "detach gives a malloc'd copy");
	free(p);
	ok(a.buf != NULL && a.buf[0] == '\0', "buf after detach");
	sbuf_adds(&a, "0123456789abcdefX");
	ok(a.failed && a.buf != NULL && a.buf[0] == '\0',
	    "refused first append leaves \"\"");
	ok(sbuf_empty[0] == '\0', "the shared empty string stays empty");
	sbuf_release(&a);
}

static void
t_sbuf_cap(void)
{
	static const struct {
		size_t cap;
		const char *adds[4]; /* appended in turn; NULL ends */
		int want[4]; /* return values */
		const char *result;
	} cases[] = {
		{ 5, { "hello" }, { 0 }, "hello" },
		{ 5, { "hello!" }, { -1 }, "" },
		{ 5, { "hel", "lo" }, { 0, 0 }, "hello" },
		{ 5, { "hel", "lo!" }, { 0, -1 }, "hel" },
		{ 5, { "hello", "" }, { 0, 0 }, "hello" },
		{ 5, { "hello", "!" }, { 0, -1 }, "hello" },
		{ 0, { "" }, { 0 }, "" },
		{ 0, { "x" }, { -1 }, "" },
		{ 64,
		    { "0123456789012345678901234567890123456789012345678901"
		      "234567890123" },
		    { 0 },
		    "0123456789012345678901234567890123456789012345678901"
		    "234567890123" },
		{ 63,
		    { "0123456789012345678901234567890123456789012345678901"
		      "234567890123" },
		    { -1 }, "" },
		/* A sticky failure: later appends that would fit are refused.
		 */
		{ 10, { "0123456789X", "a", "b" }, { -1, -1, -1 }, "" },
		{ 10, { "abc", "0123456789", "d" }, { 0, -1, -1 }, "abc" },
	};
	struct sbuf sb;
	char msg[96];
	int rc;

	for (size_t i = 0; i < nitems(cases); i++) {
		sbuf_init(&sb, cases[i].cap);
		for (size_t j = 0; j < 4 && cases[i].adds[j] != NULL; j++) {
			rc = sbuf_adds(&sb, cases[i].adds[j]);
			snprintf(msg, sizeof(msg), "case %zu: cap %zu add #%zu",
			    i, cases[i].cap, j);
			is_int(rc, cases[i].want[j], msg);
		}
		snprintf(msg, sizeof(msg), "case %zu: contents", i);
		is_str(sb.buf, cases[i].result, msg);
		is_int(sb.len, strlen(cases[i].result), "len");
		ok(sb.len <= sb.cap, "len within cap");
		sbuf_release(&sb);
	}
}

static void
t_sbuf_sticky(void)
{
	struct sbuf sb = SBUF_INIT(8);
	size_t len = 42;
	char *p;

	is_int(sbuf_adds(&sb, "abcd"), 0, "fits");
	is_int(sbuf_adds(&sb, "efghi"), -1, "one over the cap");
	ok(sb.failed, "failed is set");
	is_str(sb.buf, "abcd", "contents kept");
	is_int(sbuf_addc(&sb, 'x'), -1, "addc refused after failure");
	is_int(sbuf_add(&sb, "x", 1), -1, "add refused after failure");
	is_int(sbuf_add(&sb, "", 0), -1, "empty add refused after failure");
	is_int(sbuf_addf(&sb, "%d", 1), -1, "addf refused after failure");
	is_str(sb.buf, "abcd", "nothing appended");
	ok(sb.failed, "still failed");

	p = sbuf_detach(&sb, &len);
	ok(p == NULL, "detach after failure is NULL");
	is_int(len, 42, "len untouched");
	ok(sb.buf != NULL && sb.len == 0 && !sb.failed && sb.cap == 8,
	    "detach re-initialises");

	/* reset clears the failure and the contents. */
	sbuf_adds(&sb, "abc");
	sbuf_adds(&sb, "0123456789");
	ok(sb.failed, "failed again");
	sbuf_reset(&sb);
	ok(!sb.failed && sb.len == 0 && sb.buf[0] == '\0', "reset clears");
	is_int(sbuf_adds(&sb, "12345678"), 0, "full cap after reset");
	is_str(sb.buf, "12345678", "new contents only");
	p = sbuf_detach(&sb, &len);
	is_str(p, "12345678", "detach gives the contents");
	is_int(len, 8, "and its length");
	free(p);
	is_int(sbuf_addc(&sb, 'z'), 0, "usable after detach");
	p = sbuf_detach(&sb, NULL);
	is_str(p, "z", "detach with len NULL");
	free(p);
	sbuf_release(&sb);
}

static void
t_sbuf_addf(void)
{
	static const struct {
		size_t cap;
		const char *fmt;
		int arg;
		int want;
		const char *result;
	} cases[] = {
		{ 16, "n=%d", 42, 0, "n=42" },
		{ 4, "n=%d", 42, 0, "n=42" },
		{ 3, "n=%d", 42, -1, "" },
		{ 16, "", 0, 0, "" },
		{ 16, "%%%d%%", -7, 0, "%-7%" },
		{ 10, "%010d", 5, 0, "0000000005" },
		{ 9, "%010d", 5, -1, "" },
	};
	struct sbuf sb;
	char msg[64], want[16384], *p;
	size_t wlen = 0, len = 0;
	int i, bad = 0;

	for (size_t k = 0; k < nitems(cases); k++) {
		sbuf_init(&sb, cases[k].cap);
		snprintf(msg, sizeof(msg), "addf \"%s\" cap %zu", cases[k].fmt,
		    cases[k].cap);
		is_int(sbuf_addf(&sb, cases[k].fmt, cases[k].arg),
		    cases[k].want, msg);
		is_str(sb.buf, cases[k].result, msg);
		sbuf_release(&sb);
	}

	/* Growth across many appends, checked against a flat buffer. */
	sbuf_init(&sb, sizeof(want) - 1);
	for (i = 0; wlen + 16 < sizeof(want); i++) {
		wlen += (size_t)snprintf(
		    want + wlen, sizeof(want) - wlen, "%d:%s,", i, "ab");
		if (sbuf_addf(&sb, "%d:%s,", i, "ab") != 0)
			bad++;
		if (sb.len != wlen || strlen(sb.buf) != wlen)
			bad++;
	}
	is_int(bad, 0, "many appends, lengths right");
	ok(i > 1000, "more than a thousand appends");
	is_str(sb.buf, want, "contents equal a flat snprintf");
	ok(sb.alloc > sb.len, "room for the NUL");
	p = sbuf_detach(&sb, &len);
	ok(p != NULL && len == wlen && strcmp(p, want) == 0,
	    "detach the grown buffer");
	free(p);

	/* addf right up to the cap, then one byte more. */
	sbuf_init(&sb, 12);
	is_int(sbuf_addf(&sb, "%s", "hello "), 0, "first half");
	is_int(sbuf_addf(&sb, "%s", "world!"), 0, "exactly the cap");
	is_int(sbuf_addf(&sb, "%c", '?'), -1, "cap + 1");
	is_str(sb.buf, "hello world!", "contents at cap");
	sbuf_release(&sb);
}

static void
t_sbuf_unbounded(void)
{
	/* A cap of SIZE_MAX means no limit but memory. */
	struct sbuf sb;
	char want[512];
	size_t i, wlen = 0;
	int bad = 0;

	sbuf_init(&sb, SIZE_MAX);
	for (i = 0; i < 100; i++) {
		if (sbuf_adds(&sb, "abc") != 0)
			bad++;
		memcpy(want + wlen, "abc", 3);
		wlen += 3;
		if (sb.alloc < sb.len + 1)
			bad++;
	}
	want[wlen] = '\0';
	is_int(bad, 0, "appends to a SIZE_MAX cap succeed");
	is_str(sb.buf, want, "contents");
	sbuf_release(&sb);
}

static const struct tap_test tests[] = {
	TAP(t_arena_cap),
	TAP(t_arena_overflow),
	TAP(t_arena_zero_align),
	TAP(t_arena_strdup),
	TAP(t_arena_defer),
	TAP(t_arena_used),
	TAP(t_sbuf_never_null),
	TAP(t_sbuf_cap),
	TAP(t_sbuf_sticky),
	TAP(t_sbuf_addf),
	TAP(t_sbuf_unbounded),
};

int
main(void)
{
	return tap_run(tests, nitems(tests));
}
