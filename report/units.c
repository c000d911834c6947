/* Numbers as a planner reads them: two or three significant digits and a
 * unit chosen for the size ("13 min", "4.0 years", "$0.02", "74k"), the same
 * in every rendering (text, CSV headers name their unit instead). */
#include <math.h>
#include <stdio.h>

#include "report/report.h"

/* Two significant digits below 10, whole numbers above: "4.0", "13", "124". */
static const char *sig(char *buf, size_t n, double v, const char *unit)
{
	snprintf(buf, n, v < 9.95 ? "%.1f%s%s" : "%.0f%s%s", v, *unit ? " " : "", unit);
	return buf;
}

static const struct duration_unit {
	double seconds; /* the unit's length */
	double from;    /* used from this many seconds up */
	const char *name;
} duration_units[] = {
	/* a run that long is a mistake to see at a glance, in a column's width */
	{ 365.25 * 86400 * 1e6, 365.25 * 86400 * 1e6, "million years" },
	{ 365.25 * 86400 * 1e3, 365.25 * 86400 * 1e4, "thousand years" },
	{ 365.25 * 86400, 365.25 * 86400, "years" },
	{ 86400, 2 * 86400, "days" },
	{ 3600, 2 * 3600, "h" },
	{ 60, 120, "min" },
	{ 1, 1, "s" },
	{ 1e-3, 1e-3, "ms" },
	{ 1e-6, 0, "us" },
};

/* The unit a duration of s seconds is shown in, so that a range can share it. */
static const struct duration_unit *duration_unit(double s)
{
	size_t i;

	for (i = 0; i < sizeof duration_units / sizeof duration_units[0] - 1; i++)
		if (s >= duration_units[i].from)
			return &duration_units[i];
	return &duration_units[i];
}

/* Past this, the digits say nothing more, and would overflow a column. */
#define DURATION_CAP_S (365.25 * 86400 * 1e9)
#define DURATION_CAP_TEXT "over a billion years"

const char *dlp_report_duration(double s, char *buf, size_t n)
{
	const struct duration_unit *u;

	if (!isfinite(s) || s < 0) {
		snprintf(buf, n, "?");
		return buf;
	}
	if (s >= DURATION_CAP_S) {
		snprintf(buf, n, DURATION_CAP_TEXT);
		return buf;
	}
	u = duration_unit(s);
	return sig(buf, n, s / u->seconds, u->name);
}

const char *dlp_report_duration_range(double lo, double hi, char *buf, size_t n)
{
	const struct duration_unit *u;
	char a[32], b[32];

	if (!isfinite(lo) || !isfinite(hi)) {
		snprintf(buf, n, "?");
		return buf;
	}
	if (hi >= DURATION_CAP_S) {
		if (lo >= DURATION_CAP_S)
			snprintf(buf, n, DURATION_CAP_TEXT);
		else
			snprintf(buf, n, "%s to " DURATION_CAP_TEXT, dlp_report_duration(lo, a, sizeof a));
		return buf;
	}
	u = duration_unit(hi);
	sig(a, sizeof a, lo / u->seconds, "");
	sig(b, sizeof b, hi / u->seconds, "");
	snprintf(buf, n, "%s-%s %s", a, b, u->name);
	return buf;
}

const char *dlp_report_usd(double v, char *buf, size_t n)
{
	if (!isfinite(v))
		snprintf(buf, n, "-");
	else if (v == 0)
		snprintf(buf, n, "$0");
	else if (v < 0.01)
		snprintf(buf, n, "<$0.01");
	else if (v < 10)
		snprintf(buf, n, "$%.2f", v);
	else if (v < 1e5)
		snprintf(buf, n, "$%.0f", v);
	else if (v >= 1e15)
		snprintf(buf, n, "over $1000T"); /* the digits past it would say nothing */
	else {
		/* never an exponent: "$1.3e+03M" reads as nothing */
		double scale = v < 1e9 ? 1e6 : v < 1e12 ? 1e9 : 1e12;
		const char *suffix = v < 1e9 ? "M" : v < 1e12 ? "B" : "T";

		snprintf(buf, n, v / scale < 9.95 ? "$%.1f%s" : "$%.0f%s", v / scale, suffix);
	}
	return buf;
}

const char *dlp_report_count(double v, char *buf, size_t n)
{
	static const struct { double scale; const char *suffix; } units[] = {
		{ 1e12, "T" }, { 1e9, "B" }, { 1e6, "M" }, { 1e3, "k" },
	};
	size_t i;

	if (!isfinite(v)) {
		snprintf(buf, n, "?");
		return buf;
	}
	for (i = 0; i < sizeof units / sizeof units[0]; i++)
		if (fabs(v) >= units[i].scale) {
			snprintf(buf, n, v / units[i].scale < 9.95 ? "%.1f%s" : "%.0f%s", v / units[i].scale,
				 units[i].suffix);
			return buf;
		}
	snprintf(buf, n, v == floor(v) ? "%.0f" : "%.2g", v);
	return buf;
}

void dlp_report_wrap(FILE *out, const char *s, int first, int indent, int width)
{
	int col = first, fresh = 1; /* fresh: nothing written on this line yet */

	while (*s == ' ')
		s++;
	while (*s) {
		const char *w = s;
		int len;

		while (*s && *s != ' ')
			s++;
		len = (int)(s - w);
		if (!fresh && col + 1 + len > width) {
			fprintf(out, "\n%*s", indent, "");
			col = indent;
			fresh = 1;
		}
		if (!fresh) {
			fputc(' ', out);
			col++;
		}
		for (; w < s; w++)
			fputc(*w == DLP_REPORT_NBSP ? ' ' : *w, out);
		col += len;
		fresh = 0;
		while (*s == ' ')
			s++;
	}
	fputc('\n', out);
}
