/* The MPI side of dlprobe-cluster (built with mpicc, never part of
 * libdlprobe.a). Library rules hold here too: no printing, no exiting;
 * errors are return codes with dlp_error_set() messages. */
#ifndef DLPROBE_CLUSTER_MPI_CLUSTER_H
#define DLPROBE_CLUSTER_MPI_CLUSTER_H

#include <stddef.h>
#include <mpi.h>
#include <jansson.h>

#include "cluster/cluster.h"

/* The message-size sweep of the collectives. */
typedef struct dlp_sweep_opts {
	size_t min_bytes, max_bytes;   /* powers of two from min to max */
	unsigned coll_mask;            /* 1u << dlp_coll */
	int warmups;                   /* untimed calls before timing */
	double budget_s;               /* timing budget per size */
	int min_samples, max_samples;
	double max_call_s;             /* a call slower than this ends the sweep */
	double coll_budget_s;          /* one collective's whole sweep, one scope */
	size_t ring_bytes;             /* point-to-point bandwidth message */
	int ring_lat_samples, ring_bw_samples;
} dlp_sweep_opts;

/* Everything dlprobe-cluster was asked to do. */
typedef struct dlp_cluster_opts {
	int full;                      /* bench --full and longer sweeps */
	int no_bench;                  /* probe only on each node */
	const char *backend;           /* bench backends ("all") */
	int simulate_nodes;            /* every rank is its own node (one machine) */
	double timeout_s;              /* deadline for the whole run */
	int no_nccl;
	dlp_sweep_opts sweep;
	/* Progress for the front end (rank 0 only). */
	void (*progress)(void *user, const char *what);
} dlp_cluster_opts;

void dlp_cluster_opts_default(dlp_cluster_opts *o);
/* --full: bench --full on each node and the long sweep; the message
 * sizes and collectives asked for stay. */
void dlp_cluster_opts_full(dlp_cluster_opts *o);

/* Outcome of a run on this rank. */
typedef enum dlp_cluster_outcome {
	DLP_CLUSTER_DONE,        /* every node reported */
	DLP_CLUSTER_DEGRADED,    /* the document is written; a node failed */
	DLP_CLUSTER_INCOMPLETE,  /* a deadline passed; nodes are missing */
	DLP_CLUSTER_REFUSED,     /* nothing measured (versions differ, MPI error) */
} dlp_cluster_outcome;

/* Runs on every rank. On world rank 0 *doc receives the cluster document
 * (also when DEGRADED or INCOMPLETE); elsewhere it stays NULL. -1 (message
 * set) only when this rank could not take part at all. */
int dlp_cluster_run(const dlp_cluster_opts *o, json_t **doc, dlp_cluster_outcome *outcome);

/* Wait for req until the absolute MPI_Wtime() deadline: 0 done, -1 late. */
int dlp_mpi_wait(MPI_Request *req, double deadline);

/* The collective sweep over comm (every rank of comm calls it). On comm's
 * rank 0 returns {"status","reason","ranks","impl","results":[...]}; NULL
 * elsewhere. A deadline that passes mid-sweep marks the rest skipped. */
json_t *dlp_mpi_coll_sweep(MPI_Comm comm, const dlp_sweep_opts *o, double deadline);

/* Point-to-point around the ring of comm's ranks: latency and bandwidth of
 * every link rank i -> i+1, one link at a time. On rank 0 {"status",
 * "reason","links":[...],"slowest_link"}; NULL elsewhere. It runs after a
 * deadline-fenced barrier and has no deadline of its own. */
json_t *dlp_mpi_ring(MPI_Comm comm, const dlp_sweep_opts *o, double deadline);

/* GPU collectives through NCCL loaded at run time (DLPROBE_LIBNCCL
 * overrides "libnccl.so.2"). Every rank of world calls it; leaders with
 * GPUs take part. On world rank 0 the "gpu" section; NULL elsewhere. */
json_t *dlp_mpi_nccl(MPI_Comm world, MPI_Comm leaders, int is_leader, const dlp_sweep_opts *o,
		     double deadline);

#endif
