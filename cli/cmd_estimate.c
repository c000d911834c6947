/* `dlprobe estimate`, `compare`, `list` and the default run's scenario. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/estimate_cli.h"
#include "dlprobe/json.h"
#include "estimator/estimator.h"
#include "estimator/stack.h"

/* With no --hw and no --instance: one CPU, one small GPU, one large GPU
 * instance from the catalog, so the answer spans the usual choices. */
static const char *const default_instances[] = {"c7i.2xlarge", "g6.xlarge", "p4d.24xlarge"};

static const char estimate_help[] =
"Usage: dlprobe estimate [--hw FILE | --instance NAME]... --model SPEC [options]\n"
"Training time, memory and cost of a deep model, and of a classical model on\n"
"the same rows and features, on measured hardware (bench JSON from `dlprobe\n"
"bench --json`) or catalog instances (`dlprobe list instances`).\n"
"With neither --hw nor --instance: c7i.2xlarge, g6.xlarge and p4d.24xlarge.\n"
"\n"
"  --hw FILE          a bench document (repeatable)\n"
"  --instance NAME    a catalog instance, as the provider spells it (repeatable)\n"
"  --model SPEC       zoo name (dlprobe list models), mlp:IN,H1,...,OUT, a JSON\n"
"                     model file, or none (classical only)\n"
"  --dataset SPEC     mnist, cifar10, cifar100, imagenet, tabular:ROWSxFEATURES,\n"
"                     text:TOKENS\n"
"  --samples N        training samples (overrides the dataset's)\n"
"  --epochs N         passes over the data (default 1; may be fractional)\n"
"  --batch N          batch per device (default: 64-128 images, 8-32 sequences)\n"
"  --precision P      fp32 (default), tf32, bf16, fp16, mixed\n"
"  --optimizer O      sgd, momentum, adam (default)\n"
"  --devices N        devices used (default: all of the instance)\n"
"  --input CxHxW      input shape (images), or N (sequence length / features)\n"
"  --classes N        output classes\n"
"  --classical SPEC   gbdt[:trees=N,depth=D,bins=B], forest[:trees=N,depth=D],\n"
"                     logreg[:iterations=N], svm[:iterations=N], none\n"
"                     (default: gbdt for tabular data, none otherwise)\n"
"  --price USD_PER_H  price per hour instead of the catalog's\n"
"  --retrain-every D  retraining cadence (30m, 12h, 1d, 1w, 1mo): monthly cost\n"
"  --deadline D       longest acceptable training time (same units)\n"
"  --json, -o FILE, -q, -v\n"
"Bad specs exit 2 with a one-line message.\n";

struct est_opts {
	const char *hw[32];
	int hw_is_file[32];
	int n_hw;
	const char *model, *dataset, *classical, *input;
	double samples;
	int classes;
	dlp_train train;
};

enum {
	O_HW = 0x2001, O_INSTANCE, O_MODEL, O_DATASET, O_SAMPLES, O_EPOCHS, O_BATCH, O_PRECISION,
	O_OPTIMIZER, O_DEVICES, O_CLASSICAL, O_PRICE, O_RETRAIN, O_DEADLINE, O_INPUT, O_CLASSES,
	O_STACK, O_ATTENTION, O_GRAD_ACCUM, O_CHECKPOINT, O_SHARD, O_NODES, O_NETWORK,
};

static const struct option est_longopts[] = {
	DLP_CLI_COMMON_LONGOPTS,
	{"help", no_argument, NULL, 'h'},
	{"hw", required_argument, NULL, O_HW},
	{"instance", required_argument, NULL, O_INSTANCE},
	{"model", required_argument, NULL, O_MODEL},
	{"dataset", required_argument, NULL, O_DATASET},
	{"samples", required_argument, NULL, O_SAMPLES},
	{"epochs", required_argument, NULL, O_EPOCHS},
	{"batch", required_argument, NULL, O_BATCH},
	{"precision", required_argument, NULL, O_PRECISION},
	{"optimizer", required_argument, NULL, O_OPTIMIZER},
	{"devices", required_argument, NULL, O_DEVICES},
	{"classical", required_argument, NULL, O_CLASSICAL},
	{"price", required_argument, NULL, O_PRICE},
	{"retrain-every", required_argument, NULL, O_RETRAIN},
	{"deadline", required_argument, NULL, O_DEADLINE},
	{"input", required_argument, NULL, O_INPUT},
	{"classes", required_argument, NULL, O_CLASSES},
	{"stack", required_argument, NULL, O_STACK},
	{"attention", required_argument, NULL, O_ATTENTION},
	{"grad-accum", required_argument, NULL, O_GRAD_ACCUM},
	{"checkpoint", no_argument, NULL, O_CHECKPOINT},
	{"shard", required_argument, NULL, O_SHARD},
	{"nodes", required_argument, NULL, O_NODES},
	{"network-gbps", required_argument, NULL, O_NETWORK},
	{NULL, 0, NULL, 0},
};

