#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/usage.h"
#include "common/clock.h"
#include "dlprobe/probe.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
	{ "probe", dlp_cmd_probe },
	{ "bench", dlp_cmd_bench },
	{ "estimate", dlp_cmd_estimate },
	{ "compare", dlp_cmd_compare },
	{ "list", dlp_cmd_list },
	{ "show", dlp_cmd_show },
	{ "report", dlp_cmd_report },
};

static int version(void)
{
	dlp_probe_opts o = { 0 };
	json_t *p;
	const char *cl = "not found", *cu = "not found";

	printf("dlprobe %s\n", DLP_VERSION);
	printf("backends built in: %s\n", dlp_build_backends());
	printf("CUDA kernels built: %s\n", dlp_build_cuda_kernels() ? "yes (PTX embedded)" : "no (nvcc was absent)");
	o.enum_timeout_s = 5;
	p = dlp_probe_run(&o);
	if (p) {
		const char *s = json_string_value(json_object_get(json_object_get(p, "opencl"), "status"));
		if (s && strcmp(s, "ok") == 0)
			cl = "found";
		s = json_string_value(json_object_get(json_object_get(p, "cuda"), "status"));
		if (s && strcmp(s, "ok") == 0)
			cu = "found";
	}
	printf("backends found at run time: cpu found, opencl %s, cuda %s\n", cl, cu);
	json_decref(p);
	return DLP_EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		DLP_CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *nc = getenv("NO_COLOR");
	size_t i;
	int c;

	dlp_cli.started_s = dlp_clock_s(CLOCK_MONOTONIC);
	/* a full or closed stdout is a failure, not a silent exit 0 */
	atexit(dlp_cli_close_stdout);
	dlp_cli.color = isatty(STDOUT_FILENO) && !(nc && *nc);
	/* "+": stop at the first non-option, the command; its options are its own. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:hV" DLP_CLI_COMMON_SHORTOPTS, opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(dlp_usage_text, stdout);
			return DLP_EXIT_OK;
		case 'V':
			return version();
		case ':':
			return dlp_cli_missing_value(argv[optind - 1]);
		default:
			if (dlp_cli_common_option(c, optarg) != 0)
				return dlp_cli_unknown_option(argv[optind - 1]);
			break;
		}
	}
	if (optind >= argc)
		return dlp_cmd_default(argc - optind + 1, argv + optind - 1);
	if (strcmp(argv[optind], "help") == 0) {
		fputs(dlp_usage_text, stdout);
		return DLP_EXIT_OK;
	}
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[optind], commands[i].name) == 0) {
			int sub = optind;

			optind = 0; /* glibc: 0 re-initialises getopt for the command's own parse */
			return commands[i].run(argc - sub, argv + sub);
		}
	return dlp_cli_usage("unknown command \"%s\" (try --help)", argv[optind]);
}
