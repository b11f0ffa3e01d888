#include "runner.h"
static const struct po_suite suites[] = { { NULL, NULL, NULL, NULL } };
int main(void) { return po_test_run("ical", suites); }