static int positive(const char *opt, const char *s, double *out, int integer)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(*out) || *out <= 0 || (integer && *out != floor(*out)) ||
	    *out > 1e15)
		return dlp_cli_usage("%s needs a positive %s (got \"%s\")", opt, integer ? "integer" : "number", s);
	return DLP_EXIT_OK;
}

/* compare's machines: a bench file ("-" is one read from stdin, a path, an
 * existing file, a .json name) or a catalog instance name. */
static int add_machine(struct est_opts *o, const char *arg)
{
	if (o->n_hw == 32)
		return dlp_cli_usage("at most 32 machines");
	o->hw_is_file[o->n_hw] = strcmp(arg, "-") == 0 || access(arg, F_OK) == 0 || strchr(arg, '/') ||
				 strstr(arg, ".json");
	o->hw[o->n_hw++] = arg;
	return DLP_EXIT_OK;
}

/* Parse the estimate options from argv in one pass. With allow_pos
 * (compare), positional arguments are machines wherever they stand, before,
 * between or after the options ("-" included); getopt's in-order mode hands
 * them over as code 1, and what follows "--" is taken after the loop. */
static int parse_opts(int argc, char **argv, struct est_opts *o, int allow_pos, const char *help)
{
	int c, rc;
	double v;

	memset(o, 0, sizeof *o);
	dlp_train_defaults(&o->train);
	o->samples = 0;
	while ((c = getopt_long(argc, argv, (allow_pos ? "-:h" DLP_CLI_COMMON_SHORTOPTS : ":h" DLP_CLI_COMMON_SHORTOPTS),
				est_longopts, NULL)) != -1) {
		rc = DLP_EXIT_OK;
		switch (c) {
		case 1:
			rc = add_machine(o, optarg);
			break;
		case 'h':
			fputs(help, stdout);
			return -1;
		case ':':
			return dlp_cli_missing_value(argv[optind - 1]);
		case O_HW:
		case O_INSTANCE:
			if (o->n_hw == 32)
				return dlp_cli_usage("at most 32 --hw/--instance");
			o->hw_is_file[o->n_hw] = c == O_HW;
			o->hw[o->n_hw++] = optarg;
			break;
		case O_MODEL: o->model = optarg; break;
		case O_DATASET: o->dataset = optarg; break;
		case O_CLASSICAL: o->classical = optarg; break;
		case O_INPUT: o->input = optarg; break;
		case O_SAMPLES: rc = positive("--samples", optarg, &o->samples, 1); break;
		case O_EPOCHS: rc = positive("--epochs", optarg, &o->train.epochs, 0); break;
		case O_BATCH:
			rc = positive("--batch", optarg, &v, 1);
			o->train.batch = v < 1e7 ? (int)v : 0;
			if (!rc && v >= 1e7)
				rc = dlp_cli_usage("--batch %s is too large", optarg);
			break;
		case O_DEVICES:
			rc = positive("--devices", optarg, &v, 1);
			o->train.devices = v < 1e5 ? (int)v : 0;
			if (!rc && v >= 1e5)
				rc = dlp_cli_usage("--devices %s is too large", optarg);
			break;
		case O_CLASSES:
			rc = positive("--classes", optarg, &v, 1);
			o->classes = v <= 1e8 ? (int)v : 0;
			if (!rc && v > 1e8)
				rc = dlp_cli_usage("--classes %s is too large (at most 1e8)", optarg);
			break;
		case O_STACK: {
			enum dlp_stack_id id;
			if (dlp_stack_parse(optarg, &id))
				rc = dlp_cli_usage("--stack: %s", dlp_error_message());
			o->train.stack = id;
			break;
		}
		case O_ATTENTION: {
			enum dlp_attention a;
			if (dlp_attention_parse(optarg, &a))
				rc = dlp_cli_usage("--attention: %s", dlp_error_message());
			o->train.attention = a;
			break;
		}
		case O_GRAD_ACCUM:
			rc = positive("--grad-accum", optarg, &v, 1);
			o->train.grad_accum = v <= 1e6 ? (int)v : 1;
			if (!rc && v > 1e6)
				rc = dlp_cli_usage("--grad-accum %s is too large (at most 1e6)", optarg);
			break;
		case O_CHECKPOINT:
			o->train.checkpoint = 1;
			break;
		case O_SHARD:
			if (strcmp(optarg, "zero1") == 0 || strcmp(optarg, "zero2") == 0 || strcmp(optarg, "zero3") == 0)
				o->train.shard = optarg[4] - '0';
			else
				rc = dlp_cli_usage("--shard: unknown \"%s\" (zero1, zero2, zero3)", optarg);
			break;
		case O_NODES:
			rc = positive("--nodes", optarg, &v, 1);
			o->train.nodes = v <= 1e5 ? (int)v : 1;
			if (!rc && v > 1e5)
				rc = dlp_cli_usage("--nodes %s is too large (at most 1e5)", optarg);
			break;
		case O_NETWORK: {
			char *end;
			errno = 0;
			o->train.network_gbps = strtod(optarg, &end);
			if (end == optarg || *end || errno || !isfinite(o->train.network_gbps) ||
			    o->train.network_gbps <= 0 || o->train.network_gbps > 1e6)
				rc = dlp_cli_usage("--network-gbps needs a positive number of Gbit/s per node (got \"%s\")",
						   optarg);
			break;
		}
		case O_PRECISION:
			if (dlp_precision_parse(optarg, &o->train.precision))
				rc = dlp_cli_usage("%s", dlp_error_message());
			break;
		case O_OPTIMIZER:
			if (dlp_optimizer_parse(optarg, &o->train.optimizer))
				rc = dlp_cli_usage("%s", dlp_error_message());
			break;
		case O_PRICE: {
			char *end;
			errno = 0;
			o->train.price_override = strtod(optarg, &end);
			if (end == optarg || *end || errno || !isfinite(o->train.price_override) ||
			    o->train.price_override < 0)
				rc = dlp_cli_usage("--price needs a non-negative number of USD per hour (got \"%s\")",
						   optarg);
			break;
		}
		case O_RETRAIN:
			if ((o->train.retrain_every_s = dlp_duration_parse(optarg)) <= 0)
				rc = dlp_cli_usage("--retrain-every needs a duration such as 12h, 1d, 1w (got \"%s\")",
						   optarg);
			break;
		case O_DEADLINE:
			if ((o->train.deadline_s = dlp_duration_parse(optarg)) <= 0)
				rc = dlp_cli_usage("--deadline needs a duration such as 30m, 2h, 1d (got \"%s\")", optarg);
			break;
		default:
			if (dlp_cli_common_option(c, optarg) != 0)
				return dlp_cli_unknown_option(argv[optind - 1]);
		}
		if (rc != DLP_EXIT_OK)
			return rc;
	}
	if (!allow_pos && optind < argc)
		return dlp_cli_usage("estimate takes no positional arguments (got \"%s\"; use --hw FILE)", argv[optind]);
	for (; optind < argc; optind++) /* compare: machines after "--" */
		if ((rc = add_machine(o, argv[optind])) != DLP_EXIT_OK)
			return rc;
	return DLP_EXIT_OK;
}

