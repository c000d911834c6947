/* The estimator's front end, shared by `estimate`, `compare` and the default
 * run's scenario: options (cli/estimate_opts.c), the workload they describe
 * and the estimates over every machine (cli/workload.c). */
#ifndef DLPROBE_CLI_ESTIMATE_H
#define DLPROBE_CLI_ESTIMATE_H

#include <jansson.h>

#include "estimator/estimator.h"

#define DLP_CLI_MAX_MACHINES 32

struct est_opts {
	const char *hw[DLP_CLI_MAX_MACHINES];
	int hw_is_file[DLP_CLI_MAX_MACHINES];
	int n_hw;
	const char *model, *dataset, *classical, *input;
	double samples;
	int classes;
	int measure;            /* --measure: time the workload's shapes here */
	dlp_train train;
	/* --price USD prices the bench machines (hw_price, < 0 none);
	 * --price NAME=USD one machine by its name or file */
	double hw_price;
	struct { const char *name; double usd; int used; } prices[DLP_CLI_MAX_MACHINES];
	int n_prices;
};

/* What is estimated: the deep model (NULL: none), the dataset, the classical
 * model (kind "" when none), and the name the document gives it. */
struct workload {
	dlp_model *model;
	dlp_dataset ds;
	dlp_classical cl;
	char name[160];
};

/* Parse the estimate options from argv. With allow_pos (compare), positional
 * arguments are machines: bench files or instance names. Returns an exit
 * code, or -1 when --help called help(). */
int dlp_cli_estimate_opts(int argc, char **argv, struct est_opts *o, int allow_pos, void (*help)(void));

/* Time the workload's own shapes on this machine (kernels/measure.h) for a
 * deep model on the CPU of profile p (its convolutions through torch when
 * p's bench measured torch); NULL when there is nothing to measure. */
json_t *dlp_cli_measure_workload(const struct workload *wl, const dlp_train *t, const dlp_profile *p,
				 double budget_s);

/* Resolve model, dataset and classical spec into a workload. Exit code. */
int dlp_cli_workload(const struct est_opts *o, struct workload *wl);
void dlp_cli_workload_free(struct workload *wl);

/* Estimates for every machine of o (the catalog's defaults when none) into
 * doc: "workload", "verdict", "estimates" (ranked fastest first with rank).
 * Exit code. */
int dlp_cli_run_estimates(struct est_opts *o, json_t *doc, int rank);

/* `estimate` and `compare`: one front end, compare ranks and takes machines
 * as arguments. */
int dlp_cli_estimate_command(int argc, char **argv, int compare);

/* Append to doc_out the built-in scenario's "estimates" (this machine from
 * bench_doc, when given, plus catalog references) and its "verdict", and
 * "reference_verdicts" for the image and language references. With measure,
 * this machine's deep estimates use the workload's own shapes timed here
 * (kernels/measure.h); the default run measures, fixtures never. Returns an exit
 * code (enum dlp_exit); prints nothing. */
int dlp_cli_default_scenario(const json_t *bench_doc, int measure, json_t *doc_out);

#endif
