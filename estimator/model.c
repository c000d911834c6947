/* Models as lists of layers with per-sample work, built by shape inference
 * from the data/models format (docs/estimator.md): a JSON object with an
 * "input", optional "classes", and either "layers" (a list of ops, with
 * "residual" and "repeat" blocks) or a "builder" for families whose layer
 * list is long but regular (builder_cnn.c, builder_transformer.c). This
 * file reads the format, the mlp: spec and the zoo compiled in; one layer's
 * arithmetic is in layers.c (estimator/model_impl.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/decimal.h"
#include "dlprobe/json.h"
#include "estimator/model_impl.h"

const char *dlp_op_name(enum dlp_op op)
{
	static const char *const names[] = {
		"conv", "dense", "batchnorm", "layernorm", "activation", "pool",
		"embedding", "attention", "lstm", "gru", "add", "loss", "reshape",
	};
	return (unsigned)op < sizeof names / sizeof names[0] ? names[op] : "?";
}

/* ---- field types ------------------------------------------------------------ */

/* The fields of a description or a layer whose readers take a default for a
 * value of the wrong type ("classes": "x" read as none, "k": "3" as 1): one
 * of the wrong type is refused, named, rather than silently replaced. "out"
 * (an integer or a name) and "layers" (a list at the top of a "layers"
 * model, a count elsewhere) are checked where they are read. */
static const char *const int_fields[] = {
	"classes", "vocab", "dilation", "dim", "groups", "heads", "hidden", "k", "pad", "stride", "times",
	"base_width", "d_ff", "d_model", "kv_heads", "max_positions", "patch", "type_vocab", "widen",
};
static const char *const str_fields[] = { "name", "description", "source", "task", "builder", "op" };
static const char *const bool_fields[] = { "adjustable_input", "bias" };

#define N_OF(a) (sizeof a / sizeof a[0])

/* -1 with a message naming who and the field when o has a field of the
 * wrong type. */
static int fields_check(const json_t *o, const char *who)
{
	const json_t *v;
	size_t i;

	for (i = 0; i < N_OF(int_fields); i++)
		if ((v = json_object_get(o, int_fields[i])) && !json_is_integer(v))
			return dlp_error_set("%s: \"%s\" must be an integer", who, int_fields[i]);
	for (i = 0; i < N_OF(str_fields); i++)
		if ((v = json_object_get(o, str_fields[i])) && !json_is_string(v))
			return dlp_error_set("%s: \"%s\" must be a string", who, str_fields[i]);
	for (i = 0; i < N_OF(bool_fields); i++)
		if ((v = json_object_get(o, bool_fields[i])) && !json_is_boolean(v))
			return dlp_error_set("%s: \"%s\" must be true or false", who, bool_fields[i]);
	return 0;
}

/* The description's own fields, before its input is read: a model built
 * from its "layers" needs them as a list (not "needs input" for a file whose
 * input is fine but whose layers are not). */
static int description_check(const json_t *desc)
{
	const char *name = json_string_value(json_object_get(desc, "name"));
	const char *builder = json_string_value(json_object_get(desc, "builder"));
	const json_t *layers = json_object_get(desc, "layers");
	char who[96];

	if (!json_is_object(desc))
		return dlp_error_set("a model description must be a JSON object");
	snprintf(who, sizeof who, "model %s", name ? name : "description");
	if (fields_check(desc, who))
		return -1;
	if ((!builder || strcmp(builder, "layers") == 0) && layers && !json_is_array(layers))
		return dlp_error_set("%s: \"layers\" must be an array of layers", who);
	if (builder && strcmp(builder, "layers") != 0 && layers && !json_is_integer(layers))
		return dlp_error_set("%s: \"layers\" must be an integer", who);
	return 0;
}

/* ---- the JSON layer list --------------------------------------------------- */

static int build_list(struct dlp_mb *b, const json_t *list, const char *field, const char *prefix);

