/* `dlprobe` with no command: probe, a quick CPU bench, and the built-in
 * scenario's estimates and verdict, from this machine's own measurements. */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/estimate_cli.h"
#include "dlprobe/json.h"
#include "dlprobe/probe.h"
#include "kernels/backend.h"
#include "report/report.h"

int dlp_cmd_default(int argc, char **argv)
{
	dlp_probe_opts po = { 0 };
	dlp_bench_opts bo = { 0 };
	json_t *doc = NULL, *probe, *bench;
	int ret;

	(void)argc;
	(void)argv;
	ret = dlp_cli_check_output_path(dlp_cli.out_path);
	if (ret != DLP_EXIT_OK)
		return ret;
	dlp_cli_progress(NULL, "probing the machine");
	probe = dlp_probe_run(&po);
	if (!probe) {
		ret = dlp_cli_fail("probe failed: %s", dlp_error_message());
		goto out;
	}
	doc = dlp_cli_document_new();
	json_object_set_new(doc, "probe", probe);
	/* -v: the whole probe now; otherwise one line with the bench's */
	if (!dlp_cli.json && dlp_cli.verbose) {
		dlp_cli_progress_done();
		dlp_cli_print_text(dlp_report_probe_text, doc);
		fputc('\n', stdout);
		fflush(stdout);
	}

	bo.threads = (int)dlp_probe_effective_cpus(probe);
	if (bo.threads < 1)
		bo.threads = 1;
	bo.probe = probe;
	bo.progress = dlp_cli.quiet ? NULL : dlp_cli_progress;
	bench = dlp_bench_run("cpu", &bo);
	dlp_cli_progress_done();
	if (!bench) {
		ret = dlp_cli_fail("bench failed: %s", dlp_error_message());
		goto out;
	}
	json_object_set_new(doc, "bench", bench);
	if (!dlp_cli.json) {
		dlp_cli_print_text(dlp_cli.verbose ? dlp_report_bench_text : dlp_report_summary_text, doc);
		fputc('\n', stdout);
	}

	ret = dlp_cli_default_scenario(doc, doc);
	if (ret != DLP_EXIT_OK)
		goto out;
	dlp_cli_print_text(dlp_report_estimate_text, doc);
	ret = dlp_cli_emit_json(doc);
out:
	json_decref(doc);
	return ret;
}
