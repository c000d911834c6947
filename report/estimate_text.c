/* Human rendering of an estimates document, one screen first: per scenario
 * (the estimates of one workload) a table of machines against the deep and
 * classical estimates, then that scenario's labelled verdict. -v adds the
 * per-machine details: model, rates, memory, phases, dominant layers, the
 * classical terms and assumptions, notes.
 * The table's columns are a table (cols[]): a new figure is one row there. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlprobe/json.h"
#include "report/report.h"

#define WIDTH 80
#define MACHINE_MIN 10 /* the machine column never narrower */
/* A name up to this long is never shortened, even past WIDTH: shortened to the
 * column, g5.xlarge, g6.xlarge and p4d.24xlarge were all "..xlarge". The
 * longest catalog name (Standard_ND96isr_MI300X_v5) fits. */
#define MACHINE_WHOLE 26

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* ---- the table ------------------------------------------------------------ */

static void cell_time(const json_t *side, char *b, size_t n)
{
	const json_t *t = json_object_get(side, "train_s");

	dlp_report_duration_range(dlp_json_num(t, "low"), dlp_json_num(t, "high"), b, n);
}

static void cell_cost(const json_t *side, char *b, size_t n)
{
	dlp_report_usd(dlp_json_num_at(side, "cost_usd", "expected", NULL), b, n);
}

static void cell_fits(const json_t *side, char *b, size_t n)
{
	const json_t *f = json_object_get(json_object_get(side, "memory"), "fits");

	snprintf(b, n, "%s", json_is_true(f) ? "yes" : json_is_false(f) ? "NO" : "?");
}

/* "yes" even at the high estimate, "exp" at the expected only, "NO". */
static void cell_deadline(const json_t *side, char *b, size_t n)
{
	const json_t *d = json_object_get(side, "deadline");

	if (!json_is_object(d))
		snprintf(b, n, "-");
	else
		snprintf(b, n, "%s", json_is_true(json_object_get(d, "met_high")) ? "yes"
				     : json_is_true(json_object_get(d, "met_expected")) ? "if exp." : "NO");
}

enum col_need { NEED_ALWAYS, NEED_DEADLINE, NEED_MEMORY };

static const struct col {
	const char *head;
	int width;
	enum col_need need;
	void (*cell)(const json_t *side, char *buf, size_t len);
} cols[] = {
	{ "time low-high", 13, NEED_ALWAYS, cell_time },
	{ "cost", 6, NEED_ALWAYS, cell_cost },
	{ "fits", 4, NEED_MEMORY, cell_fits },
	{ "deadline", 8, NEED_DEADLINE, cell_deadline },
};
#define NCOLS (sizeof cols / sizeof cols[0])

struct group {
	const char *workload;
	const json_t *verdict;
	const json_t *ests[64];
	size_t n;
	int has_deep, has_classical, has_deadline, has_rank;
	const char *classical_name;
};

static int col_shown(const struct group *g, const char *side, const struct col *c)
{
	if (c->need == NEED_DEADLINE)
		return g->has_deadline;
	if (c->need == NEED_MEMORY)
		return !strcmp(side, "deep");
	return 1;
}

/* "tests/fixtures/bench_cpu_fixture.json" -> "..._fixture.json": the end
 * of a long name tells files apart. */
static const char *machine_cell(const char *name, size_t w, char *b, size_t n)
{
	size_t len = strlen(name);

	if (len <= w)
		snprintf(b, n, "%s", name);
	else
		snprintf(b, n, "..%s", name + len - (w - 2));
	return b;
}

/* One line of the table, built whole so that its end carries no padding. */
struct line {
	char b[512];
	size_t u;
};

static void add(struct line *l, int width, const char *s)
{
	if (l->u < sizeof l->b)
		l->u += (size_t)snprintf(l->b + l->u, sizeof l->b - l->u, "%-*s", width, s);
}

static void put(FILE *out, struct line *l, const char *pre, const char *post)
{
	while (l->u > 0 && l->u < sizeof l->b && l->b[l->u - 1] == ' ')
		l->b[--l->u] = '\0';
	fprintf(out, "%s%s%s\n", pre, l->b, post);
	l->u = 0;
}

