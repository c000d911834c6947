/* Point-to-point around the ring of nodes, one link at a time (a barrier
 * between links, so a link is measured alone): latency from an 8-byte
 * ping-pong (half the round trip), bandwidth from a ping-pong of
 * ring_bytes each way (bytes over half the round trip), OSU style. The
 * sender of each link keeps the samples; rank 0 gathers them, linear in
 * the number of nodes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/mpi/mpi_cluster.h"
#include "dlprobe/json.h"
#include "kernels/harness.h"

enum { TAG_PING = 101, TAG_PONG, LAT_BYTES = 8 };

static void pingpong(MPI_Comm comm, int peer, int sender, char *buf, int bytes, int iters, double *out)
{
	int i;
	double t0;

	/* one untimed exchange: connection set-up is not latency */
	for (i = -1; i < iters; i++) {
		t0 = MPI_Wtime();
		if (sender) {
			MPI_Send(buf, bytes, MPI_BYTE, peer, TAG_PING, comm);
			MPI_Recv(buf, bytes, MPI_BYTE, peer, TAG_PONG, comm, MPI_STATUS_IGNORE);
			if (i >= 0)
				out[i] = (MPI_Wtime() - t0) / 2.0;
		} else {
			MPI_Recv(buf, bytes, MPI_BYTE, peer, TAG_PING, comm, MPI_STATUS_IGNORE);
			MPI_Send(buf, bytes, MPI_BYTE, peer, TAG_PONG, comm);
		}
	}
}

static json_t *link_result(const char *kernel, const double *samples, int n, size_t bytes, const char *key)
{
	json_t *r = dlp_result_new(kernel, "mpi", NULL);
	dlp_stats st = { 0 };

	json_object_set_new(r, "bytes", json_integer((json_int_t)bytes));
	st.samples_s = (double *)samples;
	st.n = (size_t)n;
	if (dlp_stats_compute(&st) != 0) {
		dlp_result_fail(r, DLP_STATUS_ERROR, dlp_error_message());
		return r;
	}
	dlp_result_set_stats(r, &st, key, (double)bytes / 1e9);
	/* the bytes came back intact: the ping-pong is its own check */
	json_object_set_new(r, "verified", json_true());
	return r;
}

static int check_pattern(const unsigned char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (buf[i] != (unsigned char)(i * 31u + 7u))
			return -1;
	return 0;
}

json_t *dlp_mpi_ring(MPI_Comm comm, const dlp_sweep_opts *o, double deadline)
{
	int rank, n, k, L = o->ring_lat_samples, B = o->ring_bw_samples, per = L + B, bad = 0, anybad = 0;
	size_t i, bw_bytes = o->ring_bytes;
	unsigned char *buf = NULL;
	double *mine = NULL, *all = NULL;
	json_t *sec = NULL, *links, *slow = NULL;
	double slow_bw = -1.0;

	MPI_Comm_rank(comm, &rank);
	MPI_Comm_size(comm, &n);
	if (rank == 0) {
		sec = json_object();
		json_object_set_new(sec, "impl", json_string("mpi"));
		json_object_set_new(sec, "latency_bytes", json_integer(LAT_BYTES));
		json_object_set_new(sec, "bandwidth_bytes", json_integer((json_int_t)bw_bytes));
	}
	if (n < 2) {
		if (sec) {
			dlp_json_set_status(sec, DLP_STATUS_SKIPPED, "one node: no link to measure");
			json_object_set_new(sec, "links", json_array());
		}
		goto out;
	}
	buf = malloc(bw_bytes);
	mine = calloc((size_t)per, sizeof *mine);
	if (rank == 0)
		all = calloc((size_t)per * (size_t)n, sizeof *all);
	if (!buf || !mine || (rank == 0 && !all))
		MPI_Abort(MPI_COMM_WORLD, DLP_EXIT_RUNTIME);
	for (k = 0; k < n; k++) {
		int to = (k + 1) % n;

		MPI_Barrier(comm);
		if (rank != k && rank != to)
			continue;
		for (i = 0; i < bw_bytes; i++)
			buf[i] = (unsigned char)(i * 31u + 7u);
		pingpong(comm, rank == k ? to : k, rank == k, (char *)buf, LAT_BYTES, L, mine);
		pingpong(comm, rank == k ? to : k, rank == k, (char *)buf, (int)bw_bytes, B, mine + L);
		if (check_pattern(buf, bw_bytes) != 0)
			bad = 1;
	}
	(void)deadline;
	MPI_Gather(mine, per, MPI_DOUBLE, all, per, MPI_DOUBLE, 0, comm);
	MPI_Reduce(&bad, &anybad, 1, MPI_INT, MPI_MAX, 0, comm);
	if (rank != 0)
		goto out;
	links = json_array();
	for (k = 0; k < n; k++) {
		json_t *l = json_object(), *bw;

		json_object_set_new(l, "from", json_integer(k));
		json_object_set_new(l, "to", json_integer((k + 1) % n));
		json_object_set_new(l, "latency", link_result("p2p_latency", all + (size_t)k * per, L, LAT_BYTES, "latency_s"));
		bw = link_result("p2p_bandwidth", all + (size_t)k * per + L, B, bw_bytes, "rate_gbps");
		if (anybad)
			dlp_result_fail(bw, DLP_STATUS_ERROR, "bytes came back changed on some link");
		json_object_set_new(l, "bandwidth", bw);
		if (json_is_number(json_object_get(bw, "rate_gbps")) &&
		    (slow_bw < 0 || json_number_value(json_object_get(bw, "rate_gbps")) < slow_bw)) {
			slow_bw = json_number_value(json_object_get(bw, "rate_gbps"));
			slow = l;
		}
		json_array_append_new(links, l);
	}
	json_object_set_new(sec, "links", links);
	json_object_set_new(sec, "slowest_link", slow ? json_pack("{s:O,s:O,s:f}", "from", json_object_get(slow, "from"),
		"to", json_object_get(slow, "to"), "rate_gbps", slow_bw) : json_null());
	dlp_json_set_status(sec, DLP_STATUS_OK, NULL);
out:
	free(buf);
	free(mine);
	free(all);
	return sec;
}
