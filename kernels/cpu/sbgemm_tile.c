/* The AMX bf16 GEMM driver, its packing, and a C emulation of the tile
 * instructions, so that everything but the tile instructions themselves is
 * tested on any CPU (this file has no ISA flags; sbgemm_amx.c has the tile
 * code). Layouts are described in cpu.h ("AMX bf16 GEMM"). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/cpu/cpu.h"

/* ---- emulated tiles (SDM pseudo-code) ------------------------------------- */

typedef struct emu_tile {
	int rows, colsb;
	uint8_t d[16][64];
} emu_tile;

static void emu_loadd(emu_tile *t, int rows, int colsb, const void *base, size_t stride)
{
	int r;

	t->rows = rows;
	t->colsb = colsb;
	memset(t->d, 0, sizeof t->d);
	for (r = 0; r < rows; r++)
		memcpy(t->d[r], (const uint8_t *)base + (size_t)r * stride, (size_t)colsb);
}

static void emu_stored(const emu_tile *t, void *base, size_t stride)
{
	int r;

	for (r = 0; r < t->rows; r++)
		memcpy((uint8_t *)base + (size_t)r * stride, t->d[r], (size_t)t->colsb);
}

/* TDPBF16PS treats denormal inputs as zero and flushes denormal results
 * (DAZ/FTZ whatever MXCSR says). */
static float daz_bf16(uint16_t h)
{
	return (h & 0x7f80) == 0 ? 0.0f : dlp_bf16_to_f32(h);
}

static float ftz(float x)
{
	return fabsf(x) < FLT_MIN ? copysignf(0.0f, x) : x;
}

void dlp_amx_emu_dpbf16ps(float c[16][16], const uint16_t a[16][32], const uint16_t b[16][32],
			  int m_rows, int n_cols, int k_pairs)
{
	int m, n, k;

	for (m = 0; m < m_rows; m++)
		for (k = 0; k < k_pairs; k++)
			for (n = 0; n < n_cols; n++) {
				c[m][n] = ftz(c[m][n] + daz_bf16(a[m][2 * k]) * daz_bf16(b[k][2 * n]));
				c[m][n] = ftz(c[m][n] + daz_bf16(a[m][2 * k + 1]) * daz_bf16(b[k][2 * n + 1]));
			}
}

static void emu_dp(emu_tile *c, const emu_tile *a, const emu_tile *b)
{
	float cf[16][16];
	uint16_t af[16][32], bf[16][32];

	memcpy(cf, c->d, sizeof cf);
	memcpy(af, a->d, sizeof af);
	memcpy(bf, b->d, sizeof bf);
	dlp_amx_emu_dpbf16ps(cf, (const uint16_t (*)[32])af, (const uint16_t (*)[32])bf, c->rows,
			     c->colsb / 4, a->colsb / 4);
	memcpy(c->d, cf, sizeof cf);
}

/* The same instruction sequence as dlp_sbgemm_amx_32x32, on emulated tiles. */
void dlp_sbgemm_amx_emu_32x32(size_t kp, const uint16_t *a, const uint16_t *b, float *c, size_t ldc,
			  int acc)
{
	emu_tile ct[4], at[2], bt[2];
	size_t q, nq = kp / DLP_AMX_KP;
	int t;

	for (t = 0; t < 4; t++) {
		float *ci = c + (t & 1) * 16 + (size_t)(t >> 1) * 16 * ldc;

		if (acc) {
			emu_loadd(&ct[t], 16, 64, ci, ldc * sizeof(float));
		} else {
			memset(&ct[t], 0, sizeof ct[t]);
			ct[t].rows = 16;
			ct[t].colsb = 64;
		}
	}
	for (q = 0; q < nq; q++) {
		const uint16_t *aq = a + q * DLP_AMX_KP * 64, *bq = b + q * 32 * 32;

		emu_loadd(&at[0], 16, 64, aq, 128);
		emu_loadd(&at[1], 16, 64, aq + 32, 128);
		emu_loadd(&bt[0], 16, 64, bq, 64);
		emu_loadd(&bt[1], 16, 64, bq + 16 * 32, 64);
		emu_dp(&ct[0], &bt[0], &at[0]);
		emu_dp(&ct[1], &bt[0], &at[1]);
		emu_dp(&ct[2], &bt[1], &at[0]);
		emu_dp(&ct[3], &bt[1], &at[1]);
	}
	for (t = 0; t < 4; t++)
		emu_stored(&ct[t], c + (t & 1) * 16 + (size_t)(t >> 1) * 16 * ldc, ldc * sizeof(float));
}

