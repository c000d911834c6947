/* One dlprobe-cluster run, on every rank:
 *   1. roster: every rank's dlprobe version and host, gathered to rank 0,
 *      which refuses the run when versions differ;
 *   2. interconnect: collectives inside each node (ranks sharing memory,
 *      MPI_Comm_split_type) and across nodes (one leader rank per node),
 *      the point-to-point ring, and NCCL where nodes have GPUs;
 *   3. node step: each leader runs the library's probe and bench while the
 *      node's other ranks wait (benches never overlap on a node);
 *   4. gather: leaders send their node document to rank 0, which receives
 *      them one at a time (memory linear in nodes) until the deadline.
 * Every wait that a dead or hung rank could stretch has the --timeout
 * deadline; rank 0 then keeps what arrived and marks the rest missing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cluster/mpi/mpi_cluster.h"
#include "dlprobe/json.h"
#include "dlprobe/probe.h"
#include "kernels/backend.h"

enum { TAG_NODE = 201, TAG_TOKEN };
#define HOST_LEN 64
#define VERSION_LEN 32
/* How long rank 0 still listens after the deadline for nodes that gave up
 * waiting at the same deadline and sent an error entry. */
#define GATHER_GRACE_S 2.0
/* Test hook: "fail:R", "hang:R" or "version:R" acts on world rank R. */
#define FAULT_ENV "DLPROBE_CLUSTER_FAULT"

typedef struct roster_entry {
	char version[VERSION_LEN];
	char host[HOST_LEN];
	int node;       /* index among nodes (leader order) */
	int leader;     /* 1 for the node's leader rank */
} roster_entry;

void dlp_cluster_opts_default(dlp_cluster_opts *o)
{
	memset(o, 0, sizeof *o);
	o->backend = "all";
	o->timeout_s = 900.0;
	o->sweep.min_bytes = 8;
	o->sweep.max_bytes = (size_t)256 << 20;
	o->sweep.coll_mask = (1u << DLP_COLL_COUNT) - 1;
	o->sweep.warmups = 2;
	o->sweep.budget_s = 0.02;
	o->sweep.min_samples = 3;
	o->sweep.max_samples = 50;
	o->sweep.max_call_s = 0.5;
	o->sweep.coll_budget_s = 1.0;
	o->sweep.ring_bytes = (size_t)1 << 20;
	o->sweep.ring_lat_samples = 10;
	o->sweep.ring_bw_samples = 3;
}

/* The fault this rank should act out, if the test hook names it. */
static const char *fault_for(int rank)
{
	static char kind[16];
	const char *e = getenv(FAULT_ENV), *colon;
	size_t len;

	if (!e || !(colon = strchr(e, ':')) || atoi(colon + 1) != rank)
		return NULL;
	len = (size_t)(colon - e) < sizeof kind - 1 ? (size_t)(colon - e) : sizeof kind - 1;
	memcpy(kind, e, len);
	kind[len] = '\0';
	return kind;
}

static int is_fault(int rank, const char *kind)
{
	const char *f = fault_for(rank);

	return f && strcmp(f, kind) == 0;
}

static void progress(const dlp_cluster_opts *o, const char *what)
{
	if (o->progress)
		o->progress(NULL, what);
}

