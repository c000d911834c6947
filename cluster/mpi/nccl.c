/* GPU collectives through NCCL, loaded at run time (dlopen, no link-time
 * dependency; DLPROBE_LIBNCCL overrides "libnccl.so.2" so the tests load a
 * fake). Each node leader drives all of its GPUs: one communicator across
 * the node's GPUs (ncclCommInitAll) and one across every GPU of every node
 * (ncclCommInitRank, the unique id made by node 0 and broadcast over MPI).
 * All-reduce, fp32 sum, in place, verified before timing; times are host
 * wall time to the end of the slowest GPU, max over leaders. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/mpi/mpi_cluster.h"
#include "dlprobe/json.h"
#include "kernels/harness.h"
#include "probe/cuda_driver.h"

#define NCCL_LIB_ENV "DLPROBE_LIBNCCL"
#define NCCL_LIB_DEFAULT "libnccl.so.2"
#define NCCL_ID_BYTES 128          /* NCCL_UNIQUE_ID_BYTES */
#define NCCL_FLOAT32 7             /* ncclFloat32 */
#define NCCL_SUM 0                 /* ncclSum */
#define NCCL_MAX_GPUS 64           /* per node */

typedef struct { char internal[NCCL_ID_BYTES]; } nccl_id;
typedef struct nccl_comm_st *nccl_comm;

typedef struct nccl_api {
	void *handle;
	int (*GetVersion)(int *);
	int (*GetUniqueId)(nccl_id *);
	int (*CommInitRank)(nccl_comm *, int, nccl_id, int);
	int (*CommInitAll)(nccl_comm *, int, const int *);
	int (*CommDestroy)(nccl_comm);
	int (*AllReduce)(const void *, void *, size_t, int, int, nccl_comm, void *);
	int (*GroupStart)(void);
	int (*GroupEnd)(void);
	const char *(*GetErrorString)(int);
} nccl_api;

static const struct { const char *name; size_t off; } nccl_syms[] = {
	{ "ncclGetVersion", offsetof(nccl_api, GetVersion) },
	{ "ncclGetUniqueId", offsetof(nccl_api, GetUniqueId) },
	{ "ncclCommInitRank", offsetof(nccl_api, CommInitRank) },
	{ "ncclCommInitAll", offsetof(nccl_api, CommInitAll) },
	{ "ncclCommDestroy", offsetof(nccl_api, CommDestroy) },
	{ "ncclAllReduce", offsetof(nccl_api, AllReduce) },
	{ "ncclGroupStart", offsetof(nccl_api, GroupStart) },
	{ "ncclGroupEnd", offsetof(nccl_api, GroupEnd) },
	{ "ncclGetErrorString", offsetof(nccl_api, GetErrorString) },
};

static int nccl_load(nccl_api *a)
{
	const char *path = getenv(NCCL_LIB_ENV);
	size_t i;

	memset(a, 0, sizeof *a);
	if (!path || !*path)
		path = NCCL_LIB_DEFAULT;
	a->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!a->handle)
		return dlp_error_set("cannot load NCCL (%s)", dlerror());
	for (i = 0; i < sizeof nccl_syms / sizeof nccl_syms[0]; i++) {
		void *f = dlsym(a->handle, nccl_syms[i].name);

		if (!f) {
			dlclose(a->handle);
			a->handle = NULL;
			return dlp_error_set("%s lacks %s", path, nccl_syms[i].name);
		}
		memcpy((char *)a + nccl_syms[i].off, &f, sizeof f);
	}
	return 0;
}

/* This leader's GPUs: driver, contexts, one buffer each. */
typedef struct gpus {
	dlp_cuda_api cu;
	int n;
	dlp_cu_context ctx[NCCL_MAX_GPUS];
	dlp_cu_deviceptr buf[NCCL_MAX_GPUS];
	nccl_comm comm[NCCL_MAX_GPUS];
	char name[128];
} gpus;

