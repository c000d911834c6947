/* cluster/: what dlprobe-cluster measures across nodes, the parts that need
 * no MPI (collective arithmetic, findings). They live in libdlprobe.a so the
 * unit tests reach them; the MPI side is cluster/mpi/, built only with mpicc
 * into dlprobe-cluster, so plain dlprobe never depends on MPI. */
#ifndef DLPROBE_CLUSTER_CLUSTER_H
#define DLPROBE_CLUSTER_CLUSTER_H

#include <stddef.h>
#include <jansson.h>

#include "dlprobe/dlprobe.h"

/* The collectives nccl-tests measures, in its conventions: "bytes" is the
 * whole buffer (all-gather: what every rank ends with; reduce-scatter: what
 * every rank starts with; all-to-all: every rank's send buffer). */
typedef enum dlp_coll {
	DLP_COLL_ALLREDUCE,
	DLP_COLL_ALLGATHER,
	DLP_COLL_REDUCESCATTER,
	DLP_COLL_ALLTOALL,
	DLP_COLL_COUNT,
} dlp_coll;

typedef struct dlp_coll_desc {
	const char *name;       /* the result's "kernel" */
	double bus_mul;         /* busbw = algbw * bus_mul * (n - 1) / n */
	int chunked;            /* the buffer splits into n equal chunks */
} dlp_coll_desc;

extern const dlp_coll_desc dlp_coll_table[DLP_COLL_COUNT];

/* Index of a collective by name, -1 when unknown. */
int dlp_coll_find(const char *name);
/* The nccl-tests bus-bandwidth factor for n ranks (0 for n < 2). */
double dlp_coll_busbw_factor(dlp_coll c, int nranks);
/* The bytes really moved for a requested size: chunked collectives round down
 * to n equal chunks of whole elements; 0 when the size is too small. */
size_t dlp_coll_bytes(dlp_coll c, size_t bytes, int nranks, size_t elem);
/* algbw_gbps, busbw_gbps, busbw_factor and latency_s on a result whose
 * statistics are set (dlp_result_set_stats); nothing when it has none. */
void dlp_coll_result_set_bw(json_t *r, dlp_coll c, size_t bytes, int nranks);

/* A node is a straggler when its figure is this far below the median. */
#define DLP_CLUSTER_STRAGGLER_FRACTION 0.10

/* Findings over a cluster section: stragglers (GEMM, STREAM, outgoing ring
 * link more than DLP_CLUSTER_STRAGGLER_FRACTION below the median, named) and
 * heterogeneity (CPU model, GPU count and model, driver, memory, dlprobe
 * version differing between nodes). Returns a new array. */
json_t *dlp_cluster_findings(const json_t *cluster);

/* Per-node figures the findings and the estimator read (-1 when absent):
 * best own fp32 GEMM, best STREAM triad, effective memory. */
double dlp_cluster_node_gemm_gflops(const json_t *node);
double dlp_cluster_node_stream_gbps(const json_t *node);

#endif
