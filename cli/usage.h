#ifndef DLPROBE_CLI_USAGE_H
#define DLPROBE_CLI_USAGE_H

extern const char dlp_usage_text[];

#endif
