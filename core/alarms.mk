# Alarms: the rules (alarms.c), the config keys (alarm_conf.c), the state's
# tables (state_alarms.c), the daemon's side (alerting.c), the dispatcher
# (notify.c), playoutctl alerts (ctl_alerts.c); the notify plugins and the
# tests.
libpocore_la_SOURCES += core/alarms.c core/alarms.h core/alarm_conf.c core/alarm_conf.h \
	core/state_alarms.c core/state_alarms.h core/state_tx.h \
	core/alerting.c core/alerting.h core/notify.c core/notify.h core/ctl_alerts.c

include $(srcdir)/plugins/webhook/local.mk
include $(srcdir)/plugins/email/local.mk

check_PROGRAMS += tests/unit/test_alarms
TESTS += tests/unit/test_alarms
tests_unit_test_alarms_LDADD = $(UNIT_LDADD)
tests_unit_test_alarms_CFLAGS = $(UNIT_CFLAGS)
TESTS += tests/integration/test_alarms.sh tests/integration/test_alarms_blackhole.sh \
	tests/integration/test_alarms_onair.sh tests/integration/test_alarms_output.sh \
	tests/integration/test_alarms_stale.sh
EXTRA_DIST += tests/tools/hook_events.py

# the loopback test of the notify plugins' URLs, in libplayout-util
check_PROGRAMS += tests/unit/test_url_host
TESTS += tests/unit/test_url_host
tests_unit_test_url_host_LDADD = $(UNIT_LDADD)
tests_unit_test_url_host_CFLAGS = $(UNIT_CFLAGS)
