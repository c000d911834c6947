/* The one measurement harness every backend times with (docs/references.md
 * "Measurement method"): untimed warm-ups, a timed probe run, then repetitions until
 * the budget is spent; every sample kept. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/order.h"
#include "dlprobe/json.h"
#include "kernels/harness.h"

static double monotonic_now(void *user)
{
	(void)user;
	return dlp_clock_s(CLOCK_MONOTONIC);
}

static dlp_clock_fn clock_fn = monotonic_now;
static void *clock_user;

void dlp_harness_set_clock(dlp_clock_fn fn, void *user)
{
	clock_fn = fn ? fn : monotonic_now;
	clock_user = fn ? user : NULL;
}

double dlp_harness_now(void)
{
	return clock_fn(clock_user);
}

static dlp_wait_fn wait_fn;
static void *wait_user;

void dlp_harness_set_wait(dlp_wait_fn fn, void *user)
{
	wait_fn = fn;
	wait_user = fn ? user : NULL;
}

int dlp_stats_compute(dlp_stats *s)
{
	double *sorted = NULL;
	size_t i;
	int rc = -1;

	if (!s || !s->samples_s || s->n == 0) {
		dlp_error_set("no samples to compute statistics over");
		goto out;
	}
	for (i = 0; i < s->n; i++) {
		/* A zero time is a clock too coarse for the work, not an infinite rate. */
		if (!(s->samples_s[i] > 0.0) || !isfinite(s->samples_s[i])) {
			dlp_error_set("sample %zu has a non-positive or non-finite time (%g s)",
				      i, s->samples_s[i]);
			goto out;
		}
	}
	sorted = malloc(s->n * sizeof *sorted);
	if (!sorted) {
		dlp_error_set("out of memory");
		goto out;
	}
	memcpy(sorted, s->samples_s, s->n * sizeof *sorted);
	qsort(sorted, s->n, sizeof *sorted, dlp_cmp_double);
	s->min_s = sorted[0];
	s->max_s = sorted[s->n - 1];
	if (s->n % 2)
		s->median_s = sorted[s->n / 2];
	else
		s->median_s = 0.5 * (sorted[s->n / 2 - 1] + sorted[s->n / 2]);
	s->spread = (s->max_s - s->min_s) / s->median_s;
	rc = 0;
out:
	free(sorted);
	return rc;
}

void dlp_stats_free(dlp_stats *s)
{
	if (!s)
		return;
	free(s->samples_s);
	memset(s, 0, sizeof *s);
}

/* One call of fn, timed with the harness clock unless fn reports its own time
 * (a GPU event). */
static int timed_call(dlp_rep_fn fn, void *ctx, double *sample, double *wall)
{
	double t0, t1, e = -1.0;

	t0 = dlp_harness_now();
	if (fn(ctx, &e) != 0)
		return -1;
	t1 = dlp_harness_now();
	*wall = t1 - t0;
	*sample = e >= 0.0 ? e : *wall;
	if (!(*sample > 0.0) || !isfinite(*sample))
		return dlp_error_set("a repetition took %g s: the clock cannot time it "
				     "(zero elapsed time is an error, not an infinite rate)", *sample);
	return 0;
}

/* A sample less the wait read over it: the time the work took on CPUs
 * where nothing else ran. A wait as long as the sample is a reading
 * that cannot be (counted over more than the sample): it corrects nothing,
 * and does not count as waiting. */
static double quiet_sample(double sample, double wait)
{
	return wait > 0 && wait < sample ? sample - wait : sample;
}

int dlp_measure(dlp_rep_fn fn, void *ctx, const dlp_budget *b, dlp_stats *out)
{
	dlp_stats s = { 0 };
	size_t cap, minn, maxn;
	double spent = 0.0, sample, wall, dummy, waited = 0.0, quiet_min = INFINITY, timed = 0.0;
	dlp_wait_fn wait = NULL;
	int i, rc = -1;

	if (!fn || !b || !out) {
		dlp_error_set("dlp_measure: missing argument");
		goto out;
	}
	wait = b->shares_memory ? NULL : wait_fn;
	minn = b->min_samples > 0 ? (size_t)b->min_samples : 1;
	maxn = b->max_samples > 0 ? (size_t)b->max_samples : 1000;
	if (maxn < minn)
		maxn = minn;
	for (i = 0; i < b->warmups; i++) {
		dummy = -1.0;
		if (fn(ctx, &dummy) != 0)
			goto out;
	}
	cap = minn < 16 ? 16 : minn;
	if (cap > maxn)
		cap = maxn;
	s.samples_s = malloc(cap * sizeof *s.samples_s);
	if (!s.samples_s) {
		dlp_error_set("out of memory");
		goto out;
	}
	/* The first timed run is the probe: when it alone exceeds the budget, only
	 * min_samples are taken; otherwise repetitions fill the budget. */
	while (s.n < maxn && (s.n < minn || spent < b->budget_s)) {
		double w, q;

		if (wait)
			wait(wait_user);
		if (timed_call(fn, ctx, &sample, &wall) != 0)
			goto out;
		/* a device's own event time holds no host wait; a NaN reading:
		 * the sample was not read */
		if (wait && sample == wall && isfinite(w = wait(wait_user))) {
			q = quiet_sample(sample, w);
			quiet_min = fmin(quiet_min, q);
			waited += sample - q;
			timed += sample;
		}
		if (s.n == cap) {
			size_t ncap = cap * 2 > maxn ? maxn : cap * 2;
			double *p = realloc(s.samples_s, ncap * sizeof *p);

			if (!p) {
				dlp_error_set("out of memory");
				goto out;
			}
			s.samples_s = p;
			cap = ncap;
		}
		s.samples_s[s.n++] = sample;
		spent += wall > sample ? wall : sample;
	}
	if (dlp_stats_compute(&s) != 0)
		goto out;
	if (timed > 0) {
		s.quiet_min_s = quiet_min;
		s.queued_fraction = waited / timed;
	}
	*out = s;
	memset(&s, 0, sizeof s);
	rc = 0;
out:
	dlp_stats_free(&s);
	return rc;
}

