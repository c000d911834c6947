/* Collectives measured the nccl-tests way: in place, fp32 sum, message sizes
 * doubling from min to max, untimed warm-ups, every sample kept. Each sample
 * is the slowest rank's time for that call (a collective is done when its
 * last rank is), gathered with MPI_Reduce(MAX). Every size is verified on
 * every rank before its time counts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster/mpi/mpi_cluster.h"
#include "dlprobe/json.h"
#include "kernels/harness.h"

int dlp_mpi_wait(MPI_Request *req, double deadline)
{
	struct timespec nap = { 0, 200000 };
	int done = 0, spins = 0;

	for (;;) {
		MPI_Test(req, &done, MPI_STATUS_IGNORE);
		if (done)
			return 0;
		if (MPI_Wtime() > deadline)
			return -1;
		/* spin first (a fast peer), then yield the core to the ones we wait on */
		if (++spins > 1000)
			nanosleep(&nap, NULL);
	}
}

/* Distinct, exactly representable values: a wrong chunk or a missed rank shows. */
static float pattern(int rank, size_t i)
{
	return (float)(rank + 1) + (float)(i % 7);
}

static void fill(dlp_coll c, float *buf, size_t count, int rank, int n)
{
	size_t i, chunk = count / (size_t)n;

	switch (c) {
	case DLP_COLL_ALLGATHER:
		for (i = 0; i < count; i++)
			buf[i] = (i / chunk == (size_t)rank) ? pattern(rank, i) : -1.0f;
		break;
	case DLP_COLL_ALLTOALL:
		/* block j goes to rank j: encode sender and destination */
		for (i = 0; i < count; i++)
			buf[i] = (float)(rank * n + (int)(i / chunk) + 1);
		break;
	default:
		for (i = 0; i < count; i++)
			buf[i] = pattern(rank, i);
	}
}

static int verify(dlp_coll c, const float *buf, size_t count, int rank, int n)
{
	size_t i, chunk = count / (size_t)n;
	float tri = (float)n * (float)(n + 1) / 2.0f;

	switch (c) {
	case DLP_COLL_ALLREDUCE:
		for (i = 0; i < count; i++)
			if (buf[i] != tri + (float)n * (float)(i % 7))
				return -1;
		return 0;
	case DLP_COLL_ALLGATHER:
		for (i = 0; i < count; i++)
			if (buf[i] != pattern((int)(i / chunk), i))
				return -1;
		return 0;
	case DLP_COLL_REDUCESCATTER:
		for (i = 0; i < chunk; i++)
			if (buf[i] != tri + (float)n * (float)(((size_t)rank * chunk + i) % 7))
				return -1;
		return 0;
	case DLP_COLL_ALLTOALL:
		for (i = 0; i < count; i++)
			if (buf[i] != (float)((int)(i / chunk) * n + rank + 1))
				return -1;
		return 0;
	default:
		return -1;
	}
}

static int call(dlp_coll c, float *buf, size_t count, int n, MPI_Comm comm)
{
	int chunk = (int)(count / (size_t)n);

	switch (c) {
	case DLP_COLL_ALLREDUCE:
		return MPI_Allreduce(MPI_IN_PLACE, buf, (int)count, MPI_FLOAT, MPI_SUM, comm);
	case DLP_COLL_ALLGATHER:
		return MPI_Allgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, chunk, MPI_FLOAT, comm);
	case DLP_COLL_REDUCESCATTER:
		return MPI_Reduce_scatter_block(MPI_IN_PLACE, buf, chunk, MPI_FLOAT, MPI_SUM, comm);
	case DLP_COLL_ALLTOALL:
		return MPI_Alltoall(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, chunk, MPI_FLOAT, comm);
	default:
		return MPI_ERR_OP;
	}
}

static void skip(json_t *r, const char *why)
{
	dlp_result_fail(r, DLP_STATUS_SKIPPED, why);
}

/* One size of one collective; appends its result (rank 0). Returns 1 when
 * the sweep of this collective should stop (too slow, deadline). */
