/* Data-parallel all-reduce cost (estimator/allreduce.h): the ring and
 * hierarchical algorithms NCCL uses, priced from bus bandwidth and per-step
 * latency, message by message as frameworks bucket their gradients
 * (PyTorch DDP: 25 MiB buckets, reduced as the backward pass fills them). */
#include <math.h>

#include "dlprobe/dlprobe.h"
#include "estimator/allreduce.h"

/* A ring over n ranks: 2 (n - 1) steps, each moving bytes / n. */
static double ring(const dlp_link *l, int n, double bytes)
{
	if (n <= 1)
		return 0;
	return 2.0 * (n - 1) * l->latency_s + 2.0 * (n - 1) / n * bytes / l->busbw_bytes_s;
}

/* Reduce-scatter (or all-gather) inside a node: half a ring. */
static double half_ring(const dlp_link *l, int n, double bytes)
{
	if (n <= 1)
		return 0;
	return (n - 1) * l->latency_s + (double)(n - 1) / n * bytes / l->busbw_bytes_s;
}

static int valid(const dlp_allreduce *a)
{
	if (a->ranks_per_node < 1 || a->nodes < 1)
		return dlp_error_set("all-reduce over %d rank(s) per node and %d node(s)", a->ranks_per_node,
				     a->nodes);
	if (a->ranks_per_node > 1 && !(a->intra.busbw_bytes_s > 0))
		return dlp_error_set("all-reduce inside a node needs a positive bandwidth");
	if (a->nodes > 1 && !(a->inter.busbw_bytes_s > 0))
		return dlp_error_set("all-reduce across nodes needs a positive network bandwidth");
	if (!(a->intra.latency_s >= 0) || !(a->inter.latency_s >= 0) || !(a->bucket_bytes >= 0))
		return dlp_error_set("all-reduce latency and bucket size must be non-negative");
	return 0;
}

/* Across nodes NCCL runs double binary trees: ring bandwidth, but a
 * latency of 2 log2(n) steps instead of 2 (n - 1) (NCCL 2.4 release notes,
 * "Massively Scale Your Deep Learning Training with NCCL 2.4"). */
static double tree(const dlp_link *l, int n, double bytes)
{
	if (n <= 1)
		return 0;
	return 2.0 * ceil(log2((double)n)) * l->latency_s + 2.0 * (n - 1) / n * bytes / l->busbw_bytes_s;
}

/* One message of bytes. */
static double message(const dlp_allreduce *a, double bytes)
{
	int g = a->ranks_per_node, n = a->nodes;

	if (n == 1)
		return ring(&a->intra, g, bytes);
	return half_ring(&a->intra, g, bytes) + tree(&a->inter, n, bytes / g) + half_ring(&a->intra, g, bytes);
}

double dlp_allreduce_seconds(const dlp_allreduce *a, double bytes)
{
	double buckets, full;

	if (valid(a))
		return -1;
	if (!(bytes > 0) || a->ranks_per_node * (double)a->nodes <= 1)
		return 0;
	if (!(a->bucket_bytes > 0) || bytes <= a->bucket_bytes)
		return message(a, bytes);
	buckets = floor(bytes / a->bucket_bytes);
	full = buckets * message(a, a->bucket_bytes);
	return full + (bytes > buckets * a->bucket_bytes ? message(a, bytes - buckets * a->bucket_bytes) : 0);
}

double dlp_allreduce_tail_seconds(const dlp_allreduce *a, double bytes)
{
	if (valid(a))
		return -1;
	if (!(bytes > 0) || a->ranks_per_node * (double)a->nodes <= 1)
		return 0;
	return message(a, a->bucket_bytes > 0 && bytes > a->bucket_bytes ? a->bucket_bytes : bytes);
}