/* "3x224x224", "224x224" (3 channels), or "N" (sequence length / features). */
static int parse_input(const char *s, const dlp_model *hint_text, int *c, int *h, int *w)
{
	long a = 0, b = 0, d = 0;
	int n;
	char tail;

	*c = *h = *w = 0;
	if (!s)
		return 0;
	n = sscanf(s, "%ldx%ldx%ld%c", &a, &b, &d, &tail);
	if (n == 3 && a > 0 && b > 0 && d > 0 && a < 100000 && b < 100000 && d < 100000) {
		*c = (int)a, *h = (int)b, *w = (int)d;
		return 0;
	}
	n = sscanf(s, "%ldx%ld%c", &a, &b, &tail);
	if (n == 2 && a > 0 && b > 0 && a < 100000 && b < 100000) {
		*c = 3, *h = (int)a, *w = (int)b;
		return 0;
	}
	n = sscanf(s, "%ld%c", &a, &tail);
	if (n == 1 && a > 0 && a < 10000000) {
		(void)hint_text;
		*c = -1, *h = (int)a; /* resolved against the model's task */
		return 0;
	}
	return -1;
}

struct workload {
	dlp_model *model;
	dlp_dataset ds;
	dlp_classical cl;
	char name[160];
};

static void workload_free(struct workload *w)
{
	dlp_model_free(w->model);
	w->model = NULL;
}

