/* One self-contained HTML page over dlprobe documents: inline CSS and SVG,
 * no script, nothing fetched. Per measured device a roofline (GEMM results
 * by dtype and shape against the measured FMA peak and memory bandwidth);
 * per scenario bars of training time and cost (low, expected, high) for
 * every machine, the verdict, memory fit and dominant layers.
 * Plot marks carry classes the test counts: "pt" (a GEMM point), "roof"
 * (a peak or bandwidth line), "bar" (an expected time or cost bar). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dlprobe/bench.h"
#include "dlprobe/json.h"
#include "report/report.h"

#define PLOT_W 640
#define PLOT_H 360
#define PAD_L 70
#define PAD_B 44
#define BAR_W 560

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static void esc(FILE *out, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*s, out);
		}
}

/* One colour per dtype, the same in every plot. */
static const char *const dtype_color[DLP_NDTYPE] = { "#1f77b4", "#17becf", "#d62728", "#ff7f0e", "#2ca02c" };

static const char css[] =
"body{font:14px/1.4 system-ui,sans-serif;margin:24px auto;max-width:980px;color:#222;background:#fff}"
"h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;margin-top:32px}h3{font-size:15px}"
"svg{background:#fafafa;border:1px solid #ddd}text{font:11px sans-serif;fill:#333}"
".axis{stroke:#888}.grid{stroke:#e4e4e4}.roof{stroke-width:2;fill:none}.whisk{stroke:#333}"
"table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}"
".verdict{background:#f3f7ff;border-left:4px solid #4a7bd0;padding:8px 12px}.no{color:#b00;font-weight:bold}"
".legend span{display:inline-block;margin-right:14px}.sw{display:inline-block;width:10px;height:10px;margin-right:4px}";

/* ---- log axes ------------------------------------------------------------ */

struct axis {
	double lo, hi; /* decades: 10^lo .. 10^hi */
};

static struct axis log_axis(double mn, double mx)
{
	struct axis a = { floor(log10(mn)), ceil(log10(mx)) };

	if (a.hi <= a.lo)
		a.hi = a.lo + 1;
	return a;
}

static double lx(const struct axis *a, double v, double len)
{
	return (log10(v) - a->lo) / (a->hi - a->lo) * len;
}

static void decade_label(char *b, size_t n, double e)
{
	double v = pow(10, e);

	if (v < 1)
		snprintf(b, n, "%g", v);
	else
		dlp_report_count(v, b, n);
}

/* "694 TFLOP/s", "51 TFLOP/s", "19 GFLOP/s"; "4.1 TB/s", "6.9 GB/s". */
static const char *rate(double g, const char *unit, char *b, size_t n)
{
	if (g >= 1000)
		snprintf(b, n, g >= 9950 ? "%.0f T%s" : "%.1f T%s", g / 1000, unit);
	else
		snprintf(b, n, g >= 9.95 ? "%.0f G%s" : "%.1f G%s", g, unit);
	return b;
}

/* ---- roofline -------------------------------------------------------------- */

/* Arithmetic intensity of an m x n x k GEMM: 2mnk FLOPs over the bytes of A,
 * B and C moved once. */
static double intensity(const json_t *r, int dt)
{
	double m = dlp_json_num(r, "m"), n = dlp_json_num(r, "n"), k = dlp_json_num(r, "k");
	double sz = (double)dlp_dtype_size((enum dlp_dtype)dt);

	return 2 * m * n * k / (sz * (m * k + k * n + m * n));
}

/* What a device's results give the roofline: the roofs (peak per dtype,
 * bandwidth) and the extent of its GEMM points. */
struct roof_data {
	double peak[DLP_NDTYPE], bw, imin, imax, gmin, gmax;
	int has_peak[DLP_NDTYPE], npts;
};

/* The frame every mark is placed in: log axes over a w x h plot area. */
struct plot {
	struct axis ax, ay;
	double w, h;
};

