/* The shipped JSON Schema (data/dlprobe.schema.json, compiled in) applied by
 * dlprobe itself, so that what dlprobe refuses and what the schema refuses
 * are one decision. The keywords the schema uses, and only those: type,
 * $ref (#/$defs/NAME), required, properties, additionalProperties,
 * propertyNames, items, minItems, maxItems, enum, const, minimum,
 * exclusiveMinimum, pattern (POSIX ERE), allOf, oneOf. An integer is a JSON
 * integer: 5.0 is a number, not a count (tests/validate_json.py reads it
 * the same way). */
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "dlprobe/dlprobe.h"
#include "dlprobe/json.h"

#define PATH_LEN 256

struct ctx {
	const json_t *root;
	char path[PATH_LEN];
	char msg[PATH_LEN + 200];
};

static int check(struct ctx *c, const json_t *sch, const json_t *v);

static int fail(struct ctx *c, const char *what)
{
	if (!c->msg[0])
		snprintf(c->msg, sizeof c->msg, "%s: %s", c->path[0] ? c->path : "(top)", what);
	return -1;
}

static int type_is(const char *t, const json_t *v)
{
	return (!strcmp(t, "object") && json_is_object(v)) || (!strcmp(t, "array") && json_is_array(v)) ||
	       (!strcmp(t, "string") && json_is_string(v)) || (!strcmp(t, "integer") && json_is_integer(v)) ||
	       (!strcmp(t, "number") && json_is_number(v)) || (!strcmp(t, "boolean") && json_is_boolean(v)) ||
	       (!strcmp(t, "null") && json_is_null(v));
}

static int check_type(struct ctx *c, const json_t *t, const json_t *v)
{
	const json_t *x;
	size_t i;

	if (json_is_string(t))
		return type_is(json_string_value(t), v) ? 0 : fail(c, "wrong type");
	json_array_foreach(t, i, x)
		if (type_is(json_string_value(x), v))
			return 0;
	return fail(c, "wrong type");
}

/* Descend into key or index for the error's path, and come back. */
static int at(struct ctx *c, const char *key, size_t idx, const json_t *sch, const json_t *v)
{
	size_t n = strlen(c->path);
	int rc;

	if (key)
		snprintf(c->path + n, sizeof c->path - n, "/%s", key);
	else
		snprintf(c->path + n, sizeof c->path - n, "/%zu", idx);
	rc = check(c, sch, v);
	c->path[n] = '\0';
	return rc;
}

static int check_object(struct ctx *c, const json_t *sch, const json_t *v)
{
	const json_t *props = json_object_get(sch, "properties"), *addl = json_object_get(sch, "additionalProperties");
	const json_t *names = json_object_get(sch, "propertyNames"), *x, *sub;
	const char *k;
	size_t i;

	json_array_foreach(json_object_get(sch, "required"), i, x)
		if (!json_object_get(v, json_string_value(x))) {
			char m[128];
			snprintf(m, sizeof m, "\"%s\" is required", json_string_value(x));
			return fail(c, m);
		}
	json_object_foreach((json_t *)v, k, x) {
		json_t *kv;
		int rc;

		if (names) {
			kv = json_string(k);
			rc = at(c, k, 0, names, kv);
			json_decref(kv);
			if (rc)
				return rc;
		}
		if ((sub = json_object_get(props, k))) {
			if (at(c, k, 0, sub, x))
				return -1;
		} else if (json_is_false(addl)) {
			char m[160];
			snprintf(m, sizeof m, "unknown field \"%s\"", k);
			return fail(c, m);
		} else if (json_is_object(addl) && at(c, k, 0, addl, x)) {
			return -1;
		}
	}
	return 0;
}

static int check(struct ctx *c, const json_t *sch, const json_t *v)
{
	const json_t *x, *y;
	size_t i;

	if (!json_is_object(sch))
		return 0;
	if ((x = json_object_get(sch, "$ref"))) {
		const char *r = json_string_value(x);
		if (!r || strncmp(r, "#/$defs/", 8))
			return fail(c, "schema: unsupported $ref");
		if (check(c, json_object_get(json_object_get(c->root, "$defs"), r + 8), v))
			return -1;
	}
	if ((x = json_object_get(sch, "type")) && check_type(c, x, v))
		return -1;
	if ((x = json_object_get(sch, "const")) && !json_equal(x, (json_t *)v))
		return fail(c, "not the expected constant");
	if ((x = json_object_get(sch, "enum"))) {
		json_array_foreach(x, i, y)
			if (json_equal(y, (json_t *)v))
				break;
		if (i == json_array_size(x))
			return fail(c, "not one of the allowed values");
	}
	if (json_is_number(v)) {
		double d = json_number_value(v);
		if ((x = json_object_get(sch, "minimum")) && d < json_number_value(x))
			return fail(c, "below the minimum");
		if ((x = json_object_get(sch, "exclusiveMinimum")) && d <= json_number_value(x))
			return fail(c, "not above the minimum");
	}
	if (json_is_string(v) && (x = json_object_get(sch, "pattern"))) {
		regex_t re;
		int bad;
		if (regcomp(&re, json_string_value(x), REG_EXTENDED | REG_NOSUB))
			return fail(c, "schema: bad pattern");
		bad = regexec(&re, json_string_value(v), 0, NULL, 0);
		regfree(&re);
		if (bad)
			return fail(c, "does not match its pattern");
	}
	if (json_is_object(v) && check_object(c, sch, v))
		return -1;
	if (json_is_array(v)) {
		if ((x = json_object_get(sch, "minItems")) && json_array_size(v) < (size_t)json_integer_value(x))
			return fail(c, "too few items");
		if ((x = json_object_get(sch, "maxItems")) && json_array_size(v) > (size_t)json_integer_value(x))
			return fail(c, "too many items");
		if ((x = json_object_get(sch, "items")))
			json_array_foreach(v, i, y)
				if (at(c, NULL, i, x, y))
					return -1;
	}
	json_array_foreach(json_object_get(sch, "allOf"), i, x)
		if (check(c, x, v))
			return -1;
	if ((x = json_object_get(sch, "oneOf"))) {
		int n = 0;
		json_array_foreach(x, i, y) {
			struct ctx trial = *c;
			trial.msg[0] = '\0';
			n += check(&trial, y, v) == 0;
		}
		if (n != 1)
			return fail(c, "matches none (or several) of its alternatives");
	}
	return 0;
}

int dlp_json_validate_sections(const json_t *doc, const char *const *sections)
{
	static json_t *schema;
	struct ctx c;
	size_t len, i;
	const char *text;

	if (!schema) {
		json_error_t e;
		text = dlp_embedded_get("dlprobe.schema.json", &len);
		schema = text ? json_loadb(text, len, 0, &e) : NULL;
		if (!schema)
			return dlp_error_set("the built-in schema cannot be read"), -1;
	}
	memset(&c, 0, sizeof c);
	c.root = schema;
	for (i = 0; sections[i]; i++) {
		const json_t *v = json_object_get(doc, sections[i]);

		if (!v)
			continue;
		if (at(&c, sections[i], 0, json_object_get(json_object_get(schema, "properties"), sections[i]), v)) {
			dlp_error_set("%s", c.msg);
			return -1;
		}
	}
	return 0;
}
