/* GEMM framework: micro-kernel table, cache blocking, plans (buffers reused
 * across repetitions so that allocation is never timed). */
#include <emmintrin.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <xmmintrin.h>

#include "kernels/cpu/cpu.h"

/* Blocking per kernel, measured: on Zen 5 (48 KiB L1) KC 256 beat 384/512
 * for the AVX-512 tiles and 512 beat 256 for bf16 (+5% at n = 2048). On
 * Zen 3 (32 KiB L1, 512 KiB L2, 32 MiB L3; blockings and OpenBLAS called in
 * turn in one process as scripts/gemm_pair.sh does, in quiet moments) the
 * AVX2 SGEMM tile ran best with a 24 KiB B micro-panel, KC 1024 x MC 64,
 * over KC 512 x MC 128 and KC 256 x MC 256: a quarter of the kernel calls
 * and passes over C of KC 256. Against KC 512: n = 2048 +1% on 1 thread,
 * +1.5-3% on 2 (+8% while other guests loaded the host's memory), 1024^3
 * +2% on 2; 1760 x 64 x 1760 -1%. Its B panel takes half of L3 so that NC
 * stays 4080 at KC 1024 (n = 2048 in one block: a second packs A again). */
static const dlp_gemm_ukr ukr_s[DLP_CPU_NISA] = {
	{ "sgemm_generic_8x4", 8, 4, (void *)dlp_sgemm_generic_8x4, 256, 50, 25 },
	{ "sgemm_avx2_16x6", 16, 6, (void *)dlp_sgemm_avx2_16x6, 1024, 75, 50 },
	{ "sgemm_avx512_32x12", 32, 12, (void *)dlp_sgemm_avx512_32x12, 256, 50, 25 },
};
static const dlp_gemm_ukr ukr_d[DLP_CPU_NISA] = {
	{ "dgemm_generic_4x4", 4, 4, (void *)dlp_dgemm_generic_4x4, 256, 50, 25 },
	{ "dgemm_avx2_8x6", 8, 6, (void *)dlp_dgemm_avx2_8x6, 256, 50, 25 },
	{ "dgemm_avx512_16x12", 16, 12, (void *)dlp_dgemm_avx512_16x12, 256, 50, 25 },
};

/* bf16: no AVX2 kernel (AVX2 has no bf16 dot product); the generic one is
 * the C emulation of VDPBF16PS that tests run on any machine. */
static const dlp_gemm_ukr ukr_sb[DLP_CPU_NISA] = {
	{ "sbgemm_generic_8x4", 8, 4, (void *)dlp_sbgemm_generic_8x4, 512, 50, 25 },
	{ NULL, 0, 0, NULL, 0, 0, 0 },
	{ "sbgemm_avx512bf16_32x12", 32, 12, (void *)dlp_sbgemm_avx512bf16_32x12, 512, 50, 25 },
};

const dlp_gemm_ukr *dlp_gemm_ukr_get(dlp_cpu_isa isa, int elsize)
{
	const dlp_gemm_ukr *u;

	if (isa < 0 || isa >= DLP_CPU_NISA)
		return NULL;
	u = elsize == 8 ? &ukr_d[isa] : elsize == 2 ? &ukr_sb[isa] : &ukr_s[isa];
	return u->fn ? u : NULL;
}

