/* The BLIS five-loop framework, instantiated once per element type by
 * gemm.c (T, SUF and UKR defined before inclusion). Loops: jc over NC
 * columns, pc over KC, B panel packed by all threads together, then each
 * thread packs its own A blocks (MC x KC) and runs the micro-kernel over
 * MR x NR tiles. Threads split M when there are enough MR panels for all,
 * otherwise the NR panels (skinny, batch-sized M). */

static void NAME(pack_a)(size_t mc, size_t kc, const T *a, size_t lda, int mr, T *dst)
{
	size_t ir, p;
	int i;

	for (ir = 0; ir < mc; ir += (size_t)mr) {
		size_t rows = mc - ir < (size_t)mr ? mc - ir : (size_t)mr;

		for (p = 0; p < kc; p++) {
			const T *src = a + ir + p * lda;

			for (i = 0; i < (int)rows; i++)
				dst[i] = src[i];
			for (; i < mr; i++)
				dst[i] = 0;
			dst += mr;
		}
	}
}

static void NAME(pack_b_panel)(size_t kc, size_t cols, const T *b, size_t ldb, int nr, T *dst)
{
	size_t p;
	int j;

	for (j = 0; j < (int)cols; j++) {
		const T *src = b + (size_t)j * ldb;

		for (p = 0; p < kc; p++)
			dst[p * (size_t)nr + (size_t)j] = src[p];
	}
	for (; j < nr; j++)
		for (p = 0; p < kc; p++)
			dst[p * (size_t)nr + (size_t)j] = 0;
}

static void NAME(gemm_thread)(void *arg, int tid, int nth)
{
	struct gemm_call *g = arg;
	dlp_gemm_plan *pl = g->plan;
	const T *A = g->a, *B = g->b;
	T *C = g->c;
	const int mr = pl->ukr->mr, nr = pl->ukr->nr;
	UKR_T ukr = (UKR_T)pl->ukr->fn;
	T *bp = pl->bpack, *ap = (T *)pl->apack[tid], *tile = (T *)pl->tile[tid];
	const size_t m = g->m, n = g->n, k = g->k;
	const size_t MC = (size_t)pl->bl.mc, KC = (size_t)pl->bl.kc, NC = (size_t)pl->bl.nc;
	size_t jc, pc, ic, jr, ir, m0, m1, panels_m, MCe = MC;
	int split_m;

	panels_m = (m + (size_t)mr - 1) / (size_t)mr;
	split_m = panels_m >= 2 * (size_t)nth;
	if (split_m) {
		m0 = (panels_m * (size_t)tid / (size_t)nth) * (size_t)mr;
		m1 = (panels_m * (size_t)(tid + 1) / (size_t)nth) * (size_t)mr;
		if (m1 > m)
			m1 = m;
	} else {
		m0 = 0;
		m1 = m;
	}
	/* Equal MC blocks: 512 rows as 480 + 32 would run a nearly empty block. */
	if (m1 > m0) {
		size_t nb = (m1 - m0 + MC - 1) / MC;

		MCe = ((m1 - m0 + nb - 1) / nb + (size_t)mr - 1) / (size_t)mr * (size_t)mr;
	}
	for (jc = 0; jc < n; jc += NC) {
		size_t nc = n - jc < NC ? n - jc : NC;
		size_t panels_n = (nc + (size_t)nr - 1) / (size_t)nr, j0, j1;

		j0 = split_m ? 0 : panels_n * (size_t)tid / (size_t)nth;
		j1 = split_m ? panels_n : panels_n * (size_t)(tid + 1) / (size_t)nth;
		for (pc = 0; pc < k; pc += KC) {
			size_t kc = k - pc < KC ? k - pc : KC;
			int acc = pc > 0;

			for (jr = (size_t)tid; jr < panels_n; jr += (size_t)nth) {
				size_t cols = nc - jr * nr < (size_t)nr ? nc - jr * nr : (size_t)nr;

				NAME(pack_b_panel)(kc, cols, B + pc + (jc + jr * nr) * g->ldb, g->ldb, nr,
						   bp + jr * (size_t)nr * kc);
			}
			if (nth > 1)
				dlp_team_barrier(pl->team);
			for (ic = m0; ic < m1; ic += MCe) {
				size_t mc = m1 - ic < MCe ? m1 - ic : MCe;

				NAME(pack_a)(mc, kc, A + ic + pc * g->lda, g->lda, mr, ap);
				for (jr = j0; jr < j1; jr++) {
					size_t cols = nc - jr * nr < (size_t)nr ? nc - jr * nr : (size_t)nr;
					const T *bpan = bp + jr * (size_t)nr * kc;

					for (ir = 0; ir < mc; ir += (size_t)mr) {
						size_t rows = mc - ir < (size_t)mr ? mc - ir : (size_t)mr;
						T *cij = C + (ic + ir) + (jc + jr * nr) * g->ldc;
						size_t i, j;

						if (rows == (size_t)mr && cols == (size_t)nr) {
							ukr(kc, ap + ir * kc, bpan, cij, g->ldc, acc);
							continue;
						}
						ukr(kc, ap + ir * kc, bpan, tile, (size_t)mr, 0);
						for (j = 0; j < cols; j++)
							for (i = 0; i < rows; i++)
								cij[i + j * g->ldc] = (acc ? cij[i + j * g->ldc] : 0) +
										      tile[i + j * (size_t)mr];
					}
				}
			}
			/* B is repacked next round: nobody may still be reading it. */
			if (nth > 1)
				dlp_team_barrier(pl->team);
		}
	}
}
