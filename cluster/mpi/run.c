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

/* The collective sweeps: a short default, and --full's longer one with
 * more samples and a larger point-to-point message. */
static const dlp_sweep_opts sweep_presets[2] = {
	{ .min_bytes = 8, .max_bytes = (size_t)256 << 20, .coll_mask = (1u << DLP_COLL_COUNT) - 1,
	  .warmups = 2, .budget_s = 0.02, .min_samples = 3, .max_samples = 50, .max_call_s = 0.5,
	  .coll_budget_s = 1.0, .ring_bytes = (size_t)1 << 20, .ring_lat_samples = 10, .ring_bw_samples = 3 },
	{ .min_bytes = 8, .max_bytes = (size_t)256 << 20, .coll_mask = (1u << DLP_COLL_COUNT) - 1,
	  .warmups = 5, .budget_s = 0.2, .min_samples = 5, .max_samples = 1000, .max_call_s = 5.0,
	  .coll_budget_s = 30.0, .ring_bytes = (size_t)64 << 20, .ring_lat_samples = 100, .ring_bw_samples = 20 },
};

void dlp_cluster_opts_default(dlp_cluster_opts *o)
{
	memset(o, 0, sizeof *o);
	o->backend = "all";
	o->timeout_s = 900.0;
	o->sweep = sweep_presets[0];
}

void dlp_cluster_opts_full(dlp_cluster_opts *o)
{
	dlp_sweep_opts asked = o->sweep;

	o->full = 1;
	o->no_bench = 0;
	o->sweep = sweep_presets[1];
	/* sizes and collectives are the user's, given before or after --full */
	o->sweep.min_bytes = asked.min_bytes;
	o->sweep.max_bytes = asked.max_bytes;
	o->sweep.coll_mask = asked.coll_mask;
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

/* One run's state on this rank, shared by its steps. */
struct run {
	const dlp_cluster_opts *o;
	int wrank, wsize, lsize, is_leader;
	int nnodes;         /* rank 0: nodes in the roster */
	int late;           /* not every rank reached the interconnect step in time */
	double deadline;
	double t_phase;     /* rank 0's wall time per phase: how the cost grows is in the document */
	MPI_Comm node_comm, leaders;
	roster_entry me, *roster;  /* roster: rank 0 only, one entry per world rank */
	json_t *phases, *intra, *inter, *ring, *gpu, *mine;
	char why[512];
};

/* The communicators: node = the ranks that share memory (--simulate-nodes:
 * every rank alone), leaders = each node's first rank. */
static void run_init(struct run *r, const dlp_cluster_opts *o)
{
	int lrank;

	memset(r, 0, sizeof *r);
	r->o = o;
	r->deadline = MPI_Wtime() + o->timeout_s;
	r->t_phase = MPI_Wtime();
	r->phases = json_object();
	r->node_comm = r->leaders = MPI_COMM_NULL;
	MPI_Comm_rank(MPI_COMM_WORLD, &r->wrank);
	MPI_Comm_size(MPI_COMM_WORLD, &r->wsize);
	if (o->simulate_nodes)
		MPI_Comm_split(MPI_COMM_WORLD, r->wrank, 0, &r->node_comm);
	else
		MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, r->wrank, MPI_INFO_NULL, &r->node_comm);
	MPI_Comm_rank(r->node_comm, &lrank);
	MPI_Comm_size(r->node_comm, &r->lsize);
	r->is_leader = lrank == 0;
	MPI_Comm_split(MPI_COMM_WORLD, r->is_leader ? 0 : MPI_UNDEFINED, r->wrank, &r->leaders);
}

static void run_free(struct run *r)
{
	json_decref(r->phases);
	json_decref(r->mine);
	json_decref(r->intra);
	json_decref(r->inter);
	json_decref(r->ring);
	json_decref(r->gpu);
	free(r->roster);
	if (r->leaders != MPI_COMM_NULL)
		MPI_Comm_free(&r->leaders);
	if (r->node_comm != MPI_COMM_NULL)
		MPI_Comm_free(&r->node_comm);
}

/* 1. roster: every rank's version and host to rank 0, which refuses the
 * run when versions differ. -1 (message set) when refused or late. */