/* Fill *rd from dev's results; returns the number of GEMM points. */
static int roof_scan(const json_t *dev, struct roof_data *rd)
{
	const json_t *r;
	size_t i;

	memset(rd, 0, sizeof *rd);
	rd->imin = rd->gmin = INFINITY;
	json_array_foreach(json_object_get(dev, "results"), i, r) {
		const char *k = str(r, "kernel");
		int dt = dlp_dtype_parse(str(r, "dtype"));
		double g = dlp_json_num(r, "rate_gflops"), b = dlp_json_num(r, "rate_gbps");

		if (strcmp(str(r, "status"), "ok"))
			continue;
		if (!strcmp(k, DLP_KERNEL_FMA_PEAK) && dt >= 0 && isfinite(g) && g > rd->peak[dt]) {
			rd->peak[dt] = g;
			rd->has_peak[dt] = 1;
		}
		if ((!strncmp(k, "stream_", 7) || !strcmp(k, DLP_KERNEL_D2D)) && isfinite(b) && b > rd->bw)
			rd->bw = b;
		if (!strcmp(k, DLP_KERNEL_GEMM) && dt >= 0 && isfinite(g) && g > 0 && isfinite(intensity(r, dt))) {
			rd->imin = fmin(rd->imin, intensity(r, dt));
			rd->imax = fmax(rd->imax, intensity(r, dt));
			rd->gmin = fmin(rd->gmin, g);
			rd->gmax = fmax(rd->gmax, g);
			rd->npts++;
		}
	}
	if (rd->npts == 0)
		return 0;
	/* no FMA peak for a dtype (GPU benches have none): the best GEMM
	 * measured stands in, drawn dashed and named so */
	json_array_foreach(json_object_get(dev, "results"), i, r) {
		int dt = dlp_dtype_parse(str(r, "dtype"));
		double g = dlp_json_num(r, "rate_gflops");

		if (dt >= 0 && !rd->has_peak[dt] && !strcmp(str(r, "status"), "ok") && !strcmp(str(r, "kernel"), DLP_KERNEL_GEMM) &&
		    isfinite(g) && g > rd->peak[dt])
			rd->peak[dt] = g;
	}
	return rd->npts;
}

/* Decade grid lines with their labels, and the two axes with their titles. */
static void roof_frame(FILE *out, const struct plot *p)
{
	const double w = p->w, h = p->h;
	int d;

	for (d = (int)p->ax.lo; d <= (int)p->ax.hi; d++) {
		char b[16];
		double x = lx(&p->ax, pow(10, d), w);
		decade_label(b, sizeof b, d);
		fprintf(out, "<line class=\"grid\" x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%.1f\"/><text x=\"%.1f\" y=\"%.1f\" "
			"text-anchor=\"middle\">%s</text>\n", x, x, h, x, h + 14, b);
	}
	for (d = (int)p->ay.lo; d <= (int)p->ay.hi; d++) {
		char b[16];
		double y = h - lx(&p->ay, pow(10, d), h);
		decade_label(b, sizeof b, d);
		fprintf(out, "<line class=\"grid\" x1=\"0\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/><text x=\"-6\" y=\"%.1f\" "
			"text-anchor=\"end\">%s</text>\n", y, w, y, y + 4, b);
	}
	fprintf(out, "<line class=\"axis\" x1=\"0\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/><line class=\"axis\" x1=\"0\" "
		"y1=\"0\" x2=\"0\" y2=\"%.1f\"/>\n", h, w, h, h);
	fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">arithmetic intensity (FLOP/byte)</text>\n", w / 2,
		h + 32);
	fprintf(out, "<text transform=\"rotate(-90)\" x=\"%.1f\" y=\"-52\" text-anchor=\"middle\">GFLOP/s</text>\n", -h / 2);
}

