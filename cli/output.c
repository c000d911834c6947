#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/clock.h"
#include "dlprobe/json.h"
#include "dlprobe/probe.h"

struct dlp_cli dlp_cli;

static void vline(const char *fmt, va_list ap)
{
	dlp_cli_progress_done();
	fputs("dlprobe: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int dlp_cli_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(fmt, ap);
	va_end(ap);
	return DLP_EXIT_USAGE;
}

int dlp_cli_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(fmt, ap);
	va_end(ap);
	return DLP_EXIT_RUNTIME;
}

void dlp_cli_note(const char *fmt, ...)
{
	va_list ap;

	if (dlp_cli.quiet)
		return;
	va_start(ap, fmt);
	vline(fmt, ap);
	va_end(ap);
}

#define LABEL_MAX 80

/* A common option with a bad value has said so already: every command
 * answers a non-zero dlp_cli_common_option() with dlp_cli_unknown_option(),
 * which then returns this exit code instead of a second message. */
static int option_error;

/* A label goes into tables and file names: printable, one line, short. */
static int set_label(const char *arg)
{
	const unsigned char *p;

	if (!*arg || strlen(arg) > LABEL_MAX)
		return option_error = dlp_cli_usage("--label needs 1 to %d characters", LABEL_MAX);
	for (p = (const unsigned char *)arg; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return option_error = dlp_cli_usage("--label must be printable text on one line");
	dlp_cli.label = arg;
	return 0;
}

json_t *dlp_cli_document_new(void)
{
	json_t *doc = dlp_json_document_new(), *host = dlp_probe_host(NULL);

	json_object_set_new(host, "label", dlp_json_str(dlp_cli.label));
	json_object_set_new(host, "run_duration_s", json_null());
	json_object_set_new(doc, "host", host);
	return doc;
}

int dlp_cli_common_option(int c, const char *arg)
{
	switch (c) {
	case DLP_CLI_OPT_JSON: dlp_cli.json = 1; return 0;
	case 'q': dlp_cli.quiet = 1; return 0;
	case 'v': dlp_cli.verbose = 1; return 0;
	case 'o': dlp_cli.out_path = arg; return 0;
	case DLP_CLI_OPT_CSV: dlp_cli.csv = 1; return 0;
	case DLP_CLI_OPT_LABEL: return set_label(arg);
	}
	return -1;
}

int dlp_cli_unknown_option(const char *arg)
{
	if (option_error)
		return option_error;
	/* In a cluster such as -qx, getopt names the bad letter in optopt. */
	if (arg[0] == '-' && arg[1] != '-' && arg[1] && arg[2] && optopt > 0)
		return dlp_cli_usage("unknown option -%c in %s (try --help)", optopt, arg);
	return dlp_cli_usage("unknown option %s (try --help)", arg);
}

int dlp_cli_missing_value(const char *arg)
{
	return dlp_cli_usage("option %s needs a value (try --help)", arg);
}

static int progress_shown;

void dlp_cli_progress(void *user, const char *what)
{
	(void)user;
	if (dlp_cli.quiet || !isatty(STDERR_FILENO))
		return;
	fprintf(stderr, "\r\033[K%s", what);
	fflush(stderr);
	progress_shown = 1;
}

void dlp_cli_progress_done(void)
{
	if (progress_shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		progress_shown = 0;
	}
}

const char *dlp_cli_bold(void)
{
	return dlp_cli.color ? "\033[1m" : "";
}

const char *dlp_cli_reset(void)
{
	return dlp_cli.color ? "\033[0m" : "";
}

/* "-", and a path that is this process's standard output (/dev/stdout,
 * /proc/self/fd/1 on a pipe, a terminal or a redirected file): written to
 * the descriptor, never renamed over. Any other device or FIFO stays
 * refused (check_output_path): -o promises all or nothing. */
int dlp_cli_names_stdout(const char *path)
{
	struct stat st, so;

	if (!strcmp(path, "-"))
		return 1;
	return stat(path, &st) == 0 && fstat(STDOUT_FILENO, &so) == 0 && st.st_dev == so.st_dev &&
	       st.st_ino == so.st_ino;
}

static int write_stream(const char *text, size_t len)
{
	if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0)
		return dlp_cli_fail("cannot write to standard output: %s", strerror(errno));
	return DLP_EXIT_OK;
}

int dlp_cli_write_output(const char *text, size_t len)
{
	if (!dlp_cli.out_path || dlp_cli_names_stdout(dlp_cli.out_path))
		return write_stream(text, len);
	return dlp_cli_write_text(text, len, dlp_cli.out_path);
}