static int run_roster(struct run *r)
{
	roster_entry *me = &r->me;
	MPI_Request req;
	int verdict = 0, i;

	snprintf(me->version, sizeof me->version, "%s",
		 is_fault(r->wrank, "version") ? "0.0.0-injected" : DLP_VERSION);
	if (gethostname(me->host, sizeof me->host - 1) != 0)
		snprintf(me->host, sizeof me->host, "unknown");
	me->leader = r->is_leader;
	if (r->is_leader)
		MPI_Comm_rank(r->leaders, &me->node);
	MPI_Ibcast(&me->node, 1, MPI_INT, 0, r->node_comm, &req);
	if (dlp_mpi_wait(&req, r->deadline) != 0)
		return dlp_error_set("rank %d: the ranks of this node did not start before the deadline",
				     r->wrank);
	if (r->wrank == 0) {
		r->roster = calloc((size_t)r->wsize, sizeof *r->roster);
		if (!r->roster) {
			dlp_error_set("out of memory for the roster of %d ranks", r->wsize);
			MPI_Abort(MPI_COMM_WORLD, DLP_EXIT_RUNTIME);
		}
	}
	MPI_Igather(me, (int)sizeof *me, MPI_BYTE, r->roster, (int)sizeof *me, MPI_BYTE, 0, MPI_COMM_WORLD,
		    &req);
	if (dlp_mpi_wait(&req, r->deadline) != 0)
		return dlp_error_set("rank %d: not every rank started before the --timeout deadline", r->wrank);
	if (r->wrank == 0) {
		for (i = 0; i < r->wsize && !verdict; i++) {
			if (strcmp(r->roster[i].version, DLP_VERSION) != 0) {
				snprintf(r->why, sizeof r->why,
					 "rank %d on %s runs dlprobe %s but rank 0 runs %s: every node needs the same version",
					 i, r->roster[i].host, r->roster[i].version, DLP_VERSION);
				verdict = 1;
			}
			r->nnodes += r->roster[i].leader;
		}
	}
	if (agree_int(verdict, MPI_COMM_WORLD, r->deadline, &verdict) != 0)
		return dlp_error_set("rank %d: rank 0 did not answer before the --timeout deadline", r->wrank);
	if (verdict) {
		if (r->wrank == 0)
			return dlp_error_set("%s", r->why);
		return dlp_error_set("refused by rank 0: dlprobe versions differ between ranks");
	}
	return 0;
}

/* 2. interconnect, every wait fenced by the deadline. */
static void run_interconnect(struct run *r)
{
	const dlp_cluster_opts *o = r->o;
	MPI_Request req;

	progress(o, "collectives inside the node");
	MPI_Ibarrier(MPI_COMM_WORLD, &req);
	r->late = dlp_mpi_wait(&req, r->deadline) != 0;
	if (!r->late)
		r->intra = dlp_mpi_coll_sweep(r->node_comm, &o->sweep, r->deadline);
	phase_mark(r->phases, "intra_node_s", &r->t_phase);
	if (r->is_leader && !r->late) {
		progress(o, "collectives across nodes");
		r->inter = dlp_mpi_coll_sweep(r->leaders, &o->sweep, r->deadline);
		phase_mark(r->phases, "inter_node_s", &r->t_phase);
		progress(o, "point-to-point ring");
		r->ring = dlp_mpi_ring(r->leaders, &o->sweep, r->deadline);
		phase_mark(r->phases, "ring_s", &r->t_phase);
	}
	if (!r->late && !o->no_nccl) {
		progress(o, "NCCL");
		r->gpu = dlp_mpi_nccl(MPI_COMM_WORLD, r->leaders, r->is_leader, &o->sweep, r->deadline);
		phase_mark(r->phases, "nccl_s", &r->t_phase);
	}
}

/* 3. node step, leaders only: the node document in r->mine, sent to rank 0
 * from the other leaders. With --simulate-nodes one machine holds every
 * node, so the leaders take turns (a token) to keep benches apart. */
