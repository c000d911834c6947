#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/decimal.h"

/* Longer than any double written in decimal that makes sense (17
 * significant digits, a sign, a point, an exponent): a longer span is refused
 * rather than copied. */
#define MAX_DECIMAL_CHARS 64

static const char *digits(const char *p)
{
	while (isdigit((unsigned char)*p))
		p++;
	return p;
}

int dlp_decimal_double(const char *s, const char **end, double *out)
{
	char buf[MAX_DECIMAL_CHARS + 1];
	const char *p = s, *q;
	char *e;
	size_t n;
	double v;

	if (*p == '+' || *p == '-')
		p++;
	q = digits(p);
	if (*q == '.') {
		const char *f = digits(q + 1);
		if (q == p && f == q + 1)
			return -1; /* "." alone */
		q = f;
	} else if (q == p) {
		return -1; /* no digit: "inf", "nan", "x", "" */
	}
	if (*q == 'e' || *q == 'E') {
		const char *x = q + 1;
		if (*x == '+' || *x == '-')
			x++;
		if (isdigit((unsigned char)*x))
			q = digits(x);
	}
	/* q ends the decimal form; hex stops at its "0" and leaves "x10" */
	n = (size_t)(q - s);
	if (n > MAX_DECIMAL_CHARS)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	v = strtod(buf, &e);
	/* a number, but no double's: the caller can say "out of range" */
	if (!*e && (errno == ERANGE || !isfinite(v))) {
		errno = ERANGE;
		return -1;
	}
	if (*e)
		return -1;
	*out = v;
	*end = q;
	return 0;
}

int dlp_decimal_ll(const char *s, const char **end, long long lo, long long hi, long long *out)
{
	const char *p = s + (*s == '-');
	char *e;
	long long v;

	if (!isdigit((unsigned char)*p))
		return -1; /* also refuses blanks and '+', which strtoll skips */
	errno = 0;
	v = strtoll(s, &e, 10);
	if (errno == ERANGE || v < lo || v > hi)
		return -1;
	*out = v;
	*end = e;
	return 0;
}