static int side_shown(const struct group *g, size_t s)
{
	return s == 0 ? g->has_deep : g->has_classical;
}

static void table(FILE *out, const struct group *g, const struct dlp_style *st)
{
	static const char *const sides[] = { "deep", "classical" };
	struct line l = { "", 0 };
	char b[64];
	size_t i, c, s;
	int others = 2 + (g->has_deep && g->has_classical ? 2 : 0), mw = MACHINE_MIN, width;

	/* the machine column takes what the figures leave of the width */
	for (s = 0; s < 2; s++)
		for (c = 0; c < NCOLS && side_shown(g, s); c++)
			if (col_shown(g, sides[s], &cols[c]))
				others += cols[c].width + 1;
	for (i = 0; i < g->n; i++) {
		int n = (int)strlen(str(json_object_get(g->ests[i], "hardware"), "name")) + (g->has_rank ? 3 : 1);
		if (n > mw)
			mw = n;
	}
	width = mw < WIDTH - others ? mw : WIDTH - others > MACHINE_MIN ? WIDTH - others : MACHINE_MIN;
	if (width < mw) {
		int whole = MACHINE_WHOLE + (g->has_rank ? 3 : 1);

		if (width < whole)
			width = mw < whole ? mw : whole;
	}

	/* the side headers: which model each half of the table is */
	add(&l, width + 2, "");
	for (s = 0; s < 2; s++) {
		int w = 0;

		if (!side_shown(g, s))
			continue;
		for (c = 0; c < NCOLS; c++)
			if (col_shown(g, sides[s], &cols[c]))
				w += cols[c].width + 1;
		add(&l, 0, s == 1 && g->has_deep ? " | " : " ");
		add(&l, w - 1, s == 0 ? "deep model" : g->classical_name);
	}
	put(out, &l, "", "");
	add(&l, width + 2, g->has_rank ? "  # machine" : "  machine");
	for (s = 0; s < 2; s++) {
		if (!side_shown(g, s))
			continue;
		if (s == 1 && g->has_deep)
			add(&l, 0, " |");
		for (c = 0; c < NCOLS; c++)
			if (col_shown(g, sides[s], &cols[c])) {
				add(&l, 0, " ");
				add(&l, cols[c].width, cols[c].head);
			}
	}
	put(out, &l, st->bold, st->reset);
	for (i = 0; i < g->n; i++) {
		const json_t *e = g->ests[i];

		add(&l, 2, "");
		if (g->has_rank) {
			snprintf(b, sizeof b, "%lld", (long long)json_integer_value(json_object_get(e, "rank")));
			add(&l, 2, b);
		}
		add(&l, width - (g->has_rank ? 2 : 0), machine_cell(str(json_object_get(e, "hardware"), "name"),
									  width - (g->has_rank ? 3 : 1), b, sizeof b));
		for (s = 0; s < 2; s++) {
			const json_t *side = json_object_get(e, sides[s]);

			if (!side_shown(g, s))
				continue;
			if (s == 1 && g->has_deep)
				add(&l, 0, " |");
			for (c = 0; c < NCOLS; c++) {
				if (!col_shown(g, sides[s], &cols[c]))
					continue;
				if (json_is_object(side))
					cols[c].cell(side, b, sizeof b);
				else
					snprintf(b, sizeof b, "-");
				add(&l, 0, " ");
				add(&l, cols[c].width, b);
			}
		}
		put(out, &l, "", "");
	}
}

/* ---- the verdict -------------------------------------------------------- */

static void names(char *b, size_t n, const json_t *arr)
{
	const json_t *x;
	size_t i, used = 0;

	b[0] = '\0';
	json_array_foreach(arr, i, x)
		used += (size_t)snprintf(b + used, used < n ? n - used : 0, "%s%s", i ? ", " : "", json_string_value(x));
}

/* One side's picks. With a deadline they are among the machines that meet
 * it at the expected estimate, as the summary says: the line says so too,
 * or a cheaper machine that misses it would seem passed over. */
