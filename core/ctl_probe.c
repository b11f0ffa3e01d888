/* placeholder: playoutctl probe */
#include <stdio.h>
#include "ctl.h"

int po_ctl_probe(const char *conf_path, int argc, char **argv)
{
	(void)conf_path;
	(void)argc;
	fprintf(stderr, "playoutctl: %s: not built yet\n", argv[0]);
	return 2;
}