static int write_file(const json_t *doc, const char *path)
{
	char *text;
	int rc;

	if (!dlp_cli_names_stdout(path))
		return dlp_cli_write_file(doc, path);
	text = json_dumps(doc, JSON_INDENT(2));
	if (!text)
		return dlp_cli_fail("cannot write %s: out of memory", path);
	rc = write_stream(text, strlen(text));
	if (rc == DLP_EXIT_OK)
		rc = write_stream("\n", 1);
	free(text);
	return rc;
}

/* -o naming standard output takes its place: no human text beside it. */
static int out_is_stdout(void)
{
	return dlp_cli.out_path && dlp_cli_names_stdout(dlp_cli.out_path);
}

int dlp_cli_emit_json(json_t *doc)
{
	int ret = DLP_EXIT_OK;
	json_t *host = json_object_get(doc, "host");

	if (json_is_object(host) && dlp_cli.started_s > 0)
		json_object_set_new(host, "run_duration_s", dlp_json_real(dlp_clock_s(CLOCK_MONOTONIC) - dlp_cli.started_s));

	if (dlp_cli.out_path && !(dlp_cli.json && out_is_stdout())) {
		ret = write_file(doc, dlp_cli.out_path);
		if (ret != DLP_EXIT_OK)
			return ret;
	}
	if (dlp_cli.json) {
		if (json_dumpf(doc, stdout, JSON_INDENT(2)) != 0 || fputc('\n', stdout) == EOF ||
		    fflush(stdout) != 0)
			return dlp_cli_fail("cannot write to standard output: %s", strerror(errno));
	}
	return ret;
}

static const char *const checked_sections[] = { "host", "workload", "estimates", "verdict", "reference_verdicts", NULL };

/* jansson's own open error repeats the path ("unable to open P: ...") and
 * reads a directory as an empty document: open it here to say what is wrong. */
json_t *dlp_cli_read_json(const char *path, size_t flags)
{
	json_error_t e;
	json_t *doc = NULL;
	struct stat st;
	FILE *f = NULL;

	if (strcmp(path, "-") == 0) {
		doc = json_loadf(stdin, flags, &e);
	} else if (!(f = fopen(path, "r"))) {
		dlp_error_set("cannot read %s: %s", path, strerror(errno));
		goto out;
	} else if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		dlp_error_set("cannot read %s: %s", path, strerror(EISDIR));
		goto out;
	} else {
		doc = json_loadf(f, flags, &e);
	}
	if (!doc) {
		if (e.line <= 0)
			dlp_error_set("cannot read %s: %s", path, e.text);
		else
			dlp_error_set("%s:%d:%d: invalid JSON: %s", path, e.line, e.column, e.text);
	}
out:
	if (f)
		fclose(f);
	return doc;
}

json_t *dlp_cli_load_document(const char *path)
{
	json_t *doc = dlp_cli_read_json(path, JSON_REJECT_DUPLICATES);

	if (!doc)
		return NULL;
	/* the sections estimates rest on are checked against the shipped
	 * schema, field by field; probe and bench are read defensively by
	 * their readers (a bench from another version still estimates) */
	if (dlp_json_check_schema(doc) != 0 || dlp_json_validate_sections(doc, checked_sections) != 0) {
		char msg[512];
		snprintf(msg, sizeof msg, "%s: %s", path, dlp_error_message());
		dlp_error_set("%s", msg);
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* The CSV rendering of a document that a text renderer shows; none for
 * the others (probe, list: nothing tabular per row to keep). */
static const struct {
	dlp_report_fn text, csv;
} csv_of[] = {
	{ dlp_report_bench_text, dlp_report_bench_csv },
	{ dlp_report_summary_text, NULL },
	{ dlp_report_estimate_text, dlp_report_estimate_csv },
};

void dlp_cli_print_text(dlp_report_fn render, const json_t *doc)
{
	struct dlp_style st = { dlp_cli_bold(), dlp_cli_reset(), dlp_cli.verbose };
	size_t i;

	if (dlp_cli.json || out_is_stdout())
		return;
	if (dlp_cli.csv) {
		for (i = 0; i < sizeof csv_of / sizeof csv_of[0]; i++)
			if (csv_of[i].text == render && csv_of[i].csv)
				csv_of[i].csv(stdout, doc, &st);
		return;
	}
	render(stdout, doc, &st);
}