/* ---- driver ------------------------------------------------------------- */

struct dlp_amx_plan {
	dlp_amx_ukr ukr;
	int kc, mc, nc;
	uint16_t *apack, *bpack;
	float *tile;
};

static int round_up(int v, int to)
{
	return v < to ? to : (v + to - 1) / to * to;
}

dlp_amx_plan *dlp_amx_plan_new(dlp_amx_ukr ukr, int kc, int mc, int nc)
{
	dlp_amx_plan *p = calloc(1, sizeof *p);

	if (!p)
		goto fail;
	p->ukr = ukr;
	/* Whole tiles: KC in 32-k chunks (16 pairs), MC and NC in 32. */
	p->kc = round_up(kc, 2 * DLP_AMX_KP);
	p->mc = round_up(mc, DLP_AMX_MR);
	p->nc = round_up(nc, DLP_AMX_NR);
	p->apack = dlp_cpu_alloc((size_t)p->mc * (size_t)p->kc * sizeof(uint16_t));
	p->bpack = dlp_cpu_alloc((size_t)p->nc * (size_t)p->kc * sizeof(uint16_t));
	p->tile = dlp_cpu_alloc(DLP_AMX_MR * DLP_AMX_NR * sizeof(float));
	if (!p->apack || !p->bpack || !p->tile)
		goto fail;
	return p;
fail:
	dlp_error_set("out of memory for AMX GEMM buffers");
	dlp_amx_plan_free(p);
	return NULL;
}

void dlp_amx_plan_free(dlp_amx_plan *p)
{
	if (!p)
		return;
	free(p->apack);
	free(p->bpack);
	free(p->tile);
	free(p);
}

/* A as the VNNI operand: per k pair, 32 rows of {a(i,2p), a(i,2p+1)};
 * kcp (a multiple of 32) k values, zero beyond kc and beyond the rows. */
static void pack_a_vnni(size_t mc, size_t kc, size_t kcp, const uint16_t *a, size_t lda,
			uint16_t *dst)
{
	size_t ir, p, i;

	for (ir = 0; ir < mc; ir += DLP_AMX_MR) {
		size_t rows = mc - ir < DLP_AMX_MR ? mc - ir : DLP_AMX_MR;

		for (p = 0; p < kcp; p += 2) {
			const uint16_t *s0 = a + ir + p * lda, *s1 = s0 + lda;

			for (i = 0; i < DLP_AMX_MR; i++) {
				dst[2 * i] = i < rows && p < kc ? s0[i] : 0;
				dst[2 * i + 1] = i < rows && p + 1 < kc ? s1[i] : 0;
			}
			dst += 2 * DLP_AMX_MR;
		}
	}
}

/* B as the row operand: per 32-k chunk, per column j, 32 k values (a
 * column of column-major B is already contiguous in k: a copy per chunk). */
static void pack_b_rows(size_t nc, size_t kc, size_t kcp, const uint16_t *b, size_t ldb,
			uint16_t *dst)
{
	size_t jr, q, j, t;

	for (jr = 0; jr < nc; jr += DLP_AMX_NR) {
		size_t cols = nc - jr < DLP_AMX_NR ? nc - jr : DLP_AMX_NR;

		for (q = 0; q < kcp; q += 32)
			for (j = 0; j < DLP_AMX_NR; j++) {
				const uint16_t *src = b + (jr + j) * ldb + q;

				for (t = 0; t < 32; t++)
					dst[t] = j < cols && q + t < kc ? src[t] : 0;
				dst += 32;
			}
	}
}