static void pick_line(FILE *out, const json_t *v, const char *side, const char *label)
{
	char line[512], list[256], head[64];
	const json_t *dl = json_object_get(json_object_get(v, "deadline"), side);
	char key_c[32], key_f[32];
	const char *ch, *fa;
	int has_dl = json_is_object(dl);

	snprintf(key_c, sizeof key_c, "%s_cheapest", side);
	snprintf(key_f, sizeof key_f, "%s_fastest", side);
	ch = json_string_value(json_object_get(v, key_c));
	fa = json_string_value(json_object_get(v, key_f));
	if (!fa && (!has_dl || (!json_array_size(json_object_get(dl, "met_at_high")) &&
				!json_array_size(json_object_get(dl, "met_at_expected_only")) &&
				!json_array_size(json_object_get(dl, "missed")))))
		return; /* nothing of this side was estimated */
	snprintf(head, sizeof head, "%s%s", label, has_dl ? ", meeting the deadline" : "");
	if (fa && ch)
		snprintf(line, sizeof line, "%s: cheapest %s, fastest %s", head, ch, fa);
	else if (fa)
		snprintf(line, sizeof line, "%s: fastest %s (no price: cost unknown)", head, fa);
	else
		snprintf(line, sizeof line, "%s: no machine meets the deadline at the expected estimate", label);
	if (has_dl && fa) {
		size_t u = strlen(line);
		names(list, sizeof list, json_object_get(dl, "met_at_high"));
		u += (size_t)snprintf(line + u, u < sizeof line ? sizeof line - u : 0, "; even at high: %s",
				      *list ? list : "none");
		names(list, sizeof list, json_object_get(dl, "met_at_expected_only"));
		if (*list && u < sizeof line)
			snprintf(line + u, sizeof line - u, "; only at expected: %s", list);
	}
	fputs("  ", out);
	dlp_report_wrap(out, line, 2, 4, WIDTH);
}

static void verdict(FILE *out, const json_t *v, const struct dlp_style *st)
{
	const json_t *x;
	size_t i;
	char head[200];

	if (!json_is_object(v))
		return;
	fprintf(out, "%sverdict:%s ", st->bold, st->reset);
	dlp_report_wrap(out, str(v, "summary"), 9, 2, WIDTH);
	/* with no classical side and no deadline the summary already names them */
	if (json_array_size(json_object_get(v, "ratios")) || json_is_object(json_object_get(v, "deadline")))
		pick_line(out, v, "deep", "deep");
	pick_line(out, v, "classical", "classical");
	if (json_array_size(json_object_get(v, "deep_does_not_fit"))) {
		char list[256], line[320];
		names(list, sizeof list, json_object_get(v, "deep_does_not_fit"));
		snprintf(line, sizeof line, "the deep model does not fit in memory at this batch on %s", list);
		fputs("  ", out);
		dlp_report_wrap(out, line, 2, 4, WIDTH);
	}
	if (!st->verbose) {
		char ids[256] = "";
		size_t u = 0;
		json_array_foreach(json_object_get(v, "flags"), i, x) {
			size_t k;
			/* a rule found on several machines is one name here (-v lists each) */
			for (k = 0; k < i && strcmp(str(json_array_get(json_object_get(v, "flags"), k), "rule"), str(x, "rule")); k++)
				;
			if (k < i || u >= sizeof ids)
				continue;
			u += (size_t)snprintf(ids + u, sizeof ids - u, "%s%s", u ? ", " : "", str(x, "rule"));
		}
		if (*ids) {
			fputs("  ", out);
			snprintf(head, sizeof head, "evidence (-v for the findings): %s", ids);
			dlp_report_wrap(out, head, 2, 4, WIDTH);
		}
		return;
	}
	json_array_foreach(json_object_get(v, "ratios"), i, x) {
		double rt = dlp_json_num(x, "deep_over_classical_time"), rc = dlp_json_num(x, "deep_over_classical_cost");
		fprintf(out, "  %s: deep takes %.2gx the classical model's time", str(x, "hardware"), rt);
		if (isfinite(rc))
			fprintf(out, " and %.2gx its cost", rc);
		fputc('\n', out);
	}
	json_array_foreach(json_object_get(v, "flags"), i, x) {
		char line[1024];
		snprintf(line, sizeof line, "%s [%s]", str(x, "finding"), str(x, "source"));
		fputs("  - ", out);
		dlp_report_wrap(out, line, 4, 4, WIDTH);
	}
}

