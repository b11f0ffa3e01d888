/*
 * The config's alarm keys: the top-level "alarms" group (lead times and
 * thresholds) and each notify instance's filter keys (events, pids,
 * min_level), which the core handles so no plugin needs to. Called by
 * config.c while validating; messages name file:line.
 */
#ifndef PO_ALARM_CONF_H
#define PO_ALARM_CONF_H

#include "config.h"

/* The core's own keys in a notify instance's group (events, pids,
 * min_level), checked with the plugin's settings; their meaning is read by
 * po_alarm_conf_load. */
extern const struct playout_setting po_alarm_filter_settings[];

/* Read "alarms" into c->alarms and each notify instance's filter into its
 * po_instance_conf; every problem into d. */
void po_alarm_conf_load(struct po_config *c, struct po_diag *d);
/* Free what po_alarm_conf_load allocated (the pid lists). */
void po_alarm_conf_free(struct po_config *c);

#endif
