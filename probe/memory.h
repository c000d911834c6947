/* Memory from every source, and the figure dlprobe plans with. Sources
 * disagree in VMs and containers (CI: hwloc 5.3 GiB, /proc/meminfo 23.5 GiB):
 * all of them are reported, and the choice is named. */
#ifndef DLPROBE_PROBE_MEMORY_H
#define DLPROBE_PROBE_MEMORY_H

#include <jansson.h>

struct dlp_memory {
	long long meminfo_total, meminfo_available;  /* -1 unknown */
	long long hwloc_total;
	long long cgroup_limit, cgroup_usage;
	long long effective;         /* what a run may use */
	const char *effective_source;
};

/* Combine: effective = the smallest of /proc/meminfo MemTotal and the cgroup
 * limit. hwloc is reported but not trusted for the total: it reads per-NUMA
 * node meminfo, which some hypervisors leave stale after memory hot-add. */
void dlp_memory_combine(struct dlp_memory *m);
int dlp_memory_read_meminfo(const char *sysroot, struct dlp_memory *m);
json_t *dlp_memory_to_json(const struct dlp_memory *m);

#endif
