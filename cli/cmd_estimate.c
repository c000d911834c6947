/* `dlprobe estimate`: training time, memory and cost of a workload on the
 * machines given (or the catalog's defaults), and the verdict. `compare`
 * (cli/cmd_compare.c) is the same front end with ranking. */
#include <stdio.h>

#include <string.h>

#include "cli/cli.h"
#include "cli/estimate_cli.h"
#include "dlprobe/json.h"
#include "report/report.h"

static const char estimate_help_head[] =
"Usage: dlprobe estimate [--hw FILE | --instance NAME]... --model SPEC [options]\n"
"Training time, memory and cost of a deep model, and of a classical model on\n"
"the same rows and features, on measured hardware (bench JSON from `dlprobe\n"
"bench --json`) or catalog instances (`dlprobe list instances`).\n";
/* then the catalog's default instances, then: */
static const char estimate_help_tail[] =
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
"  --stack S          tuned, eager (default), legacy: the software stack\n"
"                     expected is for (low..high spans them)\n"
"  --attention A      flash or materialized (default: the stack's)\n"
"  --grad-accum N     micro-batches per optimizer step (default 1)\n"
"  --checkpoint       recompute activations in the backward pass\n"
"  --shard ZERO       zero1, zero2, zero3: shard optimizer state, gradients,\n"
"                     weights over the ranks\n"
"  --nodes N          nodes of the instance (default 1)\n"
"  --network-gbps G   network between nodes instead of the catalog's\n"
"  --catalog FILE     instances and prices merged over the built-in catalog\n"
"                     (its format: `dlprobe list instances --json`)\n"
"  --price USD        price per hour of the bench machines (--hw)\n"
"  --price NAME=USD   price per hour of one machine (instance name or file)\n"
"  --retrain-every D  retraining cadence (30m, 12h, 1d, 1w, 1mo): monthly cost\n"
"  --deadline D       longest acceptable training time (same units); judged at\n"
"                     the expected and at the high estimate\n"
"  --json             the document to standard output\n"
"  --csv              one row per machine (units in the headers)\n"
"  -o FILE            the document to FILE (\"-\": standard output)\n"
"  -q, -v             no notes; per machine details, findings with sources\n"
"  --measure          time the model's own GEMM shapes (forward, backward-data,\n"
"                     backward-weight at the batch) and operators on this\n"
"                     machine, and its convolutions and activations through\n"
"                     torch when the bench measured torch (a few seconds); use\n"
"                     them for the --hw bench documents, which must be this\n"
"                     machine's\n"
"Bad specs exit 2 with a one-line message.\n";

static const char compare_help_head[] =
"Usage: dlprobe compare FILE|INSTANCE... --model SPEC [options]\n"
"The estimate of one workload on every machine named (bench documents and\n"
"catalog instances, in any order, \"-\" a bench document on standard input),\n"
"ranked fastest first by the deep model's expected time (else the classical\n"
"model's); a machine with no time ranks last. Options as for estimate:\n";

static const char estimate_example[] =
"\nExample: dlprobe estimate --hw bench.json --instance g6.xlarge --model resnet50\n"
"         --dataset imagenet --epochs 90 --deadline 1w --price bench=0.40\n";
static const char compare_example[] =
"\nExample: dlprobe compare bench.json g6.xlarge p4d.24xlarge --model bert_base\n"
"         --dataset text:1e9 --precision bf16 --csv\n";

/* The help names the catalog's default instances as data/instances.json
 * lists them: "a, b and c". */
static void estimate_help(void)
{
	const char *name;
	size_t i;

	fputs(estimate_help_head, stdout);
	fputs("With neither --hw nor --instance:", stdout);
	for (i = 0; (name = dlp_catalog_default("estimate", i)); i++)
		printf("%s %s", i == 0 ? "" : dlp_catalog_default("estimate", i + 1) ? "," : " and", name);
	fputs(".\n", stdout);
	fputs(estimate_help_tail, stdout);
	fputs(estimate_example, stdout);
}

static void compare_help(void)
{
	fputs(compare_help_head, stdout);
	fputs(estimate_help_tail, stdout);
	fputs(compare_example, stdout);
}

int dlp_cli_estimate_command(int argc, char **argv, int compare)
{
	struct est_opts o;
	json_t *doc = NULL;
	int rc, i, j;

	rc = dlp_cli_estimate_opts(argc, argv, &o, compare, compare ? compare_help : estimate_help);
	if (rc == -1)
		return DLP_EXIT_OK;
	if (rc != DLP_EXIT_OK)
		return rc;
	if (compare && o.n_hw == 0)
		return dlp_cli_usage("compare needs machines: bench files or instance names");
	/* the same machine twice is two identical rows, and compare would rank it twice */
	for (i = 0; i < o.n_hw; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(o.hw[i], o.hw[j]))
				return dlp_cli_usage("%s is named twice", o.hw[i]);
	/* named by the command the user typed, not always "estimate" */
	if (!o.model)
		return dlp_cli_usage("%s needs --model SPEC (or --model none with --classical)",
				     compare ? "compare" : "estimate");
	rc = dlp_cli_check_output_path(dlp_cli.out_path);
	if (rc != DLP_EXIT_OK)
		return rc;
	doc = dlp_cli_document_new();
	rc = dlp_cli_run_estimates(&o, doc, compare);
	if (rc == DLP_EXIT_OK) {
		dlp_cli_print_text(dlp_report_estimate_text, doc);
		rc = dlp_cli_emit_json(doc);
	}
	json_decref(doc);
	return rc;
}

int dlp_cmd_estimate(int argc, char **argv)
{
	return dlp_cli_estimate_command(argc, argv, 0);
}
