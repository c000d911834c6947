#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dlprobe/bench.h"
#include "dlprobe/json.h"
#include "report/report.h"

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}


static void shape(const json_t *r, char *buf, size_t len)
{
	double m = dlp_json_num(r, "m"), n = dlp_json_num(r, "n"), k = dlp_json_num(r, "k"), b = dlp_json_num(r, "bytes");

	if (isfinite(m) && isfinite(n) && isfinite(k))
		snprintf(buf, len, "%.0fx%.0fx%.0f", m, n, k);
	else if (isfinite(m) && isfinite(n))
		snprintf(buf, len, "%.0fx%.0f", m, n);
	else if (isfinite(b))
		snprintf(buf, len, "%.0f MiB", b / 1048576.0);
	else if (isfinite(n))
		snprintf(buf, len, "n=%.0f", n);
	else
		snprintf(buf, len, "-");
}

/* The median sample's figure, except an FMA peak's: its fastest sample
 * (best_gflops), what %peak divides by and the estimator reads. On a busy
 * machine a peak printed at its median, 74.6 GFLOP/s, beside a GEMM at
 * 153.9 and "93%" of the peak's fastest 165.9. */
static void rate(const json_t *r, char *buf, size_t len)
{
	double g = dlp_json_num(r, "rate_gflops"), b = dlp_json_num(r, "rate_gbps");
	double best = dlp_json_num(r, "best_gflops");
	double u = dlp_json_num(r, "rate_gupdates_per_s"), l = dlp_json_num(r, "latency_s");
	double rw = dlp_json_num(r, DLP_RATE_GROWS), v = dlp_json_num(r, DLP_RATE_GVALUES);
	double nl = dlp_json_num(r, DLP_RATE_GNLOGN);

	if (isfinite(best) && best > 0 && strcmp(str(r, "kernel"), DLP_KERNEL_FMA_PEAK) == 0)
		g = best;
	if (isfinite(g))
		snprintf(buf, len, "%9.1f GFLOP/s", g);
	else if (isfinite(b))
		snprintf(buf, len, "%9.1f GB/s", b);
	else if (isfinite(u))
		snprintf(buf, len, "%9.2f Gupd/s", u);
	else if (isfinite(rw))
		snprintf(buf, len, "%9.3f Grow/s", rw);
	else if (isfinite(v))
		snprintf(buf, len, "%9.3f Gval/s", v);
	else if (isfinite(nl))
		snprintf(buf, len, "%9.3f Gnlg/s", nl);
	else if (isfinite(l))
		snprintf(buf, len, "%9.1f us", l * 1e6);
	else
		snprintf(buf, len, "-");
}

/* GPU results have no ISA: name the kernel in that column instead, short
 * enough to fit ("dlp_bgemm_wgmma" -> "wgmma", cuBLAS's math mode, "lt" for
 * cuBLASLt). */
static const char *short_variant(const char *v, char *buf, size_t len)
{
	const char *u;

	if (!strncmp(v, "dlp_", 4) && (u = strchr(v + 4, '_')))
		v = u + 1;
	else if (!strncmp(v, "CUBLAS_", 7))
		v = strstr(v, "PEDANTIC") ? "pedantic" : strstr(v, "TF32") ? "tf32" : "default";
	else if (!strncmp(v, "cublasLt", 8))
		v = strstr(v, "TF32") ? "lt tf32" : "lt";
	snprintf(buf, len, "%s", v);
	return buf;
}

/* -v: how the rate was measured: the samples' median and range, and how
 * the output was checked. */