static void run_node_step(struct run *r)
{
	const dlp_cluster_opts *o = r->o;
	int token = 0, turns = o->simulate_nodes && !o->no_bench;
	MPI_Request req;

	if (turns && r->me.node > 0) {
		MPI_Irecv(&token, 1, MPI_INT, r->me.node - 1, TAG_TOKEN, r->leaders, &req);
		if (dlp_mpi_wait(&req, r->deadline) != 0) {
			MPI_Cancel(&req);
			MPI_Request_free(&req);
			r->mine = json_object();
			json_object_set_new(r->mine, "node", json_integer(r->me.node));
			json_object_set_new(r->mine, "hostname", json_string(r->me.host));
			json_object_set_new(r->mine, "leader_rank", json_integer(r->wrank));
			json_object_set_new(r->mine, "dlprobe_version", json_string(r->me.version));
			dlp_json_set_status(r->mine, DLP_STATUS_ERROR,
				"not measured: the node before it did not finish its bench before the deadline");
		}
	}
	if (!r->mine) {
		progress(o, o->no_bench ? "probe" : "probe and bench");
		r->mine = node_document(o, &r->me, r->wrank, r->lsize);
	}
	if (turns) {
		int n;

		MPI_Comm_size(r->leaders, &n);
		if (r->me.node + 1 < n)
			MPI_Send(&token, 1, MPI_INT, r->me.node + 1, TAG_TOKEN, r->leaders);
	}
	if (r->intra && !o->simulate_nodes)
		json_object_set_new(r->mine, "intra_node", r->intra);
	else
		json_decref(r->intra);
	r->intra = NULL;
	if (r->wrank != 0) {
		char *text = json_dumps(r->mine, JSON_COMPACT);

		if (!text)
			MPI_Abort(MPI_COMM_WORLD, DLP_EXIT_RUNTIME);
		MPI_Send(text, (int)strlen(text), MPI_CHAR, 0, TAG_NODE, MPI_COMM_WORLD);
		free(text);
	}
}

/* 4. rank 0: every node's document, rank 0's own first, a "missing" entry
 * for each that did not arrive by the deadline; how many are missing and
 * how many are not ok. */
static json_t *run_gather(struct run *r, int *missing, int *failed)
{
	json_t *nodes = json_array();
	int *leader_of = calloc((size_t)r->nnodes, sizeof *leader_of), i;

	if (!leader_of)
		MPI_Abort(MPI_COMM_WORLD, DLP_EXIT_RUNTIME);
	for (i = 0; i < r->wsize; i++)
		if (r->roster[i].leader)
			leader_of[r->roster[i].node] = i;
	for (i = 0; i < r->nnodes; i++)
		json_array_append_new(nodes, missing_node(&r->roster[leader_of[i]], leader_of[i],
							  r->o->timeout_s));
	json_array_set_new(nodes, 0, r->mine);
	r->mine = NULL;
	*missing = gather_nodes(nodes, r->roster, r->nnodes, r->deadline);
	*failed = 0;
	for (i = 0; i < r->nnodes; i++) {
		const char *s = json_string_value(json_object_get(json_array_get(nodes, (size_t)i), "status"));

		*failed += !s || strcmp(s, "ok") != 0;
	}
	free(leader_of);
	return nodes;
}

/* The run's settings, as the document records them. */
static void cluster_settings(json_t *cluster, const struct run *r)
{
	const dlp_cluster_opts *o = r->o;
	char lib[MPI_MAX_LIBRARY_VERSION_STRING];

	mpi_library(lib, sizeof lib);
	json_object_set_new(cluster, "ranks", json_integer(r->wsize));
	json_object_set_new(cluster, "simulated_nodes", json_boolean(o->simulate_nodes));
	json_object_set_new(cluster, "mode", json_string(o->no_bench ? "no-bench" : o->full ? "full" : "quick"));
	json_object_set_new(cluster, "mpi_library", json_string(lib));
	json_object_set_new(cluster, "timeout_s", json_real(o->timeout_s));
	json_object_set_new(cluster, "sweep", json_pack("{s:I,s:I,s:i,s:f,s:i,s:i,s:f,s:f}",
		"min_bytes", (json_int_t)o->sweep.min_bytes, "max_bytes", (json_int_t)o->sweep.max_bytes,
		"warmups", o->sweep.warmups, "budget_per_size_s", o->sweep.budget_s,
		"min_samples", o->sweep.min_samples, "max_samples", o->sweep.max_samples,
		"max_call_s", o->sweep.max_call_s, "collective_budget_s", o->sweep.coll_budget_s));
}

