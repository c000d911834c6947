/* The cost of a data-parallel gradient all-reduce, shared by the estimator
 * (catalog and bench profiles, --nodes) and the cluster documents measured
 * over MPI: one function, so both price a collective the same way. */
#ifndef DLP_ESTIMATOR_ALLREDUCE_H
#define DLP_ESTIMATOR_ALLREDUCE_H

/* One level of the fabric as a collective sees it. busbw is nccl-tests'
 * "bus bandwidth" (PERFORMANCE.md): the per-rank rate at which a ring moves
 * data, so that an all-reduce of S bytes over n ranks takes
 * 2 (n - 1) / n * S / busbw. latency is the cost of one ring step. */
typedef struct dlp_link {
	double busbw_bytes_s;
	double latency_s;
} dlp_link;

typedef struct dlp_allreduce {
	int ranks_per_node;   /* >= 1 */
	int nodes;            /* >= 1 */
	dlp_link intra;       /* inside a node (NVLink/NVSwitch, or PCIe) */
	dlp_link inter;       /* between nodes, per rank: the node's network / ranks_per_node */
	double bucket_bytes;  /* gradients are reduced in buckets of this size (0: one message) */
} dlp_allreduce;

/* Seconds to all-reduce bytes; 0 for one rank. Hierarchical when nodes > 1:
 * reduce-scatter inside each node, all-reduce of each rank's 1/g shard
 * across nodes by tree (ring bandwidth, log2 latency; the g shards travel in
 * parallel, one per rank's share of the network), all-gather inside the node. Every bucket pays the ring's
 * latency. Returns -1 (and sets the error) on a configuration that is not
 * one: non-positive ranks, nodes or bandwidth. */
double dlp_allreduce_seconds(const dlp_allreduce *a, double bytes);

/* Seconds of the last bucket's all-reduce: a bucket is reduced as soon as
 * the backward pass has produced its gradients, so all but the last can hide
 * behind the backward pass; the last one is the tail nothing overlaps. */
double dlp_allreduce_tail_seconds(const dlp_allreduce *a, double bytes);

#endif
