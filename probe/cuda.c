#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/isolate.h"
#include "dlprobe/dlprobe.h"
#include "dlprobe/json.h"
#include "probe/cuda.h"
#include "probe/cuda_driver.h"

#define MAX_DEV 64

struct cu_dev_rec {
	char name[256], pci[32];
	int cc_major, cc_minor, sms, clock_khz, mem_clock_khz, bus_bits;
	unsigned long long mem;
};

struct cu_answer {
	char library[256];
	int driver_version, ndev;
	int status;                 /* dlp_status */
	char reason[300];
	struct cu_dev_rec dev[MAX_DEV];
};

static int attr(const dlp_cuda_api *api, int a, int dev)
{
	int v = -1;

	if (api->cuDeviceGetAttribute(&v, a, dev) != 0)
		v = -1;
	return v;
}

static int query(void *arg, void *buf, size_t cap, size_t *len)
{
	struct cu_answer *a = buf;
	dlp_cuda_api api;
	char en[64];
	int r, n = 0, i;

	(void)arg;
	if (cap < sizeof *a)
		return dlp_error_set("answer buffer too small");
	memset(a, 0, sizeof *a);
	*len = sizeof *a;
	a->status = DLP_STATUS_UNAVAILABLE;
	if (dlp_cuda_load(&api) != 0) {
		snprintf(a->reason, sizeof a->reason, "%s", dlp_error_message());
		return 0;
	}
	snprintf(a->library, sizeof a->library, "%s", api.path);
	api.cuDriverGetVersion(&a->driver_version);
	r = api.cuInit(0);
	if (r == DLP_CUDA_ERROR_NO_DEVICE) {
		snprintf(a->reason, sizeof a->reason, "the CUDA driver found no device (cuInit: %s)",
			 dlp_cuda_error_name(&api, r, en, sizeof en));
		goto done;
	}
	if (r != 0) {
		a->status = DLP_STATUS_ERROR;
		snprintf(a->reason, sizeof a->reason, "cuInit failed: %s",
			 dlp_cuda_error_name(&api, r, en, sizeof en));
		goto done;
	}
	r = api.cuDeviceGetCount(&n);
	if (r != 0 || n <= 0) {
		snprintf(a->reason, sizeof a->reason, "the CUDA driver reports no device");
		goto done;
	}
	for (i = 0; i < n && i < MAX_DEV; i++) {
		struct cu_dev_rec *d = &a->dev[a->ndev];
		dlp_cu_device dev;
		size_t mem = 0;

		if (api.cuDeviceGet(&dev, i) != 0)
			continue;
		if (api.cuDeviceGetName(d->name, sizeof d->name, dev) != 0)
			d->name[0] = '\0';
		d->name[sizeof d->name - 1] = '\0';
		if (api.cuDeviceTotalMem(&mem, dev) == 0)
			d->mem = mem;
		d->cc_major = attr(&api, DLP_CU_ATTR_COMPUTE_CAPABILITY_MAJOR, dev);
		d->cc_minor = attr(&api, DLP_CU_ATTR_COMPUTE_CAPABILITY_MINOR, dev);
		d->sms = attr(&api, DLP_CU_ATTR_MULTIPROCESSOR_COUNT, dev);
		d->clock_khz = attr(&api, DLP_CU_ATTR_CLOCK_RATE, dev);
		d->mem_clock_khz = attr(&api, DLP_CU_ATTR_MEMORY_CLOCK_RATE, dev);
		d->bus_bits = attr(&api, DLP_CU_ATTR_GLOBAL_MEMORY_BUS_WIDTH, dev);
		if (!api.cuDeviceGetPCIBusId || api.cuDeviceGetPCIBusId(d->pci, sizeof d->pci, dev) != 0)
			d->pci[0] = '\0';
		d->pci[sizeof d->pci - 1] = '\0';
		a->ndev++;
	}
	a->status = DLP_STATUS_OK;
done:
	dlp_cuda_unload(&api);
	return 0;
}

json_t *dlp_cuda_probe(double timeout_s)
{
	struct cu_answer *a = calloc(1, sizeof *a);
	json_t *o = json_object(), *devs = json_array();
	size_t len = 0;
	int i;

	json_object_set_new(o, "devices", devs);
	if (!a) {
		dlp_json_set_status(o, DLP_STATUS_ERROR, "out of memory");
		goto out;
	}
	if (dlp_isolate_run(query, NULL, a, sizeof *a, &len, timeout_s) != 0 || len != sizeof *a) {
		char why[600];
		snprintf(why, sizeof why, "the CUDA driver %s", len ? "answered garbage" : dlp_error_message());
		dlp_json_set_status(o, DLP_STATUS_ERROR, why);
		goto out;
	}
	json_object_set_new(o, "library", dlp_json_str(a->library));
	json_object_set_new(o, "driver_version", a->driver_version > 0 ? json_integer(a->driver_version) : json_null());
	dlp_json_set_status(o, (dlp_status)a->status, a->reason);
	for (i = 0; i < a->ndev; i++) {
		const struct cu_dev_rec *d = &a->dev[i];
		json_t *e = json_object();
		char cc[16];

		snprintf(cc, sizeof cc, "%d.%d", d->cc_major, d->cc_minor);
		json_object_set_new(e, "index", json_integer(i));
		json_object_set_new(e, "name", dlp_json_str(d->name));
		json_object_set_new(e, "compute_capability", d->cc_major >= 0 ? json_string(cc) : json_null());
		json_object_set_new(e, "multiprocessors", dlp_json_count(d->sms));
		json_object_set_new(e, "memory_bytes", d->mem ? json_integer((json_int_t)d->mem) : json_null());
		json_object_set_new(e, "clock_mhz", d->clock_khz > 0 ? json_real(d->clock_khz / 1000.0) : json_null());
		json_object_set_new(e, "memory_clock_mhz", d->mem_clock_khz > 0 ? json_real(d->mem_clock_khz / 1000.0) : json_null());
		json_object_set_new(e, "memory_bus_bits", dlp_json_count(d->bus_bits));
		json_object_set_new(e, "pci_bus_id", dlp_json_str(d->pci));
		dlp_json_set_status(e, d->name[0] ? DLP_STATUS_OK : DLP_STATUS_ERROR,
				    d->name[0] ? NULL : "cuDeviceGetName failed");
		json_array_append_new(devs, e);
	}
out:
	free(a);
	return o;
}
