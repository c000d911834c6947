/* Interference detection and best-of-runs merging (kernels/interference.h).
 *
 * A kernel on a shared machine is only ever slowed by other work, so among
 * repeated runs the fastest verified figure is the closest to the machine;
 * and some orderings cannot come from hardware at all (a scalar loop beating
 * AVX2, double precision beating single, two threads slower than one on the
 * same work): seeing one means the figures were disturbed. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/order.h"
#include "dlprobe/bench.h"
#include "dlprobe/json.h"
#include "kernels/interference.h"

/* Two threads are allowed to be this much slower than one before it counts
 * (a memory-bound kernel may not scale, but it does not lose 10%). */
#define THREAD_SLACK 0.9
/* An ordering must be off by this much to count (timer noise is smaller). */
#define ORDER_SLACK 1.1

void dlp_cpu_ticks_read(dlp_cpu_ticks *t)
{
	unsigned long long v[10] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int n, i;

	memset(t, 0, sizeof *t);
	if (!f)
		return;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
	fclose(f);
	if (n < 8)
		return;
	/* guest and guest_nice (8, 9) are already counted in user and nice */
	for (i = 0; i < 8; i++)
		t->total += v[i];
	t->steal = v[7];
	t->ok = 1;
}

double dlp_cpu_steal_fraction(const dlp_cpu_ticks *a, const dlp_cpu_ticks *b)
{
	if (!a->ok || !b->ok || b->total <= a->total || b->steal < a->steal)
		return NAN;
	return (double)(b->steal - a->steal) / (double)(b->total - a->total);
}

static const char *str(const json_t *r, const char *key)
{
	const char *s = json_string_value(json_object_get(r, key));
	return s ? s : "";
}

static int is_ok(const json_t *r)
{
	return strcmp(str(r, "status"), "ok") == 0;
}

/* The figure a result reports, higher is better (a latency is inverted),
 * NaN when it has none. */
static double goodness(const json_t *r)
{
	static const char *const keys[] = { DLP_RATE_GFLOPS, DLP_RATE_GBPS, DLP_RATE_GUPDATES, DLP_RATE_GROWS,
					     DLP_RATE_GVALUES, DLP_RATE_GNLOGN };
	size_t i;
	double v;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		v = dlp_json_num(r, keys[i]);
		if (isfinite(v) && v > 0)
			return v;
	}
	v = dlp_json_num(r, DLP_RATE_LATENCY);
	return isfinite(v) && v > 0 ? 1 / v : NAN;
}

/* goodness() at the result's fastest sample: what the estimator reads
 * (estimator/profile_bench.c, rate_of), so the round kept is the one with
 * the fastest sample, not the fastest median. */
static double fastest_goodness(const json_t *r)
{
	double g = goodness(r), med = dlp_json_num(r, "median_s"), lo = dlp_json_num(r, "min_s");

	return isfinite(g) && med > 0 && lo > 0 && lo <= med ? g * med / lo : g;
}

static int same_num(const json_t *a, const json_t *b, const char *key)
{
	double x = dlp_json_num(a, key), y = dlp_json_num(b, key);
	return (isnan(x) && isnan(y)) || x == y;
}

/* Same work on the same implementation, differing in what `except` names
 * ("isa", "dtype", "threads" or NULL for none). */
static int same_work(const json_t *a, const json_t *b, const char *except)
{
	static const char *const skeys[] = { "kernel", "impl", "isa", "dtype", "variant", "layout" };
	static const char *const nkeys[] = { "m", "n", "k", "bytes", "threads" };
	size_t i;

	for (i = 0; i < sizeof skeys / sizeof skeys[0]; i++)
		if ((!except || strcmp(except, skeys[i]) != 0) && strcmp(str(a, skeys[i]), str(b, skeys[i])) != 0)
			return 0;
	for (i = 0; i < sizeof nkeys / sizeof nkeys[0]; i++)
		if ((!except || strcmp(except, nkeys[i]) != 0) && !same_num(a, b, nkeys[i]))
			return 0;
	return 1;
}