static void timing(FILE *out, const json_t *r)
{
	char md[24], lo[24], hi[24];
	const json_t *v = json_object_get(r, "verified");

	fputs("     ", out);
	if (isfinite(dlp_json_num(r, "median_s")))
		fprintf(out, " %zu samples, median %s (%s-%s, spread %.0f%%);", json_array_size(json_object_get(r, "samples_s")),
			dlp_report_duration(dlp_json_num(r, "median_s"), md, sizeof md),
			dlp_report_duration(dlp_json_num(r, "min_s"), lo, sizeof lo),
			dlp_report_duration(dlp_json_num(r, "max_s"), hi, sizeof hi), 100 * dlp_json_num(r, "spread"));
	if (json_is_true(v) && isfinite(dlp_json_num(r, "max_rel_err")))
		fprintf(out, " verified (max rel. error %.1e)", dlp_json_num(r, "max_rel_err"));
	else if (json_is_true(v))
		fputs(" verified", out);
	else if (json_is_false(v))
		fputs(" NOT verified", out);
	if (*str(r, "variant"))
		fprintf(out, "; %s", str(r, "variant"));
	fputc('\n', out);
}

/* One result row; mark follows the kernel name for a reference library's
 * rows ("*" the system BLAS, "+" a further one). Returns whether the row is
 * above its measured peak (the peak was measured while the machine was busy). */
static int row(FILE *out, const json_t *r, const char *mark, const struct dlp_style *st)
{
	char sh[48], rt[40], pk[16] = "", vs[16] = "", kn[32], thr[16], vn[12];
	const char *isa = str(r, "isa");
	double p = dlp_json_num(r, "pct_of_measured_peak"), v = dlp_json_num(r, "vs_reference");

	snprintf(kn, sizeof kn, "%s%s", str(r, "kernel"), mark);
	if (!*isa)
		isa = short_variant(str(r, "variant"), vn, sizeof vn);
	else if (!strcmp(str(r, "variant"), "nt"))
		isa = "nt";
	shape(r, sh, sizeof sh);
	if (strcmp(str(r, "status"), "ok")) {
		fprintf(out, "  %-13s %-6s %-11s %-16s %3s %s: %s\n", kn, str(r, "dtype"), isa, sh,
			"", str(r, "status"), str(r, "reason"));
		return 0;
	}
	rate(r, rt, sizeof rt);
	if (p == p)
		snprintf(pk, sizeof pk, "%5.0f%%%s", p, p > 100 ? "!" : "");
	if (v == v && !strcmp(str(r, "impl"), "dlprobe"))
		snprintf(vs, sizeof vs, "%6.2fx", v);
	/* GPU results have no CPU thread count: "-", not "nan" */
	if (dlp_json_num(r, "threads") == dlp_json_num(r, "threads"))
		snprintf(thr, sizeof thr, "%3.0f", dlp_json_num(r, "threads"));
	else
		snprintf(thr, sizeof thr, "  -");
	fprintf(out, "  %-13s %-6s %-11s %-16s %3s %18s %7s %7s\n", kn, str(r, "dtype"), isa, sh,
		thr, rt, pk, vs);
	if (st->verbose)
		timing(out, r);
	return p > 100;
}

/* The references beyond the system BLAS (BLIS in --full): their rows, which
 * `vs blas` may have been taken against, then who they are. */
static int other_blas(FILE *out, const json_t *d, const struct dlp_style *st)
{
	const json_t *o, *r, *blis;
	int disturbed = 0;
	size_t i, j;

	json_array_foreach(json_object_get(d, "other_blas"), i, o) {
		if (strcmp(str(o, "status"), "ok"))
			continue;
		json_array_foreach(json_object_get(o, "results"), j, r)
			disturbed |= row(out, r, "+", st);
	}
	json_array_foreach(json_object_get(d, "other_blas"), i, o) {
		blis = json_object_get(o, "blis");
		if (strcmp(str(o, "status"), "ok"))
			fprintf(out, "  + %s: %s (%s)\n", *str(o, "library") ? str(o, "library") : str(o, "path"),
				str(o, "status"), str(o, "reason"));
		else if (json_is_object(blis))
			fprintf(out, "  + %s %s, BLIS %s, configuration %s, %s\n", str(o, "library"), str(o, "path"),
				str(blis, "version"), str(blis, "arch"), str(blis, "threading"));
		else
			fprintf(out, "  + %s %s, core %s\n", str(o, "library"), str(o, "path"),
				*str(o, "corename") ? str(o, "corename") : "unknown");
	}
	return disturbed;
}

