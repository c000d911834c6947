/* A cluster document (dlprobe-cluster) as text: the nodes and their status,
 * the largest size each collective reached across nodes, the slowest link,
 * the findings. dlprobe-cluster prints it after a run and `dlprobe show`
 * prints it again from the saved document, so the two cannot drift. */
#include <string.h>

#include "report/report.h"

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static long long num(const json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

/* The sweep's results come in size order per collective: the last measured
 * size of each is the one a reader wants (its time bound decided how far). */
static void collectives(FILE *out, const json_t *results)
{
	const json_t *r, *next;
	size_t i;

	json_array_foreach(results, i, r) {
		next = json_array_get(results, i + 1);
		if (!json_is_number(json_object_get(r, "busbw_gbps")))
			continue;
		if (next && json_is_number(json_object_get(next, "busbw_gbps")) &&
		    strcmp(str(r, "kernel"), str(next, "kernel")) == 0)
			continue;
		fprintf(out, "  %-14s %10lld B  algbw %8.3f GB/s  busbw %8.3f GB/s\n", str(r, "kernel"),
			num(r, "bytes"), json_number_value(json_object_get(r, "algbw_gbps")),
			json_number_value(json_object_get(r, "busbw_gbps")));
	}
}

int dlp_report_cluster_text(FILE *out, const json_t *doc, const struct dlp_style *st)
{
	const json_t *cl = json_object_get(doc, "cluster"), *f, *slow;
	const json_t *ic = json_object_get(cl, "interconnect");
	size_t i;

	fprintf(out, "%scluster%s: %lld of %lld nodes reported, %lld ranks, %s\n", st->bold, st->reset,
		num(cl, "nodes_reported"), num(cl, "nodes_expected"), num(cl, "ranks"), str(cl, "mpi_library"));
	json_array_foreach(json_object_get(cl, "nodes"), i, f) {
		const char *why = str(f, "reason");

		fprintf(out, "  node %zu  %-20s %s%s%s\n", i, str(f, "hostname"), str(f, "status"),
			*why ? ": " : "", why);
	}
	collectives(out, json_object_get(json_object_get(ic, "inter_node"), "results"));
	slow = json_object_get(json_object_get(ic, "ring"), "slowest_link");
	if (json_is_object(slow))
		fprintf(out, "  slowest link: node %lld -> node %lld, %.3f GB/s\n", num(slow, "from"),
			num(slow, "to"), json_number_value(json_object_get(slow, "rate_gbps")));
	json_array_foreach(json_object_get(cl, "findings"), i, f)
		fprintf(out, "  finding: %s\n", str(f, "text"));
	return ferror(out) ? -1 : 0;
}
