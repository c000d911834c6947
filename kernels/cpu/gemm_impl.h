/* The BLIS five-loop framework, instantiated once per element type by
 * gemm.c (T: A/B element, TC: C element, KS: k values per packed step (2
 * for bf16 pairs), SUF and UKR_T defined before inclusion). Loops: jc over NC
 * columns, pc over KC, B panel packed by all threads together (per-panel
 * ready/used flags instead of team barriers), then each thread packs its own
 * A blocks (MC x KC) and runs the micro-kernel over MR x NR tiles. Threads
 * split M when there are enough MR panels for all, otherwise the NR panels
 * (skinny, batch-sized M), each thread then packing only its own. */

/* Per k step, MR rows of KS consecutive k values each (KS = 1: a column
 * slice; KS = 2: the bf16 pairs VDPBF16PS multiplies); past the edges zero,
 * so the micro-kernel always runs full tiles. */
static void NAME(pack_a)(size_t mc, size_t kc, const T *a, size_t lda, int mr, T *dst)
{
	const size_t kp = (kc + KS - 1) / KS;
	size_t ir, p;
	int i, s;

	/* Full fp32/fp64 panels are filled column by column of A: one run of
	 * MC contiguous values per column, cut into MR-row copies, instead of
	 * panel by panel (per panel KC short pieces, each in another column,
	 * whose misses were most of the cost of packing A). */
	if (KS == 1) {
		const size_t full = mc / (size_t)mr, len = (size_t)mr * sizeof(T), pan = kc * (size_t)mr;

		for (p = 0; p < kc; p++) {
			const T *src = a + p * lda;
			T *d = dst + p * (size_t)mr;
			/* A column is too short for the hardware prefetcher to
			 * catch before it ends: ask for the column 4 ahead
			 * (+1-3% at n = 2048). */
			const int ahead = p + 4 < kc;

			/* A constant length (the fp32 and fp64 AVX-512 panels are
			 * 128 bytes, the AVX2 ones 64) lets the compiler inline the copy instead of
			 * calling memmove per piece. */
			if (len == 128)
				for (ir = 0; ir < full; ir++) {
					if (ahead) {
						const char *nx = (const char *)(src + 4 * lda + ir * (size_t)mr);

						_mm_prefetch(nx, _MM_HINT_T0);
						_mm_prefetch(nx + 64, _MM_HINT_T0);
					}
					memcpy(d + ir * pan, src + ir * (size_t)mr, 128);
				}
			else if (len == 64)
				/* The AVX2 panels (16 fp32, 8 fp64): one line each. */
				for (ir = 0; ir < full; ir++) {
					if (ahead)
						_mm_prefetch((const char *)(src + 4 * lda + ir * (size_t)mr),
							     _MM_HINT_T0);
					memcpy(d + ir * pan, src + ir * (size_t)mr, 64);
				}
			else
				for (ir = 0; ir < full; ir++)
					memcpy(d + ir * pan, src + ir * (size_t)mr, len);
		}
		dst += full * pan;
		a += full * (size_t)mr;
		mc -= full * (size_t)mr;
	}
	for (ir = 0; ir < mc; ir += (size_t)mr) {
		size_t rows = mc - ir < (size_t)mr ? mc - ir : (size_t)mr;

		if (KS == 2 && rows == (size_t)mr) {
			/* bf16: interleave two columns into pairs, the odd tail
			 * column paired with zeros. */
			for (p = 0; p < kp; p++) {
				const T *s0 = a + ir + 2 * p * lda, *s1 = s0 + lda;

				if (2 * p + 1 < kc)
					for (i = 0; i < mr; i++) {
						dst[2 * i] = s0[i];
						dst[2 * i + 1] = s1[i];
					}
				else
					for (i = 0; i < mr; i++) {
						dst[2 * i] = s0[i];
						dst[2 * i + 1] = 0;
					}
				dst += 2 * (size_t)mr;
			}
			continue;
		}
		for (p = 0; p < kp; p++) {
			for (s = 0; s < KS; s++) {
				const T *src = a + ir + (p * KS + (size_t)s) * lda;

				if (p * KS + (size_t)s >= kc) {
					for (i = 0; i < mr; i++)
						dst[i * KS + s] = 0;
					continue;
				}
				for (i = 0; i < (int)rows; i++)
					dst[i * KS + s] = src[i];
				for (; i < mr; i++)
					dst[i * KS + s] = 0;
			}
			dst += mr * KS;
		}
	}
}