/* Resolve model, dataset and classical spec into a workload. Exit code. */
static int make_workload(const struct est_opts *o, struct workload *wl)
{
	int c = 0, h = 0, w = 0, classes = o->classes;

	memset(wl, 0, sizeof *wl);
	if (!o->model)
		return dlp_cli_usage("estimate needs --model SPEC (or --model none with --classical)");
	if (dlp_dataset_from_spec(o->dataset, &wl->ds))
		return dlp_cli_usage("%s", dlp_error_message());
	if (o->samples > 0)
		wl->ds.samples = o->samples;
	if (o->input && parse_input(o->input, NULL, &c, &h, &w))
		return dlp_cli_usage("malformed --input \"%s\" (expected CxHxW, HxW or N)", o->input);
	if (!o->input && wl->ds.in_c > 0 && strcmp(wl->ds.task, "tabular") != 0)
		c = wl->ds.in_c, h = wl->ds.in_h, w = wl->ds.in_w;
	if (classes <= 0)
		classes = wl->ds.classes;
	if (strcmp(o->model, "none") != 0) {
		dlp_model *probe = NULL;
		if (c == -1) {
			/* a single number: sequence length for text, else features */
			probe = dlp_model_from_spec(o->model, 0, 0, 0, 0);
			if (!probe)
				return dlp_cli_usage("%s", dlp_error_message());
			if (strcmp(probe->task, "text") == 0)
				c = 1, w = 1;
			else
				c = h, h = 1, w = 1;
			dlp_model_free(probe);
		}
		wl->model = dlp_model_from_spec(o->model, c, h, w, classes);
		if (!wl->model)
			return dlp_cli_usage("%s", dlp_error_message());
		if (strcmp(wl->ds.task, "tabular") == 0 && strcmp(wl->model->task, "tabular") == 0 &&
		    wl->ds.features != wl->model->in_c) {
			int f = wl->model->in_c;
			workload_free(wl);
			return dlp_cli_usage("model %s takes %d features, dataset %s has %d", o->model, f,
					     wl->ds.name, wl->ds.features);
		}
	}
	if (dlp_classical_parse(o->classical ? o->classical
					     : strcmp(wl->ds.task, "tabular") == 0 ? "gbdt" : "none",
				&wl->cl)) {
		workload_free(wl);
		return dlp_cli_usage("%s", dlp_error_message());
	}
	if (!wl->model && !wl->cl.kind[0])
		return dlp_cli_usage("--model none needs --classical SPEC");
	if (wl->ds.samples <= 0 && wl->ds.tokens <= 0) {
		workload_free(wl);
		return dlp_cli_usage("no training-set size: give --dataset or --samples");
	}
	if (wl->cl.kind[0] && wl->ds.features <= 0 && !(wl->ds.in_c > 0)) {
		if (wl->model && strcmp(wl->model->task, "tabular") == 0) {
			wl->ds.features = wl->model->in_c;
		} else {
			workload_free(wl);
			return dlp_cli_usage("--classical needs features: give --dataset tabular:ROWSxFEATURES");
		}
	}
	snprintf(wl->name, sizeof wl->name, "%s on %s%s%s", wl->model ? wl->model->name : "no deep model",
		 wl->ds.name[0] ? wl->ds.name : "given samples", wl->cl.kind[0] ? " vs " : "", wl->cl.kind);
	return DLP_EXIT_OK;
}

