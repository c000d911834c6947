/* Numbers that a person or a file writes, read as decimal only. strtod()
 * and strtol(base 0) also take hex ("0x10" is 16), "inf", "nan" and leading
 * blanks; a count, a size or a duration is none of these, and a value that
 * overflows the type must be an error, not a silently clamped maximum. */
#ifndef DLPROBE_COMMON_DECIMAL_H
#define DLPROBE_COMMON_DECIMAL_H

/* A decimal floating-point number at the start of s: an optional sign,
 * digits with an optional fraction, an optional exponent. 0 with *out and
 * *end (first character after it); -1 when s does not start with one or the
 * value over- or underflows a double (errno ERANGE for the latter). */
int dlp_decimal_double(const char *s, const char **end, double *out);

/* A decimal integer at the start of s (optional '-', digits) within
 * [lo, hi]. 0 with *out and *end; -1 when s does not start with one, it
 * overflows, or it lies outside the range. */
int dlp_decimal_ll(const char *s, const char **end, long long lo, long long hi, long long *out);

#endif
