/* The libFuzzer entry point every harness defines. Built by clang with
 * -fsanitize=fuzzer for `make fuzz`, and by the normal compiler beside
 * fuzz/replay.c (a main that feeds it files) for `make test`, which replays
 * the corpora and every past crash as regression tests. */
#ifndef DLPROBE_FUZZ_H
#define DLPROBE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property that must hold for every input: a failure aborts, which the
 * fuzzer records as a crash and the replay reports. */
#define FUZZ_ASSERT(c) \
	do { \
		if (!(c)) \
			fuzz_fail(__FILE__, __LINE__, #c); \
	} while (0)
void fuzz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

/* An estimate's {low, expected, high}: null is "not estimated"; numbers
 * are non-negative and ordered. */
void fuzz_check_range(const json_t *r);

#endif
