/* The bench section: every requested backend, each an entry. A backend that
 * calls a vendor driver runs in a child process (common/isolate.c) with a
 * deadline, so a driver that crashes or hangs costs only its own entry: the
 * CPU results and the document survive. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/decimal.h"
#include "common/isolate.h"
#include "dlprobe/json.h"
#include "kernels/backend.h"
#include "kernels/cpu/cpu.h"
#include "kernels/interference.h"

/* Deadline per device the probe saw (at least one): the longest runs
 * measured are about 21 s (--quick) and 53 s (--full) for one H100 with
 * cuBLAS beside (docs/gpu.md), and about 10 s (--quick) on PoCL; these
 * leave room for slower devices, first-use JIT compiles and peer pairs. */
#define ISOLATE_QUICK_S_PER_DEVICE 180.0
#define ISOLATE_FULL_S_PER_DEVICE 900.0
/* Overrides that deadline (seconds, per backend). */
#define ISOLATE_TIMEOUT_ENV "DLPROBE_GPU_TIMEOUT"
#define ISOLATE_TIMEOUT_MAX_S 1e6
/* A whole backend's JSON, every sample kept: a few MB for eight GPUs. */
#define ISOLATE_MAX_ANSWER ((size_t)256 << 20)

/* Devices listed under the probe section (any "devices" array in it). */
static size_t probed_devices(const json_t *j)
{
	const char *key;
	json_t *v;
	size_t n = 0, i;

	if (json_is_object(j)) {
		json_object_foreach((json_t *)j, key, v) {
			if (strcmp(key, "devices") == 0 && json_is_array(v))
				n += json_array_size(v);
			else
				n += probed_devices(v);
		}
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			n += probed_devices(v);
	}
	return n;
}

/* DLPROBE_GPU_TIMEOUT: 0 unset, 1 with *timeout_s set, -1 (message set)
 * otherwise. */
static int isolate_timeout_env(double *timeout_s)
{
	const char *e = getenv(ISOLATE_TIMEOUT_ENV), *end;
	double v;

	if (!e || !*e)
		return 0;
	/* decimal only: strtod would also take hex, "inf" and "nan" */
	if (dlp_decimal_double(e, &end, &v) != 0 || *end)
		return dlp_error_set("%s=%s is not a decimal number of seconds", ISOLATE_TIMEOUT_ENV, e);
	if (!(v > 0.0) || v > ISOLATE_TIMEOUT_MAX_S)
		return dlp_error_set("%s=%s is not a number of seconds in (0, %g]",
				     ISOLATE_TIMEOUT_ENV, e, ISOLATE_TIMEOUT_MAX_S);
	*timeout_s = v;
	return 1;
}

/* The deadline for b: DLPROBE_GPU_TIMEOUT, else the default per device.
 * The front end refuses a bad value before the bench (dlp_bench_env_check);
 * a library caller that skipped the check gets the backend's error. */
static int isolate_timeout(const dlp_backend *b, const dlp_bench_opts *o, double *timeout_s)
{
	size_t ndev = o->probe ? probed_devices(json_object_get(o->probe, b->name)) : 0;
	int rc = isolate_timeout_env(timeout_s);

	if (rc < 0)
		return -1;
	if (rc == 0)
		*timeout_s = (ndev > 1 ? (double)ndev : 1.0) *
			     (o->full ? ISOLATE_FULL_S_PER_DEVICE : ISOLATE_QUICK_S_PER_DEVICE);
	return 0;
}

/* The reason not to run b: its driver crashed or hung in the probe (the
 * probe queried it in a child too). NULL to go ahead. */
static const char *probe_failure(const dlp_backend *b, const dlp_bench_opts *o)
{
	const json_t *sec = o->probe ? json_object_get(o->probe, b->name) : NULL;
	const char *st = json_string_value(json_object_get(sec, "status"));
	const char *why = json_string_value(json_object_get(sec, "reason"));

	if (!st || strcmp(st, "error") != 0 || !why)
		return NULL;
	if (strstr(why, DLP_ISOLATE_CRASHED) || strstr(why, DLP_ISOLATE_TIMED_OUT))
		return why;
	return NULL;
}

struct isolated_run {
	const dlp_backend *b;
	const dlp_bench_opts *o;
};

static void note_progress(void *user, const char *what)
{
	(void)user;
	dlp_isolate_note(what);
}