/* The roofs: measured peak per dtype, capped by the measured bandwidth. */
static void roof_lines(FILE *out, const struct roof_data *rd, const struct plot *p)
{
	const struct axis *ax = &p->ax, *ay = &p->ay;
	const double w = p->w, h = p->h, bw = rd->bw;
	double used[DLP_NDTYPE];
	int n_used = 0, d;

	for (d = 0; d < DLP_NDTYPE; d++) {
		const double pk = rd->peak[d];
		double ridge, x0, y0, ly;
		char rb[32];
		int u;

		if (pk <= 0)
			continue;
		ridge = bw > 0 ? pk / bw : pow(10, ax->lo);
		x0 = pow(10, ax->lo);
		y0 = bw > 0 ? fmax(bw * x0, pow(10, ay->lo)) : pk;
		if (bw > 0 && ridge > x0)
			fprintf(out, "<polyline class=\"roof\" stroke=\"%s\"%s points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\"/>\n",
				dtype_color[d], rd->has_peak[d] ? "" : " stroke-dasharray=\"6 4\"", lx(ax, y0 / bw, w),
				h - lx(ay, y0, h), lx(ax, ridge, w), h - lx(ay, pk, h), w, h - lx(ay, pk, h));
		else
			fprintf(out, "<polyline class=\"roof\" stroke=\"%s\"%s points=\"0,%.1f %.1f,%.1f\"/>\n", dtype_color[d],
				rd->has_peak[d] ? "" : " stroke-dasharray=\"6 4\"",
				h - lx(ay, pk, h), w, h - lx(ay, pk, h));
		/* labels of roofs at about one height stack instead of overlapping */
		ly = h - lx(ay, pk, h) - 4;
		for (u = 0; u < n_used; u++)
			if (fabs(used[u] - ly) < 12)
				ly = used[u] - 12, u = -1;
		used[n_used++] = ly;
		fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s %s %s</text>\n", w - 4, ly,
			dlp_dtype_name(d), rd->has_peak[d] ? "peak" : "best GEMM", rate(pk, "FLOP/s", rb, sizeof rb));
	}
	if (bw > 0) {
		char rb[32];
		fprintf(out, "<text x=\"4\" y=\"%.1f\">memory %s</text>\n",
			h - lx(ay, fmax(bw * pow(10, ax->lo), pow(10, ay->lo)), h) - 6, rate(bw, "B/s", rb, sizeof rb));
	}
}

/* One point per verified GEMM result; the vendor library's are faint. */
static void roof_points(FILE *out, const json_t *dev, const struct plot *p)
{
	const json_t *r;
	size_t i;

	json_array_foreach(json_object_get(dev, "results"), i, r) {
		int dt = dlp_dtype_parse(str(r, "dtype"));
		double g = dlp_json_num(r, "rate_gflops");
		int own = !*str(r, "impl") || !strcmp(str(r, "impl"), "dlprobe");

		if (strcmp(str(r, "status"), "ok") || strcmp(str(r, "kernel"), DLP_KERNEL_GEMM) || dt < 0 || !isfinite(g) ||
		    g <= 0 || !isfinite(intensity(r, dt)))
			continue;
		fprintf(out, "<circle class=\"pt\" data-dtype=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\" "
			"stroke=\"#222\" fill-opacity=\"%s\"><title>%s %s %.0fx%.0fx%.0f: %.4g GFLOP/s</title></circle>\n",
			dlp_dtype_name(dt), lx(&p->ax, intensity(r, dt), p->w), p->h - lx(&p->ay, g, p->h), dtype_color[dt],
			own ? "0.9" : "0.2", dlp_dtype_name(dt), own ? "dlprobe" : str(r, "impl"), dlp_json_num(r, "m"),
			dlp_json_num(r, "n"), dlp_json_num(r, "k"), g);
	}
}

/* A device's roofline and its legend; returns the number of GEMM points
 * (0: nothing drawn). */
