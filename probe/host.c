/* Which machine a document came from: the host name, and the cloud instance
 * type where the firmware states it (DMI under /sys/class/dmi/id). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlprobe/json.h"
#include "dlprobe/probe.h"
#include "probe/sysfile.h"

/* Providers whose DMI product name is the instance type, by their DMI
 * vendor string. Others (Google: "Google Compute Engine", Azure: "Virtual
 * Machine") name only the product, so no type is claimed for them. */
static const char *const type_in_product_name[] = {
	"Amazon EC2",
};

json_t *dlp_probe_host(const char *sysroot)
{
	char name[256] = "";
	char *vendor = dlp_sysfile_line(sysroot, "/sys/class/dmi/id/sys_vendor");
	char *product = dlp_sysfile_line(sysroot, "/sys/class/dmi/id/product_name");
	const char *type = NULL;
	json_t *h;
	size_t i;

	if (gethostname(name, sizeof name - 1) != 0)
		name[0] = '\0';
	for (i = 0; vendor && product && i < sizeof type_in_product_name / sizeof type_in_product_name[0]; i++)
		if (!strcmp(vendor, type_in_product_name[i]))
			type = product;
	h = json_pack("{s:o,s:o,s:o,s:o}", "hostname", dlp_json_str(name), "sys_vendor", dlp_json_str(vendor),
		      "product_name", dlp_json_str(product), "instance_type", dlp_json_str(type));
	free(vendor);
	free(product);
	return h;
}
