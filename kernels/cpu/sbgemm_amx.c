/* dlp_sbgemm_amx_32x32: the tile micro-kernel, C^T = B^T A^T in four 16x16 fp32
 * tiles (tmm0-3), B rows in tmm6-7 and VNNI-packed A in tmm4-5, 4 TDPBF16PS
 * per 32 k (16 x 16 x 32 x 2 = 16384 flops each). Compiled with AMX flags
 * and called only after dlp_cpu_amx_ok() and a granted dlp_cpu_amx_request().
 * Layouts: cpu.h "AMX bf16 GEMM"; dlp_sbgemm_amx_emu_32x32 is the same sequence
 * in C. First run on a real AMX CPU on 2026-12-03 (an Intel Xeon with AMX,
 * KVM guest). */
#include <immintrin.h>
#include <string.h>

#include "kernels/cpu/cpu.h"

/* LDTILECFG's 64-byte operand (palette 1). */
struct tilecfg {
	uint8_t palette, start_row, reserved[14];
	uint16_t colsb[16];
	uint8_t rows[16];
	uint8_t reserved2[16];
};

void dlp_amx_tile_config(void)
{
	struct tilecfg cfg;
	int t;

	memset(&cfg, 0, sizeof cfg);
	cfg.palette = 1;
	/* Every tile 16 rows x 64 bytes: 16x16 fp32 C, 16 rows of 32 bf16. */
	for (t = 0; t < 8; t++) {
		cfg.rows[t] = 16;
		cfg.colsb[t] = 64;
	}
	/* Not _tile_loadconfig(): GCC 12's amxtileintrin.h gives LDTILECFG an
	 * 8-byte memory operand (*(const void **)), so the compiler sees the
	 * rows and colsb stores as dead and drops them; the all-zero config
	 * then faults on the first tile instruction (SIGILL). The operand here
	 * is the whole struct. */
	__asm__ volatile("ldtilecfg %0" : : "m"(cfg));
}

void dlp_amx_tile_release(void)
{
	_tile_release();
}

void dlp_sbgemm_amx_32x32(size_t kp, const uint16_t *a, const uint16_t *b, float *c, size_t ldc, int acc)
{
	const size_t cs = ldc * sizeof(float);
	size_t q, nq = kp / DLP_AMX_KP;

	if (acc) {
		_tile_loadd(0, c, cs);
		_tile_loadd(1, c + 16, cs);
		_tile_loadd(2, c + 16 * ldc, cs);
		_tile_loadd(3, c + 16 + 16 * ldc, cs);
	} else {
		_tile_zero(0);
		_tile_zero(1);
		_tile_zero(2);
		_tile_zero(3);
	}
	for (q = 0; q < nq; q++) {
		const uint16_t *aq = a + q * DLP_AMX_KP * 64, *bq = b + q * 32 * 32;

		_tile_loadd(4, aq, 128);
		_tile_loadd(5, aq + 32, 128);
		_tile_loadd(6, bq, 64);
		_tile_loadd(7, bq + 16 * 32, 64);
		_tile_dpbf16ps(0, 6, 4);
		_tile_dpbf16ps(1, 6, 5);
		_tile_dpbf16ps(2, 7, 4);
		_tile_dpbf16ps(3, 7, 5);
	}
	_tile_stored(0, c, cs);
	_tile_stored(1, c + 16, cs);
	_tile_stored(2, c + 16 * ldc, cs);
	_tile_stored(3, c + 16 + 16 * ldc, cs);
}