/* node: "node 1 (host)" for a node of a cluster document, else NULL */
static int roofline(FILE *out, const char *node, const char *backend, const json_t *dev)
{
	struct roof_data rd;
	struct plot p = { .w = PLOT_W - PAD_L - 20, .h = PLOT_H - PAD_B - 20 };
	double gmin, gmax;
	int d;

	if (roof_scan(dev, &rd) == 0)
		return 0;
	gmin = rd.gmin;
	gmax = rd.gmax;
	for (d = 0; d < DLP_NDTYPE; d++)
		gmax = fmax(gmax, rd.peak[d]);
	if (rd.bw > 0)
		gmin = fmin(gmin, rd.bw * rd.imin / 4);
	p.ax = log_axis(rd.imin / 4, rd.imax * 4);
	p.ay = log_axis(gmin, gmax * 1.5);
	fputs("<h3>Roofline: ", out);
	if (node) {
		esc(out, node);
		fputc(' ', out);
	}
	fprintf(out, "%s ", backend);
	esc(out, str(dev, "name"));
	fprintf(out, "</h3>\n<svg class=\"roofline\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n", PLOT_W, PLOT_H,
		PLOT_W, PLOT_H);
	fprintf(out, "<g transform=\"translate(%d,20)\">\n", PAD_L);
	roof_frame(out, &p);
	roof_lines(out, &rd, &p);
	roof_points(out, dev, &p);
	fputs("</g></svg>\n<p class=\"legend\">", out);
	for (d = 0; d < DLP_NDTYPE; d++)
		fprintf(out, "<span><i class=\"sw\" style=\"background:%s\"></i>%s</span>", dtype_color[d], dlp_dtype_name(d));
	fputs("<span>filled: dlprobe's kernels; faint: the vendor library</span></p>\n", out);
	return rd.npts;
}

/* ---- scenarios ------------------------------------------------------------- */

/* Bars of one figure (train_s or cost_usd) of one side for every estimate of
 * a workload, on a log axis: expected as the bar, low-high as a whisker. */
static void bars(FILE *out, const json_t *ests, const char *workload, const char *side, const char *key,
		 const char *title)
{
	const json_t *e;
	double mn = INFINITY, mx = 0;
	size_t i, n = 0;
	struct axis a;
	const double left = 150, row = 26;

	/* a log axis: a machine priced at $0 has no bar (the table says $0) */
	json_array_foreach(ests, i, e) {
		const json_t *v = json_object_get(json_object_get(e, side), key);
		if (strcmp(str(e, "workload"), workload) || !(dlp_json_num(v, "expected") > 0))
			continue;
		mn = fmin(mn, dlp_json_num(v, "low"));
		mx = fmax(mx, dlp_json_num(v, "high"));
		n++;
	}
	if (n == 0 || !(mn > 0))
		return;
	a = log_axis(mn / 2, mx);
	fprintf(out, "<svg class=\"bars\" width=\"%d\" height=\"%.0f\">\n<text x=\"4\" y=\"14\">%s</text>\n", BAR_W + 190,
		n * row + 40, title);
	n = 0;
	json_array_foreach(ests, i, e) {
		const json_t *v = json_object_get(json_object_get(e, side), key);
		double y = 24 + (double)n * row, lo, ex, hi;
		char lbl[32];

		if (strcmp(str(e, "workload"), workload) || !(dlp_json_num(v, "expected") > 0))
			continue;
		lo = lx(&a, dlp_json_num(v, "low"), BAR_W);
		ex = lx(&a, dlp_json_num(v, "expected"), BAR_W);
		hi = lx(&a, dlp_json_num(v, "high"), BAR_W);
		if (!strcmp(key, "train_s"))
			dlp_report_duration(dlp_json_num(v, "expected"), lbl, sizeof lbl);
		else
			dlp_report_usd(dlp_json_num(v, "expected"), lbl, sizeof lbl);
		fputs("<text x=\"4\" y=\"", out);
		fprintf(out, "%.0f\">", y + 15);
		esc(out, str(json_object_get(e, "hardware"), "name"));
		fprintf(out, "</text><rect class=\"bar\" x=\"%.0f\" y=\"%.0f\" width=\"%.1f\" height=\"18\" fill=\"%s\"/>"
			"<line class=\"whisk\" x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\"/>"
			"<text x=\"%.1f\" y=\"%.0f\">%s</text>\n", left, y + 2, fmax(ex, 1), !strcmp(side, "deep") ? "#4a7bd0" : "#3a9a5b",
			left + lo, y + 11, left + hi, y + 11, left + hi + 6, y + 15, lbl);
		n++;
	}
	fputs("</svg>\n", out);
}

