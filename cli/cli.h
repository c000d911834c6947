/* The front end: the only code that prints or exits. Each subcommand is a
 * function `int dlp_cmd_NAME(int argc, char **argv)` returning an exit code
 * (enum dlp_exit); argv[0] is the subcommand name. */
#ifndef DLPROBE_CLI_H
#define DLPROBE_CLI_H

#include <stdio.h>
#include <jansson.h>

#include "dlprobe/dlprobe.h"
#include "report/report.h"

/* Options every subcommand shares, set by dlp_cli_common_option(). */
struct dlp_cli {
	int json;              /* --json: the document to stdout */
	const char *out_path;  /* -o FILE: the document to FILE, atomically */
	int quiet;             /* -q: no progress, no notes */
	int verbose;           /* -v */
	int color;             /* colour allowed: stdout is a terminal and NO_COLOR unset */
	int csv;               /* --csv: CSV instead of the human table */
	const char *label;     /* --label TEXT: names the machine in the document */
	double started_s;      /* CLOCK_MONOTONIC at start: the run's duration */
};
extern struct dlp_cli dlp_cli;

int dlp_cmd_probe(int argc, char **argv);
int dlp_cmd_bench(int argc, char **argv);
int dlp_cmd_estimate(int argc, char **argv);
int dlp_cmd_compare(int argc, char **argv);
int dlp_cmd_list(int argc, char **argv);
int dlp_cmd_default(int argc, char **argv);
int dlp_cmd_show(int argc, char **argv);
int dlp_cmd_report(int argc, char **argv);
/* Adds the framework probe's section (kernels/framework.h) to a bench
 * section, for the machine the probe describes. */
void dlp_cli_bench_framework(const json_t *probe, json_t *bench);

/* The options every subcommand accepts. A subcommand lists
 * DLP_CLI_COMMON_LONGOPTS in its long options, adds DLP_CLI_COMMON_SHORTOPTS
 * to its short ones (after a leading ':'), and hands each option it does not
 * know to dlp_cli_common_option(), which returns -1 when it is not a common
 * one either, else 0 (or an exit code > 0 for --help-like endings). */
#define DLP_CLI_COMMON_SHORTOPTS "qvo:"
#define DLP_CLI_OPT_JSON 0x1001
#define DLP_CLI_OPT_CSV 0x1002
#define DLP_CLI_OPT_LABEL 0x1003
#define DLP_CLI_COMMON_LONGOPTS \
	{ "json", no_argument, NULL, DLP_CLI_OPT_JSON }, \
	{ "csv", no_argument, NULL, DLP_CLI_OPT_CSV }, \
	{ "label", required_argument, NULL, DLP_CLI_OPT_LABEL }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "output", required_argument, NULL, 'o' }
int dlp_cli_common_option(int c, const char *arg);
/* The one-line message for an unknown option or a missing value, exit 2. */
int dlp_cli_unknown_option(const char *arg);
int dlp_cli_missing_value(const char *arg);

/* "dlprobe: <msg>" on stderr, one line; return DLP_EXIT_USAGE / DLP_EXIT_RUNTIME. */
int dlp_cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int dlp_cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A note on stderr unless -q. */
void dlp_cli_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Progress callback for the library (dlp_bench_opts.progress): a single
 * rewritten line on stderr, only when stderr is a terminal and not -q. */
void dlp_cli_progress(void *user, const char *what);
void dlp_cli_progress_done(void);

/* Write doc where the options say: -o FILE (temporary file in the same
 * directory, fsync, rename: a failure leaves no partial file) and/or stdout
 * with --json. Returns an exit code. */
int dlp_cli_emit_json(json_t *doc);
/* A new document that says where it came from: schema and tool
 * (dlp_json_document_new), and "host": hostname, --label, DMI vendor,
 * product and instance type; emit adds the run's duration. */
json_t *dlp_cli_document_new(void);
/* Rendered text (HTML, CSV) where -o says, the same way as documents:
 * standard output without -o or with "-", a FIFO or this process's own
 * standard output as a stream, a file atomically. Exit code. */
int dlp_cli_write_output(const char *text, size_t len);
/* Check early that -o FILE can be created, so a long run does not end in a
 * failure to write (the real write is still atomic). Exit code. */
int dlp_cli_check_output_path(const char *path);
/* The document to FILE as -o writes it (cli/outfile.c: whole or not at all,
 * through symlinks, keeping the old file's mode). Exit code. */
int dlp_cli_write_file(const json_t *doc, const char *path);
/* The same for text that is already whole (its last newline included). */
int dlp_cli_write_text(const char *text, size_t len, const char *path);
/* Whether -o PATH names this process's standard output ("-", /dev/stdout). */
int dlp_cli_names_stdout(const char *path);
/* atexit(): standard output flushed and closed, or exit 1 with a message. */
void dlp_cli_close_stdout(void);

/* Parse JSON from a file ("-" is stdin): NULL with a one-line message
 * naming the file (missing, a directory, unreadable, or where it is invalid). */
json_t *dlp_cli_read_json(const char *path, size_t flags);
/* Parse a JSON document from a file ("-" is stdin) and check its schema
 * major version. NULL with a one-line message in dlp_error_message(). */
json_t *dlp_cli_load_document(const char *path);

/* The human text of doc on stdout through a report/ renderer, unless --json
 * (the document goes to stdout then). */
void dlp_cli_print_text(dlp_report_fn render, const json_t *doc);

/* Text rendering helpers for tables. */
const char *dlp_cli_bold(void);
const char *dlp_cli_reset(void);

#endif
