/* The system BLAS as a reference, loaded at run time so that it stays
 * optional: it is what the frameworks on this machine actually get. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlprobe/json.h"
#include "kernels/cpu/cpu.h"

/* CBLAS enums, fixed by the standard interface. */
enum { CBLAS_ROW_MAJOR = 101, CBLAS_COL_MAJOR = 102, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112 };

typedef void (*cblas_sgemm_fn)(int, int, int, int, int, int, float, const float *, int,
			       const float *, int, float, float *, int);
typedef void (*cblas_dgemm_fn)(int, int, int, int, int, int, double, const double *, int,
			       const double *, int, double, double *, int);
typedef void (*cblas_dgemv_fn)(int, int, int, int, double, const double *, int, const double *, int, double,
			       double *, int);

struct dlp_blas {
	void *h;
	char *path;
	cblas_sgemm_fn sgemm;
	cblas_dgemm_fn dgemm;
	cblas_dgemv_fn dgemv;    /* optional: only the linear model's passes need it */
	char *(*get_config)(void);
	char *(*get_corename)(void);
	int (*get_num_threads)(void);
	void (*set_num_threads)(int);
	void (*bli_thread_set_num_threads)(long);
	/* BLIS identity (0.9 exports these): the configuration chosen at run
	 * time names the kernel set (zen3, haswell, skx ...). */
	int (*bli_arch_query_id)(void);
	char *(*bli_arch_string)(int);
	char *(*bli_version)(void);
	char *(*bli_ukr_impl)(int, int);
	long (*bli_pthreads)(void);
	long (*bli_openmp)(void);
};

/* BLIS enums as blis.h 0.9 defines them: ind_t BLIS_NAT, num_t float/double. */
enum { BLIS_IND_NAT = 1, BLIS_DT_FLOAT = 0, BLIS_DT_DOUBLE = 2 };

/* What a system without DLPROBE_BLAS_LIB offers, in order. */
static const char *const system_chain[] = { "libblas.so.3", "libopenblas.so.0", "libblis.so.4", NULL };

dlp_blas *dlp_blas_open_lib(const char *lib)
{
	const char *tried = NULL;
	char why[512] = "";
	dlp_blas *b = calloc(1, sizeof *b);
	int i;

	if (!b) {
		dlp_error_set("out of memory");
		return NULL;
	}
	for (i = 0; lib ? i == 0 : system_chain[i] != NULL; i++) {
		const char *name = lib ? lib : system_chain[i];

		tried = name;
		b->h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
		if (!b->h) {
			snprintf(why, sizeof why, "%s", dlerror());
			continue;
		}
		b->sgemm = (cblas_sgemm_fn)dlsym(b->h, "cblas_sgemm");
		b->dgemm = (cblas_dgemm_fn)dlsym(b->h, "cblas_dgemm");
		if (b->sgemm && b->dgemm)
			break;
		snprintf(why, sizeof why, "%s has no cblas_sgemm/cblas_dgemm", name);
		dlclose(b->h);
		b->h = NULL;
	}
	if (!b->h) {
		dlp_error_set("no BLAS loadable (%s): %s", lib ? lib : "tried libblas.so.3, libopenblas.so.0, libblis.so.4",
			      why);
		free(b);
		return NULL;
	}
	*(void **)&b->dgemv = dlsym(b->h, "cblas_dgemv");
	*(void **)&b->get_config = dlsym(b->h, "openblas_get_config");
	*(void **)&b->get_corename = dlsym(b->h, "openblas_get_corename");
	*(void **)&b->get_num_threads = dlsym(b->h, "openblas_get_num_threads");
	*(void **)&b->set_num_threads = dlsym(b->h, "openblas_set_num_threads");
	*(void **)&b->bli_thread_set_num_threads = dlsym(b->h, "bli_thread_set_num_threads");
	*(void **)&b->bli_arch_query_id = dlsym(b->h, "bli_arch_query_id");
	*(void **)&b->bli_arch_string = dlsym(b->h, "bli_arch_string");
	*(void **)&b->bli_version = dlsym(b->h, "bli_info_get_version_str");
	*(void **)&b->bli_ukr_impl = dlsym(b->h, "bli_info_get_gemm_ukr_impl_string");
	*(void **)&b->bli_pthreads = dlsym(b->h, "bli_info_get_enable_pthreads");
	*(void **)&b->bli_openmp = dlsym(b->h, "bli_info_get_enable_openmp");
	{
		/* The file behind the soname (alternatives make libblas.so.3 any BLAS). */
		Dl_info info;
		void *sym = (void *)b->sgemm;

		if (dladdr(sym, &info) && info.dli_fname)
			b->path = realpath(info.dli_fname, NULL);
		if (!b->path)
			b->path = strdup(tried);
	}
	return b;
}

/* DLPROBE_BLAS_LIB may name several libraries (comma-separated): the first
 * is the one taken as the system's. */
dlp_blas *dlp_blas_open(void)
{
	const char *env = getenv("DLPROBE_BLAS_LIB");
	char first[512];
	size_t n;
	dlp_blas *b;

	if (!env)
		return dlp_blas_open_lib(NULL);
	n = strcspn(env, ",");
	if (n == 0 || n >= sizeof first) {
		dlp_error_set("DLPROBE_BLAS_LIB=%s: the first library name is empty or too long", env);
		return NULL;
	}
	memcpy(first, env, n);
	first[n] = '\0';
	b = dlp_blas_open_lib(first);
	if (!b)
		dlp_error_set("DLPROBE_BLAS_LIB=%s: %s", env, dlp_error_message());
	return b;
}

