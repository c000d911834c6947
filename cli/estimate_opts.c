/* The options of `estimate` and `compare`: machines, the workload and the
 * training settings, each checked as it is parsed (a bad value is a one-line
 * usage error). */
#include <getopt.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/estimate_cli.h"
#include "common/decimal.h"
#include "estimator/stack.h"

enum {
	O_HW = 0x2001, O_INSTANCE, O_MODEL, O_DATASET, O_SAMPLES, O_EPOCHS, O_BATCH, O_PRECISION,
	O_OPTIMIZER, O_DEVICES, O_CLASSICAL, O_PRICE, O_RETRAIN, O_DEADLINE, O_INPUT, O_CLASSES, O_MEASURE,
	O_STACK, O_ATTENTION, O_GRAD_ACCUM, O_CHECKPOINT, O_SHARD, O_NODES, O_NETWORK, O_CATALOG,
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
	{"measure", no_argument, NULL, O_MEASURE},
	{"stack", required_argument, NULL, O_STACK},
	{"attention", required_argument, NULL, O_ATTENTION},
	{"grad-accum", required_argument, NULL, O_GRAD_ACCUM},
	{"checkpoint", no_argument, NULL, O_CHECKPOINT},
	{"shard", required_argument, NULL, O_SHARD},
	{"nodes", required_argument, NULL, O_NODES},
	{"network-gbps", required_argument, NULL, O_NETWORK},
	{"catalog", required_argument, NULL, O_CATALOG},
	{NULL, 0, NULL, 0},
};

/* Above it a count or a factor is no training run's (and a double stops
 * holding every integer soon after). */
#define OPT_MAX 1e15

/* A number in (0, max]; the message names what is wrong with it. */
static int bounded(const char *opt, const char *s, double *out, int integer, double max)
{
	const char *end;
	const char *what = integer ? "a positive integer" : "a positive number";
	int rc;

	/* decimal only: "0x10" is no count a person means */
	errno = 0;
	rc = dlp_decimal_double(s, &end, out);
	if (rc != 0 && errno == ERANGE) {
		/* within the parser's length only a negative exponent underflows */
		const char *ex = strpbrk(s, "eE");

		if (ex && ex[1] == '-')
			return dlp_cli_usage("%s %s is too close to 0", opt, s);
		return dlp_cli_usage("%s %s is out of range (at most %g)", opt, s, max);
	}
	if (rc != 0 || *end)
		return dlp_cli_usage("%s needs %s (got \"%s\", not a decimal number)", opt, what, s);
	if (*out <= 0 || (integer && *out != floor(*out)))
		return dlp_cli_usage("%s needs %s (got \"%s\")", opt, what, s);
	if (*out > max)
		return dlp_cli_usage("%s %s is too large (at most %g)", opt, s, max);
	return DLP_EXIT_OK;
}

static int positive(const char *opt, const char *s, double *out, int integer)
{
	return bounded(opt, s, out, integer, OPT_MAX);
}

/* "--price USD" (the bench machines) or "--price NAME=USD" (one machine,
 * a catalog instance or a bench file as named on the command line). */
static int price_option(const char *arg, struct est_opts *o)
{
	const char *eq = strrchr(arg, '='), *num = eq ? eq + 1 : arg, *end;
	double v;

	/* decimal only: "0x10" and "inf" are not prices */
	if (dlp_decimal_double(num, &end, &v) != 0 || *end || v < 0)
		return dlp_cli_usage("--price needs USD per hour, or NAME=USD for one machine (got \"%s\")", arg);
	if (!eq) {
		o->hw_price = v;
		return DLP_EXIT_OK;
	}
	if (eq == arg)
		return dlp_cli_usage("--price NAME=USD needs a machine name (got \"%s\")", arg);
	if (o->n_prices == DLP_CLI_MAX_MACHINES)
		return dlp_cli_usage("at most %d --price NAME=USD", DLP_CLI_MAX_MACHINES);
	/* the name is the option's text up to '=': argv outlives the options */
	o->prices[o->n_prices].name = arg;
	o->prices[o->n_prices].usd = v;
	o->n_prices++;
	return DLP_EXIT_OK;
}

