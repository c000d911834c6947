/* The tables of `dlprobe list`: built-in models, datasets and catalog
 * instances, from the list document. */
#include <stdio.h>
#include <string.h>

#include "dlprobe/dlprobe.h"
#include "dlprobe/json.h"
#include "estimator/estimator.h"
#include "report/report.h"

#define MAX_INT(a, b) ((a) > (b) ? (a) : (b))

static const char *str_or(const json_t *v, const char *fallback)
{
	return json_is_string(v) ? json_string_value(v) : fallback;
}

/* The zoo file's one-line description: the list document carries model
 * summaries (the estimator's figures), not the prose. */
static const char *zoo_description(const char *name, char *buf, size_t len)
{
	char path[96];
	const char *text;
	size_t n;
	json_t *desc;

	buf[0] = '\0';
	snprintf(path, sizeof path, "models/%s.json", name ? name : "");
	text = dlp_embedded_get(path, &n);
	desc = text ? json_loadb(text, n, 0, NULL) : NULL;
	snprintf(buf, len, "%s", desc ? str_or(json_object_get(desc, "description"), "") : "");
	json_decref(desc);
	return buf;
}

/* Columns as wide as their widest entry: a zoo name or input longer than a
 * fixed width would push its row out of line. */
static void models(FILE *out, const json_t *arr)
{
	const json_t *m, *in;
	size_t i;
	int wn = 0, wi = 0;
	char d[256], p[16], k[16], shape[48];

	json_array_foreach(arr, i, m) {
		in = json_object_get(m, "input");
		wn = MAX_INT(wn, (int)strlen(str_or(json_object_get(m, "name"), "?")));
		wi = MAX_INT(wi, snprintf(shape, sizeof shape, "%dx%dx%d", (int)json_integer_value(json_array_get(in, 0)),
					  (int)json_integer_value(json_array_get(in, 1)),
					  (int)json_integer_value(json_array_get(in, 2))));
	}
	json_array_foreach(arr, i, m) {
		in = json_object_get(m, "input");
		snprintf(shape, sizeof shape, "%dx%dx%d", (int)json_integer_value(json_array_get(in, 0)),
			 (int)json_integer_value(json_array_get(in, 1)), (int)json_integer_value(json_array_get(in, 2)));
		fprintf(out, "%-*s %5s params %5s MACs  %-*s  %s\n", wn, str_or(json_object_get(m, "name"), "?"),
			dlp_report_count(dlp_json_num(m, "params"), p, sizeof p),
			dlp_report_count(dlp_json_num(m, "forward_macs"), k, sizeof k), wi, shape,
			zoo_description(json_string_value(json_object_get(m, "name")), d, sizeof d));
	}
	fprintf(out, "mlp:IN,H1,...,OUT  a multilayer perceptron; or a JSON model file (docs/estimator.md)\n");
}

/* Named datasets, then the parametric forms (those with an "example"). */
static void datasets(FILE *out, const json_t *arr)
{
	const json_t *d;
	size_t i;

	json_array_foreach(arr, i, d) {
		if (json_object_get(d, "example"))
			fprintf(out, "%-22s e.g. %s\n", str_or(json_object_get(d, "name"), "?"),
				str_or(json_object_get(d, "example"), "?"));
		else
			fprintf(out, "%-10s %10.0f samples  %s\n", str_or(json_object_get(d, "name"), "?"),
				dlp_json_num(d, "samples"), str_or(json_object_get(d, "source"), "?"));
	}
}

static void instances(FILE *out, const json_t *arr)
{
	const json_t *gpus = json_object_get(dlp_catalog(), "gpu_models"), *it, *gpu;
	size_t i;
	char dev[80];

	json_array_foreach(arr, i, it) {
		gpu = json_object_get(gpus, str_or(json_object_get(it, "gpu"), ""));
		if (gpu)
			snprintf(dev, sizeof dev, "%lldx %s", (long long)json_integer_value(json_object_get(it, "gpus")),
				 str_or(json_object_get(gpu, "name"), "?"));
		else
			snprintf(dev, sizeof dev, "CPU only");
		fprintf(out, "%-26s %-5s %4lld vCPU %5lld GiB  %-32s $%8.4g/h (price of %s)\n",
			str_or(json_object_get(it, "name"), "?"), str_or(json_object_get(it, "provider"), "?"),
			(long long)json_integer_value(json_object_get(it, "vcpus")),
			(long long)json_integer_value(json_object_get(it, "memory_gib")), dev,
			dlp_json_num(it, "price_usd_per_h"), str_or(json_object_get(it, "price_date"), "?"));
	}
}

int dlp_report_list_text(FILE *out, const json_t *doc, const struct dlp_style *st)
{
	const json_t *arr;

	(void)st;
	if ((arr = json_object_get(doc, "models")))
		models(out, arr);
	else if ((arr = json_object_get(doc, "datasets")))
		datasets(out, arr);
	else if ((arr = json_object_get(doc, "instances")))
		instances(out, arr);
	return ferror(out) ? -1 : 0;
}
