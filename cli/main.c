#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/usage.h"
#include "common/clock.h"
#include "dlprobe/json.h"
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

/* What was built in and what this machine has: text, or with --json (and
 * -o) a document of its own. */
static int version(void)
{
	dlp_probe_opts o = { 0 };
	json_t *p, *doc;
	int cl = 0, cu = 0, rc;

	o.enum_timeout_s = 5;
	p = dlp_probe_run(&o);
	if (p) {
		const char *s = json_string_value(json_object_get(json_object_get(p, "opencl"), "status"));

		cl = s && strcmp(s, "ok") == 0;
		s = json_string_value(json_object_get(json_object_get(p, "cuda"), "status"));
		cu = s && strcmp(s, "ok") == 0;
	}
	json_decref(p);
	if (!dlp_cli.json && !dlp_cli.out_path) {
		printf("dlprobe %s\n", DLP_VERSION);
		printf("backends built in: %s\n", dlp_build_backends());
		printf("CUDA kernels built: %s\n", dlp_build_cuda_kernels() ? "yes (PTX embedded)" : "no (nvcc was absent)");
		printf("backends found at run time: cpu found, opencl %s, cuda %s\n", cl ? "found" : "not found",
		       cu ? "found" : "not found");
		return DLP_EXIT_OK;
	}
	if (!(doc = dlp_json_document_new()))
		return dlp_cli_fail("out of memory");
	json_object_set_new(doc, "backends_found", json_pack("{s:b,s:b,s:b}", "cpu", 1, "opencl", cl, "cuda", cu));
	rc = dlp_cli_emit_json(doc);
	json_decref(doc);
	return rc;
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
	int c, want_version = 0;

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
			/* after the other options: --version --json is a document */
			want_version = 1;
			break;
		case ':':
			return dlp_cli_missing_value(argv[optind - 1]);
		default:
			if (dlp_cli_common_option(c, optarg) != 0)
				return dlp_cli_unknown_option(argv[optind - 1]);
			break;
		}
	}
	if (want_version)
		return version();
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
