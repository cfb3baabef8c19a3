/* Declared-field validation of JSON objects (see fields.h). */
#include <string.h>

#include "fields.h"
#include "http.h"
#include "util.h"

/* The number of characters of UTF-8 s, or -1 with a control character. */
static long
text_chars(const char *s)
{
	long n = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			return -1;
		if ((c & 0xc0) != 0x80)
			n++;
	}
	return n;
}

static int
below_min(const struct field *f, double v)
{
	return (f->flags & FIELD_MIN_EXCLUSIVE) ? v <= f->min : v < f->min;
}

static int
check_one(
    struct req *r, const json_t *v, const char *where, const struct field *f)
{
	long len;

	switch (f->type) {
	case FIELD_STRING:
		if (!json_is_string(v) ||
		    (len = text_chars(json_string_value(v))) < 0 ||
		    len < (long)f->min || len > (long)f->max)
			return reply_error(r, 400, "invalid_field",
			    "\"%s%s\" must be a string of %g to %g characters "
			    "without control characters",
			    where, f->name, f->min, f->max);
		return 0;
	case FIELD_INTEGER:
		if (!json_is_integer(v) ||
		    below_min(f, (double)json_integer_value(v)) ||
		    (double)json_integer_value(v) > f->max)
			return reply_error(r, 400, "invalid_field",
			    "\"%s%s\" must be a whole number from %g to %g",
			    where, f->name, f->min, f->max);
		return 0;
	case FIELD_NUMBER:
		if (!json_is_number(v) || below_min(f, json_number_value(v)) ||
		    json_number_value(v) > f->max)
			return reply_error(r, 400, "invalid_field",
			    "\"%s%s\" must be a number %s %g and at most %g",
			    where, f->name,
			    (f->flags & FIELD_MIN_EXCLUSIVE) ? "greater than"
							     : "at least",
			    f->min, f->max);
		return 0;
	case FIELD_OBJECT:
		if (!json_is_object(v))
			return reply_error(r, 400, "invalid_field",
			    "\"%s%s\" must be an object", where, f->name);
		return 0;
	case FIELD_ARRAY:
		if (!json_is_array(v) || json_array_size(v) < (size_t)f->min ||
		    json_array_size(v) > (size_t)f->max)
			return reply_error(r, 400, "invalid_field",
			    "\"%s%s\" must be an array of %g to %g elements",
			    where, f->name, f->min, f->max);
		return 0;
	case FIELD_UUID_OR_NULL:
		if (!json_is_null(v) &&
		    !(json_is_string(v) && is_uuid(json_string_value(v))))
			return reply_error(r, 400, "invalid_field",
			    "\"%s%s\" must be a UUID or null", where, f->name);
		return 0;
	}
	return reply_error(r, 500, NULL, "unknown field type");
}

int
fields_check_or_reply(struct req *r, const json_t *obj, const char *where,
    const struct field *f, size_t n)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach((json_t *)obj, key, v)
	{
		for (i = 0; i < n; i++)
			if (strcmp(key, f[i].name) == 0)
				break;
		if (i == n)
			return reply_error(r, 400, "unknown_field",
			    "unknown field \"%s%.64s\"", where, key);
	}
	for (i = 0; i < n; i++) {
		if ((v = json_object_get(obj, f[i].name)) == NULL) {
			if (f[i].flags & FIELD_REQUIRED)
				return reply_error(r, 400, "missing_field",
				    "\"%s%s\" is required", where, f[i].name);
			continue;
		}
		if (check_one(r, v, where, &f[i]) != 0)
			return r->status;
	}
	return 0;
}

double
fields_number(const json_t *obj, const char *key)
{
	return json_number_value(json_object_get(obj, key));
}
