/* The kernel and dtype vocabulary of include/dlprobe/bench.h. */
#include <string.h>

#include "dlprobe/bench.h"

static const struct {
	const char *name;
	size_t size;
} dtypes[DLP_NDTYPE] = {
	[DLP_FP32] = {"fp32", 4},
	[DLP_TF32] = {"tf32", 4},
	[DLP_FP16] = {"fp16", 2},
	[DLP_BF16] = {"bf16", 2},
	[DLP_FP64] = {"fp64", 8},
};

const char *dlp_dtype_name(enum dlp_dtype d)
{
	return (unsigned)d < DLP_NDTYPE ? dtypes[d].name : "?";
}

size_t dlp_dtype_size(enum dlp_dtype d)
{
	return (unsigned)d < DLP_NDTYPE ? dtypes[d].size : 0;
}

int dlp_dtype_parse(const char *s)
{
	int i;

	for (i = 0; s && i < DLP_NDTYPE; i++)
		if (strcmp(s, dtypes[i].name) == 0)
			return i;
	return -1;
}

#define CPU DLP_EMIT_CPU
#define OCL DLP_EMIT_OPENCL
#define CUDA DLP_EMIT_CUDA

static const dlp_kernel_info kernels[] = {
	{DLP_KERNEL_FMA_PEAK, CPU, DLP_RATE_GFLOPS, DLP_FIELD_PEAK, DLP_RULE_MOST_THREADS,
	 "peak per dtype: the rate without a measured GEMM, and the bound on GEMM figures"},
	{DLP_KERNEL_GEMM, CPU | OCL | CUDA, DLP_RATE_GFLOPS, DLP_FIELD_GEMM_RATES, DLP_RULE_GEMM_THREADS,
	 "the rate of every GEMM-shaped layer, interpolated by shape"},
	{DLP_KERNEL_STREAM_READ, OCL, NULL, DLP_FIELD_NONE, DLP_RULE_NONE,
	 "reported only: the estimator reads the triad"},
	{DLP_KERNEL_STREAM_COPY, CPU | OCL, NULL, DLP_FIELD_NONE, DLP_RULE_NONE,
	 "reported only: the estimator reads the triad"},
	{DLP_KERNEL_STREAM_SCALE, CPU, NULL, DLP_FIELD_NONE, DLP_RULE_NONE,
	 "reported only: the estimator reads the triad"},
	{DLP_KERNEL_STREAM_ADD, CPU, NULL, DLP_FIELD_NONE, DLP_RULE_NONE,
	 "reported only: the estimator reads the triad"},
	{DLP_KERNEL_STREAM_TRIAD, CPU | OCL, DLP_RATE_GBPS, DLP_FIELD_MEM_BW, DLP_RULE_MOST_THREADS,
	 "memory bandwidth: the roofline and every memory-bound term"},
	{DLP_KERNEL_HISTOGRAM, CPU, DLP_RATE_GUPDATES, DLP_FIELD_HISTOGRAM, DLP_RULE_MOST_AND_ONE,
	 "GBDT and forest split finding; the unit of the classical cost assumptions"},
	{DLP_KERNEL_DOT, CPU, DLP_RATE_GFLOPS, DLP_FIELD_DOT, DLP_RULE_MOST_THREADS,
	 "logistic regression and SVM epochs"},
	{DLP_KERNEL_AXPY, CPU, NULL, DLP_FIELD_NONE, DLP_RULE_NONE,
	 "reported only: dot bounds the same streaming work"},
	{DLP_KERNEL_HIST_GATHER, CPU, DLP_RATE_GUPDATES, DLP_FIELD_CLASSICAL, DLP_RULE_MOST_AND_ONE,
	 "GBDT: the smaller child's histogram at every level below the root"},
	{DLP_KERNEL_ROW_PARTITION, CPU, DLP_RATE_GROWS, DLP_FIELD_CLASSICAL, DLP_RULE_MOST_AND_ONE,
	 "GBDT: the rows' partition by the splits at every level"},
	{DLP_KERNEL_GBDT_NODE, CPU, DLP_RATE_GVALUES, DLP_FIELD_CLASSICAL, DLP_RULE_MOST_AND_ONE,
	 "GBDT: every node's sibling histogram by subtraction and split search over every bin"},
	{DLP_KERNEL_QUANTILE_SKETCH, CPU, DLP_RATE_GVALUES, DLP_FIELD_CLASSICAL, DLP_RULE_MOST_AND_ONE,
	 "GBDT: the bin edges and every value's bin, once per training"},
	{DLP_KERNEL_CART_SPLIT, CPU, DLP_RATE_GNLOGN, DLP_FIELD_CLASSICAL, DLP_RULE_MOST_AND_ONE,
	 "random forest: the exact splitter's gather, sort and scan, by node size"},
	{DLP_KERNEL_LOGISTIC_LOSS, CPU, DLP_RATE_GROWS, DLP_FIELD_CLASSICAL, DLP_RULE_MOST_AND_ONE,
	 "logistic regression's loss per row (one thread); GBDT's gradients per row (all threads)"},
	{DLP_KERNEL_LINEAR_PASS, CPU, DLP_RATE_GFLOPS, DLP_FIELD_CLASSICAL, DLP_RULE_MOST_AND_ONE,
	 "logistic regression and SVM: X w and X^T r per loss/gradient evaluation"},
	{DLP_KERNEL_FIRST_TOUCH, CPU, DLP_RATE_GBPS, DLP_FIELD_CLASSICAL, DLP_RULE_MOST_AND_ONE,
	 "logistic regression: the fresh pages of the row-length arrays each loss/gradient evaluation allocates"},
	{DLP_KERNEL_D2D, CUDA, DLP_RATE_GBPS, DLP_FIELD_MEM_BW, DLP_RULE_MOST_THREADS,
	 "device memory bandwidth (read+write, as the triad counts it): every memory-bound term on a GPU"},
	{DLP_KERNEL_H2D, OCL | CUDA, DLP_RATE_GBPS, DLP_FIELD_H2D, DLP_RULE_PINNED,
	 "input transfer to the device, and gradients of several devices over PCIe"},
	{DLP_KERNEL_D2H, OCL | CUDA, NULL, DLP_FIELD_NONE, DLP_RULE_NONE,
	 "reported only: training moves inputs to the device, not back"},
	{DLP_KERNEL_P2P, CUDA, NULL, DLP_FIELD_NONE, DLP_RULE_NONE,
	 "reported only: one measured device is modelled"},
	{DLP_KERNEL_LAUNCH_LATENCY, OCL | CUDA, DLP_RATE_LATENCY, DLP_FIELD_OP_OVERHEAD, DLP_RULE_LOWEST,
	 "the per-operator overhead on a GPU"},
};

const dlp_kernel_info *dlp_kernel_at(size_t i)
{
	return i < sizeof kernels / sizeof kernels[0] ? &kernels[i] : NULL;
}

const dlp_kernel_info *dlp_kernel_find(const char *kernel)
{
	size_t i;

	for (i = 0; kernel && i < sizeof kernels / sizeof kernels[0]; i++)
		if (strcmp(kernel, kernels[i].kernel) == 0)
			return &kernels[i];
	return NULL;
}
