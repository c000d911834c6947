/* Findings over the nodes of a cluster document: who is slow (a straggler
 * holds every data-parallel step back) and what differs (a mixed cluster
 * makes one node's figures a poor stand-in for the rest). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster.h"
#include "common/order.h"
#include "dlprobe/json.h"

static int is_ok(const json_t *o)
{
	const char *s = json_string_value(json_object_get(o, "status"));

	return s && strcmp(s, "ok") == 0;
}

/* The best ok result of one kernel (and dtype, when given) in a node's bench. */
static double best_rate(const json_t *node, const char *kernel, const char *dtype, const char *key)
{
	const json_t *backends = json_object_get(json_object_get(node, "bench"), "backends");
	const json_t *b, *d, *r;
	size_t i, j, k;
	double best = -1.0;

	json_array_foreach(backends, i, b) {
		json_array_foreach(json_object_get(b, "devices"), j, d) {
			json_array_foreach(json_object_get(d, "results"), k, r) {
				const char *kn = json_string_value(json_object_get(r, "kernel"));
				const char *dt = json_string_value(json_object_get(r, "dtype"));
				const char *im = json_string_value(json_object_get(r, "impl"));
				double v = json_number_value(json_object_get(r, key));

				if (!is_ok(r) || !kn || strcmp(kn, kernel) != 0 || !im || strcmp(im, "dlprobe") != 0)
					continue;
				if (dtype && (!dt || strcmp(dt, dtype) != 0))
					continue;
				if (v > best)
					best = v;
			}
		}
	}
	return best;
}

double dlp_cluster_node_gemm_gflops(const json_t *node)
{
	return best_rate(node, "gemm", "fp32", "rate_gflops");
}

double dlp_cluster_node_stream_gbps(const json_t *node)
{
	return best_rate(node, "stream_triad", NULL, "rate_gbps");
}

