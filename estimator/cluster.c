/* Data-parallel training across the nodes of a cluster document.
 *
 * Every device holds a replica and the gradients are summed each step. The
 * all-reduce is hierarchical (as NCCL and Horovod do it across nodes): a
 * reduce-scatter among the g devices of each node, an all-reduce of each
 * 1/g shard across the N nodes, an all-gather inside the node. With the
 * nccl-tests definition busbw = algbw x 2(n-1)/n, a ring all-reduce of S
 * bytes over n devices takes 2(n-1)/n x S / busbw, so the whole takes
 *   S x [ 2(g-1)/g / B_intra + 2(N-1)/N / (g x B_inter) ]
 * (the intra-node reduce-scatter and all-gather together cost what one
 * intra-node all-reduce does). estimator/deep.c charges a ring over all
 * D = N g devices, 2(D-1)/D x S / B; the B that makes the two equal is what
 * this file hands it, so deep.c needs no second formula. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dlprobe/json.h"
#include "estimator/cluster.h"

/* The gradient bucket a data-parallel framework all-reduces at once (PyTorch
 * DDP's default bucket_cap_mb is 25 MiB): the busbw is read at the largest
 * measured size up to the next power of two above it. */
#define GRAD_BUCKET_BYTES (32.0 * 1024 * 1024)
/* The fp32 GEMM shape that ranks nodes when choosing the slowest. */
#define RANK_GEMM_N 1024.0

int dlp_doc_is_cluster(const json_t *doc)
{
	return json_is_object(json_object_get(doc, "cluster"));
}

double dlp_cluster_allreduce_gbps(int nodes, int per_node, double intra, double inter)
{
	double d = (double)nodes * per_node, g = per_node, n = nodes, per_byte = 0.0;

	if (d < 2)
		return 0.0;
	if (g > 1) {
		if (!(intra > 0))
			return 0.0;
		per_byte += 2.0 * (g - 1) / g / intra;
	}
	if (n > 1) {
		if (!(inter > 0))
			return 0.0;
		per_byte += 2.0 * (n - 1) / n / (g * inter);
	}
	return 2.0 * (d - 1) / d / per_byte;
}

static int is_ok(const json_t *o)
{
	const char *s = json_string_value(json_object_get(o, "status"));

	return s && strcmp(s, "ok") == 0;
}

/* busbw of the all-reduce in a collective section at the gradient-bucket
 * size (the largest ok size not above it, else the smallest ok above). */
static double allreduce_busbw(const json_t *sec, double *bytes_out)
{
	const json_t *r;
	double best = 0, best_b = 0, above = 0, above_b = INFINITY;
	size_t i;

	if (!is_ok(sec))
		return 0;
	json_array_foreach(json_object_get(sec, "results"), i, r) {
		const char *k = json_string_value(json_object_get(r, "kernel"));
		double b = dlp_json_num(r, "bytes"), bw = dlp_json_num(r, "busbw_gbps");

		if (!k || strcmp(k, "allreduce") != 0 || !is_ok(r) || !(bw > 0))
			continue;
		if (b <= GRAD_BUCKET_BYTES && b > best_b) {
			best = bw;
			best_b = b;
		} else if (b > GRAD_BUCKET_BYTES && b < above_b) {
			above = bw;
			above_b = b;
		}
	}
	if (best > 0 && (best_b >= GRAD_BUCKET_BYTES / 2 || !(above > 0))) {
		*bytes_out = best_b;
		return best;
	}
	*bytes_out = above > 0 ? above_b : 0;
	return above;
}