/* In the child: run the backend, answer its devices array as JSON. */
static int run_child(void *arg, const char **answer, size_t *len)
{
	const struct isolated_run *ir = arg;
	dlp_bench_opts co = *ir->o;
	json_t *devices = json_array();
	char *s;
	int rc = -1;

	co.progress = ir->o->progress ? note_progress : NULL;
	co.progress_user = NULL;
	if (ir->b->run(&co, devices) != 0)
		goto out;
	/* jansson writes reals with 17 significant digits: they read back exactly */
	s = json_dumps(devices, JSON_COMPACT);
	if (!s) {
		dlp_error_set("cannot serialise the results");
		goto out;
	}
	*answer = s;
	*len = strlen(s);
	rc = 0;
out:
	json_decref(devices);
	return rc;
}

static int run_isolated(const dlp_backend *b, const dlp_bench_opts *o, json_t *devices)
{
	struct isolated_run ir = { b, o };
	dlp_isolate_opts io = { 0, ISOLATE_MAX_ANSWER, o->progress, o->progress_user };
	const char *skip = probe_failure(b, o);
	char *answer = NULL;
	size_t len = 0;
	json_error_t jerr;
	json_t *got = NULL;
	int rc = -1;

	if (skip) {
		dlp_error_set("not measured: in the probe, %s", skip);
		goto out;
	}
	if (isolate_timeout(b, o, &io.timeout_s) != 0)
		goto out;
	if (dlp_isolate_call(run_child, &ir, &io, &answer, &len) != 0) {
		char why[512];

		/* "crashed (signal 11, SIGSEGV)" alone would not say who did */
		snprintf(why, sizeof why, "%s", dlp_error_message());
		dlp_error_set("the %s measurement %s", b->name, why);
		goto out;
	}
	got = json_loadb(answer, len, 0, &jerr);
	if (!json_is_array(got)) {
		dlp_error_set("the %s measurement answered invalid JSON: %s", b->name, jerr.text);
		goto out;
	}
	json_array_extend(devices, got);
	rc = 0;
out:
	json_decref(got);
	free(answer);
	return rc;
}

static int run_once(const dlp_backend *b, const dlp_bench_opts *o, json_t *devices)
{
	return dlp_backend_isolated(b) ? run_isolated(b, o, devices) : b->run(o, devices);
}

/* Further runs of a backend: --quick up to MAX_FOCUS_QUICK focused rounds
 * (dlp_bench_opts.focus: only the results the default scenario's estimates
 * depend on most), made every time; whole re-runs only on a sign of
 * interference (kernels/interference.h): --full 2, a backend without a
 * focus list 1. DLPROBE_BENCH_RERUNS (0-5) overrides the count.
 * On the VM of issue 9 a kernel's rate moves 1.5-2x between stretches of a
 * second or two (the fastest sample with it), so one re-run right after the
 * first run often met the same slow stretch; several short rounds of the
 * decisive figures, spread over the time one whole re-run took, meet a fast
 * one far more often, and the fastest round is kept. A re-run is made only
 * while the backend's total stays within its budget (a quick CPU bench takes
 * about 5 s on a quiet machine: one so loaded that it took longer is not
 * measured twice over), and focused ones only while they together take no
 * longer than the first run did: --quick is no slower than with one whole
 * re-run. */
#define MAX_RERUNS 5
#define MAX_FOCUS_QUICK 5
#define RERUN_BUDGET_QUICK_S 30.0
#define RERUN_BUDGET_FULL_S 180.0
/* DLPROBE_BENCH_RERUNS: 0 unset, 1 with *n set, -1 (message set) otherwise. */
static int reruns_env(int *n)
{
	const char *e = getenv("DLPROBE_BENCH_RERUNS");

	if (!e || !*e)
		return 0;
	/* one digit: strtol would also take signs, spaces and hex */
	if (strlen(e) != 1 || e[0] < '0' || e[0] > '0' + MAX_RERUNS)
		return dlp_error_set("DLPROBE_BENCH_RERUNS=%s is not a whole number from 0 to %d", e, MAX_RERUNS);
	*n = e[0] - '0';
	return 1;
}

static int reruns_allowed(const dlp_backend *b, const dlp_bench_opts *o)
{
	int n = o->full ? 2 : b->focus ? MAX_FOCUS_QUICK : 1;

	/* a bad value was refused before the bench (dlp_bench_env_check) */
	(void)reruns_env(&n);
	return n;
}

int dlp_bench_env_check(void)
{
	double timeout_s;
	int n;

	if (reruns_env(&n) < 0 || dlp_cpu_isa_env_check() < 0 || dlp_cpu_blas_timeout_env(&timeout_s) < 0 ||
	    isolate_timeout_env(&timeout_s) < 0)
		return -1;
	return 0;
}

/* Whether the devices show interference (the steal fraction of the last run). */
static int disturbed(const json_t *devices, double steal)
{
	json_t *reasons = json_array(), *dev;
	size_t i;
	int n = 0;

	json_array_foreach(devices, i, dev)
		n += dlp_interference_check(dev, steal, reasons);
	json_decref(reasons);
	return n > 0;
}

