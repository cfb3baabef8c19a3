/*
 * Path and query decoding (lib/http.c): http_percent_decode() against a
 * plain reference decoder, with and without "+" as space, and
 * http_query_parse() over the input as a query string, each value of which
 * goes through fleet_parse_time() as "from" and "to" do.
 *
 * Input: the bytes to decode; the first byte's low bit is the plus flag.
 */
#include "arena.h"
#define FUZZ_OWN_INIT
#include "fuzz.h"
#include "http.h"
#include "util.h"

static struct arena *arena;

/* The reference: what lib/http.h promises, written the long way. */
static long
ref_decode(char *dst, const uint8_t *src, size_t len, int plus)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (src[i] == '\0')
			return -1;
		if (src[i] == '%') {
			int hi, lo;

			if (len - i < 3)
				return -1;
			hi = hex_digit(src[i + 1]);
			lo = hex_digit(src[i + 2]);
			if (hi < 0 || lo < 0 || hi * 16 + lo == 0)
				return -1;
			dst[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			dst[o++] = plus && src[i] == '+' ? ' ' : (char)src[i];
		}
	}
	dst[o] = '\0';
	return (long)o;
}

static void
decode_one(const uint8_t *src, size_t len, int plus)
{
	char *got = malloc(len + 1), *want = malloc(len + 1);
	long n, m;

	FUZZ_CHECK(got != NULL && want != NULL);
	n = http_percent_decode(got, (const char *)src, len, plus);
	m = ref_decode(want, src, len, plus);
	FUZZ_CHECK(n == m);
	if (n >= 0) {
		FUZZ_CHECK((size_t)n <= len && strlen(got) == (size_t)n);
		FUZZ_CHECK(memcmp(got, want, (size_t)n + 1) == 0);
	}
	free(got);
	free(want);
}

/*
 * A query value as req_time_range() reads "from" and "to": a time that
 * parses comes back the same through time_rfc3339() and a second parse.
 */
static void
time_one(const char *v)
{
	long long t, u;
	char text[32];

	if (fleet_parse_time(v, &t) == -1)
		return;
	time_rfc3339(t, text, sizeof(text));
	if (text[0] == '\0') /* outside the years 0000-9999 */
		return;
	FUZZ_CHECK(fleet_parse_time(text, &u) == 0 && u == t);
}

static void
query_one(const uint8_t *data, size_t size)
{
	char *qs = malloc(size + 1);
	struct kv *kv;
	size_t n;

	FUZZ_CHECK(qs != NULL);
	memcpy(qs, data, size);
	qs[size] = '\0';
	if (http_query_parse(arena, qs, &kv, &n) == 0) {
		FUZZ_CHECK(n <= 64 && (n == 0 || kv != NULL));
		for (size_t i = 0; i < n; i++) {
			FUZZ_CHECK(kv[i].name[0] != '\0');
			FUZZ_CHECK(strlen(kv[i].name) <= size);
			FUZZ_CHECK(strlen(kv[i].value) <= size);
			time_one(kv[i].value);
		}
	}
	arena_reset(arena);
	free(qs);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_setup();
	arena = arena_new(16 << 20);
	return arena == NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	decode_one(data + 1, size - 1, data[0] & 1);
	query_one(data + 1, size - 1);
	return 0;
}