/* Per k step NR columns (KS values each). The columns are read in chunks
 * of 16 k values, all NR of them in turn: NR sequential streams in flight
 * instead of one column after another, so the misses on B overlap. next
 * (NULL: none) is the source of the panel this thread packs next: its lines
 * are requested one panel ahead, because the near prefetch alone left the
 * loads of B waiting on DRAM (two thirds of the packing samples). */
static void NAME(pack_b_panel)(size_t kc, size_t cols, const T *b, size_t ldb, int nr, T *dst,
			       const T *next, size_t next_cols)
{
	const size_t kp = (kc + KS - 1) / KS, step = (size_t)nr * KS;
	size_t p, p0, pe, q;
	int j, s;

	for (p0 = 0; p0 < kp; p0 += 16) {
		pe = kp - p0 < 16 ? kp : p0 + 16;
		/* fp32, full 16 x NR chunk: 4 x 4 SSE transposes, a quarter of
		 * the scalar loads and stores (the scalar stores were most of
		 * what remained of packing B once its misses were prefetched). */
		if (KS == 1 && sizeof(T) == 4 && pe == p0 + 16 && cols == (size_t)nr && nr % 4 == 0) {
			for (j = 0; j < nr; j += 4) {
				const float *s0 = (const float *)(const void *)(b + (size_t)j * ldb + p0);
				float *d = (float *)(void *)(dst + p0 * step + (size_t)j);
				int q;

				for (q = 0; q < 4; q++) {
					const float *src = s0 + (size_t)q * ldb;

					_mm_prefetch((const char *)(src + 64), _MM_HINT_T0);
					if (next && (size_t)(j + q) < next_cols)
						_mm_prefetch((const char *)(next + (size_t)(j + q) * ldb + p0),
							     _MM_HINT_T0);
				}
				for (q = 0; q < 16; q += 4) {
					__m128 r0 = _mm_loadu_ps(s0 + q), r1 = _mm_loadu_ps(s0 + ldb + q);
					__m128 r2 = _mm_loadu_ps(s0 + 2 * ldb + q), r3 = _mm_loadu_ps(s0 + 3 * ldb + q);

					_MM_TRANSPOSE4_PS(r0, r1, r2, r3);
					_mm_storeu_ps(d + (size_t)q * step, r0);
					_mm_storeu_ps(d + (size_t)(q + 1) * step, r1);
					_mm_storeu_ps(d + (size_t)(q + 2) * step, r2);
					_mm_storeu_ps(d + (size_t)(q + 3) * step, r3);
				}
			}
			continue;
		}
		for (j = 0; j < (int)cols; j++) {
			const T *src = b + (size_t)j * ldb;

			/* B comes from L3 or DRAM: ask for the line 4 chunks ahead. */
			_mm_prefetch((const char *)(src + (p0 + 64) * KS), _MM_HINT_T0);
			if (next && (size_t)j < next_cols) {
				const char *nx = (const char *)(next + (size_t)j * ldb + p0 * KS);

				/* A chunk is 16 x KS values: two lines for fp64. */
				_mm_prefetch(nx, _MM_HINT_T0);
				if (16 * KS * sizeof(T) > 64)
					_mm_prefetch(nx + 64, _MM_HINT_T0);
			}
			if (KS == 1 && pe <= kc) {
				for (p = p0; p < pe; p++)
					dst[p * step + (size_t)j] = src[p];
				continue;
			}
			for (p = p0; p < pe; p++)
				for (s = 0; s < KS; s++) {
					q = p * KS + (size_t)s;
					dst[p * step + (size_t)j * KS + (size_t)s] = q < kc ? src[q] : 0;
				}
		}
		for (j = (int)cols; j < nr; j++)
			for (p = p0; p < pe; p++)
				for (s = 0; s < KS; s++)
					dst[p * step + (size_t)j * KS + (size_t)s] = 0;
	}
}

