#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "dlprobe/json.h"
#include "dlprobe/probe.h"
#include "report/report.h"

static const char probe_help[] =
"Usage: dlprobe probe [--json] [-o FILE] [-q] [-v]\n"
"Detects the CPU, caches, NUMA nodes, ISA extensions, memory and the limits\n"
"this process runs under, OpenCL and CUDA devices. Never benchmarks.\n"
"\n"
"  --json             the document to standard output\n"
"  -o FILE            the document to FILE (\"-\": standard output)\n"
"  --label TEXT       a name for this machine, kept in the document\n"
"  -q, -v             no notes; more detail (affinity, cgroup paths, drivers)\n"
"\n"
"Example: dlprobe probe -o probe.json --label rack3-node7\n";

int dlp_cmd_probe(int argc, char **argv)
{
	static const struct option opts[] = {
		DLP_CLI_COMMON_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	dlp_probe_opts po = { 0 };
	json_t *doc = NULL, *probe;
	int c, ret = DLP_EXIT_RUNTIME;

	while ((c = getopt_long(argc, argv, ":h" DLP_CLI_COMMON_SHORTOPTS, opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(probe_help, stdout);
			return DLP_EXIT_OK;
		}
		if (c == ':')
			return dlp_cli_missing_value(argv[optind - 1]);
		if (dlp_cli_common_option(c, optarg) != 0)
			return dlp_cli_unknown_option(argv[optind - 1]);
	}
	if (optind < argc)
		return dlp_cli_usage("probe takes no arguments (got \"%s\")", argv[optind]);
	if (dlp_cli.csv)
		return dlp_cli_usage("probe has no CSV (--json gives the whole document)");
	ret = dlp_cli_check_output_path(dlp_cli.out_path);
	if (ret != DLP_EXIT_OK)
		return ret;

	probe = dlp_probe_run(&po);
	if (!probe) {
		ret = dlp_cli_fail("probe failed: %s", dlp_error_message());
		goto out;
	}
	doc = dlp_cli_document_new();
	json_object_set_new(doc, "probe", probe);
	dlp_cli_print_text(dlp_report_probe_text, doc);
	ret = dlp_cli_emit_json(doc);
out:
	json_decref(doc);
	return ret;
}
