#include <stdio.h>
#include <string.h>

#include "dlprobe/dlprobe.h"
#include "dlprobe/json.h"
#include "probe/topology.h"

int dlp_topology_load(hwloc_topology_t *out, const char *xml, const char *synthetic)
{
	hwloc_topology_t t = NULL;
	int ret = -1;

	*out = NULL;
	if (hwloc_topology_init(&t) != 0) {
		dlp_error_set("hwloc: cannot initialise a topology");
		goto out;
	}
	/* No I/O objects: dlprobe asks OpenCL and CUDA directly, and PCI
	 * discovery would cost most of the probe's time budget. */
	if (xml && hwloc_topology_set_xml(t, xml) != 0) {
		dlp_error_set("hwloc: cannot read topology XML %s", xml);
		goto out;
	}
	if (synthetic && hwloc_topology_set_synthetic(t, synthetic) != 0) {
		dlp_error_set("hwloc: invalid synthetic topology \"%s\"", synthetic);
		goto out;
	}
	if (hwloc_topology_load(t) != 0) {
		dlp_error_set("hwloc: cannot load the topology");
		goto out;
	}
	*out = t;
	t = NULL;
	ret = 0;
out:
	if (t)
		hwloc_topology_destroy(t);
	return ret;
}

static void add_caches(hwloc_topology_t t, struct dlp_topology *o)
{
	static const hwloc_obj_type_t types[] = {
		HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L4CACHE,
	};
	size_t i;

	for (i = 0; i < sizeof types / sizeof types[0] && o->ncaches < DLP_TOPO_MAX_CACHES; i++) {
		int n = hwloc_get_nbobjs_by_type(t, types[i]);
		hwloc_obj_t c;
		struct dlp_cache_level *l;

		if (n <= 0)
			continue;
		c = hwloc_get_obj_by_type(t, types[i], 0);
		l = &o->caches[o->ncaches++];
		l->level = (int)c->attr->cache.depth;
		l->type = c->attr->cache.type == HWLOC_OBJ_CACHE_DATA ? "data" : "unified";
		l->size_bytes = (long long)c->attr->cache.size;
		l->line_bytes = c->attr->cache.linesize ? (int)c->attr->cache.linesize : -1;
		l->count = n;
		l->shared_by_threads = c->cpuset ? hwloc_bitmap_weight(c->cpuset) : -1;
	}
}

int dlp_topology_from_hwloc(hwloc_topology_t t, struct dlp_topology *o)
{
	hwloc_obj_t root = hwloc_get_root_obj(t), core = NULL;
	const char *src;
	int i, n;

	memset(o, 0, sizeof *o);
	o->packages = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PACKAGE);
	o->cores = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_CORE);
	o->threads = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU);
	if (o->packages <= 0)
		o->packages = -1;
	if (o->cores <= 0)
		o->cores = -1;
	while ((core = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_CORE, core)) != NULL) {
		int w = hwloc_bitmap_weight(core->cpuset);
		if (w > o->threads_per_core)
			o->threads_per_core = w;
	}
	if (o->threads_per_core == 0)
		o->threads_per_core = -1;
	add_caches(t, o);

	n = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_NUMANODE);
	o->total_memory_bytes = 0;
	for (i = 0; i < n && i < DLP_TOPO_MAX_NUMA; i++) {
		hwloc_obj_t nn = hwloc_get_obj_by_type(t, HWLOC_OBJ_NUMANODE, (unsigned)i);
		struct dlp_numa_node *d = &o->numa[o->nnuma++];

		d->os_index = (int)nn->os_index;
		d->memory_bytes = nn->attr->numanode.local_memory ? (long long)nn->attr->numanode.local_memory : -1;
		d->threads = nn->cpuset ? hwloc_bitmap_weight(nn->cpuset) : -1;
		if (d->memory_bytes > 0)
			o->total_memory_bytes += d->memory_bytes;
	}
	if (o->total_memory_bytes == 0)
		o->total_memory_bytes = root->total_memory ? (long long)root->total_memory : -1;

	src = hwloc_obj_get_info_by_name(root, "Backend");
	snprintf(o->source, sizeof o->source, "%s", src ? src : "unknown");
	return 0;
}

json_t *dlp_topology_to_json(const struct dlp_topology *t)
{
	json_t *o = json_object(), *caches = json_array(), *numa = json_array();
	int i;

	json_object_set_new(o, "source", dlp_json_str(t->source));
	json_object_set_new(o, "packages", dlp_json_count(t->packages));
	json_object_set_new(o, "cores", dlp_json_count(t->cores));
	json_object_set_new(o, "threads", dlp_json_count(t->threads));
	json_object_set_new(o, "threads_per_core", dlp_json_count(t->threads_per_core));
	json_object_set_new(o, "smt", t->threads_per_core < 0 ? json_null() : json_boolean(t->threads_per_core > 1));
	for (i = 0; i < t->ncaches; i++) {
		const struct dlp_cache_level *c = &t->caches[i];
		json_t *e = json_object();

		json_object_set_new(e, "level", json_integer(c->level));
		json_object_set_new(e, "type", json_string(c->type));
		json_object_set_new(e, "size_bytes", dlp_json_count(c->size_bytes));
		json_object_set_new(e, "line_bytes", dlp_json_count(c->line_bytes));
		json_object_set_new(e, "count", json_integer(c->count));
		json_object_set_new(e, "shared_by_threads", dlp_json_count(c->shared_by_threads));
		json_array_append_new(caches, e);
	}
	json_object_set_new(o, "caches", caches);
	for (i = 0; i < t->nnuma; i++) {
		json_t *e = json_object();

		json_object_set_new(e, "os_index", json_integer(t->numa[i].os_index));
		json_object_set_new(e, "memory_bytes", dlp_json_count(t->numa[i].memory_bytes));
		json_object_set_new(e, "threads", dlp_json_count(t->numa[i].threads));
		json_array_append_new(numa, e);
	}
	json_object_set_new(o, "numa_nodes", numa);
	json_object_set_new(o, "memory_bytes", dlp_json_count(t->total_memory_bytes));
	return o;
}
