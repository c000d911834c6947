#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "dlprobe/json.h"

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

int dlp_cli_common_option(int c, const char *arg)
{
	switch (c) {
	case DLP_CLI_OPT_JSON: dlp_cli.json = 1; return 0;
	case 'q': dlp_cli.quiet = 1; return 0;
	case 'v': dlp_cli.verbose = 1; return 0;
	case 'o': dlp_cli.out_path = arg; return 0;
	}
	return -1;
}

int dlp_cli_unknown_option(const char *arg)
{
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

/* A temporary name beside path: rename() is atomic only within a filesystem. */
static int open_temp(const char *path, char *tmp, size_t len)
{
	int fd;

	if (snprintf(tmp, len, "%s.tmp-XXXXXX", path) >= (int)len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkstemp(tmp);
	if (fd >= 0)
		fchmod(fd, 0644);
	return fd;
}

int dlp_cli_check_output_path(const char *path)
{
	char tmp[4096];
	struct stat st;
	int fd;

	if (!path)
		return DLP_EXIT_OK;
	if (!*path)
		return dlp_cli_usage("-o needs a file name");
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return dlp_cli_usage("cannot write %s: it is a directory", path);
	/* rename() would replace a device or a socket with our file */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return dlp_cli_usage("cannot write %s: not a regular file", path);
	fd = open_temp(path, tmp, sizeof tmp);
	if (fd < 0)
		return dlp_cli_fail("cannot write %s: %s", path, strerror(errno));
	close(fd);
	unlink(tmp);
	return DLP_EXIT_OK;
}

static int write_file(const json_t *doc, const char *path)
{
	char tmp[4096];
	FILE *f = NULL;
	int fd, ret = DLP_EXIT_RUNTIME, saved = 0;

	fd = open_temp(path, tmp, sizeof tmp);
	if (fd < 0) {
		ret = dlp_cli_fail("cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		ret = dlp_cli_fail("cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	if (json_dumpf(doc, f, JSON_INDENT(2)) != 0 || fputc('\n', f) == EOF || fflush(f) != 0 ||
	    fsync(fileno(f)) != 0) {
		saved = errno;
		ret = dlp_cli_fail("cannot write %s: %s", path, strerror(saved ? saved : EIO));
		goto out;
	}
	if (fclose(f) != 0) {
		f = NULL;
		ret = dlp_cli_fail("cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	f = NULL;
	if (rename(tmp, path) != 0) {
		ret = dlp_cli_fail("cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	tmp[0] = '\0';
	ret = DLP_EXIT_OK;
out:
	if (f)
		fclose(f);
	if (tmp[0] && fd >= 0)
		unlink(tmp);
	return ret;
}

int dlp_cli_emit_json(const json_t *doc)
{
	int ret = DLP_EXIT_OK;

	if (dlp_cli.out_path) {
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

json_t *dlp_cli_load_document(const char *path)
{
	json_error_t e;
	json_t *doc;

	if (strcmp(path, "-") == 0)
		doc = json_loadf(stdin, JSON_REJECT_DUPLICATES, &e);
	else
		doc = json_load_file(path, JSON_REJECT_DUPLICATES, &e);
	if (!doc) {
		if (e.line <= 0)
			dlp_error_set("cannot read %s: %s", path, e.text);
		else
			dlp_error_set("%s:%d:%d: invalid JSON: %s", path, e.line, e.column, e.text);
		return NULL;
	}
	if (dlp_json_check_schema(doc) != 0) {
		char msg[512];
		snprintf(msg, sizeof msg, "%s: %s", path, dlp_error_message());
		dlp_error_set("%s", msg);
		json_decref(doc);
		return NULL;
	}
	return doc;
}

void dlp_cli_print_text(dlp_report_fn render, const json_t *doc)
{
	struct dlp_style st = { dlp_cli_bold(), dlp_cli_reset(), dlp_cli.verbose };

	if (!dlp_cli.json)
		render(stdout, doc, &st);
}
