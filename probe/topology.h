/* Packages, cores, threads, caches and NUMA nodes from hwloc. */
#ifndef DLPROBE_PROBE_TOPOLOGY_H
#define DLPROBE_PROBE_TOPOLOGY_H

#include <hwloc.h>
#include <jansson.h>

#define DLP_TOPO_MAX_CACHES 8
#define DLP_TOPO_MAX_NUMA 64

struct dlp_cache_level {
	int level;                  /* 1, 2, 3, ... */
	const char *type;           /* "data", "unified" */
	long long size_bytes;       /* one instance */
	int line_bytes;             /* -1 unknown */
	int count;                  /* instances */
	int shared_by_threads;      /* PUs per instance */
};

struct dlp_numa_node {
	int os_index;
	long long memory_bytes;     /* -1 unknown */
	int threads;
};

struct dlp_topology {
	int packages, cores, threads;
	int threads_per_core;       /* max over cores */
	int ncaches;
	struct dlp_cache_level caches[DLP_TOPO_MAX_CACHES];
	int nnuma;
	struct dlp_numa_node numa[DLP_TOPO_MAX_NUMA];
	long long total_memory_bytes; /* what hwloc counts, -1 unknown */
	char source[32];            /* "this system", "synthetic", "xml" */
};

/* Load a topology: this machine, or an XML file / synthetic description. */
int dlp_topology_load(hwloc_topology_t *t, const char *xml, const char *synthetic);
int dlp_topology_from_hwloc(hwloc_topology_t t, struct dlp_topology *out);
json_t *dlp_topology_to_json(const struct dlp_topology *t);

#endif