/* The node step on a leader: the library's own probe and bench. */
static json_t *node_document(const dlp_cluster_opts *o, const roster_entry *me, int wrank, int local_n)
{
	dlp_probe_opts po = { 0 };
	dlp_bench_opts bo = { 0 };
	json_t *node = json_object(), *probe = NULL, *bench = NULL;
	char why[512];

	json_object_set_new(node, "node", json_integer(me->node));
	json_object_set_new(node, "hostname", json_string(me->host));
	json_object_set_new(node, "leader_rank", json_integer(wrank));
	json_object_set_new(node, "ranks", json_integer(local_n));
	json_object_set_new(node, "dlprobe_version", json_string(me->version));
	if (is_fault(wrank, "hang")) {
		for (;;)
			pause();
	}
	probe = dlp_probe_run(&po);
	if (!probe) {
		snprintf(why, sizeof why, "probe failed: %s", dlp_error_message());
		dlp_json_set_status(node, DLP_STATUS_ERROR, why);
		goto out;
	}
	json_object_set_new(node, "probe", probe);
	if (o->no_bench) {
		json_object_set_new(node, "bench", json_null());
	} else {
		bo.full = o->full;
		bo.threads = (int)dlp_probe_effective_cpus(probe);
		if (bo.threads < 1)
			bo.threads = 1;
		bo.probe = probe;
		if (!is_fault(wrank, "fail"))
			bench = dlp_bench_run(o->backend, &bo);
		else
			dlp_error_set("failure injected by %s", FAULT_ENV);
		if (!bench) {
			snprintf(why, sizeof why, "bench failed: %s", dlp_error_message());
			dlp_json_set_status(node, DLP_STATUS_ERROR, why);
			goto out;
		}
		json_object_set_new(node, "bench", bench);
	}
	/* under --no-bench the injected failure is the node step's */
	if (is_fault(wrank, "fail") && o->no_bench) {
		snprintf(why, sizeof why, "node step failed: failure injected by %s", FAULT_ENV);
		dlp_json_set_status(node, DLP_STATUS_ERROR, why);
		goto out;
	}
	dlp_json_set_status(node, DLP_STATUS_OK, NULL);
out:
	return node;
}

static json_t *missing_node(const roster_entry *e, int wrank, double timeout_s)
{
	json_t *n = json_object();
	char why[160];

	snprintf(why, sizeof why, "missing: no document from this node before the --timeout deadline (%g s)",
		 timeout_s);
	json_object_set_new(n, "node", json_integer(e->node));
	json_object_set_new(n, "hostname", json_string(e->host));
	json_object_set_new(n, "leader_rank", json_integer(wrank));
	json_object_set_new(n, "dlprobe_version", json_string(e->version));
	json_object_set_new(n, "missing", json_true());
	dlp_json_set_status(n, DLP_STATUS_ERROR, why);
	return n;
}

/* Rank 0: receive node documents one at a time until all are in or the
 * deadline (plus grace) passes. Returns how many are still missing. */