static void reason(json_t *reasons, int *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void reason(json_t *reasons, int *n, const char *fmt, ...)
{
	char buf[240];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	json_array_append_new(reasons, json_string(buf));
	(*n)++;
}

/* With this many samples a spread is read at their SPREAD_QUANTILE, not
 * their slowest: among 41 samples of 0.12 ms of a BLAS dgemv on a quiet
 * Zen 5 VM, one interrupted sample (0.19 ms) made the max - min spread 62%
 * while 38 of them lay within 10% of the fastest, and so marked nearly
 * every quiet bench unstable. Other work that slows a figure slows many of
 * its samples, and still shows. */
#define SPREAD_MIN_SAMPLES 10
#define SPREAD_QUANTILE 0.9

/* (the SPREAD_QUANTILE sample - the fastest) / the median of a result's
 * samples_s, with SPREAD_MIN_SAMPLES or more; else its own "spread". */
static double robust_spread(const json_t *r)
{
	const json_t *arr = json_object_get(r, "samples_s"), *x;
	size_t n = json_array_size(arr), i, k = 0;
	double *v = NULL, sp = dlp_json_num(r, "spread"), med;

	if (n < SPREAD_MIN_SAMPLES || !(v = malloc(n * sizeof *v)))
		goto out;
	json_array_foreach(arr, i, x)
		if (json_is_number(x) && isfinite(json_number_value(x)) && json_number_value(x) > 0)
			v[k++] = json_number_value(x);
	if (k < SPREAD_MIN_SAMPLES)
		goto out;
	qsort(v, k, sizeof *v, dlp_cmp_double);
	med = k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
	sp = (v[(size_t)(SPREAD_QUANTILE * (double)(k - 1))] - v[0]) / med;
out:
	free(v);
	return sp;
}

/* The figures the estimator reads (include/dlprobe/bench.h's table). */
static int read_by_estimator(const json_t *r)
{
	const dlp_kernel_info *ki = dlp_kernel_find(str(r, "kernel"));
	return ki && ki->field != DLP_FIELD_NONE;
}

static const char *label(const json_t *r, char *buf, size_t len)
{
	static const char *const keys[] = { "kernel", "impl", "isa", "dtype" };
	double m = dlp_json_num(r, "m");
	size_t k, at = 0;

	buf[0] = '\0';
	/* a GPU result has no isa: no empty field, no double blank */
	for (k = 0; k < sizeof keys / sizeof keys[0] && at < len; k++)
		if (*str(r, keys[k]))
			at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? " " : "", str(r, keys[k]));
	if (isfinite(m) && at < len)
		snprintf(buf + at, len - at, " n=%.0f", m);
	return buf;
}

/* " at N thread(s)", or nothing for a result without a thread count (a GPU's) */
static const char *at_threads(const json_t *r, char *buf, size_t len)
{
	double t = dlp_json_num(r, "threads");

	buf[0] = '\0';
	if (isfinite(t))
		snprintf(buf, len, " at %.0f thread%s", t, t == 1 ? "" : "s");
	return buf;
}

