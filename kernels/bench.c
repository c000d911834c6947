#include <stdlib.h>
#include <string.h>

#include "dlprobe/json.h"
#include "kernels/backend.h"
#include "kernels/interference.h"

/* Re-runs of a backend whose results show interference (kernels/
 * interference.h): --quick 1, --full 2; DLPROBE_BENCH_RERUNS (0-5) overrides. */
#define MAX_RERUNS 5
static int reruns_allowed(const dlp_bench_opts *o)
{
	const char *e = getenv("DLPROBE_BENCH_RERUNS");
	char *end;
	long v;

	if (e && *e) {
		v = strtol(e, &end, 10);
		if (!*end && v >= 0 && v <= MAX_RERUNS)
			return (int)v;
	}
	return o->full ? 2 : 1;
}

/* Runs backend b into devices; while its devices show interference and
 * re-runs are left, runs it again and keeps each result's fastest verified
 * figure; then marks each device stable or not, with the reasons. */
static int run_backend(const dlp_backend *b, const dlp_bench_opts *o, json_t *devices)
{
	dlp_cpu_ticks t0, t1;
	double steal;
	int runs = 1, left = reruns_allowed(o), rc;

	dlp_cpu_ticks_read(&t0);
	rc = b->run(o, devices);
	dlp_cpu_ticks_read(&t1);
	steal = dlp_cpu_steal_fraction(&t0, &t1);
	while (rc == 0 && left-- > 0) {
		json_t *reasons = json_array(), *again, *dev;
		size_t i;
		int n = 0;

		json_array_foreach(devices, i, dev)
			n += dlp_interference_check(dev, steal, reasons);
		json_decref(reasons);
		if (n == 0)
			break;
		if (o->progress)
			o->progress(o->progress_user, "interference seen: measuring again");
		again = json_array();
		dlp_cpu_ticks_read(&t0);
		if (b->run(o, again) == 0) {
			dlp_interference_keep_best(devices, again);
			runs++;
		}
		dlp_cpu_ticks_read(&t1);
		steal = dlp_cpu_steal_fraction(&t0, &t1);
		json_decref(again);
	}
	if (rc == 0)
		dlp_interference_mark(devices, runs, steal);
	return rc;
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
		json_t *entry, *devices;

		if (strcmp(which, "all") != 0 && strcmp(which, b->name) != 0)
			continue;
		entry = json_object();
		devices = json_array();
		json_object_set_new(entry, "backend", json_string(b->name));
		dlp_error_clear();
		if (run_backend(b, o, devices) != 0)
			dlp_json_set_status(entry, DLP_STATUS_ERROR, dlp_error_message());
		else
			dlp_json_set_status(entry, DLP_STATUS_OK, NULL);
		json_object_set_new(entry, "devices", devices);
		json_array_append_new(backends, entry);
	}
	return bench;
}
