/* A cluster document (dlprobe-cluster, docs/json.md "cluster") as hardware
 * for the estimator: data-parallel training over every measured node, the
 * gradient all-reduce hierarchical (inside nodes, then across them) at the
 * bus bandwidths dlprobe-cluster measured, and the same workload on one node
 * for the scaling efficiency. Pure computation on the document. */
#ifndef DLPROBE_ESTIMATOR_CLUSTER_H
#define DLPROBE_ESTIMATOR_CLUSTER_H

#include <jansson.h>

#include "estimator/estimator.h"

typedef struct dlp_cluster_hw {
	dlp_profile all;            /* nodes x per_node devices, effective all-reduce */
	dlp_profile one;            /* one node: the slowest measured one */
	int nodes, per_node;
	double intra_busbw_gbps;    /* all-reduce busbw inside a node, 0 unknown */
	double inter_busbw_gbps;    /* across nodes, 0 unknown (one node) */
	json_t *info;               /* figures read, their sources, flags */
} dlp_cluster_hw;

/* 1 when doc is a cluster document (it has a "cluster" section). */
int dlp_doc_is_cluster(const json_t *doc);
/* Read a cluster document. 0, or -1 with a message naming label. */
int dlp_cluster_hw_from_doc(const json_t *doc, const char *label, dlp_cluster_hw *c);
void dlp_cluster_hw_free(dlp_cluster_hw *c);

/* The hierarchical all-reduce as one ring-equivalent bus bandwidth over
 * nodes x per_node devices (what estimator/deep.c's ring term takes), GB/s;
 * 0 when a needed figure is unknown. */
double dlp_cluster_allreduce_gbps(int nodes, int per_node, double intra_gbps, double inter_gbps);

/* Scaling of the deep estimate against one node: {"nodes", "devices",
 * "one_node_train_s", "cluster_train_s", "speedup", "scaling_efficiency",
 * ...}; null when there is no deep model. NULL with a message on failure. */
json_t *dlp_cluster_scaling(const dlp_cluster_hw *c, const dlp_model *m, const dlp_dataset *ds,
			    const dlp_train *t);

#endif