static json_t *workload_json(const struct workload *wl, const dlp_train *t)
{
	static const char *const prec[] = {"fp32", "tf32", "bf16", "fp16", "mixed"};
	static const char *const optn[] = {"sgd", "momentum", "adam"};

	return json_pack("{s:s,s:o,s:s,s:o,s:o,s:o,s:s,s:s,s:o,s:o,s:o}", "name", wl->name, "model",
			 wl->model ? json_string(wl->model->name) : json_null(), "dataset",
			 wl->ds.name[0] ? wl->ds.name : "", "samples", dlp_json_real(wl->ds.samples), "tokens",
			 wl->ds.tokens > 0 ? dlp_json_real(wl->ds.tokens) : json_null(), "classical",
			 wl->cl.kind[0] ? json_string(wl->cl.kind) : json_null(), "precision", prec[t->precision],
			 "optimizer", optn[t->optimizer], "epochs", dlp_json_real(t->epochs), "retrain_every_s",
			 t->retrain_every_s > 0 ? dlp_json_real(t->retrain_every_s) : json_null(), "deadline_s",
			 t->deadline_s > 0 ? dlp_json_real(t->deadline_s) : json_null());
}

/* Load one hardware profile: a bench file, or a catalog instance. Exit code. */
static int load_profile(const char *what, int is_file, dlp_profile *p)
{
	json_t *doc;
	int rc;

	if (!is_file) {
		if (dlp_profile_from_catalog(what, p))
			return dlp_cli_usage("%s", dlp_error_message());
		return DLP_EXIT_OK;
	}
	doc = dlp_cli_load_document(what);
	if (!doc)
		return dlp_cli_usage("%s", dlp_error_message());
	rc = dlp_profile_from_bench(doc, what, p);
	json_decref(doc);
	if (rc)
		return dlp_cli_usage("%s", dlp_error_message());
	return DLP_EXIT_OK;
}

/* An estimate's expected training time for ranking; no number (null: not
 * estimated, does not fit) ranks last. */
static double expected_or_inf(const json_t *e, const char *side)
{
	const json_t *v = json_object_get(json_object_get(json_object_get(e, side), "train_s"), "expected");

	return json_is_number(v) ? json_number_value(v) : INFINITY;
}

/* Estimates for every hardware entry into doc. Exit code. */
static int run_estimates(struct est_opts *o, json_t *doc, int rank)
{
	struct workload wl;
	json_t *ests = json_array();
	int i, rc;

	rc = make_workload(o, &wl);
	if (rc != DLP_EXIT_OK) {
		json_decref(ests);
		return rc;
	}
	if (o->n_hw == 0)
		for (i = 0; i < (int)(sizeof default_instances / sizeof *default_instances); i++)
			o->hw[o->n_hw++] = default_instances[i];
	for (i = 0; i < o->n_hw; i++) {
		dlp_profile p;
		json_t *e;
		dlp_train t = o->train;

		rc = load_profile(o->hw[i], o->hw_is_file[i], &p);
		if (rc != DLP_EXIT_OK)
			goto out;
		/* --devices beyond what an entry has: use what it has (compare) */
		if (t.devices > p.devices && (rank || o->n_hw > 1))
			t.devices = p.devices;
		e = dlp_estimate_one(&p, wl.model, &wl.cl, &wl.ds, &t);
		dlp_profile_free(&p);
		if (!e) {
			rc = dlp_cli_usage("%s: %s", o->hw[i], dlp_error_message());
			goto out;
		}
		json_object_set_new(e, "workload", json_string(wl.name));
		json_array_append_new(ests, e);
	}
	json_object_set_new(doc, "workload", workload_json(&wl, &o->train));
	json_object_set_new(doc, "verdict", dlp_verdict(ests, wl.model, &wl.cl, &wl.ds, &o->train));
	if (rank) {
		/* fastest first by the deep model's expected time, else classical */
		size_t n = json_array_size(ests), a, b;
		const char *side = wl.model ? "deep" : "classical";
		for (a = 1; a < n; a++)
			for (b = a; b > 0; b--) {
				json_t *x = json_array_get(ests, b - 1), *y = json_array_get(ests, b);
				double tx = expected_or_inf(x, side), ty = expected_or_inf(y, side);
				if (ty < tx) {
					json_incref(x);
					json_array_set(ests, b - 1, y);
					json_array_set_new(ests, b, x);
				}
			}
		for (a = 0; a < n; a++)
			json_object_set_new(json_array_get(ests, a), "rank", json_integer((json_int_t)a + 1));
	}
	json_object_set_new(doc, "estimates", ests);
	ests = NULL;
	rc = DLP_EXIT_OK;
out:
	json_decref(ests);
	workload_free(&wl);
	return rc;
}

