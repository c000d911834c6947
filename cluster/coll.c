/* nccl-tests' bandwidth conventions (its doc/PERFORMANCE.md): algbw is the
 * buffer size over the time; busbw scales it by what each link must carry
 * for the collective, so that it is comparable with the hardware's peak. */
#include <string.h>

#include "cluster/cluster.h"
#include "dlprobe/json.h"

const dlp_coll_desc dlp_coll_table[DLP_COLL_COUNT] = {
	[DLP_COLL_ALLREDUCE] = { "allreduce", 2.0, 0 },
	[DLP_COLL_ALLGATHER] = { "allgather", 1.0, 1 },
	[DLP_COLL_REDUCESCATTER] = { "reducescatter", 1.0, 1 },
	[DLP_COLL_ALLTOALL] = { "alltoall", 1.0, 1 },
};

int dlp_coll_find(const char *name)
{
	int i;

	for (i = 0; i < DLP_COLL_COUNT; i++)
		if (strcmp(name, dlp_coll_table[i].name) == 0)
			return i;
	return -1;
}

double dlp_coll_busbw_factor(dlp_coll c, int nranks)
{
	if (nranks < 2 || c < 0 || c >= DLP_COLL_COUNT)
		return 0.0;
	return dlp_coll_table[c].bus_mul * (double)(nranks - 1) / (double)nranks;
}

size_t dlp_coll_bytes(dlp_coll c, size_t bytes, int nranks, size_t elem)
{
	size_t unit;

	if (nranks < 1 || elem == 0 || c < 0 || c >= DLP_COLL_COUNT)
		return 0;
	unit = dlp_coll_table[c].chunked ? elem * (size_t)nranks : elem;
	return bytes / unit * unit;
}

void dlp_coll_result_set_bw(json_t *r, dlp_coll c, size_t bytes, int nranks)
{
	double med = json_real_value(json_object_get(r, "median_s"));
	double f = dlp_coll_busbw_factor(c, nranks), algbw;

	if (!(med > 0.0))
		return;
	algbw = (double)bytes / med / 1e9;
	json_object_set_new(r, "latency_s", dlp_json_real(med));
	json_object_set_new(r, "algbw_gbps", dlp_json_real(algbw));
	json_object_set_new(r, "busbw_factor", dlp_json_real(f));
	json_object_set_new(r, "busbw_gbps", dlp_json_real(algbw * f));
}