/* A device the bench found disturbed ("stable": false) says so under its
 * table: its figures read as the hardware's otherwise (the summary and the
 * estimate said it, the bench table did not). -v lists every sign. */
static void stability(FILE *out, const json_t *d, const struct dlp_style *st)
{
	const json_t *s = json_object_get(d, "stability"), *why = json_object_get(s, "reasons"), *x;
	double runs = dlp_json_num(s, "runs");
	size_t i, n = json_array_size(why);

	if (!json_is_false(json_object_get(d, "stable")))
		return;
	fprintf(out, "  disturbed by other work: %zu sign%s", n, n == 1 ? "" : "s");
	if (isfinite(runs))
		fprintf(out, " after %.0f run%s", runs, runs == 1.0 ? "" : "s");
	fprintf(out, "; each result keeps its fastest verified figure");
	if (n && !st->verbose)
		fprintf(out, "; first: %s (-v lists all)", json_string_value(json_array_get(why, 0)) ? json_string_value(json_array_get(why, 0)) : "?");
	fputc('\n', out);
	if (st->verbose)
		json_array_foreach(why, i, x)
			fprintf(out, "    - %s\n", json_string_value(x) ? json_string_value(x) : "?");
}

static void device(FILE *out, const char *backend, const json_t *d, const struct dlp_style *st)
{
	const json_t *sb = json_object_get(d, "system_blas"), *r;
	int disturbed = 0;
	size_t i;

	fprintf(out, "%s%s: %s%s", st->bold, backend, str(d, "name"), st->reset);
	if (strcmp(str(d, "status"), "ok")) {
		fprintf(out, " - %s: %s\n", str(d, "status"), str(d, "reason"));
		return;
	}
	if (json_is_integer(json_object_get(d, "threads")))
		fprintf(out, " (%lld threads, %s)", (long long)json_integer_value(json_object_get(d, "threads")),
			str(d, "isa"));
	fputc('\n', out);
	fprintf(out, "  %-13s %-6s %-11s %-16s %3s %18s %7s %7s\n", "kernel", "dtype", "isa",
		"shape", "thr", "rate", "%peak", "vs blas");
	json_array_foreach(json_object_get(d, "results"), i, r)
		disturbed |= row(out, r, !strcmp(str(r, "impl"), "dlprobe") || !*str(r, "impl") ? "" : "*", st);
	disturbed |= other_blas(out, d, st);
	stability(out, d, st);
	if (disturbed)
		fprintf(out, "  ! above the measured peak: the machine was busy while the peak was measured; "
			"re-run on a quiet machine\n");
	if (sb) {
		if (strcmp(str(sb, "status"), "ok")) {
			fprintf(out, "  system BLAS: %s (%s)\n", str(sb, "status"), str(sb, "reason"));
		} else {
			const char *ct = str(json_object_get(sb, "env"), "OPENBLAS_CORETYPE");

			fprintf(out, "  * system BLAS: %s %s, core %s%s%s%s\n", str(sb, "library"), str(sb, "path"),
				*str(sb, "corename") ? str(sb, "corename") : "unknown",
				*ct ? " (OPENBLAS_CORETYPE=" : "", ct, *ct ? ")" : "");
			if (*str(sb, "finding"))
				fprintf(out, "  finding: %s\n", str(sb, "finding"));
		}
	}
}

/* --framework (and the plain run): the frameworks as installed, which the
 * estimator reads as "as configured"; without this the text said nothing of
 * them, not even that the probe failed. */
static const char *const framework_names[] = { "torch", "xgboost", "sklearn", "lightgbm" };

