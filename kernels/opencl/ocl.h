/* Internal interface of the OpenCL backend (kernels/opencl/). Exposed so that
 * tests can drive single measurements with small sizes and reach the error
 * paths (oversized allocations, invalid work-groups) directly. */
#ifndef DLPROBE_KERNELS_OPENCL_OCL_H
#define DLPROBE_KERNELS_OPENCL_OCL_H

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "dlprobe/bench.h"
#include "kernels/backend.h"
#include "kernels/harness.h"
#include "kernels/host.h"

/* "CL_OUT_OF_RESOURCES" etc.; "CL error -N" for codes it does not know. */
const char *dlp_ocl_error_name(cl_int err);

/* dlp_error_set("NAME (code) at WHAT") and return -1. */
int dlp_ocl_fail(cl_int err, const char *what);

typedef struct dlp_ocl_dev {
	cl_platform_id platform;
	cl_device_id device;
	cl_context ctx;
	cl_command_queue q;       /* in order, profiling enabled */
	char name[256];
	char platform_name[256];
	char vendor[256];
	char version[256];
	char driver[128];
	cl_device_type type;
	cl_ulong global_mem, max_alloc, local_mem;
	size_t max_wg;
	cl_uint compute_units;
	int fp64, fp16;
} dlp_ocl_dev;

/* Fill the device description and create a context and queue. -1 with the
 * error name in the message; dlp_ocl_dev_close() is safe either way. */
int dlp_ocl_dev_open(dlp_ocl_dev *d, cl_platform_id p, cl_device_id id);
void dlp_ocl_dev_close(dlp_ocl_dev *d);
const char *dlp_ocl_type_name(cl_device_type t);

/* Build an embedded .cl file (e.g. "kernels/opencl/gemm.cl") with options.
 * The wall time of clBuildProgram goes to *build_s. On a build failure the
 * message carries the first line(s) of the build log. */
int dlp_ocl_build(dlp_ocl_dev *d, const char *file, const char *options,
		  cl_program *out, double *build_s);

/* Wait for e: 0 when its command completed, else -1 with the error it
 * ended with, what naming the command. */
int dlp_ocl_event_wait(cl_event e, const char *what);
/* Seconds between the start of e0 and the end of e1 (profiling info). */
int dlp_ocl_event_span(cl_event e0, cl_event e1, double *s);

/* ---- GEMM ---------------------------------------------------------------- */
/* CPU: A and B read as they are; PACKED: A and B packed into panels first
 * (A zero-padded to a multiple of MR rows, so M need not be one); PACKED_B:
 * only B packed, A read row-major. Packing runs inside the timed GEMM. */
enum dlp_ocl_family { DLP_OCL_CPU, DLP_OCL_PACKED, DLP_OCL_TILED, DLP_OCL_PACKED_B };

typedef struct dlp_ocl_gemm_kind {
	const char *kernel;       /* kernel function name in gemm.cl */
	enum dlp_ocl_family family;
	int mr;                   /* rows of C per work-item (CPU/PACKED/PACKED_B) */
	int tile;                 /* rows and columns of C per work-group (TILED) */
	int tk;                   /* k step of a TILED kernel */
	size_t lx, ly;            /* local size; CPU-shaped kernels: dimension 0
				   * walks row blocks (MR), dimension 1 column
				   * blocks (NR); TILED: columns, rows */
	int nr;                   /* columns of C per work-item (CPU-shaped): 16 or 32 (0: 16) */
} dlp_ocl_gemm_kind;

/* The auto-tune candidates, terminated by a NULL kernel name. */
extern const dlp_ocl_gemm_kind dlp_ocl_gemm_kinds[];

/* One verified, timed GEMM C(n x n) = A(n x n) B(n x n) with a kernel of
 * prog. Always returns a result object (NULL only when out of memory): a
 * CL error, a failed check or a limit is its status. check_limits = 0 skips
 * dlprobe's own limit checks so that the driver's errors are reached (tests).
 * *first_s (may be NULL) gets the wall time of the first, untimed call,
 * which includes any just-in-time compile. */
json_t *dlp_ocl_gemm(dlp_ocl_dev *d, cl_program prog, const dlp_ocl_gemm_kind *kind,
		     enum dlp_dtype dt, int n, const dlp_budget *b, int check_limits,
		     double *first_s);

