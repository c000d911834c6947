/* A BLAS that fails the way real ones have: built with -DFAKE_BLAS_CRASH it
 * dies with SIGSEGV in its first GEMM, with -DFAKE_BLAS_HANG it never
 * returns from it (as OpenBLAS does when its buffer allocation fails under
 * an address-space limit). dlprobe must lose only this library's results. */
#include <signal.h>
#include <unistd.h>

static void fail(void)
{
#ifdef FAKE_BLAS_HANG
	for (;;)
		pause();
#else
	raise(SIGSEGV);
#endif
}

void cblas_sgemm(int order, int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
		 const float *b, int ldb, float beta, float *c, int ldc)
{
	fail();
}

void cblas_dgemm(int order, int ta, int tb, int m, int n, int k, double alpha, const double *a, int lda,
		 const double *b, int ldb, double beta, double *c, int ldc)
{
	fail();
}
