/* placeholder */
#include "runner.h"
static void test_placeholder(void) { CU_ASSERT(1); }
static const struct po_test tests[] = { {"placeholder", test_placeholder}, {NULL, NULL} };
static const struct po_suite suites[] = { {"http", tests, NULL, NULL}, {NULL, NULL, NULL, NULL} };
int main(void) { return po_test_run("test_http", suites); }
