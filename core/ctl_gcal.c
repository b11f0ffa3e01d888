/* placeholder: playoutctl gcal-auth */
#include <stdio.h>
#include "ctl.h"

int po_ctl_gcal_auth(const char *conf_path, int argc, char **argv)
{
	(void)conf_path;
	(void)argc;
	fprintf(stderr, "playoutctl: %s: not built yet\n", argv[0]);
	return 2;
}