/* "out" may be the string "classes": the model's class count. */
static int out_value(struct dlp_mb *b, const json_t *o, long *out, const char *what)
{
	json_t *v = json_object_get(o, "out");

	if (json_is_string(v) && strcmp(json_string_value(v), "classes") == 0)
		*out = b->m->classes;
	else if (json_is_string(v) && strcmp(json_string_value(v), "vocab") == 0)
		*out = b->m->vocab;
	else if (json_is_integer(v))
		*out = (long)json_integer_value(v);
	else
		return dlp_error_set("%s: \"out\" must be an integer, \"classes\" or \"vocab\"", what);
	if (*out < 1)
		return dlp_error_set("%s: %ld outputs", what, *out);
	return 0;
}

/* {"op": "residual", "body": [...], "shortcut": [...]}: the body and the
 * shortcut (identity when absent) from the same input, then their sum. */
static int build_residual(struct dlp_mb *b, const json_t *o, const char *name)
{
	struct dlp_mb_shape in = b->s, out_s;
	char sub[64];
	const json_t *sc = json_object_get(o, "shortcut");

	dlp_mb_name(sub, sizeof sub, "%s", name);
	if (build_list(b, json_object_get(o, "body"), "body", sub))
		return -1;
	out_s = b->s;
	b->s = in;
	if (sc && build_list(b, sc, "shortcut", sub))
		return -1;
	if (b->s.c != out_s.c || b->s.h != out_s.h || b->s.w != out_s.w)
		return dlp_error_set("%s: residual body gives %ldx%ldx%ld, shortcut %ldx%ldx%ld",
				     name, out_s.c, out_s.h, out_s.w, b->s.c, b->s.h, b->s.w);
	dlp_mb_name(sub, sizeof sub, "%s.add", name);
	return dlp_mb_eltwise(b, DLP_OP_ADD, sub, DLP_FLOPS(add), 0);
}

/* {"op": "repeat", "times": N, "body": [...]}: the body N times over. */
static int build_repeat(struct dlp_mb *b, const json_t *o, const char *name)
{
	long i, times = dlp_mb_jint(o, "times", 1);
	const json_t *body = json_object_get(o, "body");

	/* a non-empty body adds layers each time: DLP_MAX_LAYERS ends any nesting */
	if (dlp_mb_in_range(name, "times", times, 1, DLP_MAX_REPEAT))
		return -1;
	if (json_is_array(body) && json_array_size(body) == 0)
		return dlp_error_set("%s: repeat with an empty \"body\"", name);
	for (i = 0; i < times; i++) {
		char sub[64];
		dlp_mb_name(sub, sizeof sub, "%s.%ld", name, i);
		if (build_list(b, body, "body", sub))
			return -1;
	}
	return 0;
}