static void NAME(gemm_thread)(void *arg, int tid, int nth)
{
	struct gemm_call *g = arg;
	dlp_gemm_plan *pl = g->plan;
	const T *A = g->a, *B = g->b;
	TC *C = g->c;
	const int mr = pl->ukr->mr, nr = pl->ukr->nr;
	UKR_T ukr = (UKR_T)pl->ukr->fn;
	T *bp = pl->bpack, *ap = (T *)pl->apack[tid];
	TC *tile = (TC *)pl->tile[tid];
	const size_t m = g->m, n = g->n, k = g->k;
	const size_t MC = (size_t)pl->bl.mc, KC = (size_t)pl->bl.kc, NC = (size_t)pl->bl.nc;
	size_t jc, pc, ic, jr, ir, m0, m1, panels_m, MCe = MC;
	int split_m, sync;
	unsigned round = 0, readers;
	struct gemm_flag *fl = pl->flag;

	panels_m = (m + (size_t)mr - 1) / (size_t)mr;
	split_m = panels_m >= 2 * (size_t)nth;
	/* Split M: every thread reads every B panel, each packs a share, and
	 * per-panel flags say when a panel is packed and when all readers are
	 * done with it (no team barrier: a thread starts on the first panels
	 * while later ones are still being packed, and packs the next round's
	 * panels as soon as the last reader has passed them). Split N: each
	 * thread packs and reads its own panels, but which panels are whose
	 * changes when the last jc block is narrower, so the used flag (one
	 * reader per round) still guards the repacking. */
	sync = nth > 1;
	readers = split_m ? (unsigned)nth : 1;
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
			/* Packed k length (whole KS groups) and the k steps the
			 * micro-kernel takes. */
			size_t kcs = (kc + KS - 1) / KS * KS, ksteps = kcs / KS;
			/* Panels this thread packs: every nth one from its tid when
			 * shared (both threads then need the early panels first), its
			 * own when not. */
			size_t jb = split_m ? (size_t)tid : j0, je = split_m ? panels_n : j1;
			size_t js = split_m ? (size_t)nth : 1;
			int acc = pc > 0;

			round++;
			/* B panels sit KC apart whatever this round's kc, so a
			 * panel's memory never overlaps another panel of the round
			 * before (KC is even for bf16). Repacking panel jr waits
			 * until all its readers have read it in every earlier round:
			 * every earlier round had it, since only the last jc block
			 * can have fewer panels. */
			for (jr = jb; jr < je; jr += js) {
				size_t cols = nc - jr * nr < (size_t)nr ? nc - jr * nr : (size_t)nr;
				size_t jn = jr + js;
				size_t ncols = jn < je ? (nc - jn * nr < (size_t)nr ? nc - jn * nr : (size_t)nr) : 0;

				if (sync)
					gemm_wait_ge(&fl[jr].used, readers * (round - 1));
				NAME(pack_b_panel)(kc, cols, B + pc + (jc + jr * nr) * g->ldb, g->ldb, nr,
						   bp + jr * (size_t)nr * KC,
						   ncols ? B + pc + (jc + jn * nr) * g->ldb : NULL, ncols);
				if (sync)
					atomic_store_explicit(&fl[jr].ready, round, memory_order_release);
			}
			for (ic = m0; ic < m1; ic += MCe) {
				size_t mc = m1 - ic < MCe ? m1 - ic : MCe;

				NAME(pack_a)(mc, kc, A + ic + pc * g->lda, g->lda, mr, ap);
				for (jr = j0; jr < j1; jr++) {
					size_t cols = nc - jr * nr < (size_t)nr ? nc - jr * nr : (size_t)nr;
					const T *bpan = bp + jr * (size_t)nr * KC;

					/* Later MC blocks read the panel after this wait too. */
					if (sync && ic == m0)
						gemm_wait_ge(&fl[jr].ready, round);
					for (ir = 0; ir < mc; ir += (size_t)mr) {
						size_t rows = mc - ir < (size_t)mr ? mc - ir : (size_t)mr;
						TC *cij = C + (ic + ir) + (jc + jr * nr) * g->ldc;
						size_t i, j;

						if (rows == (size_t)mr && cols == (size_t)nr) {
							ukr(ksteps, ap + ir * kcs, bpan, cij, g->ldc, acc);
							continue;
						}
						ukr(ksteps, ap + ir * kcs, bpan, tile, (size_t)mr, 0);
						for (j = 0; j < cols; j++)
							for (i = 0; i < rows; i++)
								cij[i + j * g->ldc] = (acc ? cij[i + j * g->ldc] : 0) +
										      tile[i + j * (size_t)mr];
					}
					/* The last MC block is this round's last reader. */
					if (sync && ic + MCe >= m1)
						atomic_fetch_add_explicit(&fl[jr].used, 1, memory_order_release);
				}
			}
			/* A thread without rows still counts as a reader (the
			 * splits above never leave one so; kept so that a change
			 * there cannot turn into a deadlock). */
			for (jr = j0; sync && m0 >= m1 && jr < j1; jr++)
				atomic_fetch_add_explicit(&fl[jr].used, 1, memory_order_release);
		}
	}
}