int dlp_interference_check(const json_t *device, double steal, json_t *reasons)
{
	const json_t *results = json_object_get(device, "results"), *a, *b, *most_queued = NULL, *shared;
	size_t i, j;
	int n = 0;
	char la[120], th[40];
	double queued = 0;

	if (isfinite(steal) && steal > DLP_NOISE_STEAL)
		reason(reasons, &n, "hypervisor steal time %.0f%% of CPU time during the bench", 100 * steal);
	json_array_foreach(results, i, a) {
		double ga = goodness(a), sp = robust_spread(a), q = dlp_json_num(a, "queued_fraction");

		if (!is_ok(a) || !isfinite(ga))
			continue;
		if (read_by_estimator(a) && q > queued)
			queued = q, most_queued = a;
		/* a latency's samples have a long tail by nature: its lowest counts */
		if (read_by_estimator(a) && isfinite(sp) && sp > DLP_NOISE_SPREAD &&
		    strcmp(str(a, "kernel"), DLP_KERNEL_LAUNCH_LATENCY) != 0)
			reason(reasons, &n, "%s%s: samples spread %.0f%%", label(a, la, sizeof la),
			       at_threads(a, th, sizeof th), 100 * sp);
		json_array_foreach(results, j, b) {
			double gb = goodness(b);

			if (i == j || !is_ok(b) || !isfinite(gb) || gb <= ga * ORDER_SLACK)
				continue;
			/* b beats a by more than noise: impossible orderings only */
			if (same_work(a, b, "isa") && strcmp(str(b, "isa"), "generic") == 0 &&
			    strcmp(str(a, "isa"), "generic") != 0)
				reason(reasons, &n, "%s: the generic loop ran %.2fx faster than %s",
				       label(a, la, sizeof la), gb / ga, str(a, "isa"));
			else if (same_work(a, b, "dtype") && strcmp(str(b, "dtype"), "fp64") == 0 &&
				 strcmp(str(a, "dtype"), "fp32") == 0 && strcmp(str(a, "kernel"), "fma_peak") == 0)
				reason(reasons, &n, "%s: fp64 ran %.2fx faster than fp32", label(a, la, sizeof la),
				       gb / ga);
		}
		json_array_foreach(results, j, b) {
			double gb = goodness(b), ta = dlp_json_num(a, "threads"), tb = dlp_json_num(b, "threads");

			if (i == j || !is_ok(b) || !isfinite(gb) || !(ta > tb) || !same_work(a, b, "threads"))
				continue;
			if (ga < THREAD_SLACK * gb)
				reason(reasons, &n, "%s: %.0f threads ran at %.2fx the rate of %.0f",
				       label(a, la, sizeof la), ta, ga / gb, tb);
		}
	}
	if (most_queued && queued > DLP_NOISE_QUEUED)
		reason(reasons, &n, "%s%s: its threads were off their CPUs %.0f%% of the time",
		       label(most_queued, la, sizeof la), at_threads(most_queued, th, sizeof th), 100 * queued);
	shared = json_object_get(device, "core_sharing");
	if (dlp_json_num(shared, "shared") > 0)
		reason(reasons, &n, "threads ran as one core's hardware threads in %.0f of %.0f checks (%.2fx their "
				    "time alone)", dlp_json_num(shared, "shared"), dlp_json_num(shared, "checks"),
		       dlp_json_num(shared, "worst"));
	return n;
}

/* The re-run's core checks added to the device's (dlp_interference_keep_best). */
static void core_sharing_add(json_t *dev, const json_t *other)
{
	json_t *mine = json_object_get(dev, "core_sharing");
	const json_t *theirs = json_object_get(other, "core_sharing");

	if (!json_is_object(mine) || !json_is_object(theirs))
		return;
	json_object_set_new(mine, "checks", json_integer((json_int_t)(dlp_json_num(mine, "checks") +
								       dlp_json_num(theirs, "checks"))));
	json_object_set_new(mine, "shared", json_integer((json_int_t)(dlp_json_num(mine, "shared") +
								       dlp_json_num(theirs, "shared"))));
	json_object_set_new(mine, "worst", dlp_json_real(fmax(dlp_json_num(mine, "worst"),
							      dlp_json_num(theirs, "worst"))));
	json_object_set_new(mine, "waited_s", dlp_json_real(dlp_json_num(mine, "waited_s") +
							    dlp_json_num(theirs, "waited_s")));
}

void dlp_interference_pct_set(json_t *res, double peak)
{
	double rate = dlp_json_num(res, DLP_RATE_GFLOPS);
	double pct = peak > 0 && rate > 0 ? 100.0 * rate / peak : NAN;

	json_object_set_new(res, "pct_of_measured_peak", dlp_json_real(pct));
	/* Above 100% the peak loop itself was slowed (a shared machine): say so
	 * rather than let a ratio claim more than the hardware does. */
	if (pct > 100.0)
		json_object_set_new(res, "note", json_string(DLP_NOTE_OVER_PEAK));
	else if (strcmp(str(res, "note"), DLP_NOTE_OVER_PEAK) == 0)
		json_object_del(res, "note");
}

/* The peak a GEMM row's percent is taken against: the best sample of the
 * device's ok fma_peak row of its ISA (a BLAS's: the device's best) and
 * dtype, one thread or all, as kernels/cpu/bench_gemm.c chose it. NaN when
 * there is none (AMX, a BLAS on its own thread count). */