static void scenario(FILE *out, const json_t *doc, const json_t *v, const char *workload)
{
	const json_t *ests = json_object_get(doc, "estimates"), *e, *x;
	size_t i, j;
	char b1[32], b2[32];

	fputs("<h2>", out);
	if (json_is_string(json_object_get(v, "scenario"))) {
		esc(out, str(v, "scenario"));
		fputs(": ", out);
	}
	esc(out, workload);
	fputs("</h2>\n", out);
	if (json_is_object(v)) {
		fputs("<p class=\"verdict\"><b>verdict:</b> ", out);
		esc(out, str(v, "summary"));
		json_array_foreach(json_object_get(v, "flags"), i, x) {
			fputs("<br>&bull; ", out);
			esc(out, str(x, "finding"));
			fputs(" <i>[", out);
			esc(out, str(x, "source"));
			fputs("]</i>", out);
		}
		fputs("</p>\n", out);
	}
	bars(out, ests, workload, "deep", "train_s", "deep model: training time (bar: expected; whisker: low-high; log scale)");
	bars(out, ests, workload, "deep", "cost_usd", "deep model: cost");
	bars(out, ests, workload, "classical", "train_s", "classical model: training time");
	bars(out, ests, workload, "classical", "cost_usd", "classical model: cost");
	fputs("<table><tr><th>machine</th><th>price</th><th>memory needed / per device</th><th>fits</th>"
	      "<th>dominant layers</th></tr>\n", out);
	json_array_foreach(ests, i, e) {
		const json_t *d = json_object_get(e, "deep"), *hw = json_object_get(e, "hardware");
		const json_t *mem = json_object_get(d, "memory");

		if (strcmp(str(e, "workload"), workload))
			continue;
		fputs("<tr><td>", out);
		esc(out, str(hw, "name"));
		fputs("</td><td>", out);
		if (json_is_number(json_object_get(hw, "price_usd_per_h"))) {
			fprintf(out, "$%.2f/h, ", dlp_json_num(hw, "price_usd_per_h"));
			esc(out, !strcmp(str(hw, "price_origin"), "user") ? "given by the user" : str(hw, "price_date"));
		} else {
			fputs("none", out);
		}
		fprintf(out, "</td><td>%s / %s</td><td%s>%s</td><td>",
			dlp_report_bytes((long long)dlp_json_num(mem, "required_bytes"), b1, sizeof b1),
			dlp_report_bytes(isfinite(dlp_json_num(mem, "available_bytes")) ? (long long)dlp_json_num(mem, "available_bytes") : -1,
					 b2, sizeof b2),
			json_is_false(json_object_get(mem, "fits")) ? " class=\"no\"" : "",
			json_is_true(json_object_get(mem, "fits")) ? "yes" : json_is_false(json_object_get(mem, "fits")) ? "NO" : "-");
		json_array_foreach(json_object_get(d, "dominant_layers"), j, x) {
			if (j == 3)
				break;
			fprintf(out, "%s%.0f%% ", j ? ", " : "", 100 * dlp_json_num(x, "share"));
			esc(out, str(x, "layer"));
		}
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

static void estimates(FILE *out, const json_t *doc)
{
	const json_t *e, *v = json_object_get(doc, "verdict"), *x;
	const char *seen[16];
	size_t i, k, ns = 0;

	json_array_foreach(json_object_get(doc, "estimates"), i, e) {
		const char *w = str(e, "workload");
		const json_t *vw = v;

		for (k = 0; k < ns && strcmp(seen[k], w); k++)
			;
		if (k < ns || ns == sizeof seen / sizeof seen[0])
			continue;
		seen[ns++] = w;
		if (json_is_string(json_object_get(vw, "workload")) && strcmp(str(vw, "workload"), w))
			vw = NULL;
		json_array_foreach(json_object_get(doc, "reference_verdicts"), k, x)
			if (!strcmp(str(x, "workload"), w))
				vw = x;
		scenario(out, doc, vw, w);
	}
}

static void bench_rooflines(FILE *out, const char *node, const json_t *bench)
{
	const json_t *b, *d;
	size_t j, k;

	json_array_foreach(json_object_get(bench, "backends"), j, b)
		json_array_foreach(json_object_get(b, "devices"), k, d)
			if (!strcmp(str(d, "status"), "ok"))
				roofline(out, node, str(b, "backend"), d);
}

/* A cluster document (dlprobe-cluster): the collectives across nodes at the
 * largest size each reached, then every node's rooflines under its name. */
static void cluster(FILE *out, const json_t *cl)
{
	const json_t *res = json_object_get(json_object_get(json_object_get(cl, "interconnect"), "inter_node"), "results");
	const json_t *r, *next, *nd;
	char label[160];
	size_t i;

	fprintf(out, "<h2>Cluster: %lld of %lld nodes reported, %lld ranks, ",
		(long long)dlp_json_num(cl, "nodes_reported"), (long long)dlp_json_num(cl, "nodes_expected"),
		(long long)dlp_json_num(cl, "ranks"));
	esc(out, str(cl, "mpi_library"));
	fputs("</h2>\n<table><tr><th>collective across nodes</th><th>largest size</th><th>algbw</th><th>busbw</th></tr>\n", out);
	json_array_foreach(res, i, r) {
		next = json_array_get(res, i + 1);
		if (!json_is_number(json_object_get(r, "busbw_gbps")) ||
		    (next && json_is_number(json_object_get(next, "busbw_gbps")) && !strcmp(str(r, "kernel"), str(next, "kernel"))))
			continue;
		fputs("<tr><td>", out);
		esc(out, str(r, "kernel"));
		fprintf(out, "</td><td>%.0f B</td><td>%.3f GB/s</td><td>%.3f GB/s</td></tr>\n", dlp_json_num(r, "bytes"),
			dlp_json_num(r, "algbw_gbps"), dlp_json_num(r, "busbw_gbps"));
	}
	fputs("</table>\n", out);
	json_array_foreach(json_object_get(cl, "findings"), i, r) {
		fputs("<p>finding: ", out);
		esc(out, str(r, "text"));
		fputs("</p>\n", out);
	}
	json_array_foreach(json_object_get(cl, "nodes"), i, nd) {
		snprintf(label, sizeof label, "node %zu (%s)", i, str(nd, "hostname"));
		bench_rooflines(out, label, json_object_get(nd, "bench"));
	}
}

int dlp_report_html(FILE *out, const json_t *const *docs, size_t n, const struct dlp_style *st)
{
	size_t i, j;

	(void)st;
	fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>dlprobe report</title>"
		"<style>%s</style></head><body>\n<h1>dlprobe report</h1>\n", css);
	for (i = 0; i < n; i++) {
		const json_t *host = json_object_get(docs[i], "host");

		fputs("<p>document ", out);
		fprintf(out, "%zu: generated ", i + 1);
		esc(out, str(docs[i], "generated_at"));
		if (*str(host, "hostname")) {
			fputs(" on ", out);
			esc(out, str(host, "hostname"));
		}
		if (*str(host, "label")) {
			fputs(" (", out);
			esc(out, str(host, "label"));
			fputs(")", out);
		}
		fprintf(out, " by dlprobe %s</p>\n", str(json_object_get(docs[i], "tool"), "version"));
		bench_rooflines(out, NULL, json_object_get(docs[i], "bench"));
		if (json_is_object(json_object_get(docs[i], "cluster")))
			cluster(out, json_object_get(docs[i], "cluster"));
		/* a probe or list document: say so rather than leave a bare heading */
		if (!json_object_get(docs[i], "bench") && !json_object_get(docs[i], "cluster") &&
		    !json_object_get(docs[i], "estimates"))
			fputs("<p><i>nothing to plot in this document (no bench, estimates or cluster): "
			      "<code>dlprobe show</code> renders it as text</i></p>\n", out);
		/* an estimate document names the workload once for all its entries */
		if (json_is_array(json_object_get(docs[i], "estimates"))) {
			json_t *copy = json_deep_copy(docs[i]), *e;
			json_array_foreach(json_object_get(copy, "estimates"), j, e)
				if (!json_is_string(json_object_get(e, "workload")))
					json_object_set(e, "workload", json_object_get(json_object_get(copy, "workload"), "name"));
			estimates(out, copy);
			json_decref(copy);
		}
	}
	fputs("<p>Made by dlprobe from the documents above: every figure is in their JSON.</p>\n</body></html>\n", out);
	return ferror(out) ? -1 : 0;
}