static int build_op(struct dlp_mb *b, const json_t *o, const char *name)
{
	const char *op = json_string_value(json_object_get(o, "op"));
	long out;

	if (!op)
		return dlp_error_set("%s: layer without \"op\"", name);
	if (strcmp(op, "conv") == 0) {
		if (out_value(b, o, &out, name))
			return -1;
		return dlp_mb_conv(b, name, out, dlp_mb_jint(o, "k", 3), dlp_mb_jint(o, "stride", 1),
				   dlp_mb_jint(o, "pad", 0), dlp_mb_jint(o, "groups", 1),
				   dlp_mb_jint(o, "dilation", 1), json_is_true(json_object_get(o, "bias")));
	}
	if (strcmp(op, "dense") == 0) {
		if (out_value(b, o, &out, name))
			return -1;
		return dlp_mb_dense(b, name, out, !json_is_false(json_object_get(o, "bias")));
	}
	if (strcmp(op, "bn") == 0)
		return dlp_mb_eltwise(b, DLP_OP_BN, name, DLP_FLOPS(bn), 2);
	if (strcmp(op, "ln") == 0)
		return dlp_mb_eltwise(b, DLP_OP_LN, name, DLP_FLOPS(ln), 2);
	if (strcmp(op, "relu") == 0 || strcmp(op, "relu6") == 0)
		return dlp_mb_relu(b, name);
	if (strcmp(op, "gelu") == 0 || strcmp(op, "tanh") == 0 || strcmp(op, "sigmoid") == 0)
		return dlp_mb_eltwise(b, DLP_OP_ACT, name,
				      strcmp(op, "gelu") == 0 ? DLP_FLOPS(gelu) : DLP_FLOPS(activation), 0);
	if (strcmp(op, "maxpool") == 0 || strcmp(op, "avgpool") == 0) {
		long k = dlp_mb_jint(o, "k", 2);
		return dlp_mb_pool(b, name, k, dlp_mb_jint(o, "stride", k), dlp_mb_jint(o, "pad", 0));
	}
	if (strcmp(op, "gap") == 0)
		return dlp_mb_adaptive_pool(b, name, 1);
	if (strcmp(op, "adaptive_avgpool") == 0)
		return dlp_mb_adaptive_pool(b, name, dlp_mb_jint(o, "out", 1));
	if (strcmp(op, "flatten") == 0) {
		/* the flattened width must stay a long: no model is this wide */
		if (dlp_mb_shape_elems(&b->s) > 1e15)
			return dlp_error_set("%s: flattening %.3g features is out of range", name,
					     dlp_mb_shape_elems(&b->s));
		return dlp_mb_reshape(b, name, (long)dlp_mb_shape_elems(&b->s), 1, 1);
	}
	if (strcmp(op, "dropout") == 0)
		return dlp_mb_reshape(b, name, b->s.c, b->s.h, b->s.w);
	if (strcmp(op, "embedding") == 0) {
		long vocab = dlp_mb_jint(o, "vocab", b->m->vocab);
		if (vocab < 1 || dlp_mb_jint(o, "dim", 0) < 1)
			return dlp_error_set("%s: embedding needs \"vocab\" and \"dim\"", name);
		if (dlp_mb_in_range(name, "dim", dlp_mb_jint(o, "dim", 0), 1, DLP_MAX_WIDTH))
			return -1;
		return dlp_mb_embedding(b, name, vocab, dlp_mb_jint(o, "dim", 0));
	}
	if (strcmp(op, "attention") == 0)
		return dlp_mb_attention(b, name, dlp_mb_jint(o, "heads", 1));
	if (strcmp(op, "lstm") == 0 || strcmp(op, "gru") == 0) {
		if (dlp_mb_jint(o, "hidden", 0) < 1)
			return dlp_error_set("%s: %s needs \"hidden\"", name, op);
		return dlp_mb_recurrent(b, op[0] == 'l' ? DLP_OP_LSTM : DLP_OP_GRU, name, dlp_mb_jint(o, "hidden", 0),
				 dlp_mb_jint(o, "layers", 1));
	}
	if (strcmp(op, "residual") == 0)
		return build_residual(b, o, name);
	if (strcmp(op, "repeat") == 0)
		return build_repeat(b, o, name);
	return dlp_error_set("%s: unknown op \"%s\"", name, op);
}

static int build_list(struct dlp_mb *b, const json_t *list, const char *field, const char *prefix)
{
	size_t i;
	const json_t *o;

	/* the top list was checked with the description */
	if (!json_is_array(list))
		return dlp_error_set("%s: \"%s\" must be an array of layers", prefix, field);
	if (++b->depth > 16)
		return dlp_error_set("%s: blocks nested too deep", prefix);
	json_array_foreach(list, i, o) {
		char name[64];
		const char *nm = json_string_value(json_object_get(o, "name"));

		if (nm)
			dlp_mb_name(name, sizeof name, "%s%s%s", prefix, *prefix ? "." : "", nm);
		else
			dlp_mb_name(name, sizeof name, "%s%s%zu", prefix, *prefix ? "." : "", i);
		if (!json_is_object(o))
			return dlp_error_set("%s: a layer must be an object", name);
		if (fields_check(o, name))
			return -1;
		if (json_object_get(o, "layers") && !json_is_integer(json_object_get(o, "layers")))
			return dlp_error_set("%s: \"layers\" must be an integer", name);
		if (build_op(b, o, name))
			return -1;
	}
	b->depth--;
	return 0;
}

