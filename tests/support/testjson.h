/* JSON helpers shared by the estimator suites: fixture documents and
 * numbers by dotted path. */
#ifndef DLPROBE_TESTJSON_H
#define DLPROBE_TESTJSON_H

#include <jansson.h>

/* tests/fixtures/<name>, parsed; fails the test when it does not load. */
json_t *test_fixture(const char *name);
/* The number at a dotted path ("train_s.expected"); NAN when absent or not
 * a number, so a comparison with it fails. */
double test_num(const json_t *o, const char *path);

#endif
