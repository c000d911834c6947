#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "dlprobe/json.h"
#include "probe/os.h"
#include "probe/sysfile.h"

json_t *dlp_os_probe(const char *sysroot)
{
	json_t *o = json_object();
	struct utsname u;
	char *pretty = NULL;

	{
		/* os-release lines are KEY=value or KEY="value" */
		char *all = dlp_sysfile_read(sysroot, "/etc/os-release"), *p;
		if (all && (p = strstr(all, "PRETTY_NAME=")) != NULL) {
			p += strlen("PRETTY_NAME=");
			p[strcspn(p, "\n")] = '\0';
			if (*p == '"') {
				p++;
				p[strcspn(p, "\"")] = '\0';
			}
			pretty = strdup(p);
		}
		free(all);
	}
	if (uname(&u) == 0) {
		json_object_set_new(o, "kernel", dlp_json_str(u.sysname));
		json_object_set_new(o, "kernel_release", dlp_json_str(u.release));
		json_object_set_new(o, "machine", dlp_json_str(u.machine));
	} else {
		json_object_set_new(o, "kernel", json_null());
		json_object_set_new(o, "kernel_release", json_null());
		json_object_set_new(o, "machine", json_null());
	}
	json_object_set_new(o, "distribution", dlp_json_str(pretty));
	free(pretty);
	return o;
}
