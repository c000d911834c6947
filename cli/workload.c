/* The workload `estimate` and `compare` describe, and the estimates of it on
 * every machine given: one document with the workload, the estimates and the
 * verdict. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/estimate_cli.h"
#include "dlprobe/json.h"

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


void dlp_cli_workload_free(struct workload *w)
{
	dlp_model_free(w->model);
	w->model = NULL;
}

int dlp_cli_workload(const struct est_opts *o, struct workload *wl)
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
			dlp_cli_workload_free(wl);
			return dlp_cli_usage("model %s takes %d features, dataset %s has %d", o->model, f,
					     wl->ds.name, wl->ds.features);
		}
	}
	if (dlp_classical_parse(o->classical ? o->classical
					     : strcmp(wl->ds.task, "tabular") == 0 ? "gbdt" : "none",
				&wl->cl)) {
		dlp_cli_workload_free(wl);
		return dlp_cli_usage("%s", dlp_error_message());
	}
	if (!wl->model && !wl->cl.kind[0])
		return dlp_cli_usage("--model none needs --classical SPEC");
	if (wl->ds.samples <= 0 && wl->ds.tokens <= 0) {
		dlp_cli_workload_free(wl);
		return dlp_cli_usage("no training-set size: give --dataset or --samples");
	}
	if (wl->cl.kind[0] && wl->ds.features <= 0 && !(wl->ds.in_c > 0)) {
		if (wl->model && strcmp(wl->model->task, "tabular") == 0) {
			wl->ds.features = wl->model->in_c;
		} else {
			dlp_cli_workload_free(wl);
			return dlp_cli_usage("--classical needs features: give --dataset tabular:ROWSxFEATURES");
		}
	}
	snprintf(wl->name, sizeof wl->name, "%s on %s%s%s", wl->model ? wl->model->name : "no deep model",
		 wl->ds.name[0] ? wl->ds.name : "given samples", wl->cl.kind[0] ? " vs " : "", wl->cl.kind);
	return DLP_EXIT_OK;
}

static json_t *workload_json(const struct workload *wl, const dlp_train *t)
{
	return json_pack("{s:s,s:o,s:s,s:o,s:o,s:o,s:s,s:s,s:o,s:o,s:o}", "name", wl->name, "model",
			 wl->model ? json_string(wl->model->name) : json_null(), "dataset",
			 wl->ds.name[0] ? wl->ds.name : "", "samples", dlp_json_whole(wl->ds.samples), "tokens",
			 wl->ds.tokens > 0 ? dlp_json_whole(wl->ds.tokens) : json_null(), "classical",
			 wl->cl.kind[0] ? json_string(wl->cl.kind) : json_null(), "precision", dlp_precision_name(t->precision),
			 "optimizer", dlp_optimizer_name(t->optimizer), "epochs", dlp_json_real(t->epochs), "retrain_every_s",
			 t->retrain_every_s > 0 ? dlp_json_real(t->retrain_every_s) : json_null(), "deadline_s",
			 t->deadline_s > 0 ? dlp_json_real(t->deadline_s) : json_null());
}

/* What a bench machine is called in tables: the document's own --label,
 * else the file's name less its directory and ".json" (the end of a long
 * path is what tells files apart). */
static const char *machine_label(const json_t *doc, const char *path, char *buf, size_t len)
{
	const char *l = json_string_value(json_object_get(json_object_get(doc, "host"), "label"));
	const char *base = strrchr(path, '/');
	size_t n;

	if (l && *l) {
		snprintf(buf, len, "%s", l);
		return buf;
	}
	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 5 && !strcmp(base + n - 5, ".json"))
		n -= 5;
	snprintf(buf, len, "%.*s", (int)n, base);
	return buf;
}

/* Load one hardware profile: a bench file, or a catalog instance. Exit code. */
static int load_profile(const char *what, int is_file, dlp_profile *p)
{
	char label[96];
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
	rc = dlp_profile_from_bench(doc, machine_label(doc, what, label, sizeof label), p);
	json_decref(doc);
	if (rc)
		return dlp_cli_usage("%s", dlp_error_message());
	return DLP_EXIT_OK;
}

/* An estimate's expected training time for ranking; no number (null: not
 * estimated, does not fit) ranks last. */
static double expected_or_inf(const json_t *e, const char *side)
{
	double v = dlp_json_num_at(e, side, "train_s", "expected", NULL);

	return isfinite(v) ? v : INFINITY;
}

/* The price for machine i: its own --price NAME=USD (named as on the
 * command line or as the estimate names it), else --price USD for a bench
 * machine, else the catalog's (-1). */
static double machine_price(struct est_opts *o, int i, const char *profile_name)
{
	int k;

	for (k = 0; k < o->n_prices; k++) {
		size_t n = (size_t)(strrchr(o->prices[k].name, '=') - o->prices[k].name);

		if ((strlen(o->hw[i]) == n && !strncmp(o->hw[i], o->prices[k].name, n)) ||
		    (strlen(profile_name) == n && !strncmp(profile_name, o->prices[k].name, n))) {
			o->prices[k].used = 1;
			return o->prices[k].usd;
		}
	}
	return o->hw_is_file[i] ? o->hw_price : -1;
}

/* --price that prices nothing is a mistake the user should hear about. */
static int check_prices(const struct est_opts *o)
{
	int i, k, files = 0;

	for (i = 0; i < o->n_hw; i++)
		files += o->hw_is_file[i];
	if (o->hw_price >= 0 && !files)
		return dlp_cli_usage("--price USD prices bench machines (--hw FILE); for a catalog instance "
				     "give --price NAME=USD");
	for (k = 0; k < o->n_prices; k++)
		if (!o->prices[k].used)
			return dlp_cli_usage("--price %s: no machine of that name", o->prices[k].name);
	return DLP_EXIT_OK;
}

int dlp_cli_run_estimates(struct est_opts *o, json_t *doc, int rank)
{
	struct workload wl;
	json_t *ests = json_array();
	int i, rc;

	rc = dlp_cli_workload(o, &wl);
	if (rc != DLP_EXIT_OK) {
		json_decref(ests);
		return rc;
	}
	/* none given: the catalog's defaults (data/instances.json "defaults") */
	if (o->n_hw == 0) {
		const char *name;

		while (o->n_hw < DLP_CLI_MAX_MACHINES && (name = dlp_catalog_default("estimate", (size_t)o->n_hw)))
			o->hw[o->n_hw++] = name;
	}
	for (i = 0; i < o->n_hw; i++) {
		dlp_profile p;
		json_t *e;
		dlp_train t = o->train;

		rc = load_profile(o->hw[i], o->hw_is_file[i], &p);
		if (rc != DLP_EXIT_OK)
			goto out;
		t.price_override = machine_price(o, i, p.name);
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
	rc = check_prices(o);
	if (rc != DLP_EXIT_OK)
		goto out;
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
	dlp_cli_workload_free(&wl);
	return rc;
}
