/* What `dlprobe` prints and writes for a bench document it did not measure:
 * the bench table of a fixture, and the default run's scenario (estimates and
 * verdicts) from it. The golden-output test (tests/golden.sh) needs these
 * because `bench` and the default run measure this machine, which no fixed
 * expected output can match; everything after the measurement is here.
 *
 *   golden_render bench FILE [-v]       the bench table, as `dlprobe bench`
 *   golden_render scenario FILE [-v]    the scenario's text, as `dlprobe`
 *   golden_render scenario-json FILE    the scenario's document, as `dlprobe --json` */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/estimate_cli.h"
#include "dlprobe/json.h"
#include "report/report.h"

int main(int argc, char **argv)
{
	json_t *doc = NULL, *out = NULL;
	int rc = 2;

	if (argc < 3 || argc > 4)
		goto usage;
	dlp_cli.verbose = argc == 4 && strcmp(argv[3], "-v") == 0;
	doc = dlp_cli_load_document(argv[2]);
	if (!doc) {
		fprintf(stderr, "golden_render: %s\n", dlp_error_message());
		goto out;
	}
	if (strcmp(argv[1], "bench") == 0) {
		dlp_cli_print_text(dlp_report_bench_text, doc);
		rc = 0;
	} else if (strcmp(argv[1], "scenario") == 0 || strcmp(argv[1], "scenario-json") == 0) {
		out = dlp_cli_document_new();
		json_object_set(out, "probe", json_object_get(doc, "probe"));
		json_object_set(out, "bench", json_object_get(doc, "bench"));
		rc = dlp_cli_default_scenario(doc, 0, out);
		if (rc != DLP_EXIT_OK)
			goto out;
		dlp_cli.json = strcmp(argv[1], "scenario-json") == 0;
		/* what `dlprobe` prints after measuring: the head, then the scenarios */
		if (!dlp_cli.verbose) {
			dlp_cli_print_text(dlp_report_summary_text, out);
			if (!dlp_cli.json)
				fputc('\n', stdout);
		}
		dlp_cli_print_text(dlp_report_estimate_text, out);
		rc = dlp_cli_emit_json(out);
	} else {
		goto usage;
	}
out:
	json_decref(out);
	json_decref(doc);
	return rc;
usage:
	fputs("usage: golden_render bench|scenario|scenario-json FILE [-v]\n", stderr);
	return 2;
}
