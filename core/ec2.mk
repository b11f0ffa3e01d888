# EC2 on demand: the Auto Scaling schedule derived from the rundown
# (ec2_sched.c), the Query API client (autoscaling.c), playoutctl
# ec2-schedule (ctl_ec2.c) and the daemon's ec2 thread (ec2_duty.c).
libpocore_la_SOURCES += core/ec2_sched.c core/ec2_sched.h \
	core/autoscaling.c core/autoscaling.h core/ctl_ec2.c \
	core/ec2_duty.c core/ec2_duty.h

check_PROGRAMS += tests/unit/test_ec2_sched
TESTS += tests/unit/test_ec2_sched
tests_unit_test_ec2_sched_LDADD = $(UNIT_LDADD)
tests_unit_test_ec2_sched_CFLAGS = $(UNIT_CFLAGS)


# against tests/fakes/autoscaling_fake.py; the IAM policy against the code
TESTS += tests/integration/test_ec2_schedule.sh tests/integration/test_ec2_iam.sh
