/* The CPU and memory limits a container really imposes (cgroup v2 and v1):
 * hwloc does not read cpu.max or memory.max, so a container limited to 2 CPUs
 * still sees every core there. */
#ifndef DLPROBE_PROBE_CGROUP_H
#define DLPROBE_PROBE_CGROUP_H

#include <jansson.h>

struct dlp_cgroup {
	int version;                /* 2, 1, or 0 when no cgroup was found */
	char cpu_path[512];         /* directory the CPU limit came from */
	char memory_path[512];
	double cpu_quota;           /* CPUs allowed by the quota; < 0 unlimited or unknown */
	long long quota_us, period_us;
	char cpuset[256];           /* effective cpuset list, "" when unknown */
	int cpuset_count;           /* -1 when unknown */
	long long memory_limit;     /* bytes; -1 unlimited or unknown */
	long long memory_usage;     /* bytes; -1 unknown */
};

/* "200000 100000" -> 2.0, "max 100000" -> -1 (unlimited). -1 return if malformed. */
int dlp_cgroup_parse_cpu_max(const char *s, double *cpus, long long *quota, long long *period);
/* "max" or a v1 "no limit" value (>= 2^62) -> -1; else bytes. -1 return if malformed. */
int dlp_cgroup_parse_memory(const char *s, long long *bytes);
/* Read the limits of this process under sysroot ("" = the real system). */
int dlp_cgroup_read(const char *sysroot, struct dlp_cgroup *cg);
json_t *dlp_cgroup_to_json(const struct dlp_cgroup *cg);

#endif