static const char *const stat_keys[] = {
	"median_s", "min_s", "max_s", "spread", "samples_s", "quiet_min_s", "queued_fraction", NULL,
};

json_t *dlp_result_new(const char *kernel, const char *impl, const char *dtype)
{
	json_t *r = json_object();

	if (!r)
		return NULL;
	json_object_set_new(r, "kernel", dlp_json_str(kernel));
	json_object_set_new(r, "impl", dlp_json_str(impl));
	json_object_set_new(r, "isa", json_null());
	json_object_set_new(r, "dtype", dlp_json_str(dtype));
	json_object_set_new(r, "m", json_null());
	json_object_set_new(r, "n", json_null());
	json_object_set_new(r, "k", json_null());
	json_object_set_new(r, "bytes", json_null());
	json_object_set_new(r, "threads", json_null());
	/* Not "ok" until statistics are attached: a result nobody measured must
	 * never read as a measurement. */
	dlp_json_set_status(r, DLP_STATUS_SKIPPED, "not measured");
	json_object_set_new(r, "verified", json_false());
	json_object_set_new(r, "max_rel_err", json_null());
	return r;
}

static void drop_figures(json_t *r)
{
	const char *key;
	json_t *v;
	void *tmp;
	size_t i;

	json_object_foreach_safe(r, tmp, key, v) {
		if (strncmp(key, "rate_", 5) == 0 || strcmp(key, "latency_s") == 0)
			json_object_del(r, key);
	}
	for (i = 0; stat_keys[i]; i++)
		json_object_del(r, stat_keys[i]);
}

void dlp_result_set_stats(json_t *r, const dlp_stats *s, const char *rate_key, double work)
{
	json_t *arr;
	size_t i;

	if (!r)
		return;
	if (!s || s->n == 0 || !(s->median_s > 0.0)) {
		dlp_result_fail(r, DLP_STATUS_ERROR, "no valid timing samples");
		return;
	}
	drop_figures(r);
	arr = json_array();
	for (i = 0; i < s->n; i++)
		json_array_append_new(arr, dlp_json_real(s->samples_s[i]));
	if (rate_key) {
		/* latency_s is the median itself; every other key is work per second. */
		if (strcmp(rate_key, "latency_s") == 0)
			json_object_set_new(r, rate_key, dlp_json_real(s->median_s));
		else
			json_object_set_new(r, rate_key, dlp_json_real(work / s->median_s));
	}
	json_object_set_new(r, "median_s", dlp_json_real(s->median_s));
	json_object_set_new(r, "min_s", dlp_json_real(s->min_s));
	json_object_set_new(r, "max_s", dlp_json_real(s->max_s));
	json_object_set_new(r, "spread", dlp_json_real(s->spread));
	json_object_set_new(r, "samples_s", arr);
	if (s->quiet_min_s > 0.0 && isfinite(s->quiet_min_s)) {
		json_object_set_new(r, "quiet_min_s", dlp_json_real(s->quiet_min_s));
		json_object_set_new(r, "queued_fraction", dlp_json_real(s->queued_fraction));
	}
	dlp_json_set_status(r, DLP_STATUS_OK, NULL);
}

int dlp_result_measure(json_t *r, dlp_rep_fn fn, void *ctx, const dlp_budget *b,
		       const char *rate_key, double work)
{
	dlp_stats st = { 0 };
	int rc = -1;

	if (dlp_measure(fn, ctx, b, &st) != 0)
		goto out;
	dlp_result_set_stats(r, &st, rate_key, work);
	rc = 0;
out:
	dlp_stats_free(&st);
	return rc;
}

void dlp_result_fail(json_t *r, dlp_status st, const char *reason)
{
	if (!r)
		return;
	drop_figures(r);
	/* A failed result is not a verified measurement, even when its output
	 * was checked before the timing failed; max_rel_err stays as evidence. */
	json_object_set_new(r, "verified", json_false());
	if (json_object_get(r, "pct_of_measured_peak"))
		json_object_set_new(r, "pct_of_measured_peak", json_null());
	if (json_object_get(r, "vs_reference"))
		json_object_set_new(r, "vs_reference", json_null());
	dlp_json_set_status(r, st, reason && *reason ? reason : dlp_status_name(st));
}