/* Runs backend b into devices; then its focused rounds (or, while its
 * devices show interference, whole re-runs) while any are left in count
 * and time, keeping each result's round with the fastest verified sample;
 * then marks each device stable or not, with the reasons. */
static int run_backend(const dlp_backend *b, const dlp_bench_opts *o, json_t *devices)
{
	dlp_bench_opts ro = *o;
	dlp_cpu_ticks t0, t1;
	double steal, start = dlp_harness_now(), one, last, rerun_s = 0, t;
	double budget = o->full ? RERUN_BUDGET_FULL_S : RERUN_BUDGET_QUICK_S;
	int runs = 1, focused = 0, left = reruns_allowed(b, o), rc;

	ro.focus = !o->full && b->focus;
	ro.rerun = 1;
	dlp_cpu_ticks_read(&t0);
	rc = run_once(b, o, devices);
	dlp_cpu_ticks_read(&t1);
	steal = dlp_cpu_steal_fraction(&t0, &t1);
	one = last = dlp_harness_now() - start;
	/* focused rounds are made whether or not interference shows: a VM's
	 * slow stretches often leave no sign a run can see (docs/validation.md,
	 * sixth and seventh sessions), and the fastest of several rounds is the
	 * machine's figure; a whole re-run only on a sign */
	while (rc == 0 && left-- > 0 && dlp_harness_now() - start + last <= budget &&
	       (!ro.focus || rerun_s + last <= one) && (ro.focus || disturbed(devices, steal))) {
		json_t *again = json_array();

		if (o->progress)
			o->progress(o->progress_user, ro.focus ? "measuring the decisive figures again"
							       : "interference seen: measuring again");
		t = dlp_harness_now();
		dlp_cpu_ticks_read(&t0);
		if (run_once(b, &ro, again) == 0) {
			dlp_interference_keep_best(devices, again);
			runs++;
			focused += ro.focus;
		}
		dlp_cpu_ticks_read(&t1);
		steal = dlp_cpu_steal_fraction(&t0, &t1);
		last = dlp_harness_now() - t;
		rerun_s += last;
		json_decref(again);
	}
	if (rc == 0)
		dlp_interference_mark(devices, runs, focused, steal);
	return rc;
}

/* A backend none of whose devices measured anything is not "ok": it takes
 * its first device's status and reason (unavailable, skipped or error). */
static void set_status_from_devices(json_t *entry, const json_t *devices)
{
	const json_t *first = json_array_get(devices, 0), *d;
	const char *st, *why;
	size_t i;

	json_array_foreach(devices, i, d) {
		st = json_string_value(json_object_get(d, "status"));
		if (st && strcmp(st, "ok") == 0)
			first = NULL;
		if (!first)
			break;
	}
	if (!first) {
		dlp_json_set_status(entry, DLP_STATUS_OK, NULL);
		return;
	}
	st = json_string_value(json_object_get(first, "status"));
	why = json_string_value(json_object_get(first, "reason"));
	json_object_set_new(entry, "status", json_string(st ? st : "error"));
	json_object_set_new(entry, "reason", why ? json_string(why) : json_null());
}

json_t *dlp_bench_run_backend(const dlp_backend *b, const dlp_bench_opts *o)
{
	json_t *entry = json_object(), *devices = json_array();
	int rc;

	json_object_set_new(entry, "backend", json_string(b->name));
	dlp_error_clear();
	rc = run_backend(b, o, devices);
	if (rc != 0)
		dlp_json_set_status(entry, DLP_STATUS_ERROR, dlp_error_message());
	else
		set_status_from_devices(entry, devices);
	json_object_set_new(entry, "devices", devices);
	return entry;
}

json_t *dlp_bench_run(const char *which, const dlp_bench_opts *o)
{
	json_t *bench, *backends;
	size_t i;

	if (strcmp(which, "all") != 0 && !dlp_backend_find(which)) {
		dlp_error_set("unknown backend \"%s\" (cpu, opencl, cuda or all)", which);
		return NULL;
	}
	bench = json_object();
	backends = json_array();
	json_object_set_new(bench, "mode", json_string(o->full ? "full" : "quick"));
	json_object_set_new(bench, "backends", backends);
	for (i = 0; dlp_backends[i]; i++) {
		const dlp_backend *b = dlp_backends[i];

		if (strcmp(which, "all") != 0 && strcmp(which, b->name) != 0)
			continue;
		json_array_append_new(backends, dlp_bench_run_backend(b, o));
	}
	return bench;
}
