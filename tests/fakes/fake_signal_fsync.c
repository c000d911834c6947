/* Fault injection for -o (tests/cli_harden.sh): LD_PRELOADed, it raises the
 * signal FAKE_FSYNC_SIGNAL (a number) at the first fsync(), the moment the
 * temporary file of an atomic write is complete but not yet renamed. A
 * signal that ends the program there must not leave FILE.tmp-XXXXXX behind. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdlib.h>

int fsync(int fd)
{
	static int fired;
	const char *s = getenv("FAKE_FSYNC_SIGNAL");
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync");

	if (s && !fired) {
		fired = 1;
		raise(atoi(s));
	}
	return real ? real(fd) : 0;
}