/* compare's machines: a bench file ("-" is one read from stdin, a path, an
 * existing file, a .json name) or a catalog instance name. */
static int add_machine(struct est_opts *o, const char *arg)
{
	if (o->n_hw == DLP_CLI_MAX_MACHINES)
		return dlp_cli_usage("at most %d machines", DLP_CLI_MAX_MACHINES);
	o->hw_is_file[o->n_hw] = strcmp(arg, "-") == 0 || access(arg, F_OK) == 0 || strchr(arg, '/') ||
				 strstr(arg, ".json");
	o->hw[o->n_hw++] = arg;
	return DLP_EXIT_OK;
}

/* One option of the scale-out and framework settings (issue 10: the
 * software stack, attention, gradient accumulation, checkpointing, ZeRO,
 * nodes): an exit code, or -1 when c is not one of them. */
static int scale_option(int c, const char *arg, struct est_opts *o)
{
	double v;
	int rc = DLP_EXIT_OK;

	switch (c) {
	case O_STACK: {
		enum dlp_stack_id id;
		if (dlp_stack_parse(arg, &id))
			rc = dlp_cli_usage("--stack: %s", dlp_error_message());
		else
			o->train.stack = id;
		break;
	}
	case O_ATTENTION: {
		enum dlp_attention a;
		if (dlp_attention_parse(arg, &a))
			rc = dlp_cli_usage("--attention: %s", dlp_error_message());
		else
			o->train.attention = a;
		break;
	}
	case O_GRAD_ACCUM:
		rc = positive("--grad-accum", arg, &v, 1);
		o->train.grad_accum = v <= 1e6 ? (int)v : 1;
		if (!rc && v > 1e6)
			rc = dlp_cli_usage("--grad-accum %s is too large (at most 1e6)", arg);
		break;
	case O_CHECKPOINT:
		o->train.checkpoint = 1;
		break;
	case O_SHARD:
		if (strcmp(arg, "zero1") == 0 || strcmp(arg, "zero2") == 0 || strcmp(arg, "zero3") == 0)
			o->train.shard = arg[4] - '0';
		else
			rc = dlp_cli_usage("--shard: unknown \"%s\" (zero1, zero2, zero3)", arg);
		break;
	case O_NODES:
		rc = bounded("--nodes", arg, &v, 1, 1e5);
		o->train.nodes = rc == DLP_EXIT_OK ? (int)v : 1;
		break;
	case O_NETWORK:
		/* Gbit/s per node: a petabit is past any network */
		rc = bounded("--network-gbps", arg, &o->train.network_gbps, 0, 1e6);
		break;
	case O_CATALOG: {
		json_t *user = dlp_cli_read_json(arg, 0);
		if (!user)
			rc = dlp_cli_usage("--catalog: %s", dlp_error_message());
		/* a bench or estimate document given by mistake would merge nothing */
		else if (!json_object_get(user, "instances") && !json_object_get(user, "gpu_models") &&
			 !json_object_get(user, "cpu_models"))
			rc = dlp_cli_usage("--catalog %s: no \"instances\", \"gpu_models\" or \"cpu_models\" "
					   "(the format `dlprobe list instances --json` writes)", arg);
		else if (dlp_catalog_merge(user, arg))
			rc = dlp_cli_usage("--catalog %s", dlp_error_message());
		json_decref(user);
		break;
	}
	default:
		return -1;
	}
	return rc;
}

/* One option that sets a training setting or a workload figure: an exit
 * code, or -1 when c is not one of them. */
