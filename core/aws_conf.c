/*
 * The "aws" group of the configuration as struct po_aws_conf (aws.h). In
 * the core, not the network module: reading the config must not load it.
 */
#include "aws.h"

#include <string.h>

void po_aws_conf_from(const config_setting_t *group, struct po_aws_conf *c)
{
	memset(c, 0, sizeof *c);
	if (!group)
		return;
	config_setting_lookup_string(group, "region", &c->region);
	config_setting_lookup_string(group, "profile", &c->profile);
	config_setting_lookup_string(group, "access_key", &c->access_key);
	config_setting_lookup_string(group, "secret_key", &c->secret_key);
	config_setting_lookup_string(group, "ssm_endpoint", &c->ssm_endpoint);
	config_setting_lookup_string(group, "imds_endpoint", &c->imds_endpoint);
}
