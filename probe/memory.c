#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/decimal.h"
#include "dlprobe/json.h"
#include "probe/memory.h"
#include "probe/sysfile.h"

/* An exbibyte of kB: far beyond any machine, small enough that x 1024
 * stays inside a long long. A larger figure is a damaged file. */
#define MAX_MEMINFO_KIB (1LL << 50)

/* "MemTotal:       16318480 kB" -> bytes; -1 when absent or malformed. */
static long long kib_field(const char *sysroot, const char *key)
{
	char *v = dlp_sysfile_field(sysroot, "/proc/meminfo", key);
	const char *end;
	long long k, r = -1;

	if (v && dlp_decimal_ll(v, &end, 0, MAX_MEMINFO_KIB, &k) == 0 &&
	    (strcmp(end, " kB") == 0 || *end == '\0'))
		r = k * 1024;
	free(v);
	return r;
}

int dlp_memory_read_meminfo(const char *sysroot, struct dlp_memory *m)
{
	m->meminfo_total = kib_field(sysroot, "MemTotal");
	m->meminfo_available = kib_field(sysroot, "MemAvailable");
	return m->meminfo_total < 0 ? -1 : 0;
}

void dlp_memory_combine(struct dlp_memory *m)
{
	m->effective = -1;
	m->effective_source = NULL;
	if (m->meminfo_total > 0) {
		m->effective = m->meminfo_total;
		m->effective_source = "/proc/meminfo MemTotal";
	} else if (m->hwloc_total > 0) {
		m->effective = m->hwloc_total;
		m->effective_source = "hwloc NUMA nodes";
	}
	if (m->cgroup_limit > 0 && (m->effective < 0 || m->cgroup_limit < m->effective)) {
		m->effective = m->cgroup_limit;
		m->effective_source = "cgroup memory limit";
	}
}

json_t *dlp_memory_to_json(const struct dlp_memory *m)
{
	json_t *o = json_object(), *s = json_object(), *notes = json_array();

	json_object_set_new(s, "meminfo_total_bytes", dlp_json_count(m->meminfo_total));
	json_object_set_new(s, "meminfo_available_bytes", dlp_json_count(m->meminfo_available));
	json_object_set_new(s, "hwloc_total_bytes", dlp_json_count(m->hwloc_total));
	json_object_set_new(s, "cgroup_limit_bytes", dlp_json_count(m->cgroup_limit));
	json_object_set_new(s, "cgroup_usage_bytes", dlp_json_count(m->cgroup_usage));
	json_object_set_new(o, "sources", s);
	json_object_set_new(o, "effective_bytes", dlp_json_count(m->effective));
	json_object_set_new(o, "effective_source", dlp_json_str(m->effective_source));
	if (m->hwloc_total > 0 && m->meminfo_total > 0) {
		double r = (double)m->hwloc_total / (double)m->meminfo_total;
		if (r < 0.9 || r > 1.1) {
			char note[256];
			snprintf(note, sizeof note,
				 "hwloc counts %.1f GiB but /proc/meminfo says %.1f GiB; the effective figure uses /proc/meminfo%s",
				 m->hwloc_total / 1073741824.0, m->meminfo_total / 1073741824.0,
				 m->cgroup_limit > 0 ? " and the cgroup limit" : "");
			json_array_append_new(notes, json_string(note));
		}
	}
	json_object_set_new(o, "notes", notes);
	return o;
}
