/* The estimator's front end: `estimate`, `compare`, `list`, and the built-in
 * scenario the default `dlprobe` run ends with. */
#ifndef DLPROBE_CLI_ESTIMATE_H
#define DLPROBE_CLI_ESTIMATE_H

#include <jansson.h>

/* Append to doc_out the built-in scenario's "estimates" (this machine from
 * bench_doc, when given, plus catalog references) and its "verdict", and
 * "reference_verdicts" for the image and language references. Returns an exit
 * code (enum dlp_exit); prints nothing. */
int dlp_cli_default_scenario(const json_t *bench_doc, json_t *doc_out);
/* The text of doc_out's estimates and verdict on stdout (unless --json). */
void dlp_cli_print_estimates(const json_t *doc);

#endif
