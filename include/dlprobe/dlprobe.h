/* dlprobe: common types shared by probe/, kernels/, estimator/ and the front end.
 *
 * Conventions (hwloc/curl style):
 *   - functions return 0 on success and -1 on failure; the failure message is
 *     kept per thread and read with dlp_error_message();
 *   - the library never prints and never exits: only cli/ does;
 *   - every measured or detected thing carries a dlp_status and a reason.
 */
#ifndef DLPROBE_DLPROBE_H
#define DLPROBE_DLPROBE_H

#include <stddef.h>
#include <stdarg.h>

#define DLP_VERSION "0.1.0"

/* Major.minor of every JSON document dlprobe writes. A reader rejects another
 * major version; a minor bump only adds keys. */
#define DLP_SCHEMA_MAJOR 1
#define DLP_SCHEMA_MINOR 0
#define DLP_SCHEMA_VERSION "1.0"

/* Exit codes of the front end (documented in README and --help). */
enum dlp_exit {
	DLP_EXIT_OK = 0,
	DLP_EXIT_RUNTIME = 1,
	DLP_EXIT_USAGE = 2,
};

typedef enum dlp_status {
	DLP_STATUS_OK = 0,
	DLP_STATUS_UNAVAILABLE, /* not present on this machine or not built in */
	DLP_STATUS_SKIPPED,     /* present, but not measured by choice (budget, size) */
	DLP_STATUS_ERROR,       /* present and it failed: the reason says how */
} dlp_status;

const char *dlp_status_name(dlp_status s);

/* Per-thread last error. dlp_error_set() formats like printf and always
 * returns -1 so that `return dlp_error_set(...)` reads naturally. */
int dlp_error_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int dlp_error_vset(const char *fmt, va_list ap);
const char *dlp_error_message(void);
void dlp_error_clear(void);

/* Files from data/ compiled into the binary (NULL when there is no such file).
 * The bytes are NUL-terminated; *len excludes the terminator. */
const char *dlp_embedded_get(const char *name, size_t *len);
/* Iterate: returns the name of file i, NULL past the end. */
const char *dlp_embedded_name(size_t i);

/* Backends compiled into this binary, e.g. "cpu opencl cuda". */
const char *dlp_build_backends(void);
/* 1 when nvcc produced CUDA kernels at build time. */
int dlp_build_cuda_kernels(void);

#endif
