/* `dlprobe list models|datasets|instances`: what is built in, as a document
 * (the table is report/list_text.c). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "dlprobe/json.h"
#include "estimator/estimator.h"
#include "report/report.h"

static const char list_help[] =
"Usage: dlprobe list models|datasets|instances [--json] [-o FILE]\n"
"What is built in: the model zoo (parameters, MACs, source), the dataset\n"
"presets and the cloud instance catalog (GPUs, memory, dated prices with\n"
"their sources).\n"
"\n"
"Example: dlprobe list instances\n";

int dlp_cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		DLP_CLI_COMMON_LONGOPTS,
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c, rc = DLP_EXIT_OK;
	const char *what;
	json_t *doc, *arr = json_array();
	size_t i;

	while ((c = getopt_long(argc, argv, ":h" DLP_CLI_COMMON_SHORTOPTS, opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(list_help, stdout);
			json_decref(arr);
			return DLP_EXIT_OK;
		}
		if (c == ':' || dlp_cli_common_option(c, optarg) != 0) {
			json_decref(arr);
			return c == ':' ? dlp_cli_missing_value(argv[optind - 1]) : dlp_cli_unknown_option(argv[optind - 1]);
		}
	}
	if (optind + 1 != argc) {
		json_decref(arr);
		return dlp_cli_usage("list needs exactly one of: models, datasets, instances");
	}
	if (dlp_cli.csv) {
		json_decref(arr);
		return dlp_cli_usage("list has no CSV (--json gives the whole list)");
	}
	rc = dlp_cli_check_output_path(dlp_cli.out_path);
	if (rc != DLP_EXIT_OK) {
		json_decref(arr);
		return rc;
	}
	what = argv[optind];
	doc = dlp_cli_document_new();
	if (strcmp(what, "models") == 0) {
		const char *n;
		for (i = 0; (n = dlp_model_zoo_name(i)); i++) {
			dlp_model *m = dlp_model_from_spec(n, 0, 0, 0, 0);
			if (!m)
				continue;
			json_array_append_new(arr, dlp_model_summary_json(m));
			dlp_model_free(m);
		}
	} else if (strcmp(what, "datasets") == 0) {
		json_t *all = dlp_dataset_list_json(), *d;
		json_array_foreach(json_object_get(all, "datasets"), i, d)
			json_array_append(arr, d);
		json_array_foreach(json_object_get(all, "parametric"), i, d)
			json_array_append(arr, d);
		json_decref(all);
	} else if (strcmp(what, "instances") == 0) {
		const json_t *it;
		json_array_foreach(json_object_get(dlp_catalog(), "instances"), i, it)
			json_array_append_new(arr, json_deep_copy(it));
		/* with the models they name, the document is itself a catalog
		 * that `estimate --catalog` reads back (edited prices, say) */
		json_object_set_new(doc, "gpu_models", json_deep_copy(json_object_get(dlp_catalog(), "gpu_models")));
		json_object_set_new(doc, "cpu_models", json_deep_copy(json_object_get(dlp_catalog(), "cpu_models")));
	} else {
		json_decref(arr);
		json_decref(doc);
		return dlp_cli_usage("list: unknown \"%s\" (models, datasets, instances)", what);
	}
	json_object_set_new(doc, what, arr);
	dlp_cli_print_text(dlp_report_list_text, doc);
	if (dlp_cli.json || dlp_cli.out_path)
		rc = dlp_cli_emit_json(doc);
	json_decref(doc);
	return rc;
}