/* "builder": "layers" (or none): the description's own list. */
static int build_layers(struct dlp_mb *b, const json_t *desc)
{
	const json_t *layers = json_object_get(desc, "layers");
	const char *name = b->m->name[0] ? b->m->name : "description";

	if (!layers)
		return dlp_error_set("model %s: needs \"layers\" (an array of layers) or a \"builder\"", name);
	if (json_is_array(layers) && json_array_size(layers) == 0)
		return dlp_error_set("model %s: \"layers\" is empty", name);
	return build_list(b, layers, "layers", "");
}

/* The "builder" values of data/models and what builds each. */
static const struct model_family {
	const char *name;
	dlp_mb_family_fn build;
} model_families[] = {
	{ "layers", build_layers },
	{ "resnet", dlp_mb_resnet },
	{ "mobilenetv2", dlp_mb_mobilenetv2 },
	{ "efficientnet_b0", dlp_mb_efficientnet_b0 },
	{ "transformer", dlp_mb_transformer },
	{ "llama", dlp_mb_llama },
};

static dlp_mb_family_fn model_family(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof model_families / sizeof model_families[0]; i++)
		if (strcmp(model_families[i].name, name) == 0)
			return model_families[i].build;
	return NULL;
}

/* ---- model objects --------------------------------------------------------- */

void dlp_model_free(dlp_model *m)
{
	if (!m)
		return;
	free(m->layers);
	free(m);
}

static void copy_str(char *dst, size_t n, const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	dlp_mb_name(dst, n, "%s", s ? s : "");
}

/* The description's names, input [C, H, W], classes and vocab into m, each
 * range-checked. */
static int model_header(dlp_model *m, const json_t *desc)
{
	const json_t *input = json_object_get(desc, "input");
	size_t i;
	int dims[3];

	copy_str(m->name, sizeof m->name, desc, "name");
	copy_str(m->description, sizeof m->description, desc, "description");
	copy_str(m->source, sizeof m->source, desc, "source");
	copy_str(m->task, sizeof m->task, desc, "task");
	if (!m->task[0])
		dlp_mb_name(m->task, sizeof m->task, "image");
	/* each read at full width and range-checked before it narrows to int:
	 * 4294967520 must be refused, not read as 224 */
	for (i = 0; i < 3; i++) {
		static const char *const field[] = {"input[0] (channels)", "input[1] (height)", "input[2] (width)"};
		const json_t *v = json_array_get(input, i);
		long hi = i == 0 ? DLP_MAX_WIDTH : DLP_MAX_EXTENT;

		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > hi)
			return dlp_error_set("model %s: \"%s\" must be an integer from 1 to %ld", m->name, field[i],
					     hi);
		dims[i] = (int)json_integer_value(v);
	}
	m->in_c = dims[0];
	m->in_h = dims[1];
	m->in_w = dims[2];
	if (dlp_mb_in_range(m->name, "classes", dlp_mb_jint(desc, "classes", 0), 0, DLP_MAX_WIDTH) ||
	    dlp_mb_in_range(m->name, "vocab", dlp_mb_jint(desc, "vocab", 0), 0, DLP_MAX_WIDTH))
		return -1;
	m->classes = (int)dlp_mb_jint(desc, "classes", 0);
	m->vocab = (int)dlp_mb_jint(desc, "vocab", 0);
	m->adjustable_input = !json_is_false(json_object_get(desc, "adjustable_input"));
	return 0;
}

/* The caller's input and classes (> 0) over the description's, where the
 * model allows it, held to the same bounds as the file's. */
static int model_override(dlp_model *m, int in_c, int in_h, int in_w, int classes)
{
	if (m->adjustable_input) {
		if (in_c > 0)
			m->in_c = in_c;
		if (in_h > 0)
			m->in_h = in_h;
		if (in_w > 0)
			m->in_w = in_w;
	}
	if (classes > 0 && m->classes > 0)
		m->classes = classes;
	if (m->in_c < 1 || m->in_h < 1 || m->in_w < 1 || m->in_c > DLP_MAX_WIDTH || m->in_h > DLP_MAX_EXTENT ||
	    m->in_w > DLP_MAX_EXTENT)
		return dlp_error_set("model %s: input %dx%dx%d is not valid (channels 1 to %ld, height and "
				     "width 1 to %ld)", m->name, m->in_c, m->in_h, m->in_w, DLP_MAX_WIDTH,
				     DLP_MAX_EXTENT);
	return 0;
}

