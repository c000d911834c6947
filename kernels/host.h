/* Host-side helpers every backend shares: the random inputs its kernels
 * are fed, the 16-bit float formats they are stored in, the sampled check
 * of a GEMM against a double reference, the checked round trip of a
 * host<->device transfer, and the device entries of the bench JSON. One copy here, so the backends cannot drift apart. */
#ifndef DLPROBE_KERNELS_HOST_H
#define DLPROBE_KERNELS_HOST_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "dlprobe/dlprobe.h"
#include "kernels/harness.h"

/* ---- inputs --------------------------------------------------------------- */
/* Deterministic standard normals (Box-Muller over a xorshift generator):
 * the same seed gives the same numbers on every machine. */
void dlp_fill_normal_f32(float *x, size_t n, uint64_t seed);
void dlp_fill_normal_f64(double *x, size_t n, uint64_t seed);
/* Uniform in [-1, 1): no log or sine, for arrays of hundreds of MiB. */
void dlp_fill_uniform_f64(double *x, size_t n, uint64_t seed);
/* Random normals rounded to bf16: the reference uses exactly these values. */
void dlp_fill_normal_bf16(uint16_t *x, size_t n, uint64_t seed);

/* bf16 as raw uint16_t: round to nearest even (NaN kept), and back. */
uint16_t dlp_f32_to_bf16(float f);
float dlp_bf16_to_f32(uint16_t h);
/* IEEE half as raw uint16_t: round to nearest even, subnormals kept,
 * overflow to infinity; and back (exact). */
uint16_t dlp_f32_to_f16(float f);
float dlp_f16_to_f32(uint16_t h);

/* ---- checking a square GEMM on sampled entries ----------------------------- */
typedef struct dlp_gemm_sample_check {
	size_t n;                 /* C (n x n) = A B, row-major */
	const float *a, *b;       /* the inputs as the device saw them (rounded) */
	int b_transposed;         /* B stored N x K: C = A B^T */
	const void *c;            /* the device's output */
	int c_f64;                /* c holds doubles, else floats */
	double tol;               /* largest error allowed, as a fraction of sum |a_ik b_kj| */
} dlp_gemm_sample_check;

/* Every element of C finite, and 257 entries (the corners, then a stride
 * through the matrix) within tol of a double reference; the error is
 * normalised by sum |a_ik b_kj|, the scale rounding error grows with.
 * 0, or -1 with the first failure in the message; *max_err gets the worst
 * error seen (the failing one on -1). */
int dlp_gemm_check_sampled(const dlp_gemm_sample_check *g, double *max_err);

/* ---- checking copies and transfers ------------------------------------------- */
/* The bytes dlprobe's copies and transfers carry: byte i is i x 131 + 7 +
 * salt (mod 256), so a shifted, truncated or stale copy differs. */
void dlp_fill_bytes(unsigned char *p, size_t n, unsigned salt);

typedef struct dlp_transfer_check {
	const char *what;         /* the kernel, named in the message ("h2d", "d2h") */
	int h2d;                  /* the timed transfer goes host -> device */
	void *host;               /* its host buffer (bytes long) */
	size_t bytes;
	dlp_rep_fn transfer;      /* one timed transfer between host and the device buffer */
	/* untimed and complete on return: src -> the device buffer, and back to dst */
	int (*upload)(void *ctx, const void *src);
	int (*download)(void *ctx, void *dst);
	void *ctx;                /* of all three */
} dlp_transfer_check;

/* One transfer checked before any is timed: dlp_fill_bytes() sent one way
 * (h2d: host, transfer, download; d2h: upload, transfer, host) arrives
 * intact. 0, or -1 with the message set. */
int dlp_transfer_verify(const dlp_transfer_check *t);

/* ---- device entries ---------------------------------------------------------- */
/* Append a device object with no device behind it: a backend that found
 * none, or could not use its driver ({"name": null, ..., status, reason}). */
void dlp_devices_append_status(json_t *devices, dlp_status st, const char *why);
/* A device's status from its results: ok when any result is ok, else error
 * with the first error's reason. */
void dlp_device_status_from_results(json_t *dev);
/* own["vs_reference"] = own rate / the reference library's rate, when both
 * were measured. */
void dlp_result_vs_reference(json_t *own, const json_t *ref);

#endif