static int gpus_open(gpus *g, size_t bytes)
{
	int i, n = 0;
	dlp_cu_device d;

	memset(g, 0, sizeof *g);
	if (dlp_cuda_load(&g->cu) != 0)
		return -1;
	if (g->cu.cuInit(0) != 0 || g->cu.cuDeviceGetCount(&n) != 0 || n < 1)
		return dlp_error_set("no CUDA device");
	if (!g->cu.cuCtxCreate || !g->cu.cuMemAlloc || !g->cu.cuCtxSetCurrent || !g->cu.cuCtxSynchronize ||
	    !g->cu.cuMemcpyHtoD || !g->cu.cuMemcpyDtoH)
		return dlp_error_set("the CUDA driver lacks what NCCL buffers need");
	g->n = n < NCCL_MAX_GPUS ? n : NCCL_MAX_GPUS;
	for (i = 0; i < g->n; i++) {
		if (g->cu.cuDeviceGet(&d, i) != 0 || g->cu.cuCtxCreate(&g->ctx[i], 0, d) != 0 ||
		    g->cu.cuMemAlloc(&g->buf[i], bytes) != 0)
			return dlp_error_set("GPU %d: no context or no %zu-byte buffer", i, bytes);
		if (i == 0)
			g->cu.cuDeviceGetName(g->name, (int)sizeof g->name, d);
	}
	return 0;
}

static void gpus_close(gpus *g, const nccl_api *a)
{
	int i;

	for (i = 0; i < g->n; i++) {
		if (g->comm[i] && a->CommDestroy)
			a->CommDestroy(g->comm[i]);
		g->comm[i] = NULL;
		if (g->ctx[i]) {
			g->cu.cuCtxSetCurrent(g->ctx[i]);
			if (g->buf[i])
				g->cu.cuMemFree(g->buf[i]);
			g->cu.cuCtxDestroy(g->ctx[i]);
		}
	}
	if (g->cu.handle)
		dlp_cuda_unload(&g->cu);
	memset(g->ctx, 0, sizeof g->ctx);
}

/* One all-reduce over every local GPU, to the end of the slowest. */
static int allreduce_once(gpus *g, const nccl_api *a, size_t count)
{
	int i, rc = 0;

	a->GroupStart();
	for (i = 0; i < g->n; i++) {
		g->cu.cuCtxSetCurrent(g->ctx[i]);
		rc |= a->AllReduce((void *)(uintptr_t)g->buf[i], (void *)(uintptr_t)g->buf[i], count,
				   NCCL_FLOAT32, NCCL_SUM, g->comm[i], NULL);
	}
	rc |= a->GroupEnd();
	for (i = 0; i < g->n; i++) {
		g->cu.cuCtxSetCurrent(g->ctx[i]);
		rc |= g->cu.cuCtxSynchronize();
	}
	return rc;
}

/* Ones everywhere: the sum is the number of GPUs, exact in fp32. */
static int check_sum(gpus *g, size_t count, float *host, int total)
{
	int i;
	size_t j;

	for (i = 0; i < g->n; i++) {
		g->cu.cuCtxSetCurrent(g->ctx[i]);
		if (g->cu.cuMemcpyDtoH(host, g->buf[i], count * sizeof(float)) != 0)
			return -1;
		for (j = 0; j < count; j++)
			if (host[j] != (float)total)
				return -1;
	}
	return 0;
}

static int fill_ones(gpus *g, size_t count, float *host)
{
	int i, rc = 0;
	size_t j;

	for (j = 0; j < count; j++)
		host[j] = 1.0f;
	for (i = 0; i < g->n; i++) {
		g->cu.cuCtxSetCurrent(g->ctx[i]);
		rc |= g->cu.cuMemcpyHtoD(g->buf[i], host, count * sizeof(float));
	}
	return rc;
}

/* The sweep over comm (the participating leaders); the same shape as the
 * MPI sweep: agreement on counts in one reduction, every sample kept. */