void dlp_cli_print_estimates(const json_t *doc)
{
	char *text;

	if (dlp_cli.json)
		return;
	text = dlp_estimate_render_text(doc, dlp_cli.verbose);
	if (text)
		fputs(text, stdout);
	free(text);
}

static int estimate_or_compare(int argc, char **argv, int compare)
{
	struct est_opts o;
	json_t *doc = NULL;
	int rc;

	rc = parse_opts(argc, argv, &o, compare, estimate_help);
	if (rc == -1)
		return DLP_EXIT_OK;
	if (rc != DLP_EXIT_OK)
		return rc;
	if (compare) {
		if (o.n_hw == 0)
			return dlp_cli_usage("compare needs machines: bench files or instance names");
	}
	rc = dlp_cli_check_output_path(dlp_cli.out_path);
	if (rc != DLP_EXIT_OK)
		return rc;
	doc = dlp_json_document_new();
	rc = run_estimates(&o, doc, compare);
	if (rc == DLP_EXIT_OK) {
		dlp_cli_print_estimates(doc);
		rc = dlp_cli_emit_json(doc);
	}
	json_decref(doc);
	return rc;
}

int dlp_cmd_estimate(int argc, char **argv)
{
	return estimate_or_compare(argc, argv, 0);
}

int dlp_cmd_compare(int argc, char **argv)
{
	return estimate_or_compare(argc, argv, 1);
}

/* ---- list ----------------------------------------------------------------- */

static const char list_help[] = "Usage: dlprobe list models|datasets|instances [--json]\n";

int dlp_cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		DLP_CLI_COMMON_LONGOPTS,
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c, rc = DLP_EXIT_OK;
	const char *what;
	json_t *doc, *arr = json_array();
	size_t i;

	while ((c = getopt_long(argc, argv, ":h" DLP_CLI_COMMON_SHORTOPTS, opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(list_help, stdout);
			json_decref(arr);
			return DLP_EXIT_OK;
		}
		if (c == ':' || dlp_cli_common_option(c, optarg) != 0) {
			json_decref(arr);
			return c == ':' ? dlp_cli_missing_value(argv[optind - 1]) : dlp_cli_unknown_option(argv[optind - 1]);
		}
	}
	if (optind + 1 != argc) {
		json_decref(arr);
		return dlp_cli_usage("list needs exactly one of: models, datasets, instances");
	}
	what = argv[optind];
	doc = dlp_json_document_new();
	if (strcmp(what, "models") == 0) {
		const char *n;
		for (i = 0; (n = dlp_model_zoo_name(i)); i++) {
			dlp_model *m = dlp_model_from_spec(n, 0, 0, 0, 0);
			if (!m)
				continue;
			json_array_append_new(arr, dlp_model_summary_json(m));
			if (!dlp_cli.json)
				printf("%-12s %8.3g M params %9.3g G MACs  %dx%dx%d  %s\n", m->name, m->params / 1e6,
				       m->macs / 1e9, m->in_c, m->in_h, m->in_w, m->description);
			dlp_model_free(m);
		}
		if (!dlp_cli.json)
			printf("mlp:IN,H1,...,OUT  a multilayer perceptron; or a JSON model file (docs/estimator.md)\n");
	} else if (strcmp(what, "datasets") == 0) {
		json_t *all = dlp_dataset_list_json(), *d;
		json_array_foreach(json_object_get(all, "datasets"), i, d) {
			json_array_append(arr, d);
			if (!dlp_cli.json)
				printf("%-10s %10.0f samples  %s\n", json_string_value(json_object_get(d, "name")),
				       json_number_value(json_object_get(d, "samples")),
				       json_string_value(json_object_get(d, "source")));
		}
		json_array_foreach(json_object_get(all, "parametric"), i, d) {
			json_array_append(arr, d);
			if (!dlp_cli.json)
				printf("%-22s e.g. %s\n", json_string_value(json_object_get(d, "name")),
				       json_string_value(json_object_get(d, "example")));
		}
		json_decref(all);
	} else if (strcmp(what, "instances") == 0) {
		const json_t *cat = dlp_catalog(), *it;
		json_array_foreach(json_object_get(cat, "instances"), i, it) {
			const json_t *gpu = json_object_get(json_object_get(cat, "gpu_models"),
							    json_string_value(json_object_get(it, "gpu")));
			json_array_append_new(arr, json_deep_copy(it));
			if (!dlp_cli.json) {
				char dev[80];
				if (gpu)
					snprintf(dev, sizeof dev, "%lldx %s",
						 (long long)json_integer_value(json_object_get(it, "gpus")),
						 json_string_value(json_object_get(gpu, "name")));
				else
					snprintf(dev, sizeof dev, "CPU only");
				printf("%-26s %-5s %4lld vCPU %5lld GiB  %-32s $%8.4g/h (price of %s)\n",
				       json_string_value(json_object_get(it, "name")),
				       json_string_value(json_object_get(it, "provider")),
				       (long long)json_integer_value(json_object_get(it, "vcpus")),
				       (long long)json_integer_value(json_object_get(it, "memory_gib")), dev,
				       json_number_value(json_object_get(it, "price_usd_per_h")),
				       json_string_value(json_object_get(it, "price_date")));
			}
		}
	} else {
		json_decref(arr);
		json_decref(doc);
		return dlp_cli_usage("list: unknown \"%s\" (models, datasets, instances)", what);
	}
	json_object_set_new(doc, what, arr);
	if (dlp_cli.json || dlp_cli.out_path)
		rc = dlp_cli_emit_json(doc);
	json_decref(doc);
	return rc;
}

