/* Replays inputs through a harness without libFuzzer: every regular file
 * named, or found directly in a directory named, is one input. Built with
 * the project's normal compiler (and under ASan+UBSan by `make test`), so the
 * corpora and past crashes are regression tests on any machine, clang or
 * not. Exit 0 when every input ran; a crash or a failed property aborts. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz/fuzz.h"

/* Far above any corpus file (the largest seeds, GPU bench documents, are
 * tens of kB): a larger file is a mistake, not an input. */
#define REPLAY_MAX_BYTES (16u << 20)

static int run_file(const char *path, unsigned *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len;
	int rc = -1;

	if (!f) {
		fprintf(stderr, "replay: cannot open %s\n", path);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || (unsigned long)len > REPLAY_MAX_BYTES ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		goto out;
	}
	/* one byte more so that an empty file is still a valid pointer */
	buf = malloc((size_t)len + 1);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		goto out;
	}
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	(*n)++;
	rc = 0;
out:
	free(buf);
	fclose(f);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned n = 0;
	int i, rc = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *e;

		if (stat(argv[i], &st) != 0)
			continue; /* a corpus directory not made yet */
		if (!S_ISDIR(st.st_mode)) {
			rc |= run_file(argv[i], &n);
			continue;
		}
		if (!(d = opendir(argv[i])))
			continue;
		while ((e = readdir(d))) {
			char p[4096];
			struct stat fs;

			snprintf(p, sizeof p, "%s/%s", argv[i], e->d_name);
			if (stat(p, &fs) == 0 && S_ISREG(fs.st_mode))
				rc |= run_file(p, &n);
		}
		closedir(d);
	}
	printf("replayed %u inputs\n", n);
	return rc ? 1 : 0;
}