static json_t *sweep(MPI_Comm comm, gpus *g, const nccl_api *a, int total, const dlp_sweep_opts *o,
		     float *host, double *samples, double *maxed, double deadline)
{
	int rank, i, nsamp, stop = 0;
	size_t bytes;
	json_t *results = NULL;
	double mine[3], agree[3], t0;

	MPI_Comm_rank(comm, &rank);
	if (rank == 0)
		results = json_array();
	for (bytes = o->min_bytes; bytes <= o->max_bytes && !stop; bytes *= 2) {
		size_t count = bytes / sizeof(float);
		json_t *r = rank == 0 ? dlp_result_new("allreduce", "nccl", "fp32") : NULL;
		dlp_stats st = { 0 };

		if (count == 0)
			continue;
		mine[1] = fill_ones(g, count, host) != 0 || allreduce_once(g, a, count) != 0 ||
			  check_sum(g, count, host, total) != 0;
		t0 = 0.0;
		for (i = 0; i < o->warmups; i++) {
			t0 = MPI_Wtime();
			mine[1] += allreduce_once(g, a, count) != 0;
			t0 = MPI_Wtime() - t0;
		}
		mine[0] = t0;
		mine[2] = -(deadline - MPI_Wtime());
		MPI_Allreduce(mine, agree, 3, MPI_DOUBLE, MPI_MAX, comm);
		nsamp = agree[0] > 0.0 ? (int)(o->budget_s / agree[0]) : o->max_samples;
		nsamp = nsamp < o->min_samples ? o->min_samples : nsamp > o->max_samples ? o->max_samples : nsamp;
		if (agree[1] != 0.0 || (double)nsamp * agree[0] > -agree[2]) {
			stop = 1;
			if (r) {
				json_object_set_new(r, "bytes", json_integer((json_int_t)bytes));
				json_object_set_new(r, "ranks", json_integer(total));
				dlp_result_fail(r, agree[1] != 0.0 ? DLP_STATUS_ERROR : DLP_STATUS_SKIPPED,
						agree[1] != 0.0 ? "NCCL failed or the sum was wrong on some GPU" :
								  "the --timeout deadline was near");
				json_array_append_new(results, r);
			}
			break;
		}
		for (i = 0; i < nsamp; i++) {
			t0 = MPI_Wtime();
			allreduce_once(g, a, count);
			samples[i] = MPI_Wtime() - t0;
		}
		MPI_Reduce(samples, maxed, nsamp, MPI_DOUBLE, MPI_MAX, 0, comm);
		stop = agree[0] > o->max_call_s;
		if (!r)
			continue;
		json_object_set_new(r, "bytes", json_integer((json_int_t)bytes));
		json_object_set_new(r, "ranks", json_integer(total));
		st.samples_s = maxed;
		st.n = (size_t)nsamp;
		if (dlp_stats_compute(&st) == 0) {
			dlp_result_set_stats(r, &st, "rate_gbps", (double)bytes / 1e9);
			json_object_set_new(r, "verified", json_true());
			dlp_coll_result_set_bw(r, DLP_COLL_ALLREDUCE, bytes, total);
		} else {
			dlp_result_fail(r, DLP_STATUS_ERROR, dlp_error_message());
		}
		json_array_append_new(results, r);
	}
	return results;
}

static json_t *section(dlp_status st, const char *why)
{
	json_t *s = json_object();

	dlp_json_set_status(s, st, why);
	return s;
}