void dlp_blas_close(dlp_blas *b)
{
	if (!b)
		return;
	/* OpenBLAS keeps worker threads; unloading it under them is unsafe, so
	 * the handle stays open for the life of the process. */
	free(b->path);
	free(b);
}

json_t *dlp_blas_identity(const dlp_blas *b)
{
	static const char *const vars[] = { "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
					    "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
					    "GOTO_NUM_THREADS", "OPENBLAS_VERBOSE", NULL };
	json_t *o = json_object(), *env = json_object();
	const char *lib = "unknown";
	int i;

	if (b->get_config)
		lib = "openblas";
	else if (b->bli_thread_set_num_threads)
		lib = "blis";
	else if (b->path && strstr(b->path, "/blas/"))
		lib = "reference-blas";
	json_object_set_new(o, "library", json_string(lib));
	json_object_set_new(o, "path", dlp_json_str(b->path));
	json_object_set_new(o, "config", b->get_config ? dlp_json_str(b->get_config()) : json_null());
	json_object_set_new(o, "corename", b->get_corename ? dlp_json_str(b->get_corename()) : json_null());
	if (b->bli_arch_query_id && b->bli_arch_string) {
		json_t *bl = json_object();
		const char *arch = b->bli_arch_string(b->bli_arch_query_id());

		/* For BLIS the core is the configuration it chose for this CPU. */
		json_object_set_new(o, "corename", dlp_json_str(arch));
		json_object_set_new(bl, "arch", dlp_json_str(arch));
		json_object_set_new(bl, "arch_id", json_integer(b->bli_arch_query_id()));
		json_object_set_new(bl, "version", b->bli_version ? dlp_json_str(b->bli_version()) : json_null());
		json_object_set_new(bl, "threading",
				    json_string(b->bli_pthreads && b->bli_pthreads() ? "pthreads"
						: b->bli_openmp && b->bli_openmp() ? "openmp"
						: b->bli_pthreads || b->bli_openmp ? "none" : "unknown"));
		/* "optimzd": the configuration's own assembly kernels, "refrnce":
		 * the portable C ones (BLIS's spelling). */
		json_object_set_new(bl, "sgemm_ukr", b->bli_ukr_impl ? dlp_json_str(b->bli_ukr_impl(BLIS_IND_NAT, BLIS_DT_FLOAT))
								      : json_null());
		json_object_set_new(bl, "dgemm_ukr", b->bli_ukr_impl ? dlp_json_str(b->bli_ukr_impl(BLIS_IND_NAT, BLIS_DT_DOUBLE))
								      : json_null());
		json_object_set_new(o, "blis", bl);
	}
	json_object_set_new(o, "num_threads",
			    b->get_num_threads ? json_integer(b->get_num_threads()) : json_null());
	for (i = 0; vars[i]; i++)
		json_object_set_new(env, vars[i], dlp_json_str(getenv(vars[i])));
	json_object_set_new(o, "env", env);
	return o;
}

int dlp_blas_set_threads(dlp_blas *b, int n)
{
	if (b->set_num_threads) {
		b->set_num_threads(n);
		return 0;
	}
	if (b->bli_thread_set_num_threads) {
		b->bli_thread_set_num_threads(n);
		return 0;
	}
	return dlp_error_set("this BLAS has no thread-count control");
}

int dlp_blas_sgemm(dlp_blas *b, size_t m, size_t n, size_t k, const float *a, const float *bm,
		   float *c)
{
	b->sgemm(CBLAS_COL_MAJOR, CBLAS_NO_TRANS, CBLAS_NO_TRANS, (int)m, (int)n, (int)k, 1.0f, a,
		 (int)(m ? m : 1), bm, (int)(k ? k : 1), 0.0f, c, (int)(m ? m : 1));
	return 0;
}

int dlp_blas_dgemm(dlp_blas *b, size_t m, size_t n, size_t k, const double *a,
		   const double *bm, double *c)
{
	b->dgemm(CBLAS_COL_MAJOR, CBLAS_NO_TRANS, CBLAS_NO_TRANS, (int)m, (int)n, (int)k, 1.0, a,
		 (int)(m ? m : 1), bm, (int)(k ? k : 1), 0.0, c, (int)(m ? m : 1));
	return 0;
}

int dlp_blas_dgemv_pair(dlp_blas *b, size_t rows, size_t cols, const double *x, const double *w, const double *r,
			double *z, double *xtr)
{
	if (!b->dgemv)
		return dlp_error_set("this BLAS has no cblas_dgemv");
	/* as numpy calls it on a C-ordered X: X @ w, then X.T @ r */
	b->dgemv(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, (int)rows, (int)cols, 1.0, x, (int)cols, w, 1, 0.0, z, 1);
	b->dgemv(CBLAS_ROW_MAJOR, CBLAS_TRANS, (int)rows, (int)cols, 1.0, x, (int)cols, r, 1, 0.0, xtr, 1);
	return 0;
}
