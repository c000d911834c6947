/* estimator/: what training a workload costs on a hardware profile.
 *
 * Pure computation on documents (docs/references.md, Design): a hardware profile is a bench
 * document (docs/json.md) or a catalog instance (data/instances.json); a
 * workload is a model (data/models/, `mlp:...`, or a user JSON file), a
 * dataset and training settings. Nothing here touches hardware, prints or
 * exits; failures return -1 (or NULL) with dlp_error_set(). */
#ifndef DLPROBE_ESTIMATOR_H
#define DLPROBE_ESTIMATOR_H

#include <stddef.h>
#include <jansson.h>

#include "dlprobe/bench.h"
#include "dlprobe/dlprobe.h"

/* ---- layers and models --------------------------------------------------- */

enum dlp_op {
	DLP_OP_CONV, DLP_OP_DENSE, DLP_OP_BN, DLP_OP_LN, DLP_OP_ACT, DLP_OP_POOL,
	DLP_OP_EMBED, DLP_OP_ATTN, DLP_OP_LSTM, DLP_OP_GRU, DLP_OP_ADD, DLP_OP_LOSS,
	DLP_OP_RESHAPE, /* flatten, dropout, token concat: no work, no storage */
};

const char *dlp_op_name(enum dlp_op op);

/* A convolution's geometry, what a framework is asked to run when the
 * workload's own convolutions are timed (estimate --measure): input
 * channels and size, output channels, square kernel, stride, padding,
 * groups, dilation, bias. All zero for other layers. */
typedef struct dlp_conv_geom {
	int in_c, h, w, out, k, stride, pad, groups, dil, bias;
} dlp_conv_geom;

/* Per-sample figures of one layer (a batch multiplies them). */
typedef struct dlp_layer {
	char name[64];
	enum dlp_op op;
	double params;     /* trainable parameters */
	double macs;       /* forward multiply-accumulates in GEMM-like work */
	double flops;      /* forward FLOPs: 2 x macs + elementwise work */
	double in_elems;   /* input tensor elements read */
	double out_elems;  /* output tensor elements written */
	double act_elems;  /* elements kept for the backward pass */
	/* The GEMM this lowers to (implicit GEMM for convolutions):
	 * gemm_count GEMMs of gm x gn x gk per sample; when gm_batched the batch
	 * multiplies gm (rows), otherwise it multiplies gemm_count (batched GEMMs,
	 * e.g. attention heads). gm == 0: no GEMM (elementwise work). */
	double gm, gn, gk, gemm_count;
	int gm_batched;
	double seq_steps;  /* > 1: sequential recurrence (LSTM/GRU time steps); a count
	                    * beyond int range over a long sequence */
	int needs_input_grad; /* 0 for the first layer with weights */
	int winograd;      /* a dense 3x3 stride-1 convolution (Winograd applies) */
	int inplace;       /* ReLU: overwrites its input, stores nothing more */
	int attn_dropout;  /* attention: dropout on the probabilities (BERT) */
	dlp_conv_geom conv; /* DLP_OP_CONV only */
} dlp_layer;

typedef struct dlp_model {
	char name[64];
	char description[200];
	char source[240];
	char task[16];          /* "image", "text", "tabular" */
	int in_c, in_h, in_w;   /* input: channels x height x width; text: 1 x seq x 1 */
	int classes;            /* output classes; 0 when the model has none */
	int vocab;              /* text models: vocabulary (0 otherwise) */
	int adjustable_input;   /* 0: the spec fixes the input (mlp:) */
	dlp_layer *layers;
	size_t n_layers, cap;
	double params, macs, flops, act_elems, input_elems;
} dlp_model;

/* Resolve a model spec: a zoo name ("resnet50"), "mlp:IN,H1,...,OUT", or a
 * path to a JSON model file. in_c/in_h/in_w <= 0 and classes <= 0 keep the
 * model's defaults. Returns NULL with a message on a bad spec. */
dlp_model *dlp_model_from_spec(const char *spec, int in_c, int in_h, int in_w, int classes);
/* Build from a parsed JSON model description (the data/models format). */
dlp_model *dlp_model_from_json(const json_t *desc, int in_c, int in_h, int in_w, int classes);
void dlp_model_free(dlp_model *m);
/* Zoo names, NULL past the end (the data/models/ files compiled in). */
const char *dlp_model_zoo_name(size_t i);
json_t *dlp_model_summary_json(const dlp_model *m);

