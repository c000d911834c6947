/* The sort of scikit-learn's tree splitter: (value, sample) pairs by value.
 * Introsort with a three-way partition, so runs of equal values (binary and
 * categorical features) cost one pass, not a quadratic descent. One body,
 * two index types: the sketch's 4-byte row ids and the tree splitter's
 * 8-byte samples (scikit-learn's SIZE_t is intp), since the swaps' memory
 * traffic is part of what the splitter costs. */
#include <math.h>

#include "kernels/cpu/cpu.h"

static float median3(const float *k, size_t n)
{
	float a = k[0], b = k[n / 2], c = k[n - 1];

	if (a < b)
		return b < c ? b : a < c ? c : a;
	return a < c ? a : b < c ? c : b;
}

#define DLP_SORT_DEFINE(SUF, IDX)                                                         \
	static inline void swap_##SUF(float *k, IDX *v, size_t a, size_t b)              \
	{                                                                                 \
		float tk = k[a];                                                          \
		IDX tv = v[a];                                                            \
                                                                                          \
		k[a] = k[b], v[a] = v[b];                                                 \
		k[b] = tk, v[b] = tv;                                                     \
	}                                                                                 \
	static void sift_##SUF(float *k, IDX *v, size_t root, size_t end)                \
	{                                                                                 \
		for (;;) {                                                                \
			size_t child = 2 * root + 1, top = root;                          \
                                                                                          \
			if (child < end && k[child] > k[top])                             \
				top = child;                                              \
			if (child + 1 < end && k[child + 1] > k[top])                     \
				top = child + 1;                                          \
			if (top == root)                                                  \
				return;                                                   \
			swap_##SUF(k, v, root, top);                                      \
			root = top;                                                       \
		}                                                                         \
	}                                                                                 \
	static void heap_##SUF(float *k, IDX *v, size_t n)                               \
	{                                                                                 \
		size_t i;                                                                 \
                                                                                          \
		for (i = n / 2; i-- > 0;)                                                 \
			sift_##SUF(k, v, i, n);                                           \
		for (i = n; i-- > 1;) {                                                   \
			swap_##SUF(k, v, 0, i);                                           \
			sift_##SUF(k, v, 0, i);                                           \
		}                                                                         \
	}                                                                                 \
	/* [0, lt) < pivot, [lt, i) == pivot, [gt, n) > pivot */                          \
	static void intro_##SUF(float *k, IDX *v, size_t n, int depth)                   \
	{                                                                                 \
		while (n > 1) {                                                           \
			float pivot;                                                      \
			size_t i = 0, lt = 0, gt = n;                                     \
                                                                                          \
			if (depth-- <= 0) {                                               \
				heap_##SUF(k, v, n);                                      \
				return;                                                   \
			}                                                                 \
			pivot = median3(k, n);                                            \
			while (i < gt) {                                                  \
				if (k[i] < pivot)                                         \
					swap_##SUF(k, v, i++, lt++);                      \
				else if (k[i] > pivot)                                    \
					swap_##SUF(k, v, i, --gt);                        \
				else                                                      \
					i++;                                              \
			}                                                                 \
			intro_##SUF(k, v, lt, depth);                                     \
			k += gt, v += gt, n -= gt;                                        \
		}                                                                         \
	}

DLP_SORT_DEFINE(u32, uint32_t)
DLP_SORT_DEFINE(ip, intptr_t)

void dlp_sort_pairs(float *key, uint32_t *idx, size_t n)
{
	int depth = 0;
	size_t m;

	for (m = n; m > 1; m >>= 1)
		depth += 2;
	intro_u32(key, idx, n, depth);
}

void dlp_sort_samples(float *xf, intptr_t *samples, size_t n)
{
	/* scikit-learn's depth limit: 2 x (int) natural log n */
	if (n > 0)
		intro_ip(xf, samples, n, 2 * (int)log((double)n));
}