/* The model's totals: the sums over its layers. */
static void model_totals(dlp_model *m)
{
	size_t i;

	m->input_elems = (double)m->in_c * m->in_h * m->in_w;
	for (i = 0; i < m->n_layers; i++) {
		m->params += m->layers[i].params;
		m->macs += m->layers[i].macs;
		m->flops += m->layers[i].flops;
		m->act_elems += m->layers[i].act_elems;
	}
}

dlp_model *dlp_model_from_json(const json_t *desc, int in_c, int in_h, int in_w, int classes)
{
	dlp_model *m = NULL;
	struct dlp_mb b;
	const json_t *input = json_object_get(desc, "input");
	const char *builder = json_string_value(json_object_get(desc, "builder"));
	dlp_mb_family_fn family;
	int rc = -1;

	if (description_check(desc))
		return NULL;
	if (!json_is_array(input) || json_array_size(input) != 3) {
		dlp_error_set("model description needs \"input\": [C, H, W]");
		return NULL;
	}
	if (!dlp_constants()) /* DLP_FLOPS() below relies on it */
		return NULL;
	if (!(m = calloc(1, sizeof *m))) {
		dlp_error_set("out of memory");
		return NULL;
	}
	if (model_header(m, desc) || model_override(m, in_c, in_h, in_w, classes))
		goto out;
	memset(&b, 0, sizeof b);
	b.m = m;
	b.s.c = m->in_c;
	b.s.h = m->in_h;
	b.s.w = m->in_w;
	if (strcmp(m->task, "text") == 0) {
		/* token ids: one per position */
		b.s.c = 1;
	}
	family = model_family(builder ? builder : "layers");
	if (family)
		rc = family(&b, desc);
	else
		rc = dlp_error_set("model %s: unknown builder \"%s\"", m->name, builder);
	if (rc == 0)
		rc = dlp_mb_loss(&b);
	if (rc)
		goto out;
	model_totals(m);
out:
	if (rc) {
		dlp_model_free(m);
		return NULL;
	}
	return m;
}

/* mlp:IN,H1,...,OUT -> dense + ReLU layers, the last one linear. */
static dlp_model *mlp_from_spec(const char *spec, int classes)
{
	json_t *desc = NULL, *layers = NULL;
	dlp_model *m = NULL;
	long dims[64];
	size_t n = 0, i;
	const char *p = spec + 4;
	char name[64];

	while (*p) {
		const char *end;
		long long v;

		if (dlp_decimal_ll(p, &end, 1, DLP_MAX_WIDTH, &v) != 0 || (*end && *end != ',') || n == 64) {
			dlp_error_set("malformed model spec \"%s\" (expected mlp:IN,H1,...,OUT with positive "
				      "integers)", spec);
			return NULL;
		}
		dims[n++] = v;
		p = *end ? end + 1 : end;
		if (*end == ',' && !*p) {
			dlp_error_set("malformed model spec \"%s\" (trailing comma)", spec);
			return NULL;
		}
	}
	if (n < 2) {
		dlp_error_set("malformed model spec \"%s\" (needs at least IN,OUT)", spec);
		return NULL;
	}
	desc = json_object();
	layers = json_array();
	dlp_mb_name(name, sizeof name, "%s", spec);
	json_object_set_new(desc, "name", json_string(name));
	json_object_set_new(desc, "task", json_string("tabular"));
	json_object_set_new(desc, "description", json_string("multilayer perceptron, ReLU between layers"));
	json_object_set_new(desc, "input", json_pack("[i,i,i]", (json_int_t)dims[0], 1, 1));
	json_object_set_new(desc, "adjustable_input", json_false());
	json_object_set_new(desc, "classes", json_integer(dims[n - 1]));
	for (i = 1; i < n; i++) {
		char ln[32];
		snprintf(ln, sizeof ln, "fc%zu", i);
		json_array_append_new(layers, json_pack("{s:s,s:I,s:s}", "op", "dense", "out", (json_int_t)dims[i],
							"name", ln));
		if (i + 1 < n) {
			snprintf(ln, sizeof ln, "relu%zu", i);
			json_array_append_new(layers, json_pack("{s:s,s:s}", "op", "relu", "name", ln));
		}
	}
	json_object_set_new(desc, "layers", layers);
	(void)classes; /* the spec fixes OUT */
	m = dlp_model_from_json(desc, 0, 0, 0, 0);
	json_decref(desc);
	return m;
}