/* ---- datasets ---------------------------------------------------------- */

typedef struct dlp_dataset {
	char name[64];
	char task[16];
	double samples;         /* training samples (rows, images, sequences) */
	double tokens;          /* text: training tokens (0 otherwise) */
	int in_c, in_h, in_w;   /* 0 when the preset does not fix it */
	int features;           /* tabular features */
	int classes;
	char source[200];
} dlp_dataset;

/* "cifar10", "tabular:1000000x30", "text:1e9"; NULL/"" gives an empty
 * dataset (samples 0) so that --samples can fill it. -1 on a bad spec. */
int dlp_dataset_from_spec(const char *spec, dlp_dataset *out);
json_t *dlp_dataset_list_json(void);

/* ---- hardware profiles ------------------------------------------------- */

typedef struct dlp_gemm_point {
	enum dlp_dtype dtype;
	double m, n, k, gflops;
	int exact;   /* a workload's own shape (--measure): used at that shape only */
} dlp_gemm_point;

/* One set of GEMM rates: what the vendor library gets ("as configured") or
 * what dlprobe's own kernels get ("hardware capability"). */
typedef struct dlp_rateset {
	dlp_gemm_point *pts;
	size_t n, cap;
} dlp_rateset;

/* The classical kernels' rates (kernels/cpu/bench_gbdt.c, bench_sketch.c,
 * bench_cart.c, bench_linear.c), per second, [0] on one thread and [1] the
 * best at any count up to the whole CPU; 0 where unmeasured. */
#define DLP_RATE_SIZES 8
/* A kernel's rates by the size it ran at (CART node rows, bytes of X):
 * sizes ascending, rate[i][0] one thread, rate[i][1] the best. */
typedef struct dlp_sized_rates {
	int n;
	double size[DLP_RATE_SIZES];
	double rate[DLP_RATE_SIZES][2];
} dlp_sized_rates;

typedef struct dlp_classical_rates {
	double ghist[2];          /* histogram updates over a node's gathered rows */
	double partition[2];      /* rows moved to their child */
	double node[2];           /* histogram bins tried as splits, with the siblings' subtraction */
	double sketch[2];         /* feature values sketched and binned */
	double loss[2];           /* rows of logistic loss and gradient (float64) */
	double linear[2];         /* X w and X^T r FLOPs (float64), dlprobe's in the caches */
	dlp_sized_rates blas_linear; /* the same through the system BLAS, by bytes of X */
	double touch[2];          /* bytes of fresh memory faulted in */
	double touch_huge[2];     /* the same advised for huge pages (variant "hugepage") */
	dlp_sized_rates cart;     /* features x rows x log2 rows per second, by node rows */
} dlp_classical_rates;