static int measure_size(MPI_Comm comm, dlp_coll c, size_t bytes, float *buf, double *samples,
			double *maxed, const dlp_sweep_opts *o, double deadline, double t_start,
			int first, json_t *results, char *why, size_t whylen)
{
	int rank, n, i, nsamp, stop = 0;
	size_t count = bytes / sizeof(float);
	double agree[4], mine[4], t0;
	json_t *r = dlp_result_new(dlp_coll_table[c].name, "mpi", "fp32");
	dlp_stats st = { 0 };

	MPI_Comm_rank(comm, &rank);
	MPI_Comm_size(comm, &n);
	json_object_set_new(r, "bytes", json_integer((json_int_t)bytes));
	json_object_set_new(r, "ranks", json_integer(n));
	fill(c, buf, count, rank, n);
	mine[1] = call(c, buf, count, n, comm) != MPI_SUCCESS || verify(c, buf, count, rank, n) != 0;
	/* reductions grow the data call after call: time them on zeros */
	if (c == DLP_COLL_ALLREDUCE || c == DLP_COLL_REDUCESCATTER)
		memset(buf, 0, bytes);
	t0 = 0.0;
	for (i = 0; i < o->warmups; i++) {
		t0 = MPI_Wtime();
		call(c, buf, count, n, comm);
		t0 = MPI_Wtime() - t0;
	}
	/* Every rank must run the same number of calls: agree on the slowest
	 * warm-up, any failed check, and the least time left, in one reduction. */
	mine[0] = t0;
	mine[2] = -(deadline - MPI_Wtime());
	mine[3] = MPI_Wtime() - t_start;
	MPI_Allreduce(mine, agree, 4, MPI_DOUBLE, MPI_MAX, comm);
	if (agree[1] != 0.0) {
		dlp_result_fail(r, DLP_STATUS_ERROR, "the result did not match the expected sums on some rank");
		goto out;
	}
	nsamp = agree[0] > 0.0 ? (int)(o->budget_s / agree[0]) : o->max_samples;
	if (nsamp < o->min_samples)
		nsamp = o->min_samples;
	if (nsamp > o->max_samples)
		nsamp = o->max_samples;
	/* the smallest size always runs: the bound must not leave a collective
	 * with no figure because its first call set up connections */
	if (!first && agree[3] > o->coll_budget_s) {
		snprintf(why, whylen, "not run: this collective's time bound (%.3g s) was spent", o->coll_budget_s);
		skip(r, why);
		stop = 1;
		goto out;
	}
	if ((double)nsamp * agree[0] > -agree[2]) {
		skip(r, "the --timeout deadline leaves no time for it");
		snprintf(why, whylen, "not run: the --timeout deadline was near");
		stop = 1;
		goto out;
	}
	for (i = 0; i < nsamp; i++) {
		t0 = MPI_Wtime();
		call(c, buf, count, n, comm);
		samples[i] = MPI_Wtime() - t0;
	}
	MPI_Reduce(samples, maxed, nsamp, MPI_DOUBLE, MPI_MAX, 0, comm);
	if (rank == 0) {
		st.samples_s = maxed;
		st.n = (size_t)nsamp;
		if (dlp_stats_compute(&st) == 0) {
			dlp_result_set_stats(r, &st, "rate_gbps", (double)bytes / 1e9);
			json_object_set_new(r, "verified", json_true());
			json_object_set_new(r, "warmups", json_integer(o->warmups));
			dlp_coll_result_set_bw(r, c, bytes, n);
		} else {
			dlp_result_fail(r, DLP_STATUS_ERROR, dlp_error_message());
		}
	}
	if (agree[0] > o->max_call_s) {
		snprintf(why, whylen, "not run: %zu bytes already took %.3g s a call (bound %.3g s)",
			 bytes, agree[0], o->max_call_s);
		stop = 1;
	}
out:
	if (rank == 0) {
		json_array_append_new(results, r);
	} else {
		json_decref(r);
	}
	return stop;
}

json_t *dlp_mpi_coll_sweep(MPI_Comm comm, const dlp_sweep_opts *o, double deadline)
{
	int rank, n, c, stop, first;
	size_t bytes, cap = o->max_bytes;
	float *buf = NULL;
	double *samples = NULL, *maxed = NULL, t_start;
	json_t *sec = NULL, *results = NULL;
	char why[200];

	MPI_Comm_rank(comm, &rank);
	MPI_Comm_size(comm, &n);
	if (rank == 0) {
		sec = json_object();
		results = json_array();
		json_object_set_new(sec, "impl", json_string("mpi"));
		json_object_set_new(sec, "ranks", json_integer(n));
		json_object_set_new(sec, "results", results);
	}
	if (n < 2) {
		if (sec)
			dlp_json_set_status(sec, DLP_STATUS_SKIPPED, "one rank: no collective to measure");
		goto out;
	}
	/* plain malloc, as an application's buffer: on this machine a page-aligned
	 * one ran Open MPI's shared-memory all-reduce up to 30% slower (4K
	 * aliasing between it and the transport's fragments, we think) */
	buf = malloc(cap);
	samples = calloc((size_t)o->max_samples, sizeof *samples);
	maxed = calloc((size_t)o->max_samples, sizeof *maxed);
	if (!buf || !samples || !maxed) {
		/* a rank short of memory cannot leave the others waiting in the sweep */
		MPI_Abort(MPI_COMM_WORLD, DLP_EXIT_RUNTIME);
	}
	memset(buf, 0, cap);
	/* Open MPI connects pairs lazily: one all-to-all opens every connection,
	 * so the first collective's time bound is not spent setting them up */
	MPI_Alltoall(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, 1, MPI_FLOAT, comm);
	for (c = 0; c < DLP_COLL_COUNT; c++) {
		if (!(o->coll_mask & (1u << c)))
			continue;
		stop = 0;
		first = 1;
		t_start = MPI_Wtime();
		for (bytes = o->min_bytes; bytes <= cap; bytes *= 2) {
			size_t real = dlp_coll_bytes((dlp_coll)c, bytes, n, sizeof(float));

			if (real == 0)
				continue; /* under one element per rank */
			if (stop) {
				if (rank == 0) {
					json_t *r = dlp_result_new(dlp_coll_table[c].name, "mpi", "fp32");

					json_object_set_new(r, "bytes", json_integer((json_int_t)real));
					json_object_set_new(r, "ranks", json_integer(n));
					skip(r, why);
					json_array_append_new(results, r);
				}
				continue;
			}
			stop = measure_size(comm, (dlp_coll)c, real, buf, samples, maxed, o, deadline, t_start,
					    first, results, why, sizeof why);
			first = 0;
		}
	}
	if (sec)
		dlp_json_set_status(sec, DLP_STATUS_OK, NULL);
out:
	free(buf);
	free(samples);
	free(maxed);
	return sec;
}