/* ---- the default run's scenario --------------------------------------------- */

/* A fraud-detection-like tabular product problem (the article's case: a deep
 * tabular model against GBDT), and one image and one language reference,
 * each on this machine (when a bench is given) and two catalog instances. */
int dlp_cli_default_scenario(const json_t *bench_doc, json_t *doc_out)
{
	static const struct {
		const char *model, *dataset, *classical;
		double epochs;
		enum dlp_precision prec;
	} sc[] = {
		{"mlp:30,256,256,2", "tabular:1000000x30", "gbdt", 20, DLP_PREC_FP32},
		{"resnet18", "cifar10", "none", 30, DLP_PREC_MIXED},
		{"gpt2", "text:2.5e9", "none", 1, DLP_PREC_MIXED},
	};
	static const char *const refs[] = {"g6.xlarge", "p4d.24xlarge"};
	json_t *ests = json_array(), *refv = json_array();
	size_t s, h;
	int rc = DLP_EXIT_RUNTIME;

	for (s = 0; s < sizeof sc / sizeof sc[0]; s++) {
		struct workload wl;
		struct est_opts o;
		json_t *group = json_array(), *v;
		size_t nh = (bench_doc ? 1 : 0) + sizeof refs / sizeof refs[0];

		memset(&o, 0, sizeof o);
		dlp_train_defaults(&o.train);
		o.model = sc[s].model;
		o.dataset = sc[s].dataset;
		o.classical = sc[s].classical;
		o.train.epochs = sc[s].epochs;
		o.train.precision = sc[s].prec;
		o.train.retrain_every_s = s == 0 ? 86400 : 0;
		if (make_workload(&o, &wl) != DLP_EXIT_OK) {
			json_decref(group);
			goto out;
		}
		for (h = 0; h < nh; h++) {
			dlp_profile p;
			json_t *e;
			int r = bench_doc && h == 0 ? dlp_profile_from_bench(bench_doc, "this machine", &p)
						     : dlp_profile_from_catalog(refs[h - (bench_doc ? 1 : 0)], &p);
			if (r)
				continue; /* a partial bench: the catalog references still answer */
			/* a single device of the reference instances */
			o.train.devices = 1;
			e = dlp_estimate_one(&p, wl.model, &wl.cl, &wl.ds, &o.train);
			dlp_profile_free(&p);
			if (!e)
				continue;
			json_object_set_new(e, "workload", json_string(wl.name));
			json_array_append(group, e);
			json_array_append_new(ests, e);
		}
		v = dlp_verdict(group, wl.model, &wl.cl, &wl.ds, &o.train);
		json_object_set_new(v, "workload", json_string(wl.name));
		if (s == 0)
			json_object_set_new(doc_out, "verdict", v);
		else
			json_array_append_new(refv, v);
		json_decref(group);
		workload_free(&wl);
	}
	json_object_set_new(doc_out, "estimates", ests);
	json_object_set_new(doc_out, "reference_verdicts", refv);
	return DLP_EXIT_OK;
out:
	json_decref(ests);
	json_decref(refv);
	return rc;
}
