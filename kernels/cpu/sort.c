/* The sort of scikit-learn's tree splitter: (value, sample) pairs by value.
 * Introsort with a three-way partition, so runs of equal values (binary and
 * categorical features) cost one pass, not a quadratic descent. */
#include "kernels/cpu/cpu.h"

static inline void swap_pair(float *k, uint32_t *v, size_t a, size_t b)
{
	float tk = k[a];
	uint32_t tv = v[a];

	k[a] = k[b], v[a] = v[b];
	k[b] = tk, v[b] = tv;
}

static float median3(const float *k, size_t n)
{
	float a = k[0], b = k[n / 2], c = k[n - 1];

	if (a < b)
		return b < c ? b : a < c ? c : a;
	return a < c ? a : b < c ? c : b;
}

static void sift_down(float *k, uint32_t *v, size_t root, size_t end)
{
	for (;;) {
		size_t child = 2 * root + 1, top = root;

		if (child < end && k[child] > k[top])
			top = child;
		if (child + 1 < end && k[child + 1] > k[top])
			top = child + 1;
		if (top == root)
			return;
		swap_pair(k, v, root, top);
		root = top;
	}
}

static void heap_sort(float *k, uint32_t *v, size_t n)
{
	size_t i;

	for (i = n / 2; i-- > 0;)
		sift_down(k, v, i, n);
	for (i = n; i-- > 1;) {
		swap_pair(k, v, 0, i);
		sift_down(k, v, 0, i);
	}
}

static void intro(float *k, uint32_t *v, size_t n, int depth)
{
	while (n > 1) {
		float pivot;
		size_t i = 0, lt = 0, gt = n;

		if (depth-- <= 0) {
			heap_sort(k, v, n);
			return;
		}
		pivot = median3(k, n);
		/* [0, lt) < pivot, [lt, i) == pivot, [gt, n) > pivot */
		while (i < gt) {
			if (k[i] < pivot)
				swap_pair(k, v, i++, lt++);
			else if (k[i] > pivot)
				swap_pair(k, v, i, --gt);
			else
				i++;
		}
		intro(k, v, lt, depth);
		k += gt, v += gt, n -= gt;
	}
}

void dlp_sort_pairs(float *key, uint32_t *idx, size_t n)
{
	int depth = 0;
	size_t m;

	for (m = n; m > 1; m >>= 1)
		depth += 2;
	intro(key, idx, n, depth);
}
