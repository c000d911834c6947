/* A fake libnccl.so.2 for tests, loaded through DLPROBE_LIBNCCL, with the fake
 * libcuda (whose "device" buffers are host memory). It cannot reach the other
 * processes, so its all-reduce of a sum writes what a real one gives when every
 * rank holds the same data (x * nranks) — the case dlprobe's check uses.
 * FAKE_NCCL_MODE=wrong makes the sum off by one (the check must catch it). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct { char internal[128]; } ncclUniqueId;
struct fake_comm { int nranks, rank; };

int ncclGetVersion(int *v)
{
	*v = 22105;
	return 0;
}

int ncclGetUniqueId(ncclUniqueId *id)
{
	memset(id, 0, sizeof *id);
	memcpy(id->internal, "fake-nccl-id", 12);
	return 0;
}

int ncclCommInitRank(struct fake_comm **c, int nranks, ncclUniqueId id, int rank)
{
	if (memcmp(id.internal, "fake-nccl-id", 12) != 0 || rank < 0 || rank >= nranks)
		return 4; /* ncclInvalidArgument */
	*c = malloc(sizeof **c);
	if (!*c)
		return 1;
	(*c)->nranks = nranks;
	(*c)->rank = rank;
	return 0;
}

int ncclCommInitAll(struct fake_comm **comms, int n, const int *devs)
{
	int i;

	(void)devs;
	for (i = 0; i < n; i++) {
		comms[i] = malloc(sizeof **comms);
		if (!comms[i])
			return 1;
		comms[i]->nranks = n;
		comms[i]->rank = i;
	}
	return 0;
}

int ncclCommDestroy(struct fake_comm *c)
{
	free(c);
	return 0;
}

int ncclAllReduce(const void *send, void *recv, size_t count, int dtype, int op, struct fake_comm *c,
		  void *stream)
{
	const float *s = send;
	float *r = recv, k;
	size_t i;
	const char *m = getenv("FAKE_NCCL_MODE");

	(void)stream;
	if (dtype != 7 || op != 0)
		return 5; /* ncclInvalidUsage: the fake does fp32 sums only */
	k = (float)c->nranks + (m && strcmp(m, "wrong") == 0 ? 1.0f : 0.0f);
	for (i = 0; i < count; i++)
		r[i] = s[i] * k;
	return 0;
}

int ncclGroupStart(void)
{
	return 0;
}

int ncclGroupEnd(void)
{
	return 0;
}

const char *ncclGetErrorString(int r)
{
	return r ? "fake NCCL error" : "no error";
}