/* ---- details (-v) ------------------------------------------------------- */

static void notes(FILE *f, const json_t *arr, const char *indent)
{
	const json_t *x;
	size_t i;

	json_array_foreach(arr, i, x)
		if (json_is_string(x)) {
			char line[1024];
			snprintf(line, sizeof line, "note: %s", json_string_value(x));
			fputs(indent, f);
			dlp_report_wrap(f, line, (int)strlen(indent), (int)strlen(indent) + 6, WIDTH);
		}
}

static void range_line(FILE *f, const char *label, const json_t *side)
{
	char e[24], r[40], c[16], cl[16], ch[16];
	const json_t *t = json_object_get(side, "train_s"), *cost = json_object_get(side, "cost_usd");

	fprintf(f, "    %-10s %s (%s), cost %s", label, dlp_report_duration(dlp_json_num(t, "expected"), e, sizeof e),
		dlp_report_duration_range(dlp_json_num(t, "low"), dlp_json_num(t, "high"), r, sizeof r),
		dlp_report_usd(dlp_json_num(cost, "expected"), c, sizeof c));
	if (isfinite(dlp_json_num(cost, "low")))
		fprintf(f, " (%s-%s)", dlp_report_usd(dlp_json_num(cost, "low"), cl, sizeof cl),
			dlp_report_usd(dlp_json_num(cost, "high"), ch, sizeof ch));
	fputc('\n', f);
}

static void price_line(FILE *f, const json_t *hw)
{
	char p[32];
	const char *origin = str(hw, "price_origin");

	if (!json_is_number(json_object_get(hw, "price_usd_per_h"))) {
		fprintf(f, "    price      none: cost unknown (give --price)\n");
		return;
	}
	/* a price per hour keeps its cents: it is what the user compares with a quote */
	snprintf(p, sizeof p, "$%.2f", dlp_json_num(hw, "price_usd_per_h"));
	fprintf(f, "    price      %s/h", p);
	if (!strcmp(origin, "user"))
		fprintf(f, " given by the user (--price)\n");
	else
		fprintf(f, " from the catalog, %s (%s)\n", str(hw, "price_date"), str(hw, "price_source"));
}

/* What a classical estimate is made of (-v): each term's seconds, and the
 * assumptions (data/instances.json) it still used, which the JSON names in
 * detail.assumed_constants: a reader of the text sees them too. */
static void classical_parts(FILE *f, const json_t *c)
{
	const json_t *det = json_object_get(c, "detail"), *v;
	const char *k;
	char line[768], t[24], *sp;
	size_t i;
	int u = 0;

	json_object_foreach((json_t *)json_object_get(det, "terms_s"), k, v) {
		dlp_report_duration(json_number_value(v), t, sizeof t);
		/* "57 ms" is one figure: no line break inside it */
		while ((sp = strchr(t, ' ')))
			*sp = DLP_REPORT_NBSP;
		if (u >= 0 && (size_t)u < sizeof line)
			u += snprintf(line + u, sizeof line - (size_t)u, "%s%s" DLP_REPORT_NBSP_S "%s", u ? ", " : "", k, t);
	}
	if (u > 0) {
		fputs("    terms      ", f);
		dlp_report_wrap(f, line, 15, 15, WIDTH);
	}
	u = 0;
	json_array_foreach(json_object_get(det, "assumed_constants"), i, v)
		if (u >= 0 && (size_t)u < sizeof line)
			u += snprintf(line + u, sizeof line - (size_t)u, "%s%s", u ? ", " : "", json_string_value(v) ? json_string_value(v) : "?");
	if (u > 0 && (size_t)u < sizeof line) {
		snprintf(line + u, sizeof line - (size_t)u, " (value and basis: data/instances.json)");
		fputs("    assumed    ", f);
		dlp_report_wrap(f, line, 15, 15, WIDTH);
	}
}

