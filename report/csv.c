/* CSV renderings for spreadsheets (RFC 4180): one row per bench result, one
 * row per machine x scenario of an estimates document. Every column is a
 * path into the document (a table below: a new field is one row), its
 * header names the unit; unknown (null) is an empty cell. */
#include <stdio.h>
#include <string.h>

#include "dlprobe/json.h"
#include "report/report.h"

#define MAX_PATH 4

struct csv_col {
	const char *header;
	const char *path[MAX_PATH]; /* keys from the row's object; "^" steps to the row's parent */
};

static void cell(FILE *out, const json_t *v)
{
	const char *s, *p;

	if (json_is_string(v)) {
		s = json_string_value(v);
		if (!strpbrk(s, ",\"\r\n")) {
			fputs(s, out);
			return;
		}
		fputc('"', out);
		for (p = s; *p; p++) {
			if (*p == '"')
				fputc('"', out);
			fputc(*p, out);
		}
		fputc('"', out);
	} else if (json_is_integer(v)) {
		fprintf(out, "%lld", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		fprintf(out, "%.6g", json_real_value(v));
	} else if (json_is_boolean(v)) {
		fputs(json_is_true(v) ? "true" : "false", out);
	}
}

static const json_t *at(const json_t *row, const json_t *parent, const char *const *path)
{
	const json_t *v = row;
	int i;

	for (i = 0; i < MAX_PATH && path[i]; i++)
		v = !strcmp(path[i], "^") ? parent : json_object_get(v, path[i]);
	return v;
}

static void header(FILE *out, const struct csv_col *cols, size_t n)
{
	size_t c;

	for (c = 0; c < n; c++)
		fprintf(out, "%s%s", c ? "," : "", cols[c].header);
	fputs("\r\n", out);
}

static void row(FILE *out, const struct csv_col *cols, size_t n, const json_t *r, const json_t *parent)
{
	size_t c;

	for (c = 0; c < n; c++) {
		if (c)
			fputc(',', out);
		cell(out, at(r, parent, cols[c].path));
	}
	fputs("\r\n", out);
}

/* Bench: the device is the row's parent (backend and device name come in
 * through the wrapper row built below). */
static const struct csv_col bench_cols[] = {
	{ "backend", { "^", "backend" } },
	{ "device", { "^", "device" } },
	{ "kernel", { "kernel" } },
	{ "impl", { "impl" } },
	{ "dtype", { "dtype" } },
	{ "isa", { "isa" } },
	{ "variant", { "variant" } },
	{ "m", { "m" } },
	{ "n", { "n" } },
	{ "k", { "k" } },
	{ "bytes", { "bytes" } },
	{ "threads", { "threads" } },
	{ "status", { "status" } },
	{ "rate_gflops", { "rate_gflops" } },
	{ "rate_gbps", { "rate_gbps" } },
	{ "rate_gupdates_per_s", { "rate_gupdates_per_s" } },
	{ "rate_grows_per_s", { "rate_grows_per_s" } },
	{ "rate_gvalues_per_s", { "rate_gvalues_per_s" } },
	{ "rate_gnlog2n_per_s", { "rate_gnlog2n_per_s" } },
	{ "latency_s", { "latency_s" } },
	{ "pct_of_measured_peak", { "pct_of_measured_peak" } },
	{ "vs_reference_x", { "vs_reference" } },
	{ "reason", { "reason" } },
};

int dlp_report_bench_csv(FILE *out, const json_t *doc, const struct dlp_style *st)
{
	const size_t n = sizeof bench_cols / sizeof bench_cols[0];
	const json_t *b, *d, *r;
	size_t i, j, k;

	(void)st;
	header(out, bench_cols, n);
	json_array_foreach(json_object_get(json_object_get(doc, "bench"), "backends"), i, b)
		json_array_foreach(json_object_get(b, "devices"), j, d) {
			json_t *parent = json_pack("{s:O,s:O}", "backend", json_object_get(b, "backend"), "device",
						   json_object_get(d, "name"));

			json_array_foreach(json_object_get(d, "results"), k, r)
				row(out, bench_cols, n, r, parent);
			json_decref(parent);
		}
	return ferror(out) ? -1 : 0;
}

#define RANGE(side, what, label, unit)                                                            \
	{ side "_" label "_low_" unit, { side, what, "low" } },                                   \
	{ side "_" label "_expected_" unit, { side, what, "expected" } },                         \
	{ side "_" label "_high_" unit, { side, what, "high" } }

static const struct csv_col estimate_cols[] = {
	{ "scenario", { "^", "scenario" } },
	{ "workload", { "workload" } },
	{ "rank", { "rank" } },
	{ "machine", { "hardware", "name" } },
	{ "kind", { "hardware", "kind" } },
	{ "devices", { "deep", "settings", "devices" } },
	{ "price_usd_per_h", { "hardware", "price_usd_per_h" } },
	{ "price_origin", { "hardware", "price_origin" } },
	{ "price_date", { "hardware", "price_date" } },
	{ "deep_model", { "deep", "model", "name" } },
	RANGE("deep", "train_s", "train", "s"),
	RANGE("deep", "cost_usd", "cost", "usd"),
	{ "deep_memory_required_bytes", { "deep", "memory", "required_bytes" } },
	{ "deep_memory_available_bytes", { "deep", "memory", "available_bytes" } },
	{ "deep_fits", { "deep", "memory", "fits" } },
	{ "deep_largest_batch", { "deep", "memory", "largest_batch" } },
	{ "deep_deadline_met_expected", { "deep", "deadline", "met_expected" } },
	{ "deep_deadline_met_high", { "deep", "deadline", "met_high" } },
	{ "deep_monthly_cost_usd", { "deep", "retrain", "monthly_cost_usd" } },
	{ "classical_model", { "classical", "model", "name" } },
	RANGE("classical", "train_s", "train", "s"),
	RANGE("classical", "cost_usd", "cost", "usd"),
	{ "classical_deadline_met_expected", { "classical", "deadline", "met_expected" } },
	{ "classical_deadline_met_high", { "classical", "deadline", "met_high" } },
	{ "classical_monthly_cost_usd", { "classical", "retrain", "monthly_cost_usd" } },
};

/* The scenario title of an estimate: its verdict's "scenario", if any. */
static json_t *scenario_of(const json_t *doc, const json_t *e)
{
	const char *w = json_string_value(json_object_get(e, "workload"));
	const json_t *v = json_object_get(doc, "verdict"), *x;
	size_t i;

	if (w && json_is_string(json_object_get(v, "workload")) &&
	    strcmp(w, json_string_value(json_object_get(v, "workload"))))
		v = NULL;
	json_array_foreach(json_object_get(doc, "reference_verdicts"), i, x)
		if (w && json_is_string(json_object_get(x, "workload")) && !strcmp(w, json_string_value(json_object_get(x, "workload"))))
			v = x;
	return json_pack("{s:O}", "scenario", json_object_get(v, "scenario") ? json_object_get(v, "scenario")
									   : json_null());
}

int dlp_report_estimate_csv(FILE *out, const json_t *doc, const struct dlp_style *st)
{
	const size_t n = sizeof estimate_cols / sizeof estimate_cols[0];
	const json_t *e;
	size_t i;

	(void)st;
	header(out, estimate_cols, n);
	json_array_foreach(json_object_get(doc, "estimates"), i, e) {
		json_t *parent = scenario_of(doc, e), *r = json_deep_copy(e);

		/* estimate's entries carry the workload in the document */
		if (!json_is_string(json_object_get(r, "workload")))
			json_object_set(r, "workload", json_object_get(json_object_get(doc, "workload"), "name"));
		row(out, estimate_cols, n, r, parent);
		json_decref(r);
		json_decref(parent);
	}
	return ferror(out) ? -1 : 0;
}