const char *dlp_model_zoo_name(size_t i)
{
	static _Thread_local char buf[64];
	size_t k, seen = 0;
	const char *n;

	for (k = 0; (n = dlp_embedded_name(k)); k++) {
		size_t len = strlen(n);
		if (strncmp(n, "models/", 7) || len < 13 || strcmp(n + len - 5, ".json"))
			continue;
		if (seen++ == i) {
			dlp_mb_name(buf, sizeof buf, "%.*s", (int)(len - 12), n + 7);
			return buf;
		}
	}
	return NULL;
}

/* A model file, with one message naming the file and the problem: jansson's
 * own open error repeats the path, and a directory reads as empty JSON. */
static json_t *model_file_load(const char *path)
{
	json_t *desc = NULL;
	json_error_t err;
	struct stat st;
	FILE *f = fopen(path, "r");

	if (!f) {
		dlp_error_set("model file %s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		dlp_error_set("model file %s: is a directory", path);
		goto out;
	}
	if (!(desc = json_loadf(f, 0, &err)))
		dlp_error_set("model file %s: line %d: %s", path, err.line, err.text);
out:
	if (f)
		fclose(f);
	return desc;
}

dlp_model *dlp_model_from_spec(const char *spec, int in_c, int in_h, int in_w, int classes)
{
	int is_file = 0;
	char path[128];
	const char *text;
	size_t len;
	json_t *desc = NULL;
	json_error_t err;
	dlp_model *m = NULL;

	if (!spec || !*spec) {
		dlp_error_set("empty model spec");
		return NULL;
	}
	if (strncmp(spec, "mlp:", 4) == 0)
		return mlp_from_spec(spec, classes);
	if (strchr(spec, '/') || (strlen(spec) > 5 && strcmp(spec + strlen(spec) - 5, ".json") == 0)) {
		if (!(desc = model_file_load(spec)))
			return NULL;
		is_file = 1;
	} else {
		dlp_mb_name(path, sizeof path, "models/%s.json", spec);
		text = strlen(spec) < 100 ? dlp_embedded_get(path, &len) : NULL;
		if (!text) {
			dlp_error_set("unknown model \"%s\" (see `dlprobe list models`, or give mlp:IN,...,OUT "
				      "or a JSON file)", spec);
			return NULL;
		}
		desc = json_loadb(text, len, 0, &err);
		if (!desc) {
			dlp_error_set("embedded model %s: %s", path, err.text);
			return NULL;
		}
	}
	m = dlp_model_from_json(desc, in_c, in_h, in_w, classes);
	if (!m && is_file) {
		/* the description's own message does not say which file it came from */
		char msg[400];

		snprintf(msg, sizeof msg, "%s", dlp_error_message());
		dlp_error_set("model file %s: %s", spec, msg);
	}
	json_decref(desc);
	return m;
}

json_t *dlp_model_summary_json(const dlp_model *m)
{
	return json_pack("{s:s,s:s,s:s,s:[i,i,i],s:i,s:o,s:o,s:o,s:o,s:I}",
			 "name", m->name, "task", m->task, "source", m->source,
			 "input", m->in_c, m->in_h, m->in_w, "classes", m->classes,
			 "params", dlp_json_whole(m->params), "forward_macs", dlp_json_whole(m->macs),
			 "forward_flops", dlp_json_whole(m->flops),
			 "activation_elems_per_sample", dlp_json_whole(m->act_elems),
			 "layers", (json_int_t)m->n_layers);
}
