/* Backends are static descriptor tables (hwloc discovery components, BLIS
 * contexts): CPU, OpenCL and CUDA fill the same small interface, so a new
 * accelerator API is one new file and one line in kernels/backends.c. */
#ifndef DLPROBE_KERNELS_BACKEND_H
#define DLPROBE_KERNELS_BACKEND_H

#include <jansson.h>

#include "dlprobe/dlprobe.h"
#include "kernels/harness.h"

typedef struct dlp_bench_opts {
	int full;                 /* 0: --quick budgets, 1: --full */
	double budget_s;          /* per-measurement time budget */
	int threads;              /* effective CPUs for this process (probe) */
	const json_t *probe;      /* the probe document, for cache sizes etc. (may be NULL) */
	/* A focused re-run (kernels/bench.c): only the results the default
	 * scenario's estimates depend on most. A backend without such a list
	 * ignores it and measures everything. */
	int focus;
	/* A re-run or focused round (kernels/bench.c): the CPU backend then
	 * also times its threads' time off their CPUs (quiet_min_s), which a
	 * first run leaves alone, since its clock reads cost short samples a
	 * few percent on a quiet machine. */
	int rerun;
	/* Progress for long runs; the front end prints it, the library never does. */
	void (*progress)(void *user, const char *what);
	void *progress_user;
} dlp_bench_opts;

typedef struct dlp_backend {
	const char *name;         /* "cpu", "opencl", "cuda" */
	/* Enumerate devices and measure what the backend can: GEMM by dtype and
	 * shape, bandwidth, transfer, latency, and backend-specific kernels.
	 * Appends one object per device to `devices`, each with "status",
	 * "reason", "name" and a "results" array of dlp_result_new() objects.
	 * Returns -1 only when the backend itself could not run at all; a
	 * missing device is an entry with status "unavailable". */
	int (*run)(const dlp_bench_opts *o, json_t *devices);
	/* 1: run() honours dlp_bench_opts.focus (a focused re-run measures
	 * less than a whole one) */
	int focus;
} dlp_backend;

/* Run the backends named by `which` ("all" or one name) and return the
 * "bench" section: {"mode", "backends": [{"backend", status, reason,
 * "devices": [...]}]}. A backend that fails as a whole is an entry with
 * status "error"; NULL only for an unknown name (message set). */
json_t *dlp_bench_run(const char *which, const dlp_bench_opts *o);

/* 0 when the environment variables the bench reads (DLPROBE_BENCH_RERUNS,
 * DLPROBE_CPU_ISA, DLPROBE_BLAS_TIMEOUT_S, DLPROBE_GPU_TIMEOUT) are unset
 * or valid; else -1 with the message. The bench itself never refuses them
 * (a bad DLPROBE_GPU_TIMEOUT is the GPU backend's error): the front end calls
 * this first, so a typo is an error before anything is measured rather
 * than a silently ignored setting. */
int dlp_bench_env_check(void);

/* One backend's entry of that section: {"backend", status, reason,
 * "devices"}. An isolated backend whose probe section shows its driver
 * crashing or hanging is not run (an error entry says why); otherwise it
 * runs in a child that answers its devices as JSON, within
 * DLPROBE_GPU_TIMEOUT seconds or a default scaled by the devices probed. */
json_t *dlp_bench_run_backend(const dlp_backend *b, const dlp_bench_opts *o);

/* The table of compiled-in backends, NULL-terminated. */
extern const dlp_backend *const dlp_backends[];
const dlp_backend *dlp_backend_find(const char *name);
/* 1 for a backend that calls a vendor driver, which may crash or hang:
 * dlp_bench_run measures it in a child process with a deadline. */
int dlp_backend_isolated(const dlp_backend *b);

#endif