typedef struct dlp_profile {
	char name[96];
	char kind[16];            /* "bench" or "catalog" */
	int is_gpu;
	int devices;              /* accelerators (GPU) or 1 (CPU host) */
	int cpus;                 /* effective CPUs (threads the classical models use) */
	double mem_bytes;         /* per device (or effective host memory) */
	double mem_bw_gbps;       /* per device */
	double peak_gflops[DLP_NDTYPE];  /* per device, 0 unknown */
	double eff[DLP_NDTYPE];   /* GEMM efficiency vs peak when no measured shape */
	dlp_rateset configured, capability;
	double h2d_gbps;          /* 0: host memory (no transfer) */
	double interconnect_gbps; /* per device, for all-reduce; 0 unknown */
	int interconnect_measured; /* a measured all-reduce busbw: the stack's datasheet discount does not apply */
	double op_overhead_s;     /* per kernel launch or framework op dispatch */
	double hist_gups;         /* histogram updates per second, all threads, G */
	double hist_gups_1t;      /* one thread */
	double cart_sort_cost;    /* one CART sort comparison, in histogram updates (assumption) */
	double loss_eval_cost;    /* one row's logistic loss + gradient, in histogram updates (assumption) */
	double pool_cost;         /* one CPU pooling-window element, in histogram updates (assumption) */
	dlp_classical_rates cls;  /* measured classical kernels (bench documents) */
	double dot_gflops;        /* streaming dot product, all threads */
	double host_bw_gbps;      /* host memory bandwidth (classical models) */
	double price_per_h;       /* USD, 0 unknown */
	char price_date[16];
	char price_source[200];
	double power_w;           /* whole-instance power draw, 0 unknown */
	double network_gbps;      /* per node, between nodes (catalog), 0 unknown */
	char gpu_key[48];         /* catalog GPU model key ("" for bench profiles) */
	char arch[16];            /* GPU architecture ("" unknown) */
	double noise_spread;      /* > 0: bench marked unstable; ranges widen by 1 + this */
	/* the median sample spread of the figures read, stable or not: how far
	 * a figure moves between calls here; what was measured through the
	 * framework spreads by it beyond its own samples (estimator/deep.c) */
	double jitter;
	/* measured effective bandwidth of each non-GEMM operator kind at the
	 * workload's sizes (--measure), input + output bytes; 0: mem_bw_gbps */
	double op_bw_gbps[DLP_OP_RESHAPE + 1];
	/* The framework as bench --framework measured it (CPU profiles;
	 * estimator/fw_reference.c). Zero where it measured nothing. */
	int fw_threads;           /* its intra-op threads (ATen/oneDNN operators) */
	double fw_conv_ratio;     /* GEMM rate at fw_threads over the whole CPU's (measured), < 1 */
	/* torch's own convolution (bench --framework): the reference shape
	 * (batch, in, out, h, w, k, stride, pad), its fastest forward +
	 * backward and its threads; 0: not measured */
	int fw_conv_shape[8];
	double fw_conv_s;
	int fw_conv_threads;
	/* that convolution's rate over torch's GEMM rate at its im2col shapes
	 * as this estimator prices them: the scale of a convolution layer's
	 * GEMMs "as configured" (in place of fw_conv_ratio); 0: none */
	double fw_conv_factor;
	double fw_bw_gbps;        /* streaming bandwidth at fw_threads (measured) */
	double fw_hist_gups;      /* histogram rate at fw_threads (measured) */
	double fw_pool_s;         /* max-pool forward + backward per window element (measured) */
	double step_overhead_s;   /* per training step beyond its operators (from the reference step) */
	int overhead_measured;    /* overheads measured through the framework: the CPU range spreads them by fw_ovh_spread, not stack_spread */
	char fw_ref_model[64];    /* the framework's reference training step: model spec, */
	char fw_ref_optimizer[16]; /* optimizer, */
	int fw_ref_batch;         /* batch */
	double fw_ref_step_s;     /* and measured seconds; 0: none */
	/* How much the figures measured through the framework vary on this
	 * machine, median / fastest of their samples (bench --framework): the
	 * overheads' (the larger of dispatch and reference step), pooling's and
	 * the convolution's.
	 * The CPU range's high end takes the measured part at its median;
	 * <= 1: no spread recorded. */
	double fw_ovh_spread, fw_pool_spread, fw_conv_spread;
	/* The workload's own convolutions timed through the framework
	 * (--measure): each used "as configured" for the layers of its
	 * geometry in place of fw_conv_factor; n_convs 0: none. */
	struct dlp_conv_time {
		dlp_conv_geom g;
		int input_grad;
		enum dlp_dtype dtype; /* fp32, or bf16 under the framework's autocast */
		double s, median_s; /* forward + backward per sample: fastest call, median call */
	} *convs;
	size_t n_convs;
	/* The framework's activation, forward + backward per element, timed
	 * through it (bench --framework at its reference size; --measure at
	 * the workload's sizes, the largest kept): the fastest call, and its
	 * median over fastest; 0: not measured. */
	double fw_act_s, fw_act_spread;
	json_t *flags;            /* array of strings: what was assumed or missing */
	json_t *sources;          /* object: figure -> source */
} dlp_profile;

/* What a document without bench results lacks, and how to get one: the
 * front end names the file, the library the machine. */
#define DLP_NOT_BENCH_DOC "not a bench document: it holds no bench results (make one with `dlprobe bench -o FILE`)"
/* From a bench document (docs/json.md). */
int dlp_profile_from_bench(const json_t *doc, const char *label, dlp_profile *p);
/* From a catalog instance (data/instances.json) by the provider's name. */
int dlp_profile_from_catalog(const char *instance, dlp_profile *p);
void dlp_profile_free(dlp_profile *p);
/* The GEMM rate for one shape, GFLOP/s per device: measured points
 * interpolated, else peak x efficiency; both capped by the roofline. */
double dlp_profile_gemm_gflops(const dlp_profile *p, const dlp_rateset *rs,
			       enum dlp_dtype dt, double m, double n, double k,
			       int *measured);
/* A workload's own GEMM shape measured on this machine: used at exactly
 * that shape, never interpolated from. */
