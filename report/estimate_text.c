/* Human rendering of an estimates document: per hardware, the deep and
 * classical estimates; then the verdicts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlprobe/json.h"
#include "report/report.h"


static const char *dur(char *buf, size_t n, double s)
{
	if (!isfinite(s))
		snprintf(buf, n, "?");
	else if (s < 1)
		snprintf(buf, n, "%.3g ms", s * 1e3);
	else if (s < 120)
		snprintf(buf, n, "%.3g s", s);
	else if (s < 7200)
		snprintf(buf, n, "%.3g min", s / 60);
	else if (s < 3 * 86400)
		snprintf(buf, n, "%.3g h", s / 3600);
	else
		snprintf(buf, n, "%.3g d", s / 86400);
	return buf;
}

static const char *usd(char *buf, size_t n, double v)
{
	if (!isfinite(v))
		snprintf(buf, n, "n/a (no price)");
	else if (v < 0.01)
		snprintf(buf, n, "$%.2g", v);
	else
		snprintf(buf, n, "$%.2f", v);
	return buf;
}

static void range_line(FILE *f, const char *label, const json_t *side)
{
	char a[32], b[32], c[32], d[40];
	const json_t *t = json_object_get(side, "train_s"), *cost = json_object_get(side, "cost_usd");

	fprintf(f, "    %-10s %s (range %s .. %s), cost %s", label, dur(a, sizeof a, dlp_json_num(t, "expected")),
		dur(b, sizeof b, dlp_json_num(t, "low")), dur(c, sizeof c, dlp_json_num(t, "high")),
		usd(d, sizeof d, dlp_json_num(cost, "expected")));
	if (isfinite(dlp_json_num(cost, "low"))) {
		usd(a, sizeof a, dlp_json_num(cost, "low"));
		usd(b, sizeof b, dlp_json_num(cost, "high"));
		fprintf(f, " (%s .. %s)", a, b);
	}
	fputc('\n', f);
}

static void flags(FILE *f, const json_t *arr, const char *indent)
{
	size_t i;
	const json_t *x;

	json_array_foreach(arr, i, x) {
		if (json_is_string(x))
			fprintf(f, "%snote: %s\n", indent, json_string_value(x));
	}
}

static void one(FILE *f, const json_t *e, int verbose)
{
	const json_t *hw = json_object_get(e, "hardware"), *d = json_object_get(e, "deep");
	const json_t *c = json_object_get(e, "classical"), *wl = json_object_get(e, "workload");
	char a[32], b[32];

	fprintf(f, "  %s", json_string_value(json_object_get(hw, "name")));
	if (json_is_number(json_object_get(hw, "price_usd_per_h")))
		fprintf(f, "  ($%.4g/h%s%s)", dlp_json_num(hw, "price_usd_per_h"),
			json_is_string(json_object_get(hw, "price_date")) ? ", price of " : "",
			json_is_string(json_object_get(hw, "price_date"))
				? json_string_value(json_object_get(hw, "price_date")) : "");
	if (json_is_string(wl))
		fprintf(f, "  [%s]", json_string_value(wl));
	fputc('\n', f);
	if (json_is_object(d)) {
		const json_t *m = json_object_get(d, "model"), *mem = json_object_get(d, "memory");
		const json_t *st = json_object_get(d, "settings");
		char lbl[80];

		snprintf(lbl, sizeof lbl, "deep");
		fprintf(f, "    model %s: %.3g M params, %.3g G forward MACs/sample; batch %d x %d device(s), %s, "
			"%.3g epochs, %.0f steps\n",
			json_string_value(json_object_get(m, "name")), dlp_json_num(m, "params") / 1e6,
			dlp_json_num(m, "forward_macs") / 1e9, (int)dlp_json_num(st, "batch_per_device"),
			(int)dlp_json_num(st, "devices"), json_string_value(json_object_get(st, "gemm_dtype")),
			dlp_json_num(st, "epochs"), dlp_json_num(st, "steps"));
		range_line(f, lbl, d);
		fprintf(f, "               rates: %s\n", json_string_value(json_object_get(d, "rates")));
		if (json_is_object(json_object_get(d, "hardware_capability")))
			range_line(f, "capability", json_object_get(d, "hardware_capability"));
		fprintf(f, "    memory     %s GiB needed of %s; %s; largest batch %s\n",
			(snprintf(a, sizeof a, "%.3g", dlp_json_num(mem, "required_bytes") / 1073741824.0), a),
			isfinite(dlp_json_num(mem, "available_bytes"))
				? (snprintf(b, sizeof b, "%.3g GiB", dlp_json_num(mem, "available_bytes") / 1073741824.0), b)
				: "unknown",
			json_is_true(json_object_get(mem, "fits")) ? "fits"
			: json_is_false(json_object_get(mem, "fits")) ? "DOES NOT FIT" : "fit unknown",
			json_is_number(json_object_get(mem, "largest_batch"))
				? (snprintf(lbl, sizeof lbl, "%lld", (long long)json_integer_value(json_object_get(mem, "largest_batch"))), lbl)
				: "?");
		if (json_is_object(json_object_get(d, "retrain"))) {
			const json_t *r = json_object_get(d, "retrain");
			fprintf(f, "    retrain    %.3g runs/month: %s/month; one run %s the window\n",
				dlp_json_num(r, "runs_per_month"), usd(a, sizeof a, dlp_json_num(r, "monthly_cost_usd")),
				json_is_true(json_object_get(r, "fits_window")) ? "fits" : "does NOT fit");
		}
		if (verbose) {
			const json_t *ph = json_object_get(d, "step_breakdown_low_s"), *x;
			size_t i;
			char t1[32], t2[32], t3[32], t4[32], t5[32], t6[32];
			fprintf(f, "    step (low): fwd %s, bwd %s, optimizer %s, transfer %s, all-reduce %s, "
				"op overhead %s\n",
				dur(t1, sizeof t1, dlp_json_num(ph, "forward_s")), dur(t2, sizeof t2, dlp_json_num(ph, "backward_s")),
				dur(t3, sizeof t3, dlp_json_num(ph, "optimizer_s")),
				dur(t4, sizeof t4, dlp_json_num(ph, "input_transfer_s")),
				dur(t5, sizeof t5, dlp_json_num(ph, "allreduce_s")),
				dur(t6, sizeof t6, dlp_json_num(ph, "op_overhead_s")));
			json_array_foreach(json_object_get(d, "dominant_layers"), i, x)
				fprintf(f, "      %5.1f%%  %s (%s)\n", 100 * dlp_json_num(x, "share"),
					json_string_value(json_object_get(x, "layer")),
					json_string_value(json_object_get(x, "op")));
		}
		flags(f, json_object_get(d, "flags"), "    ");
	}
	if (json_is_object(c)) {
		char lbl[40];
		snprintf(lbl, sizeof lbl, "%s", json_string_value(json_object_get(c, "model")));
		range_line(f, lbl, c);
		if (json_is_object(json_object_get(c, "retrain")))
			fprintf(f, "    retrain    %s/month\n",
				usd(a, sizeof a, dlp_json_num_at(c, "retrain", "monthly_cost_usd", NULL)));
	}
	if (verbose)
		flags(f, json_object_get(hw, "flags"), "    ");
}

static void verdict(FILE *f, const json_t *v)
{
	const json_t *x;
	size_t i;

	if (!json_is_object(v))
		return;
	fprintf(f, "verdict:\n");
	if (json_is_string(json_object_get(v, "summary")))
		fprintf(f, "  %s\n", json_string_value(json_object_get(v, "summary")));
	json_array_foreach(json_object_get(v, "ratios"), i, x) {
		double rt = dlp_json_num(x, "deep_over_classical_time");
		double rc = dlp_json_num(x, "deep_over_classical_cost");
		fprintf(f, "  %s: deep takes %.3gx the classical model's time", json_string_value(json_object_get(x, "hardware")), rt);
		if (isfinite(rc))
			fprintf(f, " and %.3gx its cost", rc);
		fputc('\n', f);
	}
	if (json_is_string(json_object_get(v, "deep_cheapest")))
		fprintf(f, "  deep: cheapest %s, fastest %s%s\n", json_string_value(json_object_get(v, "deep_cheapest")),
			json_string_value(json_object_get(v, "deep_fastest")),
			json_is_number(json_object_get(v, "deadline_s")) ? " (meeting the deadline)" : "");
	else if (json_is_string(json_object_get(v, "deep_fastest"))) /* no price: no cheapest */
		fprintf(f, "  deep: fastest %s%s; cost unknown without a price (--price)\n",
			json_string_value(json_object_get(v, "deep_fastest")),
			json_is_number(json_object_get(v, "deadline_s")) ? " (meeting the deadline)" : "");
	else if (json_is_number(json_object_get(v, "deadline_s")))
		fprintf(f, "  deep: no hardware given meets the deadline with the model in memory\n");
	if (json_is_string(json_object_get(v, "classical_cheapest")))
		fprintf(f, "  classical: cheapest %s, fastest %s\n",
			json_string_value(json_object_get(v, "classical_cheapest")),
			json_string_value(json_object_get(v, "classical_fastest")));
	else if (json_is_string(json_object_get(v, "classical_fastest")))
		fprintf(f, "  classical: fastest %s; cost unknown without a price (--price)\n",
			json_string_value(json_object_get(v, "classical_fastest")));
	json_array_foreach(json_object_get(v, "deep_does_not_fit"), i, x)
		fprintf(f, "  the deep model does not fit in memory on %s at this batch\n", json_string_value(x));
	json_array_foreach(json_object_get(v, "flags"), i, x)
		fprintf(f, "  - %s [%s]\n", json_string_value(json_object_get(x, "finding")),
			json_string_value(json_object_get(x, "source")));
}

int dlp_report_estimate_text(FILE *out, const json_t *doc, const struct dlp_style *st)
{
	const json_t *e;
	size_t i;

	json_array_foreach(json_object_get(doc, "estimates"), i, e)
		one(out, e, st->verbose);
	verdict(out, json_object_get(doc, "verdict"));
	json_array_foreach(json_object_get(doc, "reference_verdicts"), i, e)
		verdict(out, e);
	return ferror(out) ? -1 : 0;
}