static void framework_torch(FILE *out, const json_t *t)
{
	const json_t *g, *step = json_object_get(t, "mlp_step");
	double best = NAN;
	size_t i;
	char d[24];

	json_array_foreach(json_object_get(t, "gemm"), i, g)
		if (!strcmp(str(g, "status"), "ok") && !(dlp_json_num(g, "rate_gflops") <= best))
			best = dlp_json_num(g, "rate_gflops");
	fprintf(out, ", %.0f thread(s), CPU capability %s", dlp_json_num(t, "threads"),
		*str(t, "cpu_capability") ? str(t, "cpu_capability") : "unknown");
	if (isfinite(dlp_json_num(t, "op_dispatch_s")))
		fprintf(out, ", dispatch %.1f us/op", 1e6 * dlp_json_num(t, "op_dispatch_s"));
	if (isfinite(best))
		fprintf(out, ", GEMM up to %.1f GFLOP/s", best);
	if (isfinite(dlp_json_num(step, "step_s")))
		fprintf(out, ", %s step %s", str(step, "model"), dlp_report_duration(dlp_json_num(step, "step_s"), d, sizeof d));
	else if (*str(step, "status") && strcmp(str(step, "status"), "ok"))
		fprintf(out, ", reference step %s (%s)", str(step, "status"), str(step, "reason"));
}

static void framework(FILE *out, const json_t *fw, const struct dlp_style *st)
{
	const json_t *f, *x;
	size_t i;
	char d[24];

	fprintf(out, "%sframeworks%s", st->bold, st->reset);
	if (*str(fw, "python"))
		fprintf(out, " (python %s)", str(fw, "python"));
	/* a probe stopped midway still lists the parts it finished */
	if (strcmp(str(fw, "status"), "ok")) {
		fprintf(out, ": %s (%s)\n", str(fw, "status"), str(fw, "reason"));
		if (!json_is_object(json_object_get(fw, "frameworks")))
			return;
	} else {
		fputc('\n', out);
	}
	for (i = 0; i < sizeof framework_names / sizeof framework_names[0]; i++) {
		f = json_object_get(json_object_get(fw, "frameworks"), framework_names[i]);
		if (!json_is_object(f))
			continue;
		fprintf(out, "  %-9s ", framework_names[i]);
		if (strcmp(str(f, "status"), "ok")) {
			fprintf(out, "%s: %s\n", str(f, "status"), str(f, "reason"));
			continue;
		}
		fputs(str(f, "version"), out);
		if (!strcmp(framework_names[i], "torch"))
			framework_torch(out, f);
		x = json_object_get(f, "hist_fit");
		if (json_is_object(x) && strcmp(str(x, "status"), "ok"))
			fprintf(out, ", hist fit %s (%s)", str(x, "status"), str(x, "reason"));
		else if (json_is_object(x) && isfinite(dlp_json_num(x, "fit_s")))
			fprintf(out, ", hist fit of %.0f rows x %.0f trees %s", dlp_json_num(x, "rows"), dlp_json_num(x, "trees"),
				dlp_report_duration(dlp_json_num(x, "fit_s"), d, sizeof d));
		fputc('\n', out);
	}
	json_array_foreach(json_object_get(fw, "findings"), i, x)
		fprintf(out, "  finding: %s\n", str(x, "detail"));
}

/* A backend that found no device carries one nameless device with the same
 * status and reason: the backend's line already said it. */
static int repeats_backend(const json_t *b, const json_t *d)
{
	return !*str(d, "name") && !strcmp(str(d, "status"), str(b, "status")) &&
	       !strcmp(str(d, "reason"), str(b, "reason"));
}

int dlp_report_bench_text(FILE *out, const json_t *doc, const struct dlp_style *st)
{
	const json_t *bench = json_object_get(doc, "bench"), *b, *d;
	size_t i, j;

	json_array_foreach(json_object_get(bench, "backends"), i, b) {
		if (strcmp(str(b, "status"), "ok"))
			fprintf(out, "%s: %s (%s)\n", str(b, "backend"), str(b, "status"), str(b, "reason"));
		json_array_foreach(json_object_get(b, "devices"), j, d)
			if (!repeats_backend(b, d))
				device(out, str(b, "backend"), d, st);
	}
	if (json_is_object(json_object_get(bench, "framework")))
		framework(out, json_object_get(bench, "framework"), st);
	else if (json_array_size(json_object_get(bench, "backends")) == 0)
		fputs("nothing was benched: no backend and no framework probe\n", out);
	return ferror(out) ? -1 : 0;
}
