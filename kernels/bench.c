#include <string.h>

#include "dlprobe/json.h"
#include "kernels/backend.h"

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
		if (b->run(o, devices) != 0)
			dlp_json_set_status(entry, DLP_STATUS_ERROR, dlp_error_message());
		else
			dlp_json_set_status(entry, DLP_STATUS_OK, NULL);
		json_object_set_new(entry, "devices", devices);
		json_array_append_new(backends, entry);
	}
	return bench;
}
