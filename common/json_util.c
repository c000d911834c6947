#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dlprobe/json.h"

json_t *dlp_json_real(double v)
{
	if (!isfinite(v))
		return json_null();
	return json_real(v);
}

json_t *dlp_json_count(long long v)
{
	if (v < 0)
		return json_null();
	return json_integer(v);
}

json_t *dlp_json_str(const char *s)
{
	if (!s || !*s)
		return json_null();
	return json_string(s);
}

double dlp_json_num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

double dlp_json_num_at(const json_t *o, ...)
{
	va_list ap;
	const char *key;

	va_start(ap, o);
	while ((key = va_arg(ap, const char *)))
		o = json_object_get(o, key);
	va_end(ap);
	return json_is_number(o) ? json_number_value(o) : NAN;
}

void dlp_json_set_status(json_t *obj, dlp_status st, const char *reason)
{
	json_object_set_new(obj, "status", json_string(dlp_status_name(st)));
	json_object_set_new(obj, "reason", dlp_json_str(reason));
}

json_t *dlp_json_whole(double v)
{
	if (!isfinite(v) || v < 0 || v > 9.2e18)
		return json_null();
	return json_integer((json_int_t)llround(v));
}

json_t *dlp_json_document_new(void)
{
	json_t *doc = json_object();
	json_t *tool = json_object();
	json_t *backends = json_array();
	char stamp[32] = "";
	time_t now = time(NULL);
	struct tm tm;
	char *list, *tok, *save = NULL;

	json_object_set_new(doc, "schema_version", json_string(DLP_SCHEMA_VERSION));
	json_object_set_new(tool, "name", json_string("dlprobe"));
	json_object_set_new(tool, "version", json_string(DLP_VERSION));
	list = strdup(dlp_build_backends());
	for (tok = list ? strtok_r(list, " ", &save) : NULL; tok; tok = strtok_r(NULL, " ", &save))
		json_array_append_new(backends, json_string(tok));
	free(list);
	json_object_set_new(tool, "backends_built", backends);
	json_object_set_new(tool, "cuda_kernels_built", json_boolean(dlp_build_cuda_kernels()));
	json_object_set_new(doc, "tool", tool);
	if (gmtime_r(&now, &tm))
		strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(doc, "generated_at", dlp_json_str(stamp));
	return doc;
}

int dlp_json_check_schema(const json_t *doc)
{
	const char *v;
	char *end;
	long major;

	if (!json_is_object(doc))
		return dlp_error_set("not a dlprobe document (top level is not an object)");
	v = json_string_value(json_object_get(doc, "schema_version"));
	if (!v && json_object_get(doc, "schema_version"))
		return dlp_error_set("schema_version is not a string (\"1.0\" is one)");
	if (!v)
		return dlp_error_set("not a dlprobe document (no schema_version)");
	major = strtol(v, &end, 10);
	if (end == v || (*end != '.' && *end != '\0'))
		return dlp_error_set("malformed schema_version \"%s\"", v);
	if (major != DLP_SCHEMA_MAJOR)
		return dlp_error_set("schema_version %s is not supported by this dlprobe (reads %d.x)",
				     v, DLP_SCHEMA_MAJOR);
	return 0;
}