int dlp_profile_add_shape(dlp_rateset *rs, enum dlp_dtype dt, double m, double n, double k, double gflops);
/* The measurement request for a model at a batch (estimator/shapes.c):
 * its distinct GEMM shapes (forward, backward-data, backward-weight),
 * non-GEMM operator sizes and convolution geometries, the convolutions to
 * be run in conv_dt (fp32, or bf16: under the framework's autocast). */
json_t *dlp_model_measure_request(const dlp_model *m, int batch, enum dlp_dtype conv_dt);
/* kernels/measure.h's answer to such a request into p. 0, or -1 (message). */
int dlp_profile_add_measured(dlp_profile *p, const json_t *answer);
/* The convolution of p->convs measured at l's geometry, else NULL. */
const struct dlp_conv_time *dlp_profile_conv(const dlp_profile *p, const dlp_layer *l, enum dlp_dtype dt);
/* The catalog (parsed instances.json, borrowed) and its instance names. */
const json_t *dlp_catalog(void);
/* The i-th instance name of a default list in the catalog ("estimate": what
 * `dlprobe estimate` answers for without --hw/--instance;
 * "scenario_references": what the default run compares this machine with),
 * NULL past the end. */
const char *dlp_catalog_default(const char *list, size_t i);
/* A user catalog (the format of data/instances.json, e.g. `dlprobe list
 * instances --json` output with other prices) merged over the built-in one:
 * its gpu_models and cpu_models replace or add models of the same key, its
 * instances replace the built-in instance of the same name or are added.
 * Checked first, merged only when every entry is valid (-1 and a one-line
 * error naming the entry otherwise). Not thread-safe: call before any
 * estimate. */
int dlp_catalog_merge(const json_t *user, const char *label);
/* for dlp_catalog_merge (estimator/catalog.c) only */
json_t *dlp_catalog_writable(void);

/* ---- workloads and estimates -------------------------------------------- */

enum dlp_optimizer { DLP_OPT_SGD, DLP_OPT_MOMENTUM, DLP_OPT_ADAM };
/* The single-dtype precisions in the order of enum dlp_dtype. */
enum dlp_precision { DLP_PREC_FP32, DLP_PREC_TF32, DLP_PREC_FP16, DLP_PREC_BF16, DLP_PREC_MIXED };

typedef struct dlp_train {
	double epochs;
	int batch;              /* per device */
	enum dlp_precision precision;
	enum dlp_optimizer optimizer;
	int devices;            /* <= 0: every device of the profile */
	double price_override;  /* < 0: catalog price */
	double retrain_every_s; /* 0: no retraining cadence */
	double deadline_s;      /* 0: none */
	int stack;              /* enum dlp_stack_id (estimator/stack.h); default eager */
	int attention;          /* enum dlp_attention; 0: the stack's own */
	int grad_accum;         /* micro-batches per optimizer step (>= 1) */
	int checkpoint;         /* activation recomputation */
	int shard;              /* ZeRO stage 0-3 (Rajbhandari et al. 2020) */
	int nodes;              /* nodes of the instance's kind (>= 1) */
	double network_gbps;    /* > 0: between nodes, instead of the catalog's */
} dlp_train;

/* The format torch runs a training's convolutions in on a CPU profile, as
 * --measure times them: bf16 under autocast for mixed precision where the
 * CPU has bf16 arithmetic, else fp32 (--precision bf16 included: its
 * estimate then times none of them, as before). */
enum dlp_dtype dlp_train_cpu_conv_dtype(const dlp_profile *p, const dlp_train *t);

void dlp_train_defaults(dlp_train *t);
/* The batch per device an estimate uses (t->batch, or the model's default). */
int dlp_train_batch(const dlp_model *m, const dlp_train *t);
/* USD per hour the costs use: --price (0 too: hardware already paid for),
 * else the profile's price, else -1: none known (a profile's 0 is none). */
double dlp_train_price(const dlp_profile *p, const dlp_train *t);
int dlp_precision_parse(const char *s, enum dlp_precision *out);
int dlp_optimizer_parse(const char *s, enum dlp_optimizer *out);
const char *dlp_precision_name(enum dlp_precision p);
const char *dlp_optimizer_name(enum dlp_optimizer o);
/* "1d", "12h", "1w", "30m", "3600" (seconds), decimal only -> seconds; -1
 * with a message when malformed, not positive or beyond a century. */
double dlp_duration_parse(const char *s);

