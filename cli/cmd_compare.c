/* `dlprobe compare FILE|INSTANCE... [estimate options]`: the estimate of one
 * workload on every machine named, ranked fastest first. */
#include "cli/cli.h"
#include "cli/estimate_cli.h"

int dlp_cmd_compare(int argc, char **argv)
{
	return dlp_cli_estimate_command(argc, argv, 1);
}
