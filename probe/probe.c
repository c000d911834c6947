#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlprobe/json.h"
#include "dlprobe/probe.h"
#include "probe/cgroup.h"
#include "probe/cpu.h"
#include "probe/cuda.h"
#include "probe/memory.h"
#include "probe/opencl.h"
#include "probe/os.h"
#include "probe/topology.h"

/* CPUs this process may use: the affinity mask, narrowed by the cpuset and
 * the CPU quota. A fractional quota rounds down (at least 1): threads beyond
 * it are throttled, which is worse than using fewer. */
static json_t *resources_json(const struct dlp_cgroup *cg, int topo_threads)
{
	json_t *o = json_object(), *aff = json_array();
	cpu_set_t set;
	long eff = topo_threads > 0 ? topo_threads : 1;
	const char *limited_by = "hardware threads";
	int i, naff = -1;

	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof set, &set) == 0) {
		naff = CPU_COUNT(&set);
		for (i = 0; i < CPU_SETSIZE; i++)
			if (CPU_ISSET(i, &set))
				json_array_append_new(aff, json_integer(i));
		if (naff < eff) {
			eff = naff;
			limited_by = "affinity mask";
		}
	}
	if (cg->cpuset_count > 0 && cg->cpuset_count < eff) {
		eff = cg->cpuset_count;
		limited_by = "cgroup cpuset";
	}
	if (cg->cpu_quota > 0 && floor(cg->cpu_quota) < eff) {
		eff = cg->cpu_quota < 1 ? 1 : (long)floor(cg->cpu_quota);
		limited_by = "cgroup CPU quota";
	}
	json_object_set_new(o, "affinity_cpus", aff);
	json_object_set_new(o, "affinity_count", dlp_json_count(naff));
	json_object_set_new(o, "cgroup", dlp_cgroup_to_json(cg));
	json_object_set_new(o, "effective_cpus", json_integer(eff));
	json_object_set_new(o, "effective_cpus_limited_by", json_string(limited_by));
	return o;
}

json_t *dlp_probe_run(const dlp_probe_opts *opts)
{
	dlp_probe_opts none = { 0 };
	const dlp_probe_opts *o = opts ? opts : &none;
	const char *root = o->sysroot ? o->sysroot : "";
	double timeout = o->enum_timeout_s > 0 ? o->enum_timeout_s : 10.0;
	json_t *p = NULL, *ret = NULL;
	hwloc_topology_t topo = NULL;
	struct dlp_cpuid_raw raw;
	struct dlp_cpu_info cpu;
	struct dlp_topology t;
	struct dlp_cgroup cg;
	struct dlp_memory mem;

	if (dlp_topology_load(&topo, o->hwloc_xml, o->hwloc_synthetic) != 0)
		goto out;
	dlp_topology_from_hwloc(topo, &t);
	dlp_cpuid_read(&raw);
	dlp_cpu_decode(&raw, &cpu);
	dlp_cgroup_read(root, &cg);

	memset(&mem, 0, sizeof mem);
	dlp_memory_read_meminfo(root, &mem);
	mem.hwloc_total = t.total_memory_bytes;
	mem.cgroup_limit = cg.memory_limit;
	mem.cgroup_usage = cg.memory_usage;
	dlp_memory_combine(&mem);

	p = json_object();
	json_object_set_new(p, "os", dlp_os_probe(root));
	json_object_set_new(p, "cpu", dlp_cpu_to_json(&cpu, root));
	json_object_set_new(p, "topology", dlp_topology_to_json(&t));
	json_object_set_new(p, "resources", resources_json(&cg, t.threads));
	json_object_set_new(p, "memory", dlp_memory_to_json(&mem));
	if (o->skip_opencl) {
		json_t *s = json_object();
		dlp_json_set_status(s, DLP_STATUS_SKIPPED, "not requested");
		json_object_set_new(s, "platforms", json_array());
		json_object_set_new(p, "opencl", s);
	} else {
		json_object_set_new(p, "opencl", dlp_opencl_probe(timeout));
	}
	if (o->skip_cuda) {
		json_t *s = json_object();
		dlp_json_set_status(s, DLP_STATUS_SKIPPED, "not requested");
		json_object_set_new(s, "devices", json_array());
		json_object_set_new(p, "cuda", s);
	} else {
		json_object_set_new(p, "cuda", dlp_cuda_probe(timeout));
	}
	ret = p;
	p = NULL;
out:
	json_decref(p);
	if (topo)
		hwloc_topology_destroy(topo);
	return ret;
}

long dlp_probe_effective_cpus(const json_t *probe)
{
	json_t *v = json_object_get(json_object_get(probe, "resources"), "effective_cpus");

	return json_is_integer(v) ? (long)json_integer_value(v) : -1;
}

long long dlp_probe_cache_bytes(const json_t *probe, int level)
{
	json_t *caches = json_object_get(json_object_get(probe, "topology"), "caches"), *c;
	size_t i;

	json_array_foreach(caches, i, c) {
		json_t *sz = json_object_get(c, "size_bytes");
		if (json_integer_value(json_object_get(c, "level")) == level && json_is_integer(sz))
			return (long long)json_integer_value(sz);
	}
	return -1;
}

long long dlp_probe_effective_memory(const json_t *probe)
{
	json_t *v = json_object_get(json_object_get(probe, "memory"), "effective_bytes");

	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}
