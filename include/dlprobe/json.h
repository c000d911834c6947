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
/* A count or a size held in a double (parameters, bytes, steps): the
 * nearest integer, or null when v is negative, NaN or infinite. The schema
 * types counts as integers, so 25557032 is never written 25557032.0. */
json_t *dlp_json_whole(double v);
/* A string, or null when s is NULL or empty. */
json_t *dlp_json_str(const char *s);
/* Set "status" and "reason" (reason null when NULL/empty) on obj. */
void dlp_json_set_status(json_t *obj, dlp_status st, const char *reason);

/* Reading documents: the number at key in o, NaN when o is not an object,
 * the key is absent, or its value is not a number (null: unknown). Every
 * reader of dlprobe documents goes through these, so that "unknown" is NaN
 * everywhere and never a silent 0. */
double dlp_json_num(const json_t *o, const char *key);
/* The same at a path of keys ending in NULL: ("train_s", "expected", NULL). */
double dlp_json_num_at(const json_t *o, ...) __attribute__((sentinel));

/* A new document with schema_version and the tool block filled in. */
json_t *dlp_json_document_new(void);
/* 0 when doc carries a schema_version whose major version this build reads;
 * -1 with a message otherwise. */
int dlp_json_check_schema(const json_t *doc);

/* The shipped schema (data/dlprobe.schema.json) applied to the named
 * top-level sections of doc that are present (NULL-terminated list): 0, or
 * -1 with "/section/path: problem" in dlp_error_message(). */
int dlp_json_validate_sections(const json_t *doc, const char *const *sections);

#endif
