/*
 * Shared by the libFuzzer targets (tests/fuzz/fuzz_*.c): quiet logging, a
 * fixed jansson hash seed (so that a crash replays with the same object
 * order) and the JSON loading the Fleet client does.
 *
 * Each target defines LLVMFuzzerTestOneInput and, when it needs more
 * one-time setup than fuzz_setup(), FUZZ_OWN_INIT and LLVMFuzzerInitialize;
 * everything an input allocates is freed before it returns, so LeakSanitizer
 * reports any leak as a finding.
 */
#ifndef TESSIE_FUZZ_H
#define TESSIE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fleet_parse.h"
#include "log.h"

/* An invariant of the code under test: a finding when it does not hold. */
#define FUZZ_CHECK(cond)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
			    __LINE__, #cond);                                  \
			abort();                                               \
		}                                                              \
	} while (0)

/* A string member of a parsed struct is NUL-terminated within it. */
#define FUZZ_STR_OK(member)                                                    \
	FUZZ_CHECK(strnlen(member, sizeof(member)) < sizeof(member))

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One-time setup every target wants. */
static void
fuzz_setup(void)
{
	json_object_seed(1);
	log_init("fuzz", LOGL_ERROR);
}

#ifndef FUZZ_OWN_INIT
/* The one-time setup of a target that needs no more than fuzz_setup();
 * one that does defines FUZZ_OWN_INIT before this header and its own. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_setup();
	return 0;
}
#endif

/*
 * The input as the Fleet client loads a response (lib/fleet.c): a JSON
 * array or object, NULL otherwise.  The caller decrefs.
 */
static json_t *
fuzz_json(const uint8_t *data, size_t size)
{
	return json_loadb((const char *)data, size, 0, NULL);
}

/* Every value of p is NULL or a string; touches each byte for ASan. */
static void
fuzz_params_ok(const struct fleet_params *p)
{
	FUZZ_CHECK(p->n >= 0 && p->n <= FLEET_PARAMS_MAX);
	for (int i = 0; i < p->n; i++)
		if (p->v[i] != NULL)
			FUZZ_CHECK(strlen(p->v[i]) < 4096);
}

#pragma GCC diagnostic pop

#endif