static int workload_option(int c, const char *arg, struct est_opts *o)
{
	double v;
	int rc = DLP_EXIT_OK;

	switch (c) {
	case O_MODEL: o->model = arg; break;
	case O_DATASET: o->dataset = arg; break;
	case O_CLASSICAL: o->classical = arg; break;
	case O_INPUT: o->input = arg; break;
	case O_MEASURE: o->measure = 1; break;
	case O_SAMPLES: rc = positive("--samples", arg, &o->samples, 1); break;
	case O_EPOCHS: rc = positive("--epochs", arg, &o->train.epochs, 0); break;
	case O_BATCH:
		rc = positive("--batch", arg, &v, 1);
		o->train.batch = v < 1e7 ? (int)v : 0;
		if (!rc && v >= 1e7)
			rc = dlp_cli_usage("--batch %s is too large", arg);
		break;
	case O_DEVICES:
		rc = positive("--devices", arg, &v, 1);
		o->train.devices = v < 1e5 ? (int)v : 0;
		if (!rc && v >= 1e5)
			rc = dlp_cli_usage("--devices %s is too large", arg);
		break;
	case O_CLASSES:
		rc = positive("--classes", arg, &v, 1);
		o->classes = v <= 1e8 ? (int)v : 0;
		if (!rc && v > 1e8)
			rc = dlp_cli_usage("--classes %s is too large (at most 1e8)", arg);
		break;
	case O_PRECISION:
		if (dlp_precision_parse(arg, &o->train.precision))
			rc = dlp_cli_usage("%s", dlp_error_message());
		break;
	case O_OPTIMIZER:
		if (dlp_optimizer_parse(arg, &o->train.optimizer))
			rc = dlp_cli_usage("%s", dlp_error_message());
		break;
	case O_PRICE:
		rc = price_option(arg, o);
		break;
	case O_RETRAIN:
		if ((o->train.retrain_every_s = dlp_duration_parse(arg)) <= 0)
			rc = dlp_cli_usage("--retrain-every needs a duration (%s)", dlp_error_message());
		break;
	case O_DEADLINE:
		if ((o->train.deadline_s = dlp_duration_parse(arg)) <= 0)
			rc = dlp_cli_usage("--deadline needs a duration (%s)", dlp_error_message());
		break;
	default:
		return -1;
	}
	return rc;
}

/* Parse the estimate options from argv in one pass. With allow_pos
 * (compare), positional arguments are machines wherever they stand, before,
 * between or after the options ("-" included); getopt's in-order mode hands
 * them over as code 1, and what follows "--" is taken after the loop. */
int dlp_cli_estimate_opts(int argc, char **argv, struct est_opts *o, int allow_pos, void (*help)(void))
{
	int c, rc;

	memset(o, 0, sizeof *o);
	dlp_train_defaults(&o->train);
	o->samples = 0;
	o->hw_price = -1;
	while ((c = getopt_long(argc, argv, (allow_pos ? "-:h" DLP_CLI_COMMON_SHORTOPTS : ":h" DLP_CLI_COMMON_SHORTOPTS),
				est_longopts, NULL)) != -1) {
		switch (c) {
		case 1:
			rc = add_machine(o, optarg);
			break;
		case 'h':
			help();
			return -1;
		case ':':
			return dlp_cli_missing_value(argv[optind - 1]);
		case O_HW:
		case O_INSTANCE:
			if (o->n_hw == DLP_CLI_MAX_MACHINES)
				return dlp_cli_usage("at most %d --hw/--instance", DLP_CLI_MAX_MACHINES);
			o->hw_is_file[o->n_hw] = c == O_HW;
			o->hw[o->n_hw++] = optarg;
			rc = DLP_EXIT_OK;
			break;
		default:
			rc = workload_option(c, optarg, o);
			if (rc == -1)
				rc = scale_option(c, optarg, o);
			if (rc == -1 && dlp_cli_common_option(c, optarg) != 0)
				return dlp_cli_unknown_option(argv[optind - 1]);
			if (rc == -1)
				rc = DLP_EXIT_OK;
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
