/* The workload `estimate` and `compare` describe, and the estimates of it on
 * every machine given: one document with the workload, the estimates and the
 * verdict. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/estimate_cli.h"
#include "common/decimal.h"
#include "estimator/cluster.h"
#include "dlprobe/json.h"
#include "dlprobe/probe.h"
#include "kernels/backend.h"
#include "kernels/measure.h"

/* "3x224x224", "224x224" (3 channels), or "N" (sequence length / features),
 * each a decimal integer. */
#define MAX_INPUT_DIM 100000LL
#define MAX_INPUT_LEN 10000000LL
static int parse_input(const char *s, int *c, int *h, int *w)
{
	long long v[3];
	const char *p = s, *end;
	int n = 0, i;

	*c = *h = *w = 0;
	if (!s)
		return 0;
	for (;;) {
		if (n == 3 || dlp_decimal_ll(p, &end, 1, MAX_INPUT_LEN, &v[n]) != 0)
			return -1;
		n++;
		if (!*end)
			break;
		if (*end != 'x')
			return -1;
		p = end + 1;
	}
	if (n == 1) {
		*c = -1, *h = (int)v[0]; /* resolved against the model's task */
		return 0;
	}
	for (i = 0; i < n; i++)
		if (v[i] >= MAX_INPUT_DIM)
			return -1;
	if (n == 3)
		*c = (int)v[0], *h = (int)v[1], *w = (int)v[2];
	else
		*c = 3, *h = (int)v[0], *w = (int)v[1];
	return 0;
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
	if (o->input && parse_input(o->input, &c, &h, &w))
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
		/* an image or text model on another kind of data is a slip (resnet18
		 * for mlp:...): refused unless --input says what it is to take */
		if (!o->input && wl->ds.task[0] && strcmp(wl->model->task, "tabular") != 0 &&
		    strcmp(wl->ds.task, wl->model->task) != 0) {
			char mt[16], dt[16];
			snprintf(mt, sizeof mt, "%s", wl->model->task);
			snprintf(dt, sizeof dt, "%s", wl->ds.task);
			dlp_cli_workload_free(wl);
			return dlp_cli_usage("model %s is a%s %s model and dataset %s is %s data (--input CxHxW|N to "
					     "use it anyway)", o->model, mt[0] == 'i' ? "n" : "", mt, wl->ds.name, dt);
		}
		/* an MLP on images takes them flattened: C x H x W inputs */
		if (!o->input && strcmp(wl->ds.task, "image") == 0 && strcmp(wl->model->task, "tabular") == 0 &&
		    wl->ds.in_c * wl->ds.in_h * wl->ds.in_w != wl->model->in_c) {
			int f = wl->model->in_c;
			dlp_cli_workload_free(wl);
			return dlp_cli_usage("model %s takes %d inputs, dataset %s has %dx%dx%d = %d per sample", o->model,
					     f, wl->ds.name, wl->ds.in_c, wl->ds.in_h, wl->ds.in_w,
					     wl->ds.in_c * wl->ds.in_h * wl->ds.in_w);
		}
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
	/* standard input has no file name: the machine's, as the document says */
	if (!strcmp(path, "-")) {
		l = json_string_value(json_object_get(json_object_get(doc, "host"), "hostname"));
		snprintf(buf, len, "%s", l && *l ? l : "stdin");
		return buf;
	}
	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 5 && !strcmp(base + n - 5, ".json"))
		n -= 5;
	snprintf(buf, len, "%.*s", (int)n, base);
	return buf;
}

/* Load one hardware profile: a bench file, a cluster file (c filled and p
 * a copy of its whole-cluster profile, which c owns), or a catalog
 * instance. Exit code. */
/* The CPU identity fields a probe holds reliably: a field both documents
 * hold must agree. A fixture or an older document may lack some; one that
 * shares none with this machine's probe cannot be shown to be this machine. */
static const struct { const char *section, *key; } cpu_identity[] = {
	{ "cpu", "vendor" }, { "cpu", "model_name" }, { "cpu", "family" }, { "cpu", "model" },
	{ "topology", "threads" },
};

/* 1 when the bench document's probe describes this machine's CPU (here);
 * else 0 with why ("model_name \"X\", this machine \"Y\""). */
