/* Ascending order of doubles for qsort: the samples, spreads and rates that
 * the harness, the interference checks, the profile and the cluster
 * findings each sort. */
#ifndef DLPROBE_COMMON_ORDER_H
#define DLPROBE_COMMON_ORDER_H

/* -1, 0, 1 as *a is below, equal to or above *b (doubles, no NaN). */
static inline int dlp_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

#endif
