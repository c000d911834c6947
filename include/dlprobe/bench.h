/* The vocabulary kernels/ and estimator/ share: element types, the names of
 * the kernels a bench document reports and the keys of their rates, and how
 * the estimator reads each kernel's results into a hardware profile.
 *
 * A backend names its results with the DLP_KERNEL_* constants; the estimator
 * finds what it reads through dlp_kernel_find(). The JSON schema lists the
 * same names as an enum, and tests/vocab.py fails when a backend emits a
 * name this table does not have, or the table has one no backend emits: a
 * renamed kernel cannot silently drop out of the estimate. */
#ifndef DLPROBE_BENCH_H
#define DLPROBE_BENCH_H

#include <stddef.h>

/* ---- element types ---------------------------------------------------- */

/* The order is the order of every per-dtype table and JSON object. */
enum dlp_dtype { DLP_FP32, DLP_TF32, DLP_FP16, DLP_BF16, DLP_FP64, DLP_NDTYPE };

/* "fp32", "tf32", "fp16", "bf16", "fp64"; "?" out of range. */
const char *dlp_dtype_name(enum dlp_dtype d);
/* Bytes per element in memory (tf32 is stored as fp32); 0 out of range. */
size_t dlp_dtype_size(enum dlp_dtype d);
/* The dtype named s, or -1 (NULL included). */
int dlp_dtype_parse(const char *s);

/* ---- kernel names (bench result "kernel") ---------------------------- */

#define DLP_KERNEL_FMA_PEAK       "fma_peak"
#define DLP_KERNEL_GEMM           "gemm"
#define DLP_KERNEL_STREAM_READ    "stream_read"
#define DLP_KERNEL_STREAM_COPY    "stream_copy"
#define DLP_KERNEL_STREAM_SCALE   "stream_scale"
#define DLP_KERNEL_STREAM_ADD     "stream_add"
#define DLP_KERNEL_STREAM_TRIAD   "stream_triad"
#define DLP_KERNEL_HISTOGRAM      "histogram"
#define DLP_KERNEL_DOT            "dot"
#define DLP_KERNEL_AXPY           "axpy"
#define DLP_KERNEL_HIST_GATHER    "hist_gathered"
#define DLP_KERNEL_ROW_PARTITION  "row_partition"
#define DLP_KERNEL_GBDT_NODE      "gbdt_node"
#define DLP_KERNEL_QUANTILE_SKETCH "bin_sketch"
#define DLP_KERNEL_CART_SPLIT     "cart_split"
#define DLP_KERNEL_LOGISTIC_LOSS  "logistic_loss"
#define DLP_KERNEL_LINEAR_PASS    "linear_pass"
#define DLP_KERNEL_FIRST_TOUCH    "first_touch"
/* first_touch of memory advised MADV_HUGEPAGE, as numpy advises arrays */
#define DLP_VARIANT_HUGEPAGE      "hugepage"
#define DLP_KERNEL_D2D            "d2d"
#define DLP_KERNEL_H2D            "h2d"
#define DLP_KERNEL_D2H            "d2h"
#define DLP_KERNEL_P2P            "p2p"
#define DLP_KERNEL_LAUNCH_LATENCY "launch_latency"

/* ---- rate keys (the unit is in the key) ------------------------------- */

#define DLP_RATE_GFLOPS   "rate_gflops"
#define DLP_RATE_GBPS     "rate_gbps"
#define DLP_RATE_GUPDATES "rate_gupdates_per_s"
#define DLP_RATE_LATENCY  "latency_s"
#define DLP_RATE_GROWS    "rate_grows_per_s"     /* rows handled, G per second */
/* feature values handled (bin_sketch), or histogram bins tried as splits
 * (gbdt_node: nodes x features x bins), G per second */
#define DLP_RATE_GVALUES  "rate_gvalues_per_s"
/* sort-bound work: features x node rows x log2(node rows), G per second */
#define DLP_RATE_GNLOGN   "rate_gnlog2n_per_s"

/* ---- a workload's own shapes (estimate --measure) ---------------------- */

/* A convolution entry's geometry, in dlp_conv_geom's order: the request
 * the estimator builds (estimator/shapes.c) and the answer the framework
 * must repeat (kernels/measure.c). */
#define DLP_CONV_GEOM_KEYS "in", "h", "w", "out", "k", "stride", "pad", "groups", "dilation", "bias"

/* ---- how the estimator reads each kernel ------------------------------ */

/* The hardware-profile figure a kernel's results feed (estimator.h). */
enum dlp_profile_field {
	DLP_FIELD_NONE,        /* reported only: the time model has no term for it */
	DLP_FIELD_GEMM_RATES,  /* configured (vendor) or capability (dlprobe) rate sets */
	DLP_FIELD_PEAK,        /* peak_gflops[dtype] */
	DLP_FIELD_MEM_BW,      /* mem_bw_gbps */
	DLP_FIELD_HISTOGRAM,   /* hist_gups and hist_gups_1t */
	DLP_FIELD_DOT,         /* dot_gflops */
	DLP_FIELD_H2D,         /* h2d_gbps */
	DLP_FIELD_OP_OVERHEAD, /* op_overhead_s */
	DLP_FIELD_CLASSICAL,   /* one of the classical kernels' rates (dlp_profile.cls) */
};

/* Which of a kernel's results (thread counts, variants) the figure is. */
enum dlp_thread_rule {
	DLP_RULE_NONE,
	/* every shape, at the largest thread count any GEMM ran at (the whole
	 * device), bounded by the FMA peak measured at that count */
	DLP_RULE_GEMM_THREADS,
	/* the figure at the largest thread count, the best one there */
	DLP_RULE_MOST_THREADS,
	/* as DLP_RULE_MOST_THREADS, and the best one-thread figure beside it */
	DLP_RULE_MOST_AND_ONE,
	/* pinned host memory over any other variant (what data loaders use) */
	DLP_RULE_PINNED,
	/* the lowest figure (a latency) */
	DLP_RULE_LOWEST,
};

/* Which backends emit a kernel (dlp_kernel_info.backends). */
#define DLP_EMIT_CPU    1u
#define DLP_EMIT_OPENCL 2u
#define DLP_EMIT_CUDA   4u

typedef struct dlp_kernel_info {
	const char *kernel;             /* DLP_KERNEL_* */
	unsigned backends;              /* DLP_EMIT_* of the backends that emit it */
	const char *rate_key;           /* DLP_RATE_* the estimator reads; NULL when none */
	enum dlp_profile_field field;
	enum dlp_thread_rule rule;
	const char *why;                /* what the estimator uses it for, or why not */
} dlp_kernel_info;

/* Every kernel name a bench document may carry, NULL past the end. */
const dlp_kernel_info *dlp_kernel_at(size_t i);
/* The entry for a kernel name, NULL when unknown (NULL name included). */
const dlp_kernel_info *dlp_kernel_find(const char *kernel);

#endif