json_t *dlp_mpi_nccl(MPI_Comm world, MPI_Comm leaders, int is_leader, const dlp_sweep_opts *o,
		     double deadline)
{
	nccl_api a = { 0 };
	gpus *g = NULL;
	int wrank, lrank = -1, ngpu = 0, base = 0, total = 0, ok = 0, allok = 0, version = 0, rc;
	int nleaders = 0;
	MPI_Comm gcomm = MPI_COMM_NULL;
	nccl_id id;
	float *host = NULL;
	double *samples = NULL, *maxed = NULL;
	json_t *out = NULL, *intra = NULL, *inter = NULL;
	char why[512] = "";

	MPI_Comm_rank(world, &wrank);
	if (!is_leader)
		return NULL;
	MPI_Comm_rank(leaders, &lrank);
	MPI_Comm_size(leaders, &nleaders);
	g = calloc(1, sizeof *g);
	host = malloc(o->max_bytes);
	samples = calloc((size_t)o->max_samples, sizeof *samples);
	maxed = calloc((size_t)o->max_samples, sizeof *maxed);
	if (!g || !host || !samples || !maxed) {
		snprintf(why, sizeof why, "out of memory");
	} else if (nccl_load(&a) != 0 || gpus_open(g, o->max_bytes) != 0) {
		snprintf(why, sizeof why, "%s", dlp_error_message());
	} else {
		a.GetVersion(&version);
		ngpu = g->n;
		ok = 1;
	}
	if (!ok)
		ngpu = 0;
	/* every leader learns whether all can take part and where its GPUs start */
	MPI_Allreduce(&ok, &allok, 1, MPI_INT, MPI_MIN, leaders);
	MPI_Exscan(&ngpu, &base, 1, MPI_INT, MPI_SUM, leaders);
	if (lrank == 0)
		base = 0;
	MPI_Allreduce(&ngpu, &total, 1, MPI_INT, MPI_SUM, leaders);
	if (!allok) {
		if (lrank == 0)
			out = section(DLP_STATUS_UNAVAILABLE, why[0] ? why : "some node has no GPU or no NCCL");
		goto out;
	}
	if (lrank == 0)
		out = json_object();

	/* inside each node: every leader alone with its GPUs */
	rc = g->n > 1 ? a.CommInitAll(g->comm, g->n, NULL) : -1;
	MPI_Comm_split(leaders, lrank, 0, &gcomm);
	if (g->n > 1 && rc == 0)
		intra = sweep(gcomm, g, &a, g->n, o, host, samples, maxed, deadline);
	MPI_Comm_free(&gcomm);
	for (rc = 0; rc < g->n; rc++) {
		if (g->comm[rc])
			a.CommDestroy(g->comm[rc]);
		g->comm[rc] = NULL;
	}

	/* across nodes: one communicator over every GPU */
	if (lrank == 0)
		a.GetUniqueId(&id);
	MPI_Bcast(&id, (int)sizeof id, MPI_BYTE, 0, leaders);
	a.GroupStart();
	for (rc = 0; rc < g->n; rc++) {
		g->cu.cuCtxSetCurrent(g->ctx[rc]);
		a.CommInitRank(&g->comm[rc], total, id, base + rc);
	}
	rc = a.GroupEnd();
	if (nleaders > 1 && total > 1)
		inter = sweep(leaders, g, &a, total, o, host, samples, maxed, deadline);
	if (lrank == 0) {
		json_object_set_new(out, "impl", json_string("nccl"));
		json_object_set_new(out, "nccl_version", json_integer(version));
		json_object_set_new(out, "gpus", json_integer(total));
		json_object_set_new(out, "gpus_node0", json_integer(g->n));
		json_object_set_new(out, "gpu_model_node0", json_string(g->name));
		json_object_set_new(out, "intra_node", intra ? json_pack("{s:s,s:n,s:o}", "status", "ok", "reason", "results", intra) :
			json_pack("{s:s,s:s}", "status", "skipped", "reason", "node 0 has one GPU"));
		json_object_set_new(out, "inter_node", inter ? json_pack("{s:s,s:n,s:o}", "status", "ok", "reason", "results", inter) :
			json_pack("{s:s,s:s}", "status", "skipped", "reason", "one node"));
		intra = inter = NULL;
		dlp_json_set_status(out, DLP_STATUS_OK, NULL);
	}
out:
	json_decref(intra);
	json_decref(inter);
	if (g)
		gpus_close(g, &a);
	if (a.handle)
		dlclose(a.handle);
	free(g);
	free(host);
	free(samples);
	free(maxed);
	return lrank == 0 ? out : (json_decref(out), NULL);
}
