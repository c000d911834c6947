/* The estimator's modelling constants, read once from the data compiled in:
 * data/estimator.json (the time model's own constants and per-operation
 * FLOPs) and data/instances.json (hardware assumptions and efficiencies).
 * Every constant carries its basis. A key the data lacks is an error, never
 * a silent 0 that turns a term off; tests/test_constants.c checks that the
 * keys the code reads and the keys the data holds are the same set. */
#ifndef DLPROBE_ESTIMATOR_CONSTANTS_H
#define DLPROBE_ESTIMATOR_CONSTANTS_H

#include <stddef.h>
#include <jansson.h>

typedef struct dlp_constant {
	double value;
	const char *basis;      /* why this value (borrowed from the embedded data) */
} dlp_constant;

struct dlp_constants {
	/* estimator.json "constants" */
	dlp_constant stack_spread, classical_spread, dot_fraction, cores_per_vcpu, fp64_fraction;
	dlp_constant bwd_traffic_gemm, bwd_traffic_eltwise, ops_per_layer;
	/* estimator.json "flops_per_element" */
	struct {
		dlp_constant bn, ln, activation, gelu, add, attention_score, recurrent_gate, softmax_xent;
		dlp_constant silu, sigmoid_gate, rotary, swiglu;
	} flops;
	/* instances.json "assumptions" */
	dlp_constant cpu_op_overhead_s, gpu_launch_overhead_s, hist_per_cycle, thread_scaling;
	dlp_constant cart_sort_cost, loss_eval_cost, pool_cost, cart_split_bits, gbdt_min_split_rows;
	/* instances.json GEMM efficiencies against the peak (their "source" is the basis) */
	dlp_constant gpu_efficiency, cpu_efficiency;
};

/* The constants, or NULL with dlp_error_set() naming the first missing or
 * malformed key. Loaded once; the result is shared and read-only. */
const struct dlp_constants *dlp_constants(void);

/* Read every constant from the parsed estimator.json and instances.json into
 * out. -1 with dlp_error_set() naming the first key missing or malformed (a
 * value that is not a finite number, no basis). dlp_constants() uses it on
 * the embedded files; tests on doctored ones. */
int dlp_constants_read(const json_t *est, const json_t *inst, struct dlp_constants *out);

/* The i-th key the code reads: its file (under data/), section and key;
 * -1 past the end. For tests. */
int dlp_constant_key(size_t i, const char **file, const char **section, const char **key);

#endif