void dlp_amx_sbgemm(dlp_amx_plan *p, size_t m, size_t n, size_t k, const uint16_t *a, size_t lda,
		    const uint16_t *b, size_t ldb, float *c, size_t ldc)
{
	const size_t MC = (size_t)p->mc, KC = (size_t)p->kc, NC = (size_t)p->nc;
	const int real = p->ukr == dlp_sbgemm_amx_32x32;
	size_t jc, pc, ic, jr, ir, i, j;

	if (m == 0 || n == 0)
		return;
	if (k == 0) {
		for (j = 0; j < n; j++)
			memset(c + j * ldc, 0, m * sizeof *c);
		return;
	}
	if (real)
		dlp_amx_tile_config();
	for (jc = 0; jc < n; jc += NC) {
		size_t nc = n - jc < NC ? n - jc : NC;

		for (pc = 0; pc < k; pc += KC) {
			size_t kc = k - pc < KC ? k - pc : KC, kcp = (kc + 31) / 32 * 32;
			int acc = pc > 0;

			pack_b_rows(nc, kc, kcp, b + pc + jc * ldb, ldb, p->bpack);
			for (ic = 0; ic < m; ic += MC) {
				size_t mc = m - ic < MC ? m - ic : MC;

				pack_a_vnni(mc, kc, kcp, a + ic + pc * lda, lda, p->apack);
				for (jr = 0; jr < nc; jr += DLP_AMX_NR) {
					size_t cols = nc - jr < DLP_AMX_NR ? nc - jr : DLP_AMX_NR;
					const uint16_t *bp = p->bpack + jr * kcp;

					for (ir = 0; ir < mc; ir += DLP_AMX_MR) {
						size_t rows = mc - ir < DLP_AMX_MR ? mc - ir : DLP_AMX_MR;
						const uint16_t *ap = p->apack + ir * kcp;
						float *cij = c + (ic + ir) + (jc + jr) * ldc;

						if (rows == DLP_AMX_MR && cols == DLP_AMX_NR) {
							p->ukr(kcp / 2, ap, bp, cij, ldc, acc);
							continue;
						}
						p->ukr(kcp / 2, ap, bp, p->tile, DLP_AMX_MR, 0);
						for (j = 0; j < cols; j++)
							for (i = 0; i < rows; i++)
								cij[i + j * ldc] = (acc ? cij[i + j * ldc] : 0) +
										   p->tile[i + j * DLP_AMX_MR];
					}
				}
			}
		}
	}
	if (real)
		dlp_amx_tile_release();
}

/* Tile blocks, not rows or columns: a share that starts inside a block
 * would pack and compute that block's edge twice. The longer side, so that
 * a skinny C (n = 64: two blocks) still splits where the work is. */
void dlp_amx_sbgemm_share(dlp_amx_plan *p, int tid, int nt, size_t m, size_t n, size_t k, const uint16_t *a,
			  size_t lda, const uint16_t *b, size_t ldb, float *c, size_t ldc)
{
	const size_t mb = (m + DLP_AMX_MR - 1) / DLP_AMX_MR, nb = (n + DLP_AMX_NR - 1) / DLP_AMX_NR;
	const int by_n = nb >= mb;
	const size_t blocks = by_n ? nb : mb, step = by_n ? DLP_AMX_NR : DLP_AMX_MR, side = by_n ? n : m;
	size_t lo = blocks * (size_t)tid / (size_t)nt * step, hi = blocks * (size_t)(tid + 1) / (size_t)nt * step;

	if (hi > side)
		hi = side;
	if (lo >= hi)
		return;
	if (by_n)
		dlp_amx_sbgemm(p, m, hi - lo, k, a, lda, b + lo * ldb, ldb, c + lo * ldc, ldc);
	else
		dlp_amx_sbgemm(p, hi - lo, n, k, a + lo, lda, b, ldb, c + lo, ldc);
}