/* Tune over dlp_ocl_gemm_kinds at n (short budget tb), record the
 * candidates and the choice in *tune (a new object), and return the index of
 * the fastest verified kind, or -1 when none worked. */
int dlp_ocl_gemm_tune(dlp_ocl_dev *d, cl_program prog, enum dlp_dtype dt, int n,
		      const dlp_budget *tb, json_t **tune);

/* Shared by ocl_gemm.c and ocl_clblast.c. */
/* Inputs as the device stores them, and the same values as floats for the
 * reference (fp16 inputs are rounded first, so the check sees what the
 * device saw). */
struct dlp_ocl_gemm_host {
	int n;
	enum dlp_dtype dt;
	size_t elem, celem;       /* bytes per stored input, per output element */
	float *af, *bf;
	void *ha, *hb, *hc;
};
int dlp_ocl_gemm_host_init(struct dlp_ocl_gemm_host *h, enum dlp_dtype dt, int n);
void dlp_ocl_gemm_host_free(struct dlp_ocl_gemm_host *h);
void dlp_ocl_gemm_result_shape(json_t *r, int n, const char *variant);
/* What every GEMM measurement ends with, own kernel or CLBlast: read C
 * back, check it against the host reference, then time rep. Fills r;
 * 0 when measured, -1 with the reason in dlp_error_message(). */
int dlp_ocl_gemm_verify_and_measure(dlp_ocl_dev *d, cl_mem C, struct dlp_ocl_gemm_host *h, int n,
				    dlp_rep_fn rep, void *run, const dlp_budget *b, json_t *r);

/* CLBlast's SGEMM at the same shape, the library loaded at run time (lib
 * NULL: libclblast.so.1). Status "unavailable" when it cannot be loaded. */
json_t *dlp_ocl_clblast_sgemm(dlp_ocl_dev *d, int n, const dlp_budget *b, const char *lib);

/* ---- memory, transfer, latency (mem.cl) ----------------------------------- */
/* kind: "read", "copy" or "triad"; bytes per array. */
json_t *dlp_ocl_bandwidth(dlp_ocl_dev *d, cl_program prog, const char *kind, size_t bytes,
			  const dlp_budget *b, int check_limits);
/* dir: "h2d" or "d2h"; variant: "pageable" (malloc'ed host memory),
 * "pinned" (host memory from a CL_MEM_ALLOC_HOST_PTR buffer, how OpenCL
 * exposes page-locked memory) or "mapped" (map, memcpy, unmap). */
json_t *dlp_ocl_transfer(dlp_ocl_dev *d, const char *dir, const char *variant, size_t bytes,
			 const dlp_budget *b, int check_limits);
/* Round trip of one empty kernel: enqueue then clFinish. */
json_t *dlp_ocl_launch_latency(dlp_ocl_dev *d, cl_program prog, const dlp_budget *b);

/* ---- the whole backend ------------------------------------------------------ */
typedef struct dlp_ocl_cfg {
	dlp_budget budget;        /* every measurement */
	dlp_budget tune_budget;   /* each auto-tune candidate */
	int tune_n;               /* auto-tune shape */
	int gemm_n[4];            /* fp32 GEMM shapes (0 ends the list) */
	int other_n;              /* fp64 and fp16 shape */
	size_t bw_bytes;          /* per array */
	size_t xfer_bytes;
	int clblast;              /* 1: measure CLBlast at the fp32 shapes */
	const char *clblast_why;  /* reason recorded when clblast == 0 */
	const char *clblast_lib;  /* NULL: libclblast.so.1 */
} dlp_ocl_cfg;

void dlp_ocl_cfg_from_opts(dlp_ocl_cfg *c, const dlp_bench_opts *o);
/* Measure one opened device into dev (a device object: results, keys). */
int dlp_ocl_bench_device(dlp_ocl_dev *d, const dlp_ocl_cfg *c, json_t *dev,
			 const dlp_bench_opts *o);
/* Enumerate every platform and device and bench each. */
int dlp_ocl_run_cfg(const dlp_ocl_cfg *c, const dlp_bench_opts *o, json_t *devices);

#endif
