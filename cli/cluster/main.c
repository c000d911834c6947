/* dlprobe-cluster: the front end of the MPI binary. Only rank 0 speaks and
 * writes; every rank parses the same arguments, so a usage error ends every
 * rank the same way before anything is measured. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cluster/mpi/mpi_cluster.h"
#include "report/report.h"

static const char cluster_help[] =
"Usage: mpirun -np N [--map-by ppr:1:node] dlprobe-cluster [--quick|--full|--no-bench]\n"
"         [--backend cpu|opencl|cuda|all] [--timeout S] [--max-bytes SIZE] [--min-bytes SIZE]\n"
"         [--collectives LIST] [--samples N] [--simulate-nodes] [--no-nccl] [--json] [-o FILE] [-q] [-v]\n"
"Probes and benches every node (one leader rank per node; ranks sharing memory\n"
"are one node), measures MPI collectives inside and across nodes the nccl-tests\n"
"way (all-reduce, all-gather, reduce-scatter, all-to-all; algbw and busbw over a\n"
"message sweep), a point-to-point ring and, on GPU nodes, NCCL all-reduce; then\n"
"rank 0 writes one cluster document with findings (stragglers, heterogeneity).\n"
"  --timeout S        deadline for the whole run (default 900): rank 0 then writes\n"
"                     what it has, marks missing nodes and the job exits 1\n"
"  --max-bytes SIZE   largest message (default 256M; K, M, G suffixes)\n"
"  --collectives LIST comma-separated: allreduce,allgather,reducescatter,alltoall\n"
"  --samples N        exactly N timed calls per size (default: a time budget, 3 to 50)\n"
"  --simulate-nodes   every rank is its own node (tests and demos on one machine)\n"
"Environment: DLPROBE_LIBNCCL (path of NCCL, default libnccl.so.2), DLPROBE_LIBCUDA;\n"
"DLPROBE_CLUSTER_FAULT=fail:R|hang:R|version:R acts out a fault on rank R (tests).\n"
"Exit status: 0 every node measured; 1 a node failed or is missing (the document is\n"
"still written), or versions differ; 2 usage error.\n";

enum { OPT_QUICK = 0x3001, OPT_FULL, OPT_NO_BENCH, OPT_BACKEND, OPT_TIMEOUT, OPT_MAX_BYTES,
       OPT_MIN_BYTES, OPT_COLLS, OPT_SIMULATE, OPT_NO_NCCL, OPT_SAMPLES };

static int rank0;

static int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return -1;
	switch (*end) {
	case 'K': case 'k': v <<= 10; end++; break;
	case 'M': case 'm': v <<= 20; end++; break;
	case 'G': case 'g': v <<= 30; end++; break;
	}
	if (*end || v < 4 || v > ((unsigned long long)1 << 34))
		return -1;
	*out = (size_t)v;
	return 0;
}

static int parse_colls(const char *s, unsigned *mask)
{
	char buf[256], *tok, *save = NULL;
	int c;

	snprintf(buf, sizeof buf, "%s", s);
	*mask = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		c = dlp_coll_find(tok);
		if (c < 0)
			return -1;
		*mask |= 1u << c;
	}
	return *mask ? 0 : -1;
}

static void progress(void *user, const char *what)
{
	char line[160];

	snprintf(line, sizeof line, "cluster: %s", what);
	dlp_cli_progress(user, line);
}

static int parse(int argc, char **argv, dlp_cluster_opts *o)
{
	static const struct option opts[] = {
		DLP_CLI_COMMON_LONGOPTS,
		{ "quick", no_argument, NULL, OPT_QUICK },
		{ "full", no_argument, NULL, OPT_FULL },
		{ "no-bench", no_argument, NULL, OPT_NO_BENCH },
		{ "backend", required_argument, NULL, OPT_BACKEND },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "max-bytes", required_argument, NULL, OPT_MAX_BYTES },
		{ "min-bytes", required_argument, NULL, OPT_MIN_BYTES },
		{ "collectives", required_argument, NULL, OPT_COLLS },
		{ "simulate-nodes", no_argument, NULL, OPT_SIMULATE },
		{ "no-nccl", no_argument, NULL, OPT_NO_NCCL },
		{ "samples", required_argument, NULL, OPT_SAMPLES },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, mode = 0;
	long samples = 0;
	char *end;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h" DLP_CLI_COMMON_SHORTOPTS, opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			if (rank0)
				fputs(cluster_help, stdout);
			return -1;
		case ':':
			return dlp_cli_missing_value(argv[optind - 1]);
		case OPT_QUICK:
		case OPT_FULL:
		case OPT_NO_BENCH:
			/* as `dlprobe bench --quick --full`: refused, not the last one silently */
			if (mode && mode != c)
				return dlp_cli_usage("--quick, --full and --no-bench exclude each other");
			mode = c;
			if (c == OPT_NO_BENCH)
				o->no_bench = 1;
			if (c != OPT_FULL)
				break;
			dlp_cluster_opts_full(o);
			break;
		case OPT_BACKEND:
			o->backend = optarg;
			if (strcmp(optarg, "all") && strcmp(optarg, "cpu") && strcmp(optarg, "opencl") &&
			    strcmp(optarg, "cuda"))
				return dlp_cli_usage("unknown backend \"%s\" (cpu, opencl, cuda or all)", optarg);
			break;
		case OPT_TIMEOUT:
			o->timeout_s = strtod(optarg, &end);
			if (*end || end == optarg || !(o->timeout_s > 0.0) || o->timeout_s > 1e6)
				return dlp_cli_usage("--timeout needs seconds > 0 (got \"%s\")", optarg);
			break;
		case OPT_MAX_BYTES:
		case OPT_MIN_BYTES:
			if (parse_size(optarg, c == OPT_MAX_BYTES ? &o->sweep.max_bytes : &o->sweep.min_bytes) != 0)
				return dlp_cli_usage("%s needs a size from 4 bytes to 16G, like 64M (got \"%s\")",
						     c == OPT_MAX_BYTES ? "--max-bytes" : "--min-bytes", optarg);
			break;
		case OPT_COLLS:
			if (parse_colls(optarg, &o->sweep.coll_mask) != 0)
				return dlp_cli_usage("--collectives takes allreduce,allgather,reducescatter,alltoall (got \"%s\")",
						     optarg);
			break;
		case OPT_SIMULATE: o->simulate_nodes = 1; break;
		case OPT_NO_NCCL: o->no_nccl = 1; break;
		case OPT_SAMPLES:
			samples = strtol(optarg, &end, 10);
			if (*end || end == optarg || samples < 1 || samples > 100000)
				return dlp_cli_usage("--samples needs a count from 1 to 100000 (got \"%s\")", optarg);
			break;
		default:
			if (dlp_cli_common_option(c, optarg) != 0)
				return dlp_cli_unknown_option(argv[optind - 1]);
		}
	}
	if (optind < argc)
		return dlp_cli_usage("dlprobe-cluster takes no arguments (got \"%s\")", argv[optind]);
	/* a fixed count, whatever the budget: runs that compare like with like */
	if (samples > 0)
		o->sweep.min_samples = o->sweep.max_samples = (int)samples;
	if (o->sweep.min_bytes > o->sweep.max_bytes)
		return dlp_cli_usage("--min-bytes is above --max-bytes");
	if (o->sweep.ring_bytes > o->sweep.max_bytes)
		o->sweep.ring_bytes = o->sweep.max_bytes;
	return 0;
}