static double peak_of(const json_t *dev, const json_t *r)
{
	const char *isa = json_is_string(json_object_get(r, "isa")) ? str(r, "isa")
			: strcmp(str(r, "dtype"), "bf16") == 0 ? "avx512_bf16"
			: str(dev, "isa");
	double t = dlp_json_num(r, "threads"), peak = NAN;
	const json_t *p;
	size_t i;

	if (!isfinite(t))
		return NAN;
	/* the last one, as the run's own peak table was filled */
	json_array_foreach(json_object_get(dev, "results"), i, p)
		if (strcmp(str(p, "kernel"), DLP_KERNEL_FMA_PEAK) == 0 && is_ok(p) && strcmp(str(p, "isa"), isa) == 0 &&
		    strcmp(str(p, "dtype"), str(r, "dtype")) == 0 && (dlp_json_num(p, "threads") > 1) == (t > 1))
			peak = dlp_json_num(p, "best_gflops");
	return peak;
}

/* After a merge a row and the peak row it was compared with may come from
 * different runs: each percent is taken again against the peak rows the
 * device now holds, so a stored percent always refers to a stored peak. */
static void peak_refresh(json_t *dev)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(dev, "results"), i, r)
		if (json_object_get(r, "pct_of_measured_peak") && is_ok(r))
			dlp_interference_pct_set(r, peak_of(dev, r));
}

/* The runs that measured a result so far: 1 until a re-run merged one. */
static json_int_t runs_of(const json_t *r)
{
	const json_t *v = json_object_get(r, "runs");

	return json_is_integer(v) && json_integer_value(v) > 0 ? json_integer_value(v) : 1;
}

void dlp_interference_keep_best(json_t *devices, const json_t *rerun)
{
	size_t d, i, j;
	json_t *dev, *r;

	json_array_foreach(devices, d, dev) {
		const json_t *other = json_array_get(rerun, d), *o;
		json_t *results = json_object_get(dev, "results");

		if (!other || strcmp(str(dev, "name"), str(other, "name")) != 0)
			continue;
		core_sharing_add(dev, other);
		json_array_foreach(results, i, r) {
			json_array_foreach(json_object_get(other, "results"), j, o) {
				double gr = fastest_goodness(r), go = fastest_goodness(o);
				json_int_t n = runs_of(r) + 1;

				if (!same_work(r, o, NULL) || !is_ok(o) || !isfinite(go))
					continue;
				double qr = dlp_json_num(r, "quiet_min_s"), qo = dlp_json_num(o, "quiet_min_s");
				/* the quiet figure is the fastest of every run's */
				const json_t *from = qo > 0 && !(qr > 0 && qr <= qo) ? o : qr > 0 ? r : NULL;
				json_t *q = from ? json_pack("{s:O,s:O}", "quiet_min_s", json_object_get(from, "quiet_min_s"),
							     "queued_fraction", json_object_get(from, "queued_fraction"))
						 : NULL;
				if (!is_ok(r) || !isfinite(gr) || go > gr) {
					json_array_set_new(results, i, json_deep_copy(o));
					r = json_array_get(results, i);
				}
				if (q && is_ok(r))
					json_object_update(r, q);
				json_decref(q);
				/* how many runs measured it: the figure is the best of them */
				json_object_set_new(r, "runs", json_integer(n));
				break;
			}
		}
		peak_refresh(dev);
	}
}

void dlp_interference_mark(json_t *devices, int runs, int focused, double steal)
{
	size_t d;
	json_t *dev;

	json_array_foreach(devices, d, dev) {
		json_t *reasons = json_array();
		int n;

		if (!is_ok(dev)) {
			json_decref(reasons);
			continue;
		}
		n = dlp_interference_check(dev, steal, reasons);
		json_object_set_new(dev, "stable", json_boolean(n == 0));
		json_object_set_new(dev, "stability",
				    json_pack("{s:o,s:i,s:i,s:o}", "reasons", reasons, "runs", runs, "focused_runs",
					      focused, "steal_fraction", dlp_json_real(steal)));
	}
}
