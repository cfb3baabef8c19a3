/*
 * Declared fields of a JSON object body, in the spirit of kcgi's keys[]:
 * a handler lists the names it accepts with their type, whether they are
 * required and their range, and one call refuses everything else.
 */
#ifndef TESSIE_FIELDS_H
#define TESSIE_FIELDS_H

#include <stddef.h>

#include <jansson.h>

struct req;

enum field_type {
	FIELD_STRING, /* min..max characters (UTF-8), no control characters */
	FIELD_NUMBER, /* integer or real within min..max */
	FIELD_INTEGER, /* integer within min..max */
	FIELD_OBJECT,
	FIELD_ARRAY, /* min..max elements */
	FIELD_UUID_OR_NULL /* a canonical UUID string, or null */
};

#define FIELD_REQUIRED 0x1
#define FIELD_MIN_EXCLUSIVE 0x2 /* the value must be greater than min */

struct field {
	const char *name;
	enum field_type type;
	unsigned flags;
	double min, max;
};

/*
 * Checks obj against the n declared fields: every key is declared, every
 * required one is present, and every value has its type and range.  where
 * prefixes field names in messages ("content." or ""; never NULL).
 * Returns 0, or 400 after replying with code unknown_field, missing_field
 * or invalid_field naming the field.
 */
int fields_check_or_reply(struct req *r, const json_t *obj, const char *where,
    const struct field *f, size_t n);

/* The number (integer or real) value of obj's key, or 0. */
double fields_number(const json_t *obj, const char *key);

#endif