static void details(FILE *f, const json_t *e)
{
	const json_t *hw = json_object_get(e, "hardware"), *d = json_object_get(e, "deep");
	const json_t *c = json_object_get(e, "classical"), *x;
	char a[32], b[32], cnt[16];
	size_t i;

	fprintf(f, "  %s\n", str(hw, "name"));
	price_line(f, hw);
	if (json_is_object(d)) {
		const json_t *m = json_object_get(d, "model"), *mem = json_object_get(d, "memory");
		const json_t *st = json_object_get(d, "settings"), *ph = json_object_get(d, "step_breakdown_low_s");
		char t[6][24];

		fprintf(f, "    model      %s: %s params, %s forward MACs/sample\n", str(m, "name"),
			dlp_report_count(dlp_json_num(m, "params"), a, sizeof a),
			dlp_report_count(dlp_json_num(m, "forward_macs"), b, sizeof b));
		fprintf(f, "    training   batch %d x %d device(s), %s, %.3g epoch%s, %s steps\n",
			(int)dlp_json_num(st, "batch_per_device"), (int)dlp_json_num(st, "devices"), str(st, "gemm_dtype"),
			dlp_json_num(st, "epochs"), dlp_json_num(st, "epochs") == 1 ? "" : "s",
			dlp_report_count(dlp_json_num(st, "steps"), cnt, sizeof cnt));
		range_line(f, "deep", d);
		fprintf(f, "    rates      %s\n", str(d, "rates"));
		if (json_is_object(json_object_get(d, "hardware_capability")))
			range_line(f, "capability", json_object_get(d, "hardware_capability"));
		dlp_report_bytes((long long)dlp_json_num(mem, "required_bytes"), a, sizeof a);
		dlp_report_bytes(isfinite(dlp_json_num(mem, "available_bytes")) ? (long long)dlp_json_num(mem, "available_bytes")
										 : -1, b, sizeof b);
		fprintf(f, "    memory     %s needed of %s per device; %s; largest batch %s", a, b,
			json_is_true(json_object_get(mem, "fits")) ? "fits"
			: json_is_false(json_object_get(mem, "fits")) ? "DOES NOT FIT" : "fit unknown",
			dlp_report_count(dlp_json_num(mem, "largest_batch"), cnt, sizeof cnt));
		if (!strcmp(str(mem, "largest_batch_limited_by"), "dataset"))
			fprintf(f, " (the whole dataset)");
		fputc('\n', f);
		if (json_is_object(json_object_get(d, "retrain"))) {
			const json_t *r = json_object_get(d, "retrain");
			fprintf(f, "    retrain    %.3g runs/month, %s/month; one run %s the window\n",
				dlp_json_num(r, "runs_per_month"), dlp_report_usd(dlp_json_num(r, "monthly_cost_usd"), a, sizeof a),
				json_is_true(json_object_get(r, "fits_window")) ? "fits" : "does NOT fit");
		}
		fprintf(f, "    step (low) fwd %s, bwd %s, optimizer %s, transfer %s, all-reduce %s, overhead %s\n",
			dlp_report_duration(dlp_json_num(ph, "forward_s"), t[0], sizeof t[0]),
			dlp_report_duration(dlp_json_num(ph, "backward_s"), t[1], sizeof t[1]),
			dlp_report_duration(dlp_json_num(ph, "optimizer_s"), t[2], sizeof t[2]),
			dlp_report_duration(dlp_json_num(ph, "input_transfer_s"), t[3], sizeof t[3]),
			dlp_report_duration(dlp_json_num(ph, "allreduce_s"), t[4], sizeof t[4]),
			dlp_report_duration(dlp_json_num(ph, "op_overhead_s"), t[5], sizeof t[5]));
		json_array_foreach(json_object_get(d, "dominant_layers"), i, x) {
			double k = dlp_json_num(x, "count");
			fprintf(f, "      %5.1f%%  %s (%s)", 100 * dlp_json_num(x, "share"), str(x, "layer"), str(x, "op"));
			if (k > 1)
				fprintf(f, " x %.0f", k);
			fputc('\n', f);
		}
		notes(f, json_object_get(d, "flags"), "    ");
	}
	if (json_is_object(c)) {
		range_line(f, str(json_object_get(c, "model"), "name"), c);
		classical_parts(f, c);
		if (json_is_object(json_object_get(c, "retrain")))
			fprintf(f, "    retrain    %s/month\n",
				dlp_report_usd(dlp_json_num_at(c, "retrain", "monthly_cost_usd", NULL), a, sizeof a));
	}
	notes(f, json_object_get(hw, "flags"), "    ");
}