static void info_flag(json_t *info, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void info_flag(json_t *info, const char *fmt, ...)
{
	char buf[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	json_array_append_new(json_object_get(info, "flags"), json_string(buf));
}

/* A node's probe and bench as the bench document the profile reader takes. */
static int node_profile(const json_t *node, const char *label, dlp_profile *p)
{
	json_t *doc = json_pack("{s:s,s:O,s:O}", "schema_version", DLP_SCHEMA_VERSION, "probe",
				json_object_get(node, "probe"), "bench", json_object_get(node, "bench"));
	int rc;

	if (!doc)
		return dlp_error_set("%s: out of memory", label);
	rc = dlp_profile_from_bench(doc, label, p);
	json_decref(doc);
	return rc;
}

int dlp_cluster_hw_from_doc(const json_t *doc, const char *label, dlp_cluster_hw *c)
{
	const json_t *cl = json_object_get(doc, "cluster"), *nodes = json_object_get(cl, "nodes"), *node;
	const json_t *ic = json_object_get(cl, "interconnect"), *gpu = json_object_get(ic, "gpu");
	double slowest = INFINITY, ib = 0, eb = 0, eff;
	size_t i, slow_i = 0;
	int ok_nodes = 0, rc = -1, m, intra_measured;
	char name[96], nlabel[160];

	memset(c, 0, sizeof *c);
	if (dlp_json_check_schema(doc))
		return -1;
	if (!json_is_array(nodes) || json_array_size(nodes) == 0)
		return dlp_error_set("%s: not a cluster document (no cluster.nodes)", label);
	/* the slowest measured node sets every data-parallel step */
	json_array_foreach(nodes, i, node) {
		dlp_profile p;
		double r;

		if (!is_ok(node) || !json_is_object(json_object_get(node, "bench")))
			continue;
		snprintf(nlabel, sizeof nlabel, "%s node %zu", label, i);
		if (node_profile(node, nlabel, &p) != 0)
			return -1;
		r = dlp_profile_gemm_gflops(&p, p.capability.n ? &p.capability : &p.configured, DLP_FP32,
					    RANK_GEMM_N, RANK_GEMM_N, RANK_GEMM_N, &m);
		dlp_profile_free(&p);
		ok_nodes++;
		if (r < slowest) {
			slowest = r;
			slow_i = i;
		}
	}
	if (ok_nodes == 0)
		return dlp_error_set("%s: no node of the cluster has a bench (measured with --no-bench, or every node failed)",
				     label);
	c->info = json_pack("{s:[],s:{}}", "flags", "sources");
	snprintf(nlabel, sizeof nlabel, "%s node %zu", label, slow_i);
	if (node_profile(json_array_get(nodes, slow_i), nlabel, &c->one) != 0)
		goto out;
	c->nodes = ok_nodes;
	if (c->one.is_gpu) {
		size_t ng = json_array_size(json_object_get(json_object_get(json_object_get(
			json_array_get(nodes, slow_i), "probe"), "cuda"), "devices"));
		c->per_node = ng > 0 ? (int)ng : 1;
		c->intra_busbw_gbps = allreduce_busbw(json_object_get(gpu, "intra_node"), &ib);
		c->inter_busbw_gbps = allreduce_busbw(json_object_get(gpu, "inter_node"), &eb);
		json_object_set_new(json_object_get(c->info, "sources"), "allreduce",
				    json_string("NCCL all-reduce busbw measured by dlprobe-cluster"));
	} else {
		/* a CPU node is one device: its ranks share the node's memory */
		c->per_node = 1;
		c->inter_busbw_gbps = allreduce_busbw(json_object_get(ic, "inter_node"), &eb);
		json_object_set_new(json_object_get(c->info, "sources"), "allreduce",
				    json_string("MPI all-reduce busbw across nodes measured by dlprobe-cluster"));
	}
	if (ok_nodes < (int)json_array_size(nodes))
		info_flag(c->info, "%zu of %zu nodes failed or are missing: estimated over the %d measured",
			  json_array_size(nodes) - (size_t)ok_nodes, json_array_size(nodes), ok_nodes);
	if (json_is_true(json_object_get(cl, "simulated_nodes")))
		info_flag(c->info, "the nodes were simulated on one machine: the inter-node figure is its shared memory, "
				   "not a network");
	if (c->nodes > 1 && !(c->inter_busbw_gbps > 0)) {
		const char *why = json_string_value(json_object_get(
			json_object_get(c->one.is_gpu ? gpu : ic, "inter_node"), "reason"));

		dlp_error_set("%s: no inter-node all-reduce was measured (%s)", label, why ? why : "absent");
		goto out;
	}
	intra_measured = c->intra_busbw_gbps > 0;
	if (c->per_node > 1 && !(c->intra_busbw_gbps > 0)) {
		/* no NCCL inside the node: the profile's own figure (PCIe h2d) */
		c->intra_busbw_gbps = c->one.interconnect_gbps;
		info_flag(c->info, "no NCCL all-reduce inside a node: the measured host-to-device rate stands in");
	}
	json_object_set_new(c->info, "allreduce_bytes", dlp_json_real(c->nodes > 1 ? eb : ib));
	/* the one-node profile: its GPUs all-reduce inside the node */
	c->one.devices = c->per_node;
	if (c->per_node > 1) {
		c->one.interconnect_gbps = c->intra_busbw_gbps;
		c->one.interconnect_measured = intra_measured;
	}
	/* the whole cluster: the same node, N times, behind the hierarchy */
	if (node_profile(json_array_get(nodes, slow_i), nlabel, &c->all) != 0)
		goto out;
	c->all.devices = c->nodes * c->per_node;
	eff = dlp_cluster_allreduce_gbps(c->nodes, c->per_node, c->intra_busbw_gbps, c->inter_busbw_gbps);
	c->all.interconnect_gbps = eff;
	c->all.interconnect_measured = intra_measured || c->per_node == 1;
	snprintf(name, sizeof name, "%s (%d nodes x %d %s)", label, c->nodes, c->per_node,
		 c->one.is_gpu ? "GPU" : "CPU host");
	snprintf(c->all.name, sizeof c->all.name, "%s", name);
	snprintf(c->all.kind, sizeof c->all.kind, "cluster");
	json_object_set_new(c->info, "effective_allreduce_busbw_gbps", dlp_json_real(eff));
	rc = 0;
out:
	if (rc)
		dlp_cluster_hw_free(c);
	return rc;
}

void dlp_cluster_hw_free(dlp_cluster_hw *c)
{
	if (c->all.flags || c->all.sources)
		dlp_profile_free(&c->all);
	if (c->one.flags || c->one.sources)
		dlp_profile_free(&c->one);
	json_decref(c->info);
	memset(c, 0, sizeof *c);
}

static double expected_s(const json_t *deep)
{
	return dlp_json_num_at(deep, "train_s", "expected", NULL);
}

json_t *dlp_cluster_scaling(const dlp_cluster_hw *c, const dlp_model *m, const dlp_dataset *ds,
			    const dlp_train *t)
{
	json_t *one = NULL, *all = NULL, *out = NULL;
	dlp_train t1 = *t, tn = *t;
	double e1, en;

	if (!m)
		return json_null();
	t1.devices = c->per_node;
	tn.devices = c->all.devices;
	one = dlp_estimate_deep(&c->one, m, ds, &t1);
	if (!one)
		goto out;
	all = dlp_estimate_deep(&c->all, m, ds, &tn);
	if (!all)
		goto out;
	e1 = expected_s(one);
	en = expected_s(all);
	out = json_pack("{s:i,s:i,s:i,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:s,s:O,s:O}",
			"nodes", c->nodes, "devices_per_node", c->per_node, "devices", c->all.devices,
			"intra_node_busbw_gbps", c->per_node > 1 ? dlp_json_real(c->intra_busbw_gbps) : json_null(),
			"inter_node_busbw_gbps", c->nodes > 1 ? dlp_json_real(c->inter_busbw_gbps) : json_null(),
			"effective_allreduce_busbw_gbps", dlp_json_real(c->all.interconnect_gbps),
			"one_node_train_s", dlp_json_real(e1), "cluster_train_s", dlp_json_real(en),
			"speedup", dlp_json_real(e1 / en),
			"scaling_efficiency", dlp_json_real(e1 / en / c->nodes),
			"allreduce", "hierarchical: inside each node, then across nodes, then inside again",
			"flags", json_object_get(c->info, "flags"), "sources", json_object_get(c->info, "sources"));
	json_object_set(out, "allreduce_bytes", json_object_get(c->info, "allreduce_bytes"));
	json_object_set_new(out, "allreduce_s_per_step",
			    json_incref(json_object_get(json_object_get(all, "step_breakdown_low_s"), "allreduce_s")));
out:
	json_decref(one);
	json_decref(all);
	return out;
}
