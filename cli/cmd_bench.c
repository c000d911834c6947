#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "dlprobe/json.h"
#include "dlprobe/probe.h"
#include "kernels/backend.h"
#include "kernels/framework.h"
#include "report/report.h"

static const char bench_help[] =
"Usage: dlprobe bench [--quick|--full] [--backend cpu|opencl|cuda|all|none] [--framework] [--json] [-o FILE] [-q] [-v]\n"
"Measures what this machine really does: FMA peak, GEMM by dtype and shape\n"
"beside the system BLAS, memory bandwidth, the kernels classical ML runs (GBDT\n"
"histograms and row partition, bin sketch, CART split, logistic loss, X w; CPU),\n"
"and the same for OpenCL and CUDA devices. --quick (default) takes seconds,\n"
"--full about two minutes on 2 CPUs. The JSON keeps every sample.\n"
"\n"
"  --quick            short time budgets (default); excludes --full\n"
"  --full             longer budgets, more shapes, CLBlast beside OpenCL\n"
"  --backend B        cpu, opencl, cuda, all (default) or none (with --framework)\n"
"  --framework        also probe the installed ML frameworks (torch, xgboost,\n"
"                     scikit-learn, lightgbm) in a child python (DLPROBE_PYTHON)\n"
"                     within " DLP_FRAMEWORK_TIMEOUT_TEXT " s: versions, BLAS and threads, per-op\n"
"                     dispatch, GEMM rates, one MLP step, one xgboost fit\n"
"  --json             the document to standard output\n"
"  --csv              one row per result (units in the headers)\n"
"  -o FILE            the document to FILE (\"-\": standard output)\n"
"  --label TEXT       a name for this machine, kept in the document\n"
"  -q, -v             no progress or notes; more detail\n"
"\n"
"Example: dlprobe bench --backend cpu -o bench.json --label laptop\n";

enum { OPT_QUICK = 0x2001, OPT_FULL, OPT_BACKEND, OPT_FRAMEWORK };

/* The best vector ISA the probe found ("avx512", "avx2", "generic"): the
 * framework probe says when a BLAS runs below it. */
static const char *probe_isa(const json_t *probe)
{
	const json_t *f = json_object_get(json_object_get(probe, "cpu"), "features");

	if (json_is_true(json_object_get(json_object_get(f, "avx512f"), "os")))
		return "avx512";
	if (json_is_true(json_object_get(json_object_get(f, "avx2"), "os")))
		return "avx2";
	return "generic";
}

void dlp_cli_bench_framework(const json_t *probe, json_t *bench)
{
	dlp_cli_progress(NULL, "probing the installed ML frameworks");
	json_object_set_new(bench, "framework", dlp_framework_probe(DLP_FRAMEWORK_TIMEOUT_S, probe_isa(probe)));
	dlp_cli_progress_done();
}

int dlp_cmd_bench(int argc, char **argv)
{
	static const struct option opts[] = {
		DLP_CLI_COMMON_LONGOPTS,
		{ "quick", no_argument, NULL, OPT_QUICK },
		{ "full", no_argument, NULL, OPT_FULL },
		{ "backend", required_argument, NULL, OPT_BACKEND },
		{ "framework", no_argument, NULL, OPT_FRAMEWORK },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	dlp_probe_opts po = { 0 };
	dlp_bench_opts bo = { 0 };
	const char *backend = "all";
	json_t *doc = NULL, *probe, *bench;
	int c, ret = DLP_EXIT_RUNTIME, full = 0, budget_given = 0, framework = 0;

	while ((c = getopt_long(argc, argv, ":h" DLP_CLI_COMMON_SHORTOPTS, opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(bench_help, stdout);
			return DLP_EXIT_OK;
		case ':':
			return dlp_cli_missing_value(argv[optind - 1]);
		case OPT_QUICK:
		case OPT_FULL:
			/* the later one silently winning would run what was not asked */
			if (budget_given && full != (c == OPT_FULL))
				return dlp_cli_usage("--quick and --full exclude each other");
			full = c == OPT_FULL;
			budget_given = 1;
			continue;
		case OPT_FRAMEWORK:
			framework = 1;
			continue;
		case OPT_BACKEND:
			backend = optarg;
			/* none: no kernels, for --framework alone */
			if (strcmp(backend, "all") && strcmp(backend, "none") && !dlp_backend_find(backend))
				return dlp_cli_usage("unknown backend \"%s\" (cpu, opencl, cuda, all or none)", backend);
			continue;
		default:
			if (dlp_cli_common_option(c, optarg) != 0)
				return dlp_cli_unknown_option(argv[optind - 1]);
		}
	}
	if (optind < argc)
		return dlp_cli_usage("bench takes no arguments (got \"%s\")", argv[optind]);
	if (!framework && strcmp(backend, "none") == 0)
		return dlp_cli_usage("--backend none measures nothing without --framework");
	ret = dlp_cli_check_output_path(dlp_cli.out_path);
	if (ret != DLP_EXIT_OK)
		return ret;
	if (dlp_bench_env_check())
		return dlp_cli_usage("%s", dlp_error_message());

	/* The probe's GPU enumeration is the bench's job when its backend runs. */
	po.skip_opencl = strcmp(backend, "all") && strcmp(backend, "opencl");
	po.skip_cuda = strcmp(backend, "all") && strcmp(backend, "cuda");
	probe = dlp_probe_run(&po);
	if (!probe) {
		ret = dlp_cli_fail("probe failed: %s", dlp_error_message());
		goto out;
	}
	doc = dlp_cli_document_new();
	json_object_set_new(doc, "probe", probe);
	bo.full = full;
	bo.budget_s = 0;
	bo.threads = (int)dlp_probe_effective_cpus(probe);
	if (bo.threads < 1)
		bo.threads = 1;
	bo.probe = probe;
	bo.progress = dlp_cli.quiet ? NULL : dlp_cli_progress;
	bench = strcmp(backend, "none") == 0 ? json_pack("{s:s,s:[]}", "mode", full ? "full" : "quick", "backends")
					     : dlp_bench_run(backend, &bo);
	if (!bench) {
		ret = dlp_cli_fail("bench failed: %s", dlp_error_message());
		goto out;
	}
	json_object_set_new(doc, "bench", bench);
	if (framework)
		dlp_cli_bench_framework(probe, bench);
	dlp_cli_progress_done();
	dlp_cli_print_text(dlp_report_bench_text, doc);
	ret = dlp_cli_emit_json(doc);
out:
	json_decref(doc);
	return ret;
}
