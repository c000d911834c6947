/* `dlprobe show FILE`: any saved document rendered again, as text (default),
 * CSV (--csv), HTML (--html) or JSON (--json); `dlprobe report FILE... -o
 * report.html`: one self-contained HTML page over several documents. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "dlprobe/json.h"
#include "estimator/estimator.h"
#include "report/report.h"

#define MAX_DOCS 32
#define OPT_HTML 0x3001

/* A default run's document: its head (machine and measurements), then the
 * scenarios, as `dlprobe` printed them. */
static int default_run_text(FILE *out, const json_t *doc, const struct dlp_style *st)
{
	if (json_object_get(doc, "bench")) {
		if (dlp_report_summary_text(out, doc, st))
			return -1;
		fputc('\n', out);
	}
	return dlp_report_estimate_text(out, doc, st);
}

/* What a document holds decides how it is shown: the first section found. */
static const struct view {
	const char *section;
	dlp_report_fn text, csv;
} views[] = {
	{ "estimates", default_run_text, dlp_report_estimate_csv },
	{ "bench", dlp_report_bench_text, dlp_report_bench_csv },
	{ "probe", dlp_report_probe_text, NULL },
	{ "cluster", dlp_report_cluster_text, NULL },
	{ "models", dlp_report_list_text, NULL },
	{ "datasets", dlp_report_list_text, NULL },
	{ "instances", dlp_report_list_text, NULL },
};

static const char show_help[] =
"Usage: dlprobe show FILE [--csv | --html | --json] [-o FILE] [-v]\n"
"Renders a saved dlprobe document again: text (default), CSV (bench results,\n"
"estimates), a self-contained HTML page, or the JSON itself. FILE \"-\" is\n"
"standard input; -o writes the rendering (\"-\": standard output).\n"
"\n"
"Example: dlprobe show bench.json --csv -o bench.csv\n";

static const char report_help[] =
"Usage: dlprobe report FILE... -o report.html\n"
"One self-contained HTML page (inline SVG and CSS, nothing fetched) over the\n"
"documents given: per measured device a roofline of its GEMM results against\n"
"its measured peak and bandwidth; per scenario time and cost bars (low,\n"
"expected, high) for every machine, the verdict, memory fit and dominant\n"
"layers. Without -o the page goes to standard output.\n"
"\n"
"Example: dlprobe report bench.json estimate.json -o report.html\n";

/* Render into memory, then hand it to the one writer (-o or stdout). */
static int render_out(int (*fn)(FILE *, const json_t *const *, size_t, const struct dlp_style *),
		      dlp_report_fn one, const json_t *const *docs, size_t n)
{
	struct dlp_style st = { "", "", dlp_cli.verbose };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc, bad;

	if (!f)
		return dlp_cli_fail("out of memory");
	bad = fn ? fn(f, docs, n, &st) : one(f, docs[0], &st);
	if (fclose(f) != 0 || bad) {
		free(buf);
		return dlp_cli_fail("cannot render the document");
	}
	rc = dlp_cli_write_output(buf, len);
	free(buf);
	return rc;
}

static int run(int argc, char **argv, int report)
{
	static const struct option opts[] = {
		DLP_CLI_COMMON_LONGOPTS,
		{ "html", no_argument, NULL, OPT_HTML },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	json_t *docs[MAX_DOCS];
	size_t n = 0, i, v;
	int c, html = report, rc = DLP_EXIT_USAGE;

	while ((c = getopt_long(argc, argv, ":h" DLP_CLI_COMMON_SHORTOPTS, opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(report ? report_help : show_help, stdout);
			return DLP_EXIT_OK;
		case ':':
			return dlp_cli_missing_value(argv[optind - 1]);
		case OPT_HTML:
			html = 1;
			break;
		default:
			if (dlp_cli_common_option(c, optarg) != 0)
				return dlp_cli_unknown_option(argv[optind - 1]);
		}
	}
	if (report && (dlp_cli.csv || dlp_cli.json))
		return dlp_cli_usage("report writes HTML: for %s use show", dlp_cli.csv ? "--csv" : "--json");
	if (dlp_cli.csv + dlp_cli.json + html > 1)
		return dlp_cli_usage("--csv, --html and --json exclude each other");
	if (optind >= argc)
		return dlp_cli_usage("%s needs a document file (try --help)", report ? "report" : "show");
	if (!report && argc - optind > 1)
		return dlp_cli_usage("show takes one document (got \"%s\" too; report takes several)", argv[optind + 1]);
	if (argc - optind > MAX_DOCS)
		return dlp_cli_usage("at most %d documents", MAX_DOCS);
	rc = dlp_cli_check_output_path(dlp_cli.out_path);
	if (rc != DLP_EXIT_OK)
		return rc;
	for (; optind < argc; optind++) {
		if (!(docs[n] = dlp_cli_load_document(argv[optind]))) {
			rc = dlp_cli_usage("%s", dlp_error_message());
			goto out;
		}
		n++;
	}
	if (html) {
		rc = render_out(dlp_report_html, NULL, (const json_t *const *)docs, n);
		goto out;
	}
	if (dlp_cli.json) {
		/* the document itself, through the one writer */
		char *text = json_dumps(docs[0], JSON_INDENT(2)), *nl;
		size_t len = text ? strlen(text) : 0;

		if (!text || !(nl = realloc(text, len + 2))) {
			free(text);
			rc = dlp_cli_fail("out of memory");
			goto out;
		}
		nl[len++] = '\n';
		nl[len] = '\0';
		dlp_cli.json = 0;
		rc = dlp_cli_write_output(nl, len);
		free(nl);
		goto out;
	}
	for (v = 0; v < sizeof views / sizeof views[0]; v++)
		if (json_object_get(docs[0], views[v].section))
			break;
	if (v == sizeof views / sizeof views[0]) {
		rc = dlp_cli_usage("%s: no section dlprobe can show (estimates, bench, probe, cluster, list)", argv[argc - 1]);
		goto out;
	}
	/* a section of the wrong type renders as nothing: say it is damaged */
	if (!json_is_object(json_object_get(docs[0], views[v].section)) &&
	    !json_is_array(json_object_get(docs[0], views[v].section))) {
		rc = dlp_cli_usage("%s: its %s section is not an object or a list: a damaged document", argv[argc - 1],
				   views[v].section);
		goto out;
	}
	if (!strcmp(views[v].section, "bench") &&
	    !json_is_array(json_object_get(json_object_get(docs[0], "bench"), "backends"))) {
		rc = dlp_cli_usage("%s: %s", argv[argc - 1], DLP_NOT_BENCH_DOC);
		goto out;
	}
	if (dlp_cli.csv && !views[v].csv) {
		rc = dlp_cli_usage("no CSV for a %s document (CSV: bench results and estimates)", views[v].section);
		goto out;
	}
	rc = render_out(NULL, dlp_cli.csv ? views[v].csv : views[v].text, (const json_t *const *)docs, 1);
out:
	for (i = 0; i < n; i++)
		json_decref(docs[i]);
	return rc;
}

int dlp_cmd_show(int argc, char **argv)
{
	return run(argc, argv, 0);
}

int dlp_cmd_report(int argc, char **argv)
{
	return run(argc, argv, 1);
}