static int gather_nodes(json_t *nodes, const roster_entry *roster, int nnodes, double deadline)
{
	int left = nnodes - 1, flag, len;
	MPI_Status st;
	struct timespec nap = { 0, 1000000 };

	while (left > 0 && MPI_Wtime() < deadline + GATHER_GRACE_S) {
		char *text;
		json_t *doc;
		json_error_t e;
		int node;

		MPI_Iprobe(MPI_ANY_SOURCE, TAG_NODE, MPI_COMM_WORLD, &flag, &st);
		if (!flag) {
			nanosleep(&nap, NULL);
			continue;
		}
		MPI_Get_count(&st, MPI_CHAR, &len);
		text = malloc((size_t)len + 1);
		if (!text)
			MPI_Abort(MPI_COMM_WORLD, DLP_EXIT_RUNTIME);
		MPI_Recv(text, len, MPI_CHAR, st.MPI_SOURCE, TAG_NODE, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		text[len] = '\0';
		node = roster[st.MPI_SOURCE].node;
		doc = json_loads(text, 0, &e);
		free(text);
		if (!doc) {
			doc = json_object();
			json_object_set_new(doc, "node", json_integer(node));
			json_object_set_new(doc, "hostname", json_string(roster[st.MPI_SOURCE].host));
			dlp_json_set_status(doc, DLP_STATUS_ERROR, "its document did not parse");
		}
		json_array_set_new(nodes, (size_t)node, doc);
		left--;
	}
	return left;
}

static void phase_mark(json_t *phases, const char *key, double *t)
{
	double now = MPI_Wtime();

	json_object_set_new(phases, key, json_real(now - *t));
	*t = now;
}

static int agree_int(int v, MPI_Comm comm, double deadline, int *out)
{
	MPI_Request req;

	*out = v;
	MPI_Ibcast(out, 1, MPI_INT, 0, comm, &req);
	return dlp_mpi_wait(&req, deadline);
}

static void mpi_library(char *buf, size_t len)
{
	char lib[MPI_MAX_LIBRARY_VERSION_STRING];
	int n = 0;

	MPI_Get_library_version(lib, &n);
	lib[strcspn(lib, "\n,")] = '\0';
	/* MPICH says "MPICH Version:\t4.0.2" */
	for (n = 0; lib[n]; n++)
		if (lib[n] == '\t')
			lib[n] = ' ';
	snprintf(buf, len, "%s", lib);
}

int dlp_cluster_run(const dlp_cluster_opts *o, json_t **doc, dlp_cluster_outcome *outcome)
{
	int wrank, wsize, lrank, lsize, is_leader, nnodes = 0, verdict = 0, i, missing = 0, failed = 0;
	double deadline = MPI_Wtime() + o->timeout_s;
	MPI_Comm node_comm = MPI_COMM_NULL, leaders = MPI_COMM_NULL;
	MPI_Request req;
	roster_entry me, *roster = NULL;
	int *leader_of = NULL;
	json_t *cluster = NULL, *nodes = NULL, *ic = NULL, *intra = NULL, *inter = NULL, *ring = NULL,
	       *gpu = NULL, *mine = NULL;
	char lib[MPI_MAX_LIBRARY_VERSION_STRING], why[512];
	int ret = -1, late = 0;
	/* rank 0's wall time per phase: how the cost grows is in the document */
	double t_phase = MPI_Wtime();
	json_t *phases = json_object();

	*doc = NULL;
	*outcome = DLP_CLUSTER_REFUSED;
	MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
	MPI_Comm_size(MPI_COMM_WORLD, &wsize);
	/* node = the ranks that share memory; --simulate-nodes: every rank alone */
	if (o->simulate_nodes)
		MPI_Comm_split(MPI_COMM_WORLD, wrank, 0, &node_comm);
	else
		MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, wrank, MPI_INFO_NULL, &node_comm);
	MPI_Comm_rank(node_comm, &lrank);
	MPI_Comm_size(node_comm, &lsize);
	is_leader = lrank == 0;
	MPI_Comm_split(MPI_COMM_WORLD, is_leader ? 0 : MPI_UNDEFINED, wrank, &leaders);

	memset(&me, 0, sizeof me);
	snprintf(me.version, sizeof me.version, "%s", is_fault(wrank, "version") ? "0.0.0-injected" : DLP_VERSION);
	if (gethostname(me.host, sizeof me.host - 1) != 0)
		snprintf(me.host, sizeof me.host, "unknown");
	me.leader = is_leader;
	if (is_leader)
		MPI_Comm_rank(leaders, &me.node);
	MPI_Ibcast(&me.node, 1, MPI_INT, 0, node_comm, &req);
	if (dlp_mpi_wait(&req, deadline) != 0) {
		dlp_error_set("rank %d: the ranks of this node did not start before the deadline", wrank);
		goto out;
	}
	if (wrank == 0) {
		roster = calloc((size_t)wsize, sizeof *roster);
		if (!roster) {
			dlp_error_set("out of memory for the roster of %d ranks", wsize);
			MPI_Abort(MPI_COMM_WORLD, DLP_EXIT_RUNTIME);
		}
	}
	MPI_Igather(&me, (int)sizeof me, MPI_BYTE, roster, (int)sizeof me, MPI_BYTE, 0, MPI_COMM_WORLD, &req);
	if (dlp_mpi_wait(&req, deadline) != 0) {
		dlp_error_set("rank %d: not every rank started before the --timeout deadline", wrank);
		goto out;
	}
	if (wrank == 0) {
		for (i = 0; i < wsize && !verdict; i++) {
			if (strcmp(roster[i].version, DLP_VERSION) != 0) {
				snprintf(why, sizeof why,
					 "rank %d on %s runs dlprobe %s but rank 0 runs %s: every node needs the same version",
					 i, roster[i].host, roster[i].version, DLP_VERSION);
				verdict = 1;
			}
			nnodes += roster[i].leader;
		}
	}
	if (agree_int(verdict, MPI_COMM_WORLD, deadline, &verdict) != 0) {
		dlp_error_set("rank %d: rank 0 did not answer before the --timeout deadline", wrank);
		goto out;
	}
	if (verdict) {
		if (wrank == 0)
			dlp_error_set("%s", why);
		else
			dlp_error_set("refused by rank 0: dlprobe versions differ between ranks");
		goto out;
	}

	phase_mark(phases, "startup_s", &t_phase);
	/* 2. interconnect, every wait fenced by the deadline */
	progress(o, "collectives inside the node");
	MPI_Ibarrier(MPI_COMM_WORLD, &req);
	late = dlp_mpi_wait(&req, deadline) != 0;
	if (!late)
		intra = dlp_mpi_coll_sweep(node_comm, &o->sweep, deadline);
	phase_mark(phases, "intra_node_s", &t_phase);
	if (is_leader && !late) {
		progress(o, "collectives across nodes");
		inter = dlp_mpi_coll_sweep(leaders, &o->sweep, deadline);
		phase_mark(phases, "inter_node_s", &t_phase);
		progress(o, "point-to-point ring");
		ring = dlp_mpi_ring(leaders, &o->sweep, deadline);
		phase_mark(phases, "ring_s", &t_phase);
	}
	if (!late && !o->no_nccl) {
		progress(o, "NCCL");
		gpu = dlp_mpi_nccl(MPI_COMM_WORLD, leaders, is_leader, &o->sweep, deadline);
		phase_mark(phases, "nccl_s", &t_phase);
	}

	/* 3. node step: leaders only; with --simulate-nodes one machine holds
	 * every node, so the leaders take turns (a token) to keep benches apart */
	if (is_leader) {
		int token = 0;

		if (o->simulate_nodes && !o->no_bench && me.node > 0) {
			MPI_Irecv(&token, 1, MPI_INT, me.node - 1, TAG_TOKEN, leaders, &req);
			if (dlp_mpi_wait(&req, deadline) != 0) {
				MPI_Cancel(&req);
				MPI_Request_free(&req);
				mine = json_object();
				json_object_set_new(mine, "node", json_integer(me.node));
				json_object_set_new(mine, "hostname", json_string(me.host));
				json_object_set_new(mine, "leader_rank", json_integer(wrank));
				json_object_set_new(mine, "dlprobe_version", json_string(me.version));
				dlp_json_set_status(mine, DLP_STATUS_ERROR,
					"not measured: the node before it did not finish its bench before the deadline");
			}
		}
		if (!mine) {
			progress(o, o->no_bench ? "probe" : "probe and bench");
			mine = node_document(o, &me, wrank, lsize);
		}
		if (o->simulate_nodes && !o->no_bench) {
			int n;

			MPI_Comm_size(leaders, &n);
			if (me.node + 1 < n)
				MPI_Send(&token, 1, MPI_INT, me.node + 1, TAG_TOKEN, leaders);
		}
		if (intra && !o->simulate_nodes)
			json_object_set_new(mine, "intra_node", intra);
		else
			json_decref(intra);
		intra = NULL;
		if (wrank != 0) {
			char *text = json_dumps(mine, JSON_COMPACT);

			if (!text)
				MPI_Abort(MPI_COMM_WORLD, DLP_EXIT_RUNTIME);
			MPI_Send(text, (int)strlen(text), MPI_CHAR, 0, TAG_NODE, MPI_COMM_WORLD);
			free(text);
		}
	}
	if (wrank != 0) {
		ret = 0;
		*outcome = DLP_CLUSTER_DONE;
		goto out;
	}

	/* 4. rank 0 assembles the document */
	phase_mark(phases, "node_step_s", &t_phase);
	progress(o, "gathering node documents");
	nodes = json_array();
	leader_of = calloc((size_t)nnodes, sizeof *leader_of);
	if (!leader_of)
		MPI_Abort(MPI_COMM_WORLD, DLP_EXIT_RUNTIME);
	for (i = 0; i < wsize; i++)
		if (roster[i].leader) {
			leader_of[roster[i].node] = i;
		}
	for (i = 0; i < nnodes; i++)
		json_array_append_new(nodes, missing_node(&roster[leader_of[i]], leader_of[i], o->timeout_s));
	json_array_set_new(nodes, 0, mine);
	mine = NULL;
	missing = gather_nodes(nodes, roster, nnodes, deadline);
	phase_mark(phases, "gather_s", &t_phase);
	for (i = 0; i < nnodes; i++) {
		const char *s = json_string_value(json_object_get(json_array_get(nodes, (size_t)i), "status"));

		failed += !s || strcmp(s, "ok") != 0;
	}

	*doc = dlp_json_document_new();
	cluster = json_object();
	mpi_library(lib, sizeof lib);
	json_object_set_new(cluster, "nodes_expected", json_integer(nnodes));
	json_object_set_new(cluster, "nodes_reported", json_integer(nnodes - missing));
	json_object_set_new(cluster, "ranks", json_integer(wsize));
	json_object_set_new(cluster, "simulated_nodes", json_boolean(o->simulate_nodes));
	json_object_set_new(cluster, "mode", json_string(o->no_bench ? "no-bench" : o->full ? "full" : "quick"));
	json_object_set_new(cluster, "mpi_library", json_string(lib));
	json_object_set_new(cluster, "timeout_s", json_real(o->timeout_s));
	json_object_set_new(cluster, "sweep", json_pack("{s:I,s:I,s:i,s:f,s:i,s:i,s:f,s:f}",
		"min_bytes", (json_int_t)o->sweep.min_bytes, "max_bytes", (json_int_t)o->sweep.max_bytes,
		"warmups", o->sweep.warmups, "budget_per_size_s", o->sweep.budget_s,
		"min_samples", o->sweep.min_samples, "max_samples", o->sweep.max_samples,
		"max_call_s", o->sweep.max_call_s, "collective_budget_s", o->sweep.coll_budget_s));
	json_object_set_new(cluster, "phases_rank0_s", phases);
	phases = NULL;
	ic = json_object();
	if (late) {
		snprintf(why, sizeof why, "not measured: not every rank reached it before the --timeout deadline");
		inter = json_object();
		dlp_json_set_status(inter, DLP_STATUS_ERROR, why);
		ring = json_deep_copy(inter);
	}
	json_object_set_new(ic, "inter_node", inter ? inter : json_null());
	json_object_set_new(ic, "ring", ring ? ring : json_null());
	json_object_set_new(ic, "gpu", gpu ? gpu : json_null());
	inter = ring = gpu = NULL;
	json_object_set_new(cluster, "interconnect", ic);
	json_object_set_new(cluster, "nodes", nodes);
	nodes = NULL;
	json_object_set_new(cluster, "findings", dlp_cluster_findings(cluster));
	if (missing) {
		json_t *m = json_array();

		for (i = 0; i < nnodes; i++)
			if (json_is_true(json_object_get(json_array_get(json_object_get(cluster, "nodes"), (size_t)i), "missing")))
				json_array_append_new(m, json_integer(i));
		json_object_set_new(cluster, "missing_nodes", m);
		snprintf(why, sizeof why, "%d of %d nodes missing at the --timeout deadline", missing, nnodes);
		dlp_json_set_status(cluster, DLP_STATUS_ERROR, why);
		*outcome = DLP_CLUSTER_INCOMPLETE;
	} else if (failed || late) {
		json_object_set_new(cluster, "missing_nodes", json_array());
		snprintf(why, sizeof why, "%d of %d nodes failed", failed, nnodes);
		dlp_json_set_status(cluster, DLP_STATUS_ERROR, late ? "the interconnect was not measured" : why);
		*outcome = DLP_CLUSTER_DEGRADED;
	} else {
		json_object_set_new(cluster, "missing_nodes", json_array());
		dlp_json_set_status(cluster, DLP_STATUS_OK, NULL);
		*outcome = DLP_CLUSTER_DONE;
	}
	json_object_set_new(*doc, "cluster", cluster);
	ret = 0;
out:
	json_decref(phases);
	json_decref(mine);
	json_decref(intra);
	json_decref(inter);
	json_decref(ring);
	json_decref(gpu);
	json_decref(nodes);
	free(roster);
	free(leader_of);
	if (leaders != MPI_COMM_NULL)
		MPI_Comm_free(&leaders);
	if (node_comm != MPI_COMM_NULL)
		MPI_Comm_free(&node_comm);
	return ret;
}