/* ---- the document --------------------------------------------------------- */

/* The verdict of a workload: the scenario's (its "workload" key), or the
 * document's only one. */
/* Cluster entries (estimate --hw cluster.json): the same run on one node, and
 * how well the nodes scale. */
static void cluster_lines(FILE *f, const struct group *g)
{
	size_t i;
	char a[24], b[24], c1[24], line[400], inside[48];

	for (i = 0; i < g->n; i++) {
		const json_t *c = json_object_get(g->ests[i], "cluster");

		if (!json_is_object(c))
			continue;
		inside[0] = '\0';
		if (isfinite(dlp_json_num(c, "intra_node_busbw_gbps")))
			snprintf(inside, sizeof inside, ", %.3g GB/s inside nodes", dlp_json_num(c, "intra_node_busbw_gbps"));
		snprintf(line, sizeof line,
			 "cluster %s: %s vs %s on one node, speedup %.2fx, scaling efficiency %.0f%%; all-reduce "
			 "(hierarchical) %s per step at busbw %.3g GB/s across nodes%s",
			 str(json_object_get(g->ests[i], "hardware"), "name"),
			 dlp_report_duration(dlp_json_num(c, "cluster_train_s"), a, sizeof a),
			 dlp_report_duration(dlp_json_num(c, "one_node_train_s"), b, sizeof b),
			 dlp_json_num(c, "speedup"), 100 * dlp_json_num(c, "scaling_efficiency"),
			 dlp_report_duration(dlp_json_num(c, "allreduce_s_per_step"), c1, sizeof c1),
			 dlp_json_num(c, "inter_node_busbw_gbps"), inside);
		fputs("  ", f);
		dlp_report_wrap(f, line, 2, 4, WIDTH);
		notes(f, json_object_get(c, "flags"), "    ");
	}
}

/* --retrain-every: the monthly cost, the figure that option asks for (the
 * table's cost is one run's), per side and machine; a run longer than the
 * cadence is said. Under the table, so the table keeps its width. */
static void retrain_lines(FILE *f, const struct group *g)
{
	static const char *const sides[] = { "deep", "classical" };
	const json_t *r = NULL, *x, *e;
	char line[1024], a[24];
	size_t i, s, u, n;
	double runs;

	for (i = 0; i < g->n && !r; i++)
		for (s = 0; s < 2 && !r; s++)
			if (json_is_object(x = json_object_get(json_object_get(g->ests[i], sides[s]), "retrain")))
				r = x;
	if (!r)
		return;
	runs = dlp_json_num(r, "runs_per_month");
	u = (size_t)snprintf(line, sizeof line, runs < 100 ? "retraining every %s (%.3g run%s a month) costs a month:"
							   : "retraining every %s (%.0f run%s a month) costs a month:",
			     dlp_report_duration(dlp_json_num(r, "every_s"), a, sizeof a), runs, runs == 1 ? "" : "s");
	for (s = 0; s < 2; s++) {
		for (i = 0, n = 0; i < g->n && u < sizeof line; i++) {
			e = g->ests[i];
			x = json_object_get(json_object_get(e, sides[s]), "retrain");
			/* a machine without a price has no monthly figure to give */
			if (!json_is_object(x) || !isfinite(dlp_json_num(x, "monthly_cost_usd")))
				continue;
			if (n++ == 0)
				u += (size_t)snprintf(line + u, sizeof line - u, "%s %s", s && u && line[u - 1] != ':' ? ";" : "",
						      s ? g->classical_name : "deep model");
			if (u < sizeof line)
				u += (size_t)snprintf(line + u, sizeof line - u, "%s %s %s%s", n > 1 ? "," : "",
						      str(json_object_get(e, "hardware"), "name"),
						      dlp_report_usd(dlp_json_num(x, "monthly_cost_usd"), a, sizeof a),
						      json_is_false(json_object_get(x, "fits_window")) ? " (one run outlasts the cadence)" : "");
		}
	}
	if (line[u < sizeof line ? u - 1 : sizeof line - 2] == ':')
		snprintf(line + u, sizeof line - u, " unknown without a price (--price)");
	fputs("  ", f);
	dlp_report_wrap(f, line, 2, 4, WIDTH);
}

