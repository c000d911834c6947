/* Small helpers over jansson so that every module writes JSON the same way:
 * unknown values and non-finite numbers become null, statuses are strings. */
#ifndef DLPROBE_JSON_H
#define DLPROBE_JSON_H

#include <stdint.h>
#include <jansson.h>

#include "dlprobe/dlprobe.h"

/* A real, or null when v is NaN or infinite (JSON has neither). */
json_t *dlp_json_real(double v);
/* An integer, or null when v < 0 (our "unknown" for counts and sizes). */
json_t *dlp_json_count(long long v);
/* A string, or null when s is NULL or empty. */
json_t *dlp_json_str(const char *s);
/* Set "status" and "reason" (reason null when NULL/empty) on obj. */
void dlp_json_set_status(json_t *obj, dlp_status st, const char *reason);

/* A new document with schema_version and the tool block filled in. */
json_t *dlp_json_document_new(void);
/* 0 when doc carries a schema_version whose major version this build reads;
 * -1 with a message otherwise. */
int dlp_json_check_schema(const json_t *doc);

#endif
