/* The BLIS five-loop framework, instantiated once per element type by
 * gemm.c (T: A/B element, TC: C element, KS: k values per packed step (2
 * for bf16 pairs), SUF and UKR_T defined before inclusion). Loops: jc over NC
 * columns, pc over KC, B panels packed by all threads together (per-panel
 * ready/used flags instead of team barriers), then MC x KC blocks of A, each
 * packed by the thread that computes it over MR x NR tiles. Threads take
 * panels and blocks dynamically when M has enough MR panels for all (a
 * descheduled thread must not hold the others up), otherwise each takes a
 * fixed share of the NR panels (batch-sized M). */

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
		/* Columns ahead for the AVX2 panels: about 4 KiB of A, at
		 * least 4 columns. The 64-row fp32 block of KC 1024 has
		 * 256-byte columns: 16 ahead, where 4 ran 1760 x 64 x 1760
		 * 2.5% slower on Zen 3 (1 thread). */
		const size_t far = len == 64 && full > 0 && 4096 / (full * 64) > 4
					   ? (4096 / (full * 64) < 16 ? 4096 / (full * 64) : 16) : 4;

		for (p = 0; p < kc; p++) {
			const T *src = a + p * lda;
			T *d = dst + p * (size_t)mr;
			/* A column is too short for the hardware prefetcher to
			 * catch before it ends: ask for the column 4 ahead
			 * (+1-3% at n = 2048). */
			const int ahead = p + 4 < kc, ahead_far = p + far < kc;

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
					if (ahead_far)
						_mm_prefetch((const char *)(src + far * lda + ir * (size_t)mr),
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
		/* fp32, full 16 x 6 chunk (the AVX2 tile): columns 0-3 as
		 * above, 4-5 interleaved in pairs and stored 8 bytes a row.
		 * The scalar path below was 1.8% of a 2048^3 call on Zen 3. */
		if (KS == 1 && sizeof(T) == 4 && pe == p0 + 16 && cols == 6 && nr == 6) {
			const float *s0 = (const float *)(const void *)(b + p0);
			float *d = (float *)(void *)(dst + p0 * step);
			int r;

			for (j = 0; j < 6; j++) {
				_mm_prefetch((const char *)(s0 + (size_t)j * ldb + 64), _MM_HINT_T0);
				if (next && (size_t)j < next_cols)
					_mm_prefetch((const char *)(next + (size_t)j * ldb + p0), _MM_HINT_T0);
			}
			for (r = 0; r < 16; r += 4) {
				__m128 r0 = _mm_loadu_ps(s0 + r), r1 = _mm_loadu_ps(s0 + ldb + r);
				__m128 r2 = _mm_loadu_ps(s0 + 2 * ldb + r), r3 = _mm_loadu_ps(s0 + 3 * ldb + r);
				__m128 r4 = _mm_loadu_ps(s0 + 4 * ldb + r), r5 = _mm_loadu_ps(s0 + 5 * ldb + r);
				__m128 lo = _mm_unpacklo_ps(r4, r5), hi = _mm_unpackhi_ps(r4, r5);
				float *dr = d + (size_t)r * step;

				_MM_TRANSPOSE4_PS(r0, r1, r2, r3);
				_mm_storeu_ps(dr, r0);
				_mm_storel_pi((__m64 *)(void *)(dr + 4), lo);
				_mm_storeu_ps(dr + step, r1);
				_mm_storeh_pi((__m64 *)(void *)(dr + step + 4), lo);
				_mm_storeu_ps(dr + 2 * step, r2);
				_mm_storel_pi((__m64 *)(void *)(dr + 2 * step + 4), hi);
				_mm_storeu_ps(dr + 3 * step, r3);
				_mm_storeh_pi((__m64 *)(void *)(dr + 3 * step + 4), hi);
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

/* One packed MC x KC block of A times one packed B panel, into C at row
 * ic, column cj; edge tiles go through the thread's tile buffer. */
static void NAME(macro_panel)(const struct gemm_call *g, const T *ap, const T *bpan, TC *tile,
			      size_t ic, size_t mc, size_t cj, size_t cols, size_t kcs, int acc)
{
	const size_t mr = (size_t)g->plan->ukr->mr, nr = (size_t)g->plan->ukr->nr;
	UKR_T ukr = (UKR_T)g->plan->ukr->fn;
	TC *C = g->c;
	size_t ir, i, j;

	for (ir = 0; ir < mc; ir += mr) {
		size_t rows = mc - ir < mr ? mc - ir : mr;
		TC *cij = C + (ic + ir) + cj * g->ldc;

		if (rows == mr && cols == nr) {
			ukr(kcs / KS, ap + ir * kcs, bpan, cij, g->ldc, acc);
			continue;
		}
		ukr(kcs / KS, ap + ir * kcs, bpan, tile, mr, 0);
		for (j = 0; j < cols; j++)
			for (i = 0; i < rows; i++)
				cij[i + j * g->ldc] = (acc ? cij[i + j * g->ldc] : 0) + tile[i + j * mr];
	}
}

/* Columns of panel jr of an nc-wide block. */
static inline size_t NAME(panel_cols)(size_t nc, size_t jr, int nr)
{
	return nc - jr * (size_t)nr < (size_t)nr ? nc - jr * (size_t)nr : (size_t)nr;
}

/* B small enough to be packed whole in one buffer's room (skinny N, e.g.
 * 1760 x 64 x 1760, not 1024^3, whose blocks would each stream all of a 4
 * MiB B from L3): all its panels of all k rounds are tickets, then each
 * block of A rows is one ticket that runs every k round. No ticket then
 * waits on another block's progress, so a descheduled thread delays only
 * the end of the call, never the other thread mid-way (the rounds of the
 * general path make each round's blocks wait on the round before). */
static int NAME(gemm_whole_b)(struct gemm_call *g, int nth)
{
	const dlp_gemm_plan *pl = g->plan;
	const size_t KC = (size_t)pl->bl.kc, NC = (size_t)pl->bl.nc, nr = (size_t)pl->ukr->nr;
	const size_t rounds = (g->k + KC - 1) / KC, panels_n = (g->n + nr - 1) / nr;

	return nth > 1 && g->n <= NC && rounds * panels_n <= pl->nflag;
}

static void NAME(gemm_whole)(struct gemm_call *g, int tid, int nth)
{
	dlp_gemm_plan *pl = g->plan;
	const T *A = g->a, *B = g->b;
	const int mr = pl->ukr->mr, nr = pl->ukr->nr;
	T *ap = (T *)pl->apack[tid], *bp = pl->bpack[0];
	TC *tile = (TC *)pl->tile[tid];
	const size_t m = g->m, n = g->n, k = g->k;
	const size_t MC = (size_t)pl->bl.mc, KC = (size_t)pl->bl.kc;
	const size_t panels_m = (m + (size_t)mr - 1) / (size_t)mr;
	const size_t panels_n = (n + (size_t)nr - 1) / (size_t)nr, rounds = (k + KC - 1) / KC;
	const unsigned npan = (unsigned)(rounds * panels_n);
	size_t nblk, want, MCe, q, jr;
	long t;

	/* Four blocks per thread where M has the panels: a late thread's last
	 * block is then a small share of the call. */
	nblk = (m + MC - 1) / MC;
	want = 4 * (size_t)nth < panels_m ? 4 * (size_t)nth : panels_m;
	if (nblk < want)
		nblk = want;
	MCe = ((m + nblk - 1) / nblk + (size_t)mr - 1) / (size_t)mr * (size_t)mr;
	nblk = (m + MCe - 1) / MCe;
	/* Panel t (round t / panels_n) sits at t * NR * KC; its flag is
	 * flag[t / nflag][t % nflag], ready when 1. */
	while ((t = gemm_claim(&pl->ticket[0].next, npan)) >= 0) {
		size_t pc = (size_t)t / panels_n * KC, kc = k - pc < KC ? k - pc : KC;

		jr = (size_t)t % panels_n;
		NAME(pack_b_panel)(kc, NAME(panel_cols)(n, jr, nr), B + pc + jr * nr * g->ldb, g->ldb, nr,
				   bp + (size_t)t * (size_t)nr * KC, NULL, 0);
		atomic_store_explicit(&pl->flag[(size_t)t / pl->nflag][(size_t)t % pl->nflag].ready, 1,
				      memory_order_release);
	}
	while ((t = gemm_claim(&pl->ticket[1].next, (unsigned)nblk)) >= 0) {
		size_t ic = (size_t)t * MCe, mc = m - ic < MCe ? m - ic : MCe;

		for (q = 0; q < rounds; q++) {
			size_t pc = q * KC, kc = k - pc < KC ? k - pc : KC;
			size_t kcs = (kc + KS - 1) / KS * KS;

			NAME(pack_a)(mc, kc, A + ic + pc * g->lda, g->lda, mr, ap);
			for (jr = 0; jr < panels_n; jr++) {
				size_t pi = q * panels_n + jr;

				gemm_wait_ge(&pl->flag[pi / pl->nflag][pi % pl->nflag].ready, 1);
				NAME(macro_panel)(g, ap, bp + pi * (size_t)nr * KC, tile, ic, mc, jr * nr,
						  NAME(panel_cols)(n, jr, nr), kcs, q > 0);
			}
		}
	}
}

/* M split dynamically. Per round, the B panels and then the MC blocks of A
 * are work tickets that any thread takes (gemm_claim), so a thread the OS
 * descheduled holds up at most the one panel or block it took, not a fixed
 * share: on a loaded VM the other thread takes the rest. Two B buffers
 * alternate by round, so a thread done with round r packs and computes
 * round r + 1 while a late thread still reads round r. Repacking a panel
 * waits until every block of the buffer's previous round has read it;
 * reading waits until its packer released it; a block accumulating into C
 * waits until the same block of the round before is done. */
static void NAME(gemm_dyn)(struct gemm_call *g, int tid, int nth)
{
	dlp_gemm_plan *pl = g->plan;
	const T *A = g->a, *B = g->b;
	const int mr = pl->ukr->mr, nr = pl->ukr->nr;
	T *ap = (T *)pl->apack[tid];
	TC *tile = (TC *)pl->tile[tid];
	const size_t m = g->m, n = g->n, k = g->k;
	const size_t MC = (size_t)pl->bl.mc, KC = (size_t)pl->bl.kc, NC = (size_t)pl->bl.nc;
	const size_t panels_m = (m + (size_t)mr - 1) / (size_t)mr;
	const int sync = nth > 1;
	size_t jc, pc, jr, nblk, want, MCe;
	unsigned round = 0, bbase = 0;
	long t;

	/* Equal blocks (512 rows as 480 + 32 would run a nearly empty one),
	 * at least two per thread where M has the panels, so that a late
	 * thread's block is a small share. */
	nblk = (m + MC - 1) / MC;
	want = 2 * (size_t)nth < panels_m ? 2 * (size_t)nth : panels_m;
	if (sync && nblk < want)
		nblk = want;
	MCe = ((m + nblk - 1) / nblk + (size_t)mr - 1) / (size_t)mr * (size_t)mr;
	nblk = (m + MCe - 1) / MCe;
	for (jc = 0; jc < n; jc += NC) {
		size_t nc = n - jc < NC ? n - jc : NC;
		size_t panels_n = (nc + (size_t)nr - 1) / (size_t)nr;

		for (pc = 0; pc < k; pc += KC) {
			size_t kc = k - pc < KC ? k - pc : KC;
			size_t kcs = (kc + KS - 1) / KS * KS;
			int acc = pc > 0, buf;
			unsigned abase = round * (unsigned)nblk, prev;
			struct gemm_flag *fl;
			T *bp;

			round++;
			buf = sync ? (int)(round % GEMM_NBUF) : 0;
			bp = pl->bpack[buf];
			fl = pl->flag[buf];
			/* Earlier rounds on this buffer. Only the last jc block can
			 * have fewer panels, so each of them had panel jr. */
			prev = (round - 1) / GEMM_NBUF;
			while ((t = gemm_claim(&pl->ticket[0].next, bbase + (unsigned)panels_n)) >= 0) {
				size_t jn;

				jr = (size_t)t - bbase;
				jn = jr + 1;
				if (sync)
					gemm_wait_ge(&fl[jr].used, (unsigned)nblk * prev);
				NAME(pack_b_panel)(kc, NAME(panel_cols)(nc, jr, nr), B + pc + (jc + jr * nr) * g->ldb,
						   g->ldb, nr, bp + jr * (size_t)nr * KC,
						   jn < panels_n ? B + pc + (jc + jn * nr) * g->ldb : NULL,
						   jn < panels_n ? NAME(panel_cols)(nc, jn, nr) : 0);
				if (sync)
					atomic_store_explicit(&fl[jr].ready, round, memory_order_release);
			}
			bbase += (unsigned)panels_n;
			while ((t = gemm_claim(&pl->ticket[1].next, abase + (unsigned)nblk)) >= 0) {
				size_t blk = (size_t)t - abase, ic = blk * MCe, slot = blk % GEMM_NSLOT;
				size_t mc = m - ic < MCe ? m - ic : MCe;
				/* Blocks sharing the slot, this one included. */
				unsigned nslot = (unsigned)((nblk - slot + GEMM_NSLOT - 1) / GEMM_NSLOT);

				NAME(pack_a)(mc, kc, A + ic + pc * g->lda, g->lda, mr, ap);
				/* Its rows of C from the round before must be complete.
				 * Also at a new jc block, which writes other columns: the
				 * count is per block over all rounds, so a block ahead
				 * there would count as its late round before. */
				if (sync)
					gemm_wait_ge(&pl->blkdone[slot].next, nslot * (round - 1));
				for (jr = 0; jr < panels_n; jr++) {
					if (sync)
						gemm_wait_ge(&fl[jr].ready, round);
					NAME(macro_panel)(g, ap, bp + jr * (size_t)nr * KC, tile, ic, mc, jc + jr * nr,
							  NAME(panel_cols)(nc, jr, nr), kcs, acc);
					if (sync)
						atomic_fetch_add_explicit(&fl[jr].used, 1, memory_order_release);
				}
				if (sync)
					atomic_fetch_add_explicit(&pl->blkdone[slot].next, 1, memory_order_release);
			}
		}
	}
}

/* M too short for every thread to have rows (batch-sized M): each thread
 * packs and reads its own NR panels and packs all of A. Which panels are
 * whose changes when the last jc block is narrower, so a panel's used flag
 * (one reader per round) still guards its repacking. */
static void NAME(gemm_split_n)(struct gemm_call *g, int tid, int nth)
{
	dlp_gemm_plan *pl = g->plan;
	const T *A = g->a, *B = g->b;
	const int mr = pl->ukr->mr, nr = pl->ukr->nr;
	T *bp = pl->bpack[0], *ap = (T *)pl->apack[tid];
	TC *tile = (TC *)pl->tile[tid];
	const size_t m = g->m, n = g->n, k = g->k;
	const size_t MC = (size_t)pl->bl.mc, KC = (size_t)pl->bl.kc, NC = (size_t)pl->bl.nc;
	struct gemm_flag *fl = pl->flag[0];
	size_t jc, pc, ic, jr, nb = (m + MC - 1) / MC, MCe;
	unsigned round = 0;

	MCe = ((m + nb - 1) / nb + (size_t)mr - 1) / (size_t)mr * (size_t)mr;
	for (jc = 0; jc < n; jc += NC) {
		size_t nc = n - jc < NC ? n - jc : NC;
		size_t panels_n = (nc + (size_t)nr - 1) / (size_t)nr;
		size_t j0 = panels_n * (size_t)tid / (size_t)nth, j1 = panels_n * (size_t)(tid + 1) / (size_t)nth;

		for (pc = 0; pc < k; pc += KC) {
			size_t kc = k - pc < KC ? k - pc : KC;
			size_t kcs = (kc + KS - 1) / KS * KS;
			int acc = pc > 0;

			round++;
			for (jr = j0; jr < j1; jr++) {
				size_t jn = jr + 1;

				gemm_wait_ge(&fl[jr].used, round - 1);
				NAME(pack_b_panel)(kc, NAME(panel_cols)(nc, jr, nr), B + pc + (jc + jr * nr) * g->ldb,
						   g->ldb, nr, bp + jr * (size_t)nr * KC,
						   jn < j1 ? B + pc + (jc + jn * nr) * g->ldb : NULL,
						   jn < j1 ? NAME(panel_cols)(nc, jn, nr) : 0);
			}
			for (ic = 0; j0 < j1 && ic < m; ic += MCe) {
				size_t mc = m - ic < MCe ? m - ic : MCe;

				NAME(pack_a)(mc, kc, A + ic + pc * g->lda, g->lda, mr, ap);
				for (jr = j0; jr < j1; jr++)
					NAME(macro_panel)(g, ap, bp + jr * (size_t)nr * KC, tile, ic, mc, jc + jr * nr,
							  NAME(panel_cols)(nc, jr, nr), kcs, acc);
			}
			for (jr = j0; jr < j1; jr++)
				atomic_fetch_add_explicit(&fl[jr].used, 1, memory_order_release);
		}
	}
}

static void NAME(gemm_thread)(void *arg, int tid, int nth)
{
	struct gemm_call *g = arg;

	if (!gemm_split_dynamic(g->m, g->plan->ukr->mr, nth))
		NAME(gemm_split_n)(g, tid, nth);
	else if (NAME(gemm_whole_b)(g, nth))
		NAME(gemm_whole)(g, tid, nth);
	else
		NAME(gemm_dyn)(g, tid, nth);
}