/* The interconnect section (taking r's results); what no rank measured in
 * time is an error entry. */
static json_t *run_interconnect_json(struct run *r)
{
	json_t *ic = json_object();

	if (r->late) {
		snprintf(r->why, sizeof r->why,
			 "not measured: not every rank reached it before the --timeout deadline");
		r->inter = json_object();
		dlp_json_set_status(r->inter, DLP_STATUS_ERROR, r->why);
		r->ring = json_deep_copy(r->inter);
	}
	json_object_set_new(ic, "inter_node", r->inter ? r->inter : json_null());
	json_object_set_new(ic, "ring", r->ring ? r->ring : json_null());
	json_object_set_new(ic, "gpu", r->gpu ? r->gpu : json_null());
	r->inter = r->ring = r->gpu = NULL;
	return ic;
}

/* Rank 0: the "cluster" section from the nodes (taken) and the run, its
 * status and the run's outcome. */
static json_t *run_cluster(struct run *r, json_t *nodes, int missing, int failed,
			   dlp_cluster_outcome *outcome)
{
	json_t *cluster = json_object();
	int i, n = r->nnodes;

	json_object_set_new(cluster, "nodes_expected", json_integer(n));
	json_object_set_new(cluster, "nodes_reported", json_integer(n - missing));
	cluster_settings(cluster, r);
	json_object_set_new(cluster, "phases_rank0_s", r->phases);
	r->phases = NULL;
	json_object_set_new(cluster, "interconnect", run_interconnect_json(r));
	json_object_set_new(cluster, "nodes", nodes);
	json_object_set_new(cluster, "findings", dlp_cluster_findings(cluster));
	if (missing) {
		json_t *m = json_array();

		for (i = 0; i < n; i++)
			if (json_is_true(json_object_get(json_array_get(nodes, (size_t)i), "missing")))
				json_array_append_new(m, json_integer(i));
		json_object_set_new(cluster, "missing_nodes", m);
		snprintf(r->why, sizeof r->why, "%d of %d nodes missing at the --timeout deadline", missing, n);
		dlp_json_set_status(cluster, DLP_STATUS_ERROR, r->why);
		*outcome = DLP_CLUSTER_INCOMPLETE;
	} else if (failed || r->late) {
		json_object_set_new(cluster, "missing_nodes", json_array());
		snprintf(r->why, sizeof r->why, "%d of %d nodes failed", failed, n);
		dlp_json_set_status(cluster, DLP_STATUS_ERROR,
				    r->late ? "the interconnect was not measured" : r->why);
		*outcome = DLP_CLUSTER_DEGRADED;
	} else {
		json_object_set_new(cluster, "missing_nodes", json_array());
		dlp_json_set_status(cluster, DLP_STATUS_OK, NULL);
		*outcome = DLP_CLUSTER_DONE;
	}
	return cluster;
}

int dlp_cluster_run(const dlp_cluster_opts *o, json_t **doc, dlp_cluster_outcome *outcome)
{
	struct run r;
	json_t *nodes;
	int ret = -1, missing = 0, failed = 0;

	*doc = NULL;
	*outcome = DLP_CLUSTER_REFUSED;
	run_init(&r, o);
	if (run_roster(&r) != 0)
		goto out;
	phase_mark(r.phases, "startup_s", &r.t_phase);
	run_interconnect(&r);
	if (r.is_leader)
		run_node_step(&r);
	if (r.wrank != 0) {
		ret = 0;
		*outcome = DLP_CLUSTER_DONE;
		goto out;
	}
	phase_mark(r.phases, "node_step_s", &r.t_phase);
	progress(o, "gathering node documents");
	nodes = run_gather(&r, &missing, &failed);
	phase_mark(r.phases, "gather_s", &r.t_phase);
	*doc = dlp_json_document_new();
	json_object_set_new(*doc, "cluster", run_cluster(&r, nodes, missing, failed, outcome));
	ret = 0;
out:
	run_free(&r);
	return ret;
}