static double median_of(double *v, size_t n)
{
	qsort(v, n, sizeof *v, dlp_cmp_double);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void add_finding(json_t *out, const char *kind, const char *metric, const char *text, json_t *who)
{
	json_t *f = json_object();

	json_object_set_new(f, "kind", json_string(kind));
	json_object_set_new(f, "metric", json_string(metric));
	json_object_set_new(f, "text", json_string(text));
	json_object_set_new(f, "nodes", who ? who : json_array());
	json_array_append_new(out, f);
}

static const char *node_name(const json_t *node, char *buf, size_t len)
{
	snprintf(buf, len, "node %lld (%s)", (long long)json_integer_value(json_object_get(node, "node")),
		 json_string_value(json_object_get(node, "hostname")) ?
			 json_string_value(json_object_get(node, "hostname")) : "?");
	return buf;
}

/* A per-node figure from fn; nodes without it take no part. */
typedef double (*node_metric_fn)(const json_t *node);

static void stragglers(json_t *out, const json_t *nodes, const char *metric, const char *unit,
		       node_metric_fn fn)
{
	size_t n = json_array_size(nodes), i, m = 0;
	double *v = NULL, *all = NULL, med;
	const json_t *node;
	char text[512], name[160];

	v = calloc(n ? n : 1, sizeof *v);
	all = calloc(n ? n : 1, sizeof *all);
	if (!v || !all)
		goto out;
	json_array_foreach(nodes, i, node) {
		all[i] = fn(node);
		if (all[i] > 0.0)
			v[m++] = all[i];
	}
	if (m < 2)
		goto out;
	med = median_of(v, m);
	json_array_foreach(nodes, i, node) {
		if (!(all[i] > 0.0) || all[i] >= (1.0 - DLP_CLUSTER_STRAGGLER_FRACTION) * med)
			continue;
		snprintf(text, sizeof text, "%s: %s %.3g %s is %.0f%% below the median of %zu nodes (%.3g %s)",
			 node_name(node, name, sizeof name), metric, all[i], unit,
			 100.0 * (1.0 - all[i] / med), m, med, unit);
		add_finding(out, "straggler", metric, text,
			    json_pack("[I]", json_integer_value(json_object_get(node, "node"))));
	}
out:
	free(v);
	free(all);
}

/* Heterogeneity keys: where to find a short description of each in a node. */
static void node_cpu(const json_t *node, char *buf, size_t len)
{
	const char *s = json_string_value(json_object_get(
		json_object_get(json_object_get(node, "probe"), "cpu"), "model_name"));

	snprintf(buf, len, "%s", s ? s : "");
}

static void node_gpus(const json_t *node, char *buf, size_t len)
{
	const json_t *devs = json_object_get(json_object_get(json_object_get(node, "probe"), "cuda"), "devices");
	const json_t *d;
	size_t i, used = 0;

	buf[0] = '\0';
	snprintf(buf, len, "%zu GPU", json_array_size(devs));
	used = strlen(buf);
	json_array_foreach(devs, i, d) {
		const char *nm = json_string_value(json_object_get(d, "name"));

		if (used + 2 < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : ": ", nm ? nm : "?");
		if (used >= len)
			break;
	}
}

static void node_driver(const json_t *node, char *buf, size_t len)
{
	const json_t *v = json_object_get(json_object_get(json_object_get(node, "probe"), "cuda"), "driver_version");

	if (json_is_integer(v))
		snprintf(buf, len, "CUDA driver %lld", (long long)json_integer_value(v));
	else
		snprintf(buf, len, "no CUDA driver");
}

static void node_memory(const json_t *node, char *buf, size_t len)
{
	const json_t *v = json_object_get(json_object_get(json_object_get(node, "probe"), "memory"), "effective_bytes");

	if (json_is_integer(v))
		/* GiB to one decimal: MemTotal wobbles by a few MiB between identical nodes */
		snprintf(buf, len, "%.1f GiB", (double)json_integer_value(v) / (1024.0 * 1024 * 1024));
	else
		buf[0] = '\0';
}

static void node_version(const json_t *node, char *buf, size_t len)
{
	const char *s = json_string_value(json_object_get(node, "dlprobe_version"));

	snprintf(buf, len, "%s", s ? s : "");
}

static const struct {
	const char *metric;
	void (*describe)(const json_t *node, char *buf, size_t len);
	int from_probe;     /* read from the node's probe (absent on a failed node) */
} hetero_keys[] = {
	{ "cpu_model", node_cpu, 1 },
	{ "gpus", node_gpus, 1 },
	{ "driver", node_driver, 1 },
	{ "memory", node_memory, 1 },
	{ "dlprobe_version", node_version, 0 },
};

static void heterogeneity(json_t *out, const json_t *nodes)
{
	char first[256], cur[256], text[768], name[160];
	const json_t *node, *ref = NULL;
	size_t i, k;

	for (k = 0; k < sizeof hetero_keys / sizeof hetero_keys[0]; k++) {
		json_t *who = json_array();

		ref = NULL;
		json_array_foreach(nodes, i, node) {
			if (hetero_keys[k].from_probe && !json_object_get(node, "probe"))
				continue;
			hetero_keys[k].describe(node, cur, sizeof cur);
			if (!cur[0])
				continue;
			if (!ref) {
				ref = node;
				snprintf(first, sizeof first, "%s", cur);
				continue;
			}
			if (strcmp(first, cur) != 0)
				json_array_append_new(who, json_integer(json_integer_value(json_object_get(node, "node"))));
		}
		if (json_array_size(who) == 0) {
			json_decref(who);
			continue;
		}
		node = json_array_get(nodes, (size_t)json_integer_value(json_array_get(who, 0)));
		cur[0] = '\0';
		if (node)
			hetero_keys[k].describe(node, cur, sizeof cur);
		snprintf(text, sizeof text, "%s differs between nodes: %s has \"%s\", %zu node(s) differ (first: %s \"%s\")",
			 hetero_keys[k].metric, node_name(ref, name, sizeof name), first, json_array_size(who),
			 node ? node_name(node, name, sizeof name) : "?", cur);
		add_finding(out, "heterogeneity", hetero_keys[k].metric, text, who);
	}
}

static void link_stragglers(json_t *out, const json_t *ring)
{
	const json_t *links = json_object_get(ring, "links"), *l;
	size_t n = json_array_size(links), i, m = 0;
	double *v = NULL, med;
	char text[512];

	if (n < 2)
		return;
	v = calloc(n, sizeof *v);
	if (!v)
		return;
	json_array_foreach(links, i, l) {
		double bw = json_number_value(json_object_get(json_object_get(l, "bandwidth"), "rate_gbps"));

		if (bw > 0.0)
			v[m++] = bw;
	}
	if (m >= 2) {
		med = median_of(v, m);
		json_array_foreach(links, i, l) {
			double bw = json_number_value(json_object_get(json_object_get(l, "bandwidth"), "rate_gbps"));

			if (!(bw > 0.0) || bw >= (1.0 - DLP_CLUSTER_STRAGGLER_FRACTION) * med)
				continue;
			snprintf(text, sizeof text,
				 "link node %lld -> node %lld: %.3g GB/s is %.0f%% below the median link (%.3g GB/s)",
				 (long long)json_integer_value(json_object_get(l, "from")),
				 (long long)json_integer_value(json_object_get(l, "to")), bw,
				 100.0 * (1.0 - bw / med), med);
			add_finding(out, "straggler", "link_bandwidth", text,
				    json_pack("[OO]", json_object_get(l, "from"), json_object_get(l, "to")));
		}
	}
	free(v);
}

json_t *dlp_cluster_findings(const json_t *cluster)
{
	const json_t *nodes = json_object_get(cluster, "nodes");
	json_t *out = json_array();

	stragglers(out, nodes, "gemm_fp32", "GFLOP/s", dlp_cluster_node_gemm_gflops);
	stragglers(out, nodes, "stream_triad", "GB/s", dlp_cluster_node_stream_gbps);
	link_stragglers(out, json_object_get(json_object_get(cluster, "interconnect"), "ring"));
	heterogeneity(out, nodes);
	return out;
}
