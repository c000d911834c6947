/* A fake cuBLAS and cuBLASLt in one library, for the CUDA backend tests
 * (tests/test_cuda_bench.c): every call checks what the host passes the way
 * the real library would reject it (CUBLAS_STATUS_INVALID_VALUE, 7) and
 * computes nothing, so the backend's own verification must fail the result.
 * FAKE_CUBLAS_MODE:
 *   ok        (default)
 *   noalgo    cublasLtMatmulAlgoGetHeuristic returns no algorithm
 *   ltfail    cublasLtMatmul fails with CUBLAS_STATUS_EXECUTION_FAILED (13) */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *mode(void)
{
	const char *m = getenv("FAKE_CUBLAS_MODE");
	return m ? m : "ok";
}

static int token;

/* ---- cuBLAS -------------------------------------------------------------- */
int cublasCreate_v2(void **h)
{
	*h = &token;
	return 0;
}

int cublasDestroy_v2(void *h)
{
	return h == &token ? 0 : 7;
}

int cublasSetMathMode(void *h, int mode_)
{
	return h == &token && mode_ >= 0 && mode_ <= 16 ? 0 : 7;
}

int cublasGetVersion_v2(void *h, int *v)
{
	(void)h;
	*v = 99999;
	return 0;
}

int cublasGemmEx(void *h, int ta, int tb, int m, int n, int k, const void *alpha, const void *A,
		 int at, int lda, const void *B, int bt, int ldb, const void *beta, void *C, int ct,
		 int ldc, int compute, int algo)
{
	(void)algo;
	if (h != &token || ta < 0 || ta > 1 || tb < 0 || tb > 1 || m < 1 || n < 1 || k < 1 ||
	    !alpha || !beta || !A || !B || !C || at != bt || ct != 0 || compute < 64 ||
	    lda < (ta ? k : m) || ldb < (tb ? n : k) || ldc < m)
		return 7;
	return 0;
}

/* ---- cuBLASLt ------------------------------------------------------------ */
struct obj {
	int kind;             /* 1 desc, 2 layout, 3 preference */
	int a, b;             /* desc: transa, transb; layout: type */
	uint64_t rows, cols;
	int64_t ld;
	uint64_t max_ws;
};

static int make(void **p, int kind)
{
	struct obj *o = calloc(1, sizeof *o);

	if (!o)
		return 3;     /* CUBLAS_STATUS_ALLOC_FAILED */
	o->kind = kind;
	*p = o;
	return 0;
}

static int drop(void *p, int kind)
{
	struct obj *o = p;

	if (!o || o->kind != kind)
		return 7;
	free(o);
	return 0;
}

int cublasLtCreate(void **h)
{
	*h = &token;
	return 0;
}

int cublasLtDestroy(void *h)
{
	return h == &token ? 0 : 7;
}

size_t cublasLtGetVersion(void)
{
	return 99999;
}

int cublasLtMatmulDescCreate(void **d, int compute, int scale)
{
	return compute < 64 || scale != 0 ? 7 : make(d, 1);
}

int cublasLtMatmulDescDestroy(void *d)
{
	return drop(d, 1);
}

int cublasLtMatmulDescSetAttribute(void *d, int attr, const void *buf, size_t len)
{
	struct obj *o = d;
	int v;

	if (!o || o->kind != 1 || (attr != 3 && attr != 4) || len != sizeof(int))
		return 7;
	memcpy(&v, buf, sizeof v);
	if (v < 0 || v > 1)
		return 7;
	*(attr == 3 ? &o->a : &o->b) = v;
	return 0;
}

int cublasLtMatrixLayoutCreate(void **l, int type, uint64_t rows, uint64_t cols, int64_t ld)
{
	int r;

	if (rows < 1 || cols < 1 || ld < (int64_t)rows)
		return 7;
	if ((r = make(l, 2)) == 0) {
		((struct obj *)*l)->a = type;
		((struct obj *)*l)->rows = rows;
		((struct obj *)*l)->cols = cols;
		((struct obj *)*l)->ld = ld;
	}
	return r;
}

int cublasLtMatrixLayoutDestroy(void *l)
{
	return drop(l, 2);
}

int cublasLtMatmulPreferenceCreate(void **p)
{
	return make(p, 3);
}

int cublasLtMatmulPreferenceDestroy(void *p)
{
	return drop(p, 3);
}

int cublasLtMatmulPreferenceSetAttribute(void *p, int attr, const void *buf, size_t len)
{
	struct obj *o = p;

	if (!o || o->kind != 3 || attr != 1 || len != sizeof(uint64_t))
		return 7;
	memcpy(&o->max_ws, buf, sizeof o->max_ws);
	return 0;
}

/* cublasLtMatmulHeuristicResult_t */
struct heuristic {
	uint64_t algo[8];
	size_t workspace;
	int state;
	float waves;
	int reserved[4];
};

int cublasLtMatmulAlgoGetHeuristic(void *h, void *desc, void *a, void *b, void *c, void *d,
				   void *pref, int requested, struct heuristic *res, int *count)
{
	const struct obj *pa = a, *pb = b, *pc = c, *pd = d, *pp = pref;

	if (h != &token || !desc || !pa || !pb || !pc || !pd || !pp || requested < 1 ||
	    pa->kind != 2 || pb->kind != 2 || pc->kind != 2 || pa->a != pb->a || pc->a != 0)
		return 7;
	*count = 0;
	if (strcmp(mode(), "noalgo") == 0)
		return 0;
	memset(res, 0, sizeof *res);
	res->algo[0] = 42;
	res->workspace = pp->max_ws < (4u << 20) ? pp->max_ws : (4u << 20);
	res->waves = 1.0f;
	*count = 1;
	return 0;
}

int cublasLtMatmul(void *h, void *desc, const void *alpha, const void *A, void *ad, const void *B,
		   void *bd, const void *beta, const void *C, void *cd, void *D, void *dd,
		   const uint64_t *algo, void *ws, size_t ws_bytes, void *stream)
{
	(void)stream;
	if (h != &token || !desc || !alpha || !beta || !A || !B || !C || !D || !ad || !bd || !cd ||
	    !dd || !algo || algo[0] != 42 || (ws_bytes && !ws))
		return 7;
	if (strcmp(mode(), "ltfail") == 0)
		return 13;
	return 0;
}