static int same_cpu(const json_t *doc, const json_t *here, char *why, size_t n)
{
	const json_t *probe = json_object_get(doc, "probe");
	size_t i, compared = 0;

	for (i = 0; i < sizeof cpu_identity / sizeof cpu_identity[0]; i++) {
		const json_t *a = json_object_get(json_object_get(probe, cpu_identity[i].section), cpu_identity[i].key);
		const json_t *b = json_object_get(json_object_get(here, cpu_identity[i].section), cpu_identity[i].key);
		char *as, *bs;

		if (!a || !b || json_is_null(a) || json_is_null(b))
			continue;
		compared++;
		if (json_equal(a, b))
			continue;
		as = json_dumps(a, JSON_ENCODE_ANY);
		bs = json_dumps(b, JSON_ENCODE_ANY);
		snprintf(why, n, "its %s is %s, this machine's %s", cpu_identity[i].key, as ? as : "?",
			 bs ? bs : "?");
		free(as);
		free(bs);
		return 0;
	}
	if (compared == 0)
		snprintf(why, n, "it names no CPU to compare with this machine's");
	return compared > 0;
}

static int load_profile(const char *what, int is_file, const json_t *here, dlp_profile *p, dlp_cluster_hw *c)
{
	char label[96], why[200];
	json_t *doc;
	int rc;

	memset(c, 0, sizeof *c);
	if (!is_file) {
		if (dlp_profile_from_catalog(what, p))
			return dlp_cli_usage("%s", dlp_error_message());
		return DLP_EXIT_OK;
	}
	doc = dlp_cli_load_document(what);
	if (!doc)
		return dlp_cli_usage("%s", dlp_error_message());
	if (dlp_doc_is_cluster(doc)) {
		rc = dlp_cluster_hw_from_doc(doc, machine_label(doc, what, label, sizeof label), c);
		if (rc == 0)
			*p = c->all;
	} else if (!json_is_array(json_object_get(json_object_get(doc, "bench"), "backends"))) {
		/* a probe or estimate document: named as the user gave it */
		json_decref(doc);
		return dlp_cli_usage("%s: %s", what, DLP_NOT_BENCH_DOC);
	} else {
		rc = dlp_profile_from_bench(doc, machine_label(doc, what, label, sizeof label), p);
		/* --measure adds this machine's timings to a bench file's CPU: another
		 * machine's document would get a profile of neither machine (a GPU
		 * document too: its host CPU is another machine's) */
		if (rc == 0 && here && !same_cpu(doc, here, why, sizeof why)) {
			dlp_profile_free(p);
			json_decref(doc);
			return dlp_cli_usage("%s: --measure needs a bench document of this machine: %s", what, why);
		}
	}
	json_decref(doc);
	if (rc)
		return dlp_cli_usage("%s", dlp_error_message());
	return DLP_EXIT_OK;
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

/* Fastest first by the deep model's expected time, else the classical
 * model's; no number ranks last, ties keep their order. */
static void rank_estimates(dlp_estimate *ests, size_t n, int deep)
{
	size_t a, b;

	for (a = 1; a < n; a++)
		for (b = a; b > 0; b--)
			if (dlp_estimate_rank_time(&ests[b], deep) < dlp_estimate_rank_time(&ests[b - 1], deep)) {
				dlp_estimate x = ests[b - 1];
				ests[b - 1] = ests[b];
				ests[b] = x;
			}
	for (a = 0; a < n; a++)
		ests[a].rank = (int)a + 1;
}

/* Load every machine and estimate the workload on it. The profiles stay
 * loaded (the estimates borrow them) until the caller frees them; *loaded
 * counts them either way. Exit code. */
json_t *dlp_cli_measure_workload(const struct workload *wl, const dlp_train *t, const dlp_profile *p,
				 double budget_s)
{
	json_t *req, *ans;

	if (!wl->model)
		return NULL;
	dlp_cli_progress(NULL, "measuring the workload's own shapes");
	req = dlp_model_measure_request(wl->model, dlp_train_batch(wl->model, t), dlp_train_cpu_conv_dtype(p, t));
	/* torch as the bench found it runs the convolutions "as configured" */
	if (req && p->fw_threads > 0)
		json_object_set_new(req, "conv_through", json_string(DLP_MEASURE_CONV_TORCH));
	ans = req ? dlp_measure_workload(req, budget_s, 0) : NULL;
	dlp_cli_progress_done();
	json_decref(req);
	return ans;
}

static int estimate_loaded(struct est_opts *o, const struct workload *wl, int rank, dlp_profile *profiles,
			   dlp_cluster_hw *clusters, dlp_estimate *ests, const json_t *measured)
{
	int i;

	for (i = 0; i < o->n_hw; i++) {
		dlp_train t = o->train;

		/* measured shapes belong to this machine's CPU: bench files only (a
		 * cluster's profile is a copy its dlp_cluster_hw owns: left alone) */
		if (measured && o->hw_is_file[i] && !profiles[i].is_gpu && !clusters[i].nodes &&
		    dlp_profile_add_measured(&profiles[i], measured))
			return dlp_cli_fail("%s", dlp_error_message());
		t.price_override = machine_price(o, i, profiles[i].name);
		/* --devices beyond what an entry has: use what it has (compare),
		 * and say so below */
		if (t.devices > profiles[i].devices && (rank || o->n_hw > 1))
			t.devices = profiles[i].devices;
		if (dlp_estimate_compute(&profiles[i], wl->model, &wl->cl, &wl->ds, &t, &ests[i])) {
			const char *msg = dlp_error_message();
			size_t n = strlen(profiles[i].name);

			/* "g6.xlarge: g6.xlarge has ...": the estimator may name it already */
			if (n && !strncmp(msg, profiles[i].name, n) && msg[n] == ' ')
				return dlp_cli_usage("%s", msg);
			return dlp_cli_usage("%s: %s", o->hw[i], msg);
		}
		ests[i].workload = wl->name;
		if (t.devices < o->train.devices && ests[i].has_deep)
			dlp_notes_add(&ests[i].deep.flags, "--devices %d: %s has %d, estimated on %d", o->train.devices,
				      profiles[i].name, profiles[i].devices, t.devices);
	}
	return check_prices(o);
}

/* Whether an estimate's machine took the --measure shapes: a bench file's CPU. */
static int took_measured(const dlp_estimate *e)
{
	return strcmp(e->hw->kind, "bench") == 0 && !e->hw->is_gpu;
}

/* profiles[i]'s name made unlike those of profiles[0..i-1] by a " #N"
 * suffix (the name cut to leave room for it). */
static void unique_name(dlp_profile *profiles, int i)
{
	char base[sizeof profiles[i].name], named[sizeof profiles[i].name];
	int j, k, clash = 1;

	memcpy(base, profiles[i].name, sizeof base);
	memcpy(named, base, sizeof named);
	for (k = 2; clash; k++) {
		for (clash = 0, j = 0; j < i && !clash; j++)
			clash = !strcmp(named, profiles[j].name);
		if (clash)
			snprintf(named, sizeof named, "%.*s #%d", (int)sizeof named - 16, base, k);
	}
	memcpy(profiles[i].name, named, sizeof named);
}

/* With --measure, every machine is loaded (and a bench file of another CPU
 * refused) before the measurement, which *measured then holds. */
static int estimate_machines(struct est_opts *o, const struct workload *wl, int rank, dlp_profile *profiles,
			     dlp_cluster_hw *clusters, dlp_estimate *ests, int *loaded, json_t **measured)
{
	dlp_probe_opts po = { .skip_opencl = 1, .skip_cuda = 1 };
	json_t *here = NULL;
	int i, rc;

	if (o->measure && !(here = dlp_probe_run(&po))) {
		rc = dlp_cli_fail("probe failed: %s", dlp_error_message());
		goto out;
	}
	for (i = 0; i < o->n_hw; i++) {
		rc = load_profile(o->hw[i], o->hw_is_file[i], here, &profiles[i], &clusters[i]);
		if (rc != DLP_EXIT_OK)
			goto out;
		(*loaded)++;
		/* two documents of one label (two benches of one host) would be two
		 * rows of one name, and --price NAME=USD could not tell them apart:
		 * the later ones are "NAME #2", "NAME #3", ... */
		unique_name(profiles, i);
	}
	/* the measurement is the CPU's: worth its seconds only where a bench
	 * file's CPU runs the deep model */
	for (i = 0; o->measure && i < o->n_hw; i++)
		if (o->hw_is_file[i] && !profiles[i].is_gpu && !clusters[i].nodes) {
			*measured = dlp_cli_measure_workload(wl, &o->train, &profiles[i], DLP_MEASURE_BUDGET_S);
			break;
		}
	rc = estimate_loaded(o, wl, rank, profiles, clusters, ests, *measured);
	for (i = 0; rc == DLP_EXIT_OK && o->measure && i < o->n_hw; i++)
		if (o->hw_is_file[i] && profiles[i].is_gpu && ests[i].has_deep)
			dlp_notes_add(&ests[i].deep.flags, "--measure times this machine's CPU, and the deep model "
				      "runs on its GPU: the GPU's rates are the bench document's");
out:
	json_decref(here);
	return rc;
}

int dlp_cli_run_estimates(struct est_opts *o, json_t *doc, int rank)
{
	struct workload wl;
	dlp_profile profiles[DLP_CLI_MAX_MACHINES];
	dlp_cluster_hw clusters[DLP_CLI_MAX_MACHINES];
	dlp_estimate *ests = NULL;
	dlp_verdict v;
	json_t *arr, *measured = NULL;
	int i, rc, loaded = 0;

	rc = dlp_cli_workload(o, &wl);
	if (rc != DLP_EXIT_OK)
		return rc;
	if (o->measure) {
		for (i = 0; i < o->n_hw && !o->hw_is_file[i]; i++)
			;
		if (i == o->n_hw || !wl.model) {
			dlp_cli_workload_free(&wl);
			return dlp_cli_usage(i == o->n_hw ? "--measure needs --hw FILE: a bench document of this machine"
							  : "--measure needs a deep model (--model)");
		}
		/* the measurement runs the CPU kernels DLPROBE_CPU_ISA bounds */
		if (dlp_bench_env_check()) {
			dlp_cli_workload_free(&wl);
			return dlp_cli_usage("%s", dlp_error_message());
		}
	}
	/* none given: the catalog's defaults (data/instances.json "defaults") */
	if (o->n_hw == 0) {
		const char *name;

		while (o->n_hw < DLP_CLI_MAX_MACHINES && (name = dlp_catalog_default("estimate", (size_t)o->n_hw)))
			o->hw[o->n_hw++] = name;
	}
	if (!(ests = calloc((size_t)o->n_hw + 1, sizeof *ests))) {
		rc = dlp_cli_fail("out of memory");
		goto out;
	}
	rc = estimate_machines(o, &wl, rank, profiles, clusters, ests, &loaded, &measured);
	if (rc != DLP_EXIT_OK)
		goto out;
	/* the verdict names machines in the order given; the ranking comes after */
	if (dlp_verdict_compute(ests, (size_t)o->n_hw, wl.model, &wl.cl, &wl.ds, &o->train, &v)) {
		rc = dlp_cli_fail("%s", dlp_error_message());
		goto out;
	}
	json_object_set_new(doc, "workload", workload_json(&wl, &o->train));
	json_object_set_new(doc, "verdict", dlp_verdict_json(&v));
	dlp_verdict_free(&v);
	if (rank)
		rank_estimates(ests, (size_t)o->n_hw, wl.model != NULL);
	arr = json_array();
	json_object_set_new(doc, "estimates", arr);
	for (i = 0; i < o->n_hw; i++) {
		json_t *e = dlp_estimate_json(&ests[i]), *sc;
		const dlp_cluster_hw *c = &clusters[ests[i].hw - profiles];

		if (e && measured && took_measured(&ests[i]))
			json_object_set(e, "measured_shapes", measured);
		json_array_append_new(arr, e);
		if (!e || !c->nodes)
			continue;
		/* a cluster entry: the same workload on one node beside it */
		sc = dlp_cluster_scaling(c, wl.model, &wl.ds, &o->train);
		if (!sc) {
			rc = dlp_cli_usage("%s: %s", ests[i].hw->name, dlp_error_message());
			goto out;
		}
		json_object_set_new(e, "cluster", sc);
	}
	rc = DLP_EXIT_OK;
out:
	for (i = 0; i < loaded; i++) {
		if (clusters[i].nodes)
			dlp_cluster_hw_free(&clusters[i]);
		else
			dlp_profile_free(&profiles[i]);
	}
	free(ests);
	json_decref(measured);
	dlp_cli_workload_free(&wl);
	return rc;
}