static long long clampll(long long v, long long lo, long long hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* BLIS rules (docs/references.md): the KC x NR B micro-panel takes about half of
 * L1, the MC x KC A block about half of L2, the KC x NC B panel a share of
 * L3 (the kernel's shares, above). Unknown sizes fall back to BLIS skx's
 * 32 KiB / 1 MiB / 32 MiB. */
void dlp_gemm_blocking_from_caches(const dlp_gemm_ukr *u, int elsize, long long l1,
				   long long l2, long long l3, dlp_gemm_blocking *b)
{
	long long kc, mc, nc;

	if (l1 <= 0)
		l1 = 32 << 10;
	if (l2 <= 0)
		l2 = 1 << 20;
	if (l3 <= 0)
		l3 = 32 << 20;
	/* KC capped per kernel (the tables above); MC beyond 480 gained nothing
	 * on Zen 5 (1 MiB L2). */
	kc = l1 * u->l1_pct / 100 / (u->nr * elsize);
	kc = clampll(kc / 16 * 16, 64, u->kc_max);
	/* At least 4 MR panels per A block: with a small L2 (256 KiB, as on
	 * Intel's AVX2 clients; not measured) KC gives way first. */
	if (l2 / 2 / (kc * elsize) < 4 * u->mr)
		kc = clampll(l2 / 2 / (4 * u->mr * elsize) / 16 * 16, 64, kc);
	mc = l2 / 2 / (kc * elsize);
	mc = clampll(mc / u->mr * u->mr, u->mr, 480 / u->mr * u->mr);
	nc = l3 * u->l3_pct / 100 / (kc * elsize);
	/* Rounded up to whole NR panels: a share that comes out at a power of
	 * two (2048 on a 16 MiB L3 at KC 1024) must not cut n = 2048 into
	 * 2046 + 2, a second block that packs all of A for 2 columns. */
	nc = clampll((nc + u->nr - 1) / u->nr * u->nr, u->nr, 4080 / u->nr * u->nr);
	b->kc = (int)kc;
	b->mc = (int)mc;
	b->nc = (int)nc;
}

/* Per NR panel of a shared packed B buffer, counted in rounds (one round
 * per (jc, pc) step, from 1 in each call): ready = the last round whose
 * panel is packed (release by its packer), used = how many (work item,
 * round) pairs have finished reading it (release by each reader). One line
 * each, so a spinning reader does not steal the line of the next panel's
 * flag. */
struct gemm_flag {
	atomic_uint ready, used;
	char pad[64 - 2 * sizeof(atomic_uint)];
};

/* Work tickets handed out by compare-and-swap, monotonic over a call (a
 * round's tickets follow the previous round's), one line each. */
struct gemm_ticket {
	atomic_uint next;
	char pad[64 - sizeof(atomic_uint)];
};

/* Per A block of a call, how many rounds it has finished, kept in a fixed
 * table: block b counts in slot b % GEMM_NSLOT, so a slot's count is a sum
 * over its blocks, and waiting for all of them is a safe (at worst early-
 * conservative) wait for one. Round r of a block accumulates into the C
 * rows round r - 1 wrote, possibly on another thread. */
#define GEMM_NSLOT 256

/* Two B buffers when threaded: round r packs into buffer r % 2, so a thread
 * finished with round r packs round r + 1 while another thread, descheduled
 * by the OS, still reads round r's panels. */
#define GEMM_NBUF 2

struct dlp_gemm_plan {
	int elsize, threads;
	const dlp_gemm_ukr *ukr;
	dlp_gemm_blocking bl;
	dlp_team *team;
	void *bpack[GEMM_NBUF];
	struct gemm_flag *flag[GEMM_NBUF];
	struct gemm_ticket *ticket;  /* [0]: B panels, [1]: A blocks */
	struct gemm_ticket *blkdone; /* GEMM_NSLOT rounds-done counters */
	size_t nflag;
	void **apack, **tile;
};

struct gemm_call {
	dlp_gemm_plan *plan;
	size_t m, n, k, lda, ldb, ldc;
	const void *a, *b;
	void *c;
};

dlp_gemm_plan *dlp_gemm_plan_new(dlp_cpu_isa isa, int elsize, const dlp_gemm_blocking *b,
				 dlp_team *team, int threads)
{
	dlp_gemm_plan *p = calloc(1, sizeof *p);
	size_t nc_pad;
	int i, bi;

	if (!p)
		goto oom;
	p->elsize = elsize;
	p->ukr = dlp_gemm_ukr_get(isa, elsize);
	if (!p->ukr) {
		dlp_error_set("no %s GEMM micro-kernel for ISA %s", elsize == 2 ? "bf16" : "fp32/fp64",
			      dlp_cpu_isa_name(isa));
		goto fail;
	}
	p->bl = *b;
	/* Blocks must hold whole register tiles: round MC/NC to MR/NR. */
	p->bl.mc = (p->bl.mc + p->ukr->mr - 1) / p->ukr->mr * p->ukr->mr;
	p->bl.nc = (p->bl.nc + p->ukr->nr - 1) / p->ukr->nr * p->ukr->nr;
	if (p->bl.kc < 1)
		p->bl.kc = 1;
	/* bf16 packs k in pairs: an even KC keeps the pairs of every block whole. */
	if (elsize == 2)
		p->bl.kc = (p->bl.kc + 1) & ~1;
	p->team = team;
	p->threads = threads < 1 ? 1 : threads;
	if (p->threads > dlp_team_size(team))
		p->threads = dlp_team_size(team);
	nc_pad = (size_t)p->bl.nc;
	p->nflag = (size_t)(p->bl.nc / p->ukr->nr);
	/* One allocation: the threaded path may use the buffers as one (all of
	 * a skinny B packed at once). */
	p->bpack[0] = dlp_cpu_alloc((p->threads > 1 ? GEMM_NBUF : 1) * nc_pad * (size_t)p->bl.kc *
				    (size_t)elsize);
	if (!p->bpack[0])
		goto oom;
	for (bi = 0; bi < (p->threads > 1 ? GEMM_NBUF : 1); bi++) {
		p->bpack[bi] = (char *)p->bpack[0] + (size_t)bi * nc_pad * (size_t)p->bl.kc * (size_t)elsize;
		p->flag[bi] = dlp_cpu_alloc(p->nflag * sizeof *p->flag[bi]);
		if (!p->flag[bi])
			goto oom;
		for (i = 0; i < (int)p->nflag; i++) {
			atomic_init(&p->flag[bi][i].ready, 0);
			atomic_init(&p->flag[bi][i].used, 0);
		}
	}
	p->ticket = dlp_cpu_alloc(2 * sizeof *p->ticket);
	if (!p->ticket)
		goto oom;
	atomic_init(&p->ticket[0].next, 0);
	atomic_init(&p->ticket[1].next, 0);
	p->blkdone = dlp_cpu_alloc(GEMM_NSLOT * sizeof *p->blkdone);
	if (!p->blkdone)
		goto oom;
	for (i = 0; i < GEMM_NSLOT; i++)
		atomic_init(&p->blkdone[i].next, 0);
	p->apack = calloc((size_t)p->threads, sizeof *p->apack);
	p->tile = calloc((size_t)p->threads, sizeof *p->tile);
	if (!p->apack || !p->tile)
		goto oom;
	for (i = 0; i < p->threads; i++) {
		p->apack[i] = dlp_cpu_alloc((size_t)p->bl.mc * (size_t)p->bl.kc * (size_t)elsize);
		/* Edge tile in C's type: fp32 for bf16 inputs. */
		p->tile[i] = dlp_cpu_alloc((size_t)p->ukr->mr * (size_t)p->ukr->nr *
					   (size_t)(elsize == 2 ? 4 : elsize));
		if (!p->apack[i] || !p->tile[i])
			goto oom;
	}
	return p;
oom:
	dlp_error_set("out of memory for GEMM buffers");
fail:
	dlp_gemm_plan_free(p);
	return NULL;
}

void dlp_gemm_plan_free(dlp_gemm_plan *p)
{
	int i;

	if (!p)
		return;
	for (i = 0; p->apack && i < p->threads; i++)
		free(p->apack[i]);
	for (i = 0; p->tile && i < p->threads; i++)
		free(p->tile[i]);
	free(p->apack);
	free(p->tile);
	free(p->bpack[0]);
	for (i = 0; i < GEMM_NBUF; i++)
		free(p->flag[i]);
	free(p->ticket);
	free(p->blkdone);
	free(p);
}

const dlp_gemm_ukr *dlp_gemm_plan_ukr(const dlp_gemm_plan *p)
{
	return p->ukr;
}

/* Spin, not sleep: a wait here lasts about one panel's packing or computing
 * (microseconds), and the team never has more threads than CPUs. */
static inline void gemm_wait_ge(atomic_uint *a, unsigned v)
{
	while (atomic_load_explicit(a, memory_order_acquire) < v)
		_mm_pause();
}

/* The next ticket below end, or -1 when the round's are all taken. CAS, not
 * fetch-add: a thread must never take a ticket of the next round, which it
 * may not yet be allowed to work on. */
static inline long gemm_claim(atomic_uint *next, unsigned end)
{
	unsigned c = atomic_load_explicit(next, memory_order_relaxed);

	while (c < end)
		if (atomic_compare_exchange_weak_explicit(next, &c, c + 1, memory_order_relaxed,
							  memory_order_relaxed))
			return (long)c;
	return -1;
}

/* M splits dynamically when it has at least two MR panels per thread;
 * shorter (batch-sized) M splits N statically. */
static inline int gemm_split_dynamic(size_t m, int mr, int nth)
{
	return nth <= 1 || (m + (size_t)mr - 1) / (size_t)mr >= 2 * (size_t)nth;
}

#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#define NAME(x) CAT(x, SUF)

#define T float
#define TC float
#define KS 1
#define SUF s
#define UKR_T dlp_ukr_s
#include "kernels/cpu/gemm_impl.h"
#undef T
#undef TC
#undef KS
#undef SUF
#undef UKR_T

#define T double
#define TC double
#define KS 1
#define SUF d
#define UKR_T dlp_ukr_d
#include "kernels/cpu/gemm_impl.h"
#undef T
#undef TC
#undef KS
#undef SUF
#undef UKR_T

#define T uint16_t
#define TC float
#define KS 2
#define SUF sb
#define UKR_T dlp_ukr_sb
#include "kernels/cpu/gemm_impl.h"
#undef T
#undef TC
#undef KS
#undef SUF
#undef UKR_T

/* celem: bytes of one element of C. With k == 0, C = A*B is all zeros and
 * there is nothing to pack or multiply. */
static void run_call(struct gemm_call *g, dlp_team_fn fn, size_t celem)
{
	dlp_gemm_plan *p = g->plan;
	size_t i;
	int b;

	if (g->m == 0 || g->n == 0)
		return;
	if (g->k == 0) {
		for (i = 0; i < g->n; i++)
			memset((char *)g->c + i * g->ldc * celem, 0, g->m * celem);
		return;
	}
	/* Rounds count from 1 in every call. Relaxed is enough: starting the
	 * team (its mutex) orders these stores before any worker's loads. */
	for (b = 0; p->threads > 1 && b < GEMM_NBUF; b++)
		for (i = 0; i < p->nflag; i++) {
			atomic_store_explicit(&p->flag[b][i].ready, 0, memory_order_relaxed);
			atomic_store_explicit(&p->flag[b][i].used, 0, memory_order_relaxed);
		}
	for (i = 0; p->threads > 1 && i < GEMM_NSLOT; i++)
		atomic_store_explicit(&p->blkdone[i].next, 0, memory_order_relaxed);
	atomic_store_explicit(&p->ticket[0].next, 0, memory_order_relaxed);
	atomic_store_explicit(&p->ticket[1].next, 0, memory_order_relaxed);
	/* The dynamic split (gemm_impl.h) lets thread 0 alone finish the work,
	 * so a worker not yet scheduled is not waited for. */
	if (p->threads > 1 && gemm_split_dynamic(g->m, p->ukr->mr, p->threads))
		dlp_team_run_dynamic(p->team, p->threads, fn, g);
	else
		/* one thread runs on the caller alone; through the team, so that
		 * a tracked run (dlp_team_track_wait) times it too */
		dlp_team_run(p->team, p->threads, fn, g);
}

void dlp_sgemm(dlp_gemm_plan *p, size_t m, size_t n, size_t k, const float *a, size_t lda,
	       const float *b, size_t ldb, float *c, size_t ldc)
{
	struct gemm_call g = { p, m, n, k, lda, ldb, ldc, a, b, c };

	run_call(&g, gemm_thread_s, sizeof *c);
}

void dlp_dgemm(dlp_gemm_plan *p, size_t m, size_t n, size_t k, const double *a, size_t lda,
	       const double *b, size_t ldb, double *c, size_t ldc)
{
	struct gemm_call g = { p, m, n, k, lda, ldb, ldc, a, b, c };

	run_call(&g, gemm_thread_d, sizeof *c);
}

void dlp_sbgemm(dlp_gemm_plan *p, size_t m, size_t n, size_t k, const uint16_t *a, size_t lda,
		const uint16_t *b, size_t ldb, float *c, size_t ldc)
{
	struct gemm_call g = { p, m, n, k, lda, ldb, ldc, a, b, c };

	run_call(&g, gemm_thread_sb, sizeof *c);
}