/* Classical model spec: gbdt[:trees=N,depth=D,bins=B], forest[:trees=N,depth=D],
 * logreg[:iterations=N], svm[:iterations=N], or "none". */
typedef struct dlp_classical {
	char kind[16];          /* "" when none */
	int trees, depth, bins, iterations;
} dlp_classical;
int dlp_classical_parse(const char *spec, dlp_classical *out);

/* ---- estimates: computed on structs, serialised once (estimate_json.c) ---- */

typedef struct dlp_range {
	double low, expected, high;
} dlp_range;

/* Notes an estimate attaches ("flags" in the JSON), in the order found. */
#define DLP_MAX_NOTES 6
typedef struct dlp_notes {
	size_t n;
	char text[DLP_MAX_NOTES][320];
} dlp_notes;
/* Append a note (printf format); past DLP_MAX_NOTES it is dropped. */
void dlp_notes_add(dlp_notes *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Whether one training run ends within --deadline. */
typedef struct dlp_deadline {
	int set;                  /* a deadline was given */
	int met_expected, met_high; /* 1, 0, or -1 when the time is unknown */
	double deadline_s;
} dlp_deadline;

/* A retraining cadence turned into a monthly bill. */
typedef struct dlp_retrain {
	double every_s, runs_per_month, monthly_cost_usd;
	int fits_window;          /* 1, 0, or -1 when the run time is unknown */
} dlp_retrain;

/* A whole training run from one rate set. */
typedef struct dlp_run {
	dlp_range train_s;
	dlp_range cost_usd;       /* NaN without a price */
	double step_s, samples_per_s;
} dlp_run;

/* One training step on one device, by phase ("low": the best stack). */
typedef struct dlp_phases {
	double fwd, bwd, opt, xfer, allreduce, overhead, sync;
	double allreduce_total;   /* the whole all-reduce; allreduce is its exposed part */
	double ops, opt_ops;      /* framework operators dispatched per step */
	double measured;          /* of the above, seconds measured through the framework (its fastest samples) */
	double measured_median;   /* the same at the median of its samples (profile fw_*_spread) */
	double step_overhead;     /* of overhead, the per-step part */
} dlp_phases;

#define DLP_DOMINANT_LAYERS 5

typedef struct dlp_deep_estimate {
	const dlp_model *model;   /* borrowed */
	int batch, devices;
	int nodes, grad_accum, checkpoint, zero_stage;
	const char *stack;        /* the stack expected is for; NULL on a CPU */
	const char *attention;    /* "flash", "materialized" */
	const char *range_basis;  /* what low, expected and high stand for */
	enum dlp_dtype gemm_dtype;
	double epochs, samples, steps;
	dlp_run run;              /* the primary rate set (as configured when measured) */
	const char *rates;        /* which rate set run used, in words */
	int has_capability;       /* both rate sets measured: capability is dlprobe's kernels */
	dlp_run capability;
	double speedup_vs_configured;
	dlp_phases phases;
	double op_overhead_per_op_s;
	size_t n_dominant;
	struct {
		size_t layer;     /* index into model->layers: the group's first */
		char name[64];    /* the layer's name, or its group's ("block*.fc1") */
		int count;        /* layers in the group */
		double share, fwd_bwd_s;
	} dominant[DLP_DOMINANT_LAYERS];
	double static_bytes, activation_bytes, required_bytes;
	double available_bytes;   /* 0: unknown */
	double largest_batch;     /* NaN: unknown */
	const char *largest_batch_limited_by; /* "memory" or "dataset" */
	int fits;                 /* 1, 0, or -1 when memory is unknown */
	int has_energy;
	dlp_range energy_kwh;
	dlp_notes flags;
	int has_retrain;
	dlp_retrain retrain;
	dlp_deadline deadline;
} dlp_deep_estimate;

typedef struct dlp_classical_estimate {
	dlp_classical spec;
	double rows, features;
	dlp_range train_s, cost_usd;
	const char *formula;
	/* the terms of the formula (NaN where the model has none) */
	double binning_updates, histogram_updates, per_row_updates, sort_comparisons;
	double cart_sort_cost, loss_eval_cost;
	/* from the measured classical kernels: their names and the seconds of
	 * each term; none (n_measured 0) when the assumptions stood in */
	const char *measured[6];
	int n_measured;
	/* assumptions (data/instances.json) the measured model still uses */
	const char *assumed[2];
	int n_assumed;
	struct {
		const char *name;
		double s;
	} terms[6];
	int n_terms;
	int threads;
	double histogram_gupdates_per_s, dot_gflops;
	int has_retrain;
	dlp_retrain retrain;
	dlp_deadline deadline;
} dlp_classical_estimate;

/* One machine's answer: the deep and the classical estimate of a workload. */
typedef struct dlp_estimate {
	const dlp_profile *hw;    /* borrowed: keep it until the estimate is serialised */
	double price_per_h;       /* the price the costs use */
	int price_overridden;     /* --price given */
	const char *workload;     /* borrowed; NULL: no "workload" key */
	int rank;                 /* 0: unranked */
	int has_deep, has_classical;
	dlp_deep_estimate deep;
	dlp_classical_estimate classical;
} dlp_estimate;

/* Each computes into out and returns 0, or -1 with dlp_error_set(). */
int dlp_deep_compute(const dlp_profile *p, const dlp_model *m, const dlp_dataset *ds, const dlp_train *t,
		     dlp_deep_estimate *out);
/* One fp32 training step of m on p's primary rates, one device, no stack:
 * the modelled part (the roofline, which the CPU range spreads), the part
 * measured through the framework, and the operators it dispatches. */
int dlp_deep_step_parts(const dlp_profile *p, const dlp_model *m, int batch, enum dlp_optimizer o,
			double *modelled_s, double *measured_s, double *ops);
/* The seconds of a GEMM-shaped layer's forward and backward GEMMs at batch
 * B on p's "as configured" fp32 rates, unscaled, as a step prices them
 * (the input gradient where l needs one); 0 when a rate is unknown. */
double dlp_deep_layer_gemm_s(const dlp_profile *p, const dlp_layer *l, double B);
int dlp_classical_compute(const dlp_profile *p, const dlp_classical *c, const dlp_dataset *ds,
			  const dlp_train *t, dlp_classical_estimate *out);
/* Both on one machine, with the retraining cadence. m and c may be NULL / empty. */
int dlp_estimate_compute(const dlp_profile *p, const dlp_model *m, const dlp_classical *c,
			 const dlp_dataset *ds, const dlp_train *t, dlp_estimate *out);
/* The expected training time that ranks an estimate: the deep model's when
 * there is one, else the classical; INFINITY when there is no number. */
double dlp_estimate_rank_time(const dlp_estimate *e, int deep);

/* A rule the verdict cites: its id, the finding and where the rule comes from. */
typedef struct dlp_finding {
	const char *rule, *source;
	char text[512];
} dlp_finding;

/* The verdict over the estimates of one workload (borrowed: serialise it
 * before they move). Indices are into the estimates; -1 is none. */
typedef struct dlp_verdict {
	const dlp_estimate *ests;
	size_t n;
	size_t n_ratios;
	struct {
		size_t est;
		double time, cost;  /* deep over classical; NaN unknown */
	} *ratios;
	double deadline_s;        /* 0: none */
	int deep_cheapest, deep_fastest, classical_cheapest, classical_fastest;
	size_t n_nofit, *nofit;   /* estimates where the deep model does not fit */
	size_t n_findings;
	dlp_finding *findings;
	char summary[512];
} dlp_verdict;

int dlp_verdict_compute(const dlp_estimate *ests, size_t n, const dlp_model *m, const dlp_classical *c,
			const dlp_dataset *ds, const dlp_train *t, dlp_verdict *v);
void dlp_verdict_free(dlp_verdict *v);

/* ---- the JSON of estimates (estimate_json.c): the only place it is built */

json_t *dlp_deep_json(const dlp_deep_estimate *d);
json_t *dlp_classical_json(const dlp_classical_estimate *c);
/* One "estimates" entry: hardware, deep (or null), classical (or null),
 * then "workload" and "rank" when set. */
json_t *dlp_estimate_json(const dlp_estimate *e);
json_t *dlp_verdict_json(const dlp_verdict *v);

/* Compute and serialise in one call, for callers that only want the JSON:
 * NULL with dlp_error_set() on failure. */
json_t *dlp_estimate_deep(const dlp_profile *p, const dlp_model *m, const dlp_dataset *ds,
			  const dlp_train *t);
json_t *dlp_estimate_classical(const dlp_profile *p, const dlp_classical *c,
			       const dlp_dataset *ds, const dlp_train *t);
json_t *dlp_estimate_one(const dlp_profile *p, const dlp_model *m, const dlp_classical *c,
			 const dlp_dataset *ds, const dlp_train *t);

#endif