static const json_t *verdict_for(const json_t *doc, const char *workload)
{
	const json_t *v = json_object_get(doc, "verdict"), *x;
	size_t i;

	if (json_is_object(v) && (!json_is_string(json_object_get(v, "workload")) || !strcmp(str(v, "workload"), workload)))
		return v;
	json_array_foreach(json_object_get(doc, "reference_verdicts"), i, x)
		if (!strcmp(str(x, "workload"), workload))
			return x;
	return NULL;
}

/* A wrapped heading in bold, the reset before its newline: a terminal
 * that pages or a pipe cut after the line keeps no bold. */
static void bold_wrapped(FILE *out, const char *head, const struct dlp_style *st)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	/* without a memory stream (no memory): the heading plain */
	dlp_report_wrap(m ? m : out, head, 0, 2, WIDTH);
	if (m && fclose(m) == 0 && len && text[len - 1] == '\n')
		text[--len] = '\0';
	if (m)
		fprintf(out, "%s%s%s\n", st->bold, text ? text : "", st->reset);
	free(text);
}

/* ", 20 epochs": a time in the table is for this many passes, which only -v
 * said before (the default is 1); "" without a deep model (no epochs). */
static const char *epochs_text(const json_t *e, char *b, size_t n)
{
	double ep = dlp_json_num(json_object_get(json_object_get(e, "deep"), "settings"), "epochs");

	/* beside a classical model (no epochs), say whose they are */
	if (isfinite(ep) && ep > 0)
		snprintf(b, n, ", %s%.3g epoch%s", json_is_object(json_object_get(e, "classical")) ? "deep model " : "",
			 ep, ep == 1.0 ? "" : "s");
	else
		snprintf(b, n, "%s", "");
	return b;
}

int dlp_report_estimate_text(FILE *out, const json_t *doc, const struct dlp_style *st)
{
	struct group g[8];
	size_t ng = 0, i, k;
	const json_t *e;

	memset(g, 0, sizeof g);
	json_array_foreach(json_object_get(doc, "estimates"), i, e) {
		const char *w = json_is_string(json_object_get(e, "workload")) ? str(e, "workload")
									     : str(json_object_get(doc, "workload"), "name");
		const json_t *c = json_object_get(e, "classical");

		for (k = 0; k < ng && strcmp(g[k].workload, w); k++)
			;
		if (k == ng) {
			if (ng == sizeof g / sizeof g[0])
				continue;
			g[ng++].workload = w;
		}
		if (g[k].n == sizeof g[k].ests / sizeof g[k].ests[0])
			continue;
		g[k].ests[g[k].n++] = e;
		g[k].has_deep |= json_is_object(json_object_get(e, "deep"));
		g[k].has_rank |= json_is_integer(json_object_get(e, "rank"));
		if (json_is_object(c)) {
			g[k].has_classical = 1;
			g[k].classical_name = str(json_object_get(c, "model"), "name");
		}
		g[k].has_deadline |= json_is_object(json_object_get(json_object_get(e, "deep"), "deadline")) ||
				     json_is_object(json_object_get(c, "deadline"));
	}
	for (k = 0; k < ng; k++) {
		const json_t *v = verdict_for(doc, g[k].workload);
		const char *title = json_is_string(json_object_get(v, "scenario")) ? str(v, "scenario") : NULL;
		char head[320], ep[48];

		if (k)
			fputc('\n', out);
		snprintf(head, sizeof head, "%s%s%s%s", title ? title : "", title ? ": " : "", g[k].workload,
			 epochs_text(g[k].ests[0], ep, sizeof ep));
		bold_wrapped(out, head, st);
		table(out, &g[k], st);
		retrain_lines(out, &g[k]);
		cluster_lines(out, &g[k]);
		verdict(out, v, st);
		if (st->verbose) {
			fputs("details\n", out);
			for (i = 0; i < g[k].n; i++)
				details(out, g[k].ests[i]);
		}
	}
	return ferror(out) ? -1 : 0;
}
