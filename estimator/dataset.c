/* Dataset presets (data/datasets.json) and the parametric tabular:/text: forms. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/decimal.h"
#include "estimator/estimator.h"

static json_t *load_presets(void)
{
	size_t len;
	const char *text = dlp_embedded_get("datasets.json", &len);
	json_error_t err;

	if (!text) {
		dlp_error_set("datasets.json is not compiled in");
		return NULL;
	}
	return json_loadb(text, len, 0, &err);
}

json_t *dlp_dataset_list_json(void)
{
	return load_presets();
}

/* A positive count in decimal: digits, or a float form such as 1e9 (never
 * hex: "0x10" is no count of rows). */
static int parse_count(const char *s, const char **end, double *out)
{
	if (dlp_decimal_double(s, end, out) != 0 || *out < 1 || *out != floor(*out) || *out > 1e16)
		return -1;
	return 0;
}

int dlp_dataset_from_spec(const char *spec, dlp_dataset *out)
{
	json_t *all = NULL, *d;
	size_t i;
	int rc = -1;
	const char *end;
	double rows, feats;

	memset(out, 0, sizeof *out);
	if (!spec || !*spec)
		return 0;
	snprintf(out->name, sizeof out->name, "%s", spec);
	if (strncmp(spec, "tabular:", 8) == 0) {
		if (parse_count(spec + 8, &end, &rows) || *end != 'x' ||
		    parse_count(end + 1, &end, &feats) || *end || feats > 1e7)
			return dlp_error_set("malformed dataset \"%s\" (expected tabular:ROWSxFEATURES)", spec);
		snprintf(out->task, sizeof out->task, "tabular");
		out->samples = rows;
		out->features = (int)feats;
		out->in_c = (int)feats;
		out->in_h = out->in_w = 1;
		snprintf(out->source, sizeof out->source, "given on the command line");
		return 0;
	}
	if (strncmp(spec, "text:", 5) == 0) {
		if (parse_count(spec + 5, &end, &rows) || *end)
			return dlp_error_set("malformed dataset \"%s\" (expected text:TOKENS)", spec);
		snprintf(out->task, sizeof out->task, "text");
		out->tokens = rows;
		snprintf(out->source, sizeof out->source, "given on the command line");
		return 0;
	}
	if (!(all = load_presets()))
		return -1;
	json_array_foreach(json_object_get(all, "datasets"), i, d) {
		const json_t *in = json_object_get(d, "input");
		if (strcmp(json_string_value(json_object_get(d, "name")), spec))
			continue;
		snprintf(out->task, sizeof out->task, "%s", json_string_value(json_object_get(d, "task")));
		snprintf(out->source, sizeof out->source, "%s", json_string_value(json_object_get(d, "source")));
		out->samples = json_number_value(json_object_get(d, "samples"));
		out->classes = (int)json_integer_value(json_object_get(d, "classes"));
		out->in_c = (int)json_integer_value(json_array_get(in, 0));
		out->in_h = (int)json_integer_value(json_array_get(in, 1));
		out->in_w = (int)json_integer_value(json_array_get(in, 2));
		out->features = out->in_c * out->in_h * out->in_w;
		rc = 0;
		goto out;
	}
	dlp_error_set("unknown dataset \"%s\" (see `dlprobe list datasets`, or tabular:ROWSxFEATURES, "
		      "text:TOKENS)", spec);
out:
	json_decref(all);
	return rc;
}
