/* `dlprobe` with no command: probe, a quick bench of the CPU and of every
 * backend the probe found a device on, and the built-in scenario's estimates
 * and verdict, from this machine's own measurements (the deep model on the
 * fastest measured device, the classical model on the CPU). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/estimate_cli.h"
#include "dlprobe/json.h"
#include "dlprobe/probe.h"
#include "kernels/backend.h"
#include "report/report.h"

/* Whether the probe found a device the backend can bench: any CUDA device;
 * an OpenCL device that is not the CPU (the CPU is benched natively, and
 * PoCL on it costs half a minute for figures the cpu backend has). */
static int status_ok(const json_t *o)
{
	const char *st = json_string_value(json_object_get(o, "status"));

	return st && strcmp(st, "ok") == 0;
}

static int probe_has_device(const json_t *probe, const char *backend)
{
	const json_t *pl, *dev;
	size_t i, j;

	if (strcmp(backend, "cuda") == 0) {
		json_array_foreach(json_object_get(json_object_get(probe, "cuda"), "devices"), i, dev)
			if (status_ok(dev))
				return 1;
		return 0;
	}
	json_array_foreach(json_object_get(json_object_get(probe, "opencl"), "platforms"), i, pl)
		json_array_foreach(json_object_get(pl, "devices"), j, dev) {
			const char *type = json_string_value(json_object_get(dev, "type"));
			if (status_ok(dev) && type && strcmp(type, "cpu") != 0)
				return 1;
		}
	return 0;
}

/* The quick bench of the CPU, then of each accelerator backend with a
 * device, as one "bench" section. */
static json_t *bench_machine(const json_t *probe, const dlp_bench_opts *bo)
{
	static const char *const accel[] = { "cuda", "opencl" };
	json_t *bench = dlp_bench_run("cpu", bo), *more;
	size_t i;

	for (i = 0; bench && i < sizeof accel / sizeof accel[0]; i++) {
		if (!dlp_backend_find(accel[i]) || !probe_has_device(probe, accel[i]))
			continue;
		more = dlp_bench_run(accel[i], bo);
		if (more)
			json_array_extend(json_object_get(bench, "backends"), json_object_get(more, "backends"));
		json_decref(more);
	}
	return bench;
}

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
	if (dlp_bench_env_check())
		return dlp_cli_usage("%s", dlp_error_message());
	dlp_cli_progress(NULL, "probing the machine");
	probe = dlp_probe_run(&po);
	if (!probe) {
		ret = dlp_cli_fail("probe failed: %s", dlp_error_message());
		goto out;
	}
	doc = dlp_cli_document_new();
	json_object_set_new(doc, "probe", probe);
	/* -v: the whole probe now; otherwise one line with the bench's */
	if (!dlp_cli.json && !dlp_cli.csv && dlp_cli.verbose) {
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
	bench = bench_machine(probe, &bo);
	dlp_cli_progress_done();
	if (!bench) {
		ret = dlp_cli_fail("bench failed: %s", dlp_error_message());
		goto out;
	}
	json_object_set_new(doc, "bench", bench);
	/* the frameworks as installed: their figures are "as configured" */
	dlp_cli_bench_framework(probe, bench);
	/* the CSV is the estimates' alone: one header, one table */
	if (!dlp_cli.json && !dlp_cli.csv) {
		dlp_cli_print_text(dlp_cli.verbose ? dlp_report_bench_text : dlp_report_summary_text, doc);
		fputc('\n', stdout);
	}

	ret = dlp_cli_default_scenario(doc, 1, doc);
	if (ret != DLP_EXIT_OK)
		goto out;
	dlp_cli_print_text(dlp_report_estimate_text, doc);
	ret = dlp_cli_emit_json(doc);
out:
	json_decref(doc);
	return ret;
}
