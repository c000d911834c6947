#include <stdio.h>
#include <string.h>

#include "dlprobe/dlprobe.h"

static _Thread_local char last_error[512];

const char *dlp_status_name(dlp_status s)
{
	switch (s) {
	case DLP_STATUS_OK: return "ok";
	case DLP_STATUS_UNAVAILABLE: return "unavailable";
	case DLP_STATUS_SKIPPED: return "skipped";
	case DLP_STATUS_ERROR: return "error";
	}
	return "error";
}

int dlp_error_vset(const char *fmt, va_list ap)
{
	vsnprintf(last_error, sizeof last_error, fmt, ap);
	return -1;
}

int dlp_error_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dlp_error_vset(fmt, ap);
	va_end(ap);
	return -1;
}

const char *dlp_error_message(void)
{
	return last_error[0] ? last_error : "unknown error";
}

void dlp_error_clear(void)
{
	last_error[0] = '\0';
}