/* The largest message fits a quarter of this machine's memory across the
 * ranks on it (every rank holds one buffer of that size). */
static void cap_by_memory(dlp_cluster_opts *o)
{
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	int local = 1;
	MPI_Comm node;
	size_t cap, b = 8;

	MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
	MPI_Comm_size(node, &local);
	MPI_Comm_free(&node);
	if (pages <= 0 || psz <= 0)
		return;
	cap = (size_t)pages * (size_t)psz / 4 / (size_t)local;
	while (b * 2 <= cap)
		b *= 2;
	if (o->sweep.max_bytes > b)
		o->sweep.max_bytes = b;
	if (o->sweep.min_bytes > o->sweep.max_bytes)
		o->sweep.min_bytes = o->sweep.max_bytes;
	if (o->sweep.ring_bytes > o->sweep.max_bytes)
		o->sweep.ring_bytes = o->sweep.max_bytes;
}

int main(int argc, char **argv)
{
	dlp_cluster_opts o;
	dlp_cluster_outcome outcome = DLP_CLUSTER_REFUSED;
	json_t *doc = NULL;
	int rank = 0, ret = DLP_EXIT_OK, rc;
	const char *nc = getenv("NO_COLOR");

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	rank0 = rank == 0;
	/* one voice: the same usage error on 64 ranks is one line, not 64 */
	if (!rank0 && !freopen("/dev/null", "w", stderr))
		ret = DLP_EXIT_RUNTIME;
	dlp_cluster_opts_default(&o);
	/* Open MPI hands ranks a pty even when mpirun writes to a pipe: no colour */
	dlp_cli.color = 0;
	(void)nc;
	rc = parse(argc, argv, &o);
	if (rc != 0) {
		ret = rc < 0 ? DLP_EXIT_OK : rc;
		goto out;
	}
	if (!rank0) {
		/* only rank 0 speaks and writes */
		dlp_cli.quiet = 1;
		dlp_cli.json = 0;
		dlp_cli.out_path = NULL;
	}
	if (rank0 && (ret = dlp_cli_check_output_path(dlp_cli.out_path)) != DLP_EXIT_OK) {
		/* the others are already measuring: end the job */
		MPI_Abort(MPI_COMM_WORLD, ret);
	}
	cap_by_memory(&o);
	o.progress = rank0 && !dlp_cli.quiet ? progress : NULL;
	if (dlp_cluster_run(&o, &doc, &outcome) != 0) {
		ret = rank0 ? dlp_cli_fail("%s", dlp_error_message()) : DLP_EXIT_RUNTIME;
		goto out;
	}
	dlp_cli_progress_done();
	if (doc) {
		/* -q silences progress and notes, not the result (as dlprobe -q);
		 * the one text printer also keeps it off -o - and --json */
		if (rank0)
			dlp_cli_print_text(dlp_report_cluster_text, doc);
		ret = dlp_cli_emit_json(doc);
		if (outcome == DLP_CLUSTER_INCOMPLETE) {
			dlp_cli_fail("%s; the document marks them", json_string_value(json_object_get(
				json_object_get(doc, "cluster"), "reason")));
			fflush(NULL);
			/* the missing ranks will never reach MPI_Finalize */
			MPI_Abort(MPI_COMM_WORLD, DLP_EXIT_RUNTIME);
		}
		if (outcome == DLP_CLUSTER_DEGRADED && ret == DLP_EXIT_OK)
			ret = dlp_cli_fail("%s; the document records each", json_string_value(json_object_get(
				json_object_get(doc, "cluster"), "reason")));
	}
out:
	json_decref(doc);
	MPI_Finalize();
	return ret;
}
