/* Software stacks (data/stacks.json): what a training framework makes of the
 * hardware, as parameters of the estimate. */
#ifndef DLP_ESTIMATOR_STACK_H
#define DLP_ESTIMATOR_STACK_H

#include "estimator/estimator.h"

enum dlp_stack_id { DLP_STACK_TUNED, DLP_STACK_EAGER, DLP_STACK_LEGACY, DLP_NSTACK };
enum dlp_attention { DLP_ATTN_STACK = 0, DLP_ATTN_FLASH, DLP_ATTN_MATERIALIZED };

typedef struct dlp_stack {
	const char *name;
	double gemm_scale;        /* of the library's GEMM efficiency */
	double eltwise_traffic;   /* multiplier on non-GEMM memory traffic (fusion < 1) */
	double gpu_op_overhead_s; /* one operator's dispatch on a GPU */
	enum dlp_attention attention;
	int fused_optimizer;      /* one multi-tensor optimizer kernel per weighted layer */
	int fused_logits;         /* LM head + loss without materialising the logits */
	int allreduce_overlap;    /* buckets reduced during the backward pass */
	int winograd;             /* 3x3 stride-1 fp32 convolutions by Winograd */
	int channels_last;        /* activations kept NHWC: no layout transposes around convolutions */
	double sync_wait_s;       /* each data-parallel step waits this for the slowest rank, */
	double sync_wait_fraction; /* but at most this fraction of the rank's own step */
} dlp_stack;

typedef struct dlp_stack_data {
	dlp_stack stack[DLP_NSTACK];
	double low_margin, high_margin;
	double attn_passes_fwd, attn_passes_bwd, flash_bwd_flops;
	double winograd_gain;
	double busbw_fraction, network_fraction, latency_intra_s, latency_inter_s, bucket_bytes;
	double attn_dropout_passes;
	double nchw_transpose_passes; /* per element of a 16-bit convolution's input and output, each way */
	double conv_eff[DLP_NDTYPE];   /* cuDNN convolutions against the large-GEMM efficiency */
} dlp_stack_data;

/* The parsed, range-checked data/stacks.json (NULL with the error set when
 * the embedded file is missing or out of range). */
const dlp_stack_data *dlp_stacks(void);
/* "tuned", "eager", "legacy" -> id; -1 and a one-line error otherwise. */
int dlp_stack_parse(const char *s, enum dlp_stack_id *out);
/* "flash", "materialized" -> attention; -1 and a one-line error otherwise. */
int dlp_attention_parse(const char *s, enum dlp_attention *out);
const char *dlp_attention_name(enum dlp_attention a);
/* The library's GEMM efficiency for a catalog GPU model (its key in
 * instances.json) or, failing that, its architecture; the default figure
 * when neither is listed. basis (may be NULL) receives the figure's basis.
 * 0 (error set) when the stack data did not load. */
double dlp_stack_gemm_efficiency(const char *gpu, const char *arch, enum dlp_dtype dt, const char **basis);

#endif
