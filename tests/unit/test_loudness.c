/*
 * core/loudness.c: the normalisation gain and its MP3 step form.
 */
#include "runner.h"

#include <math.h>

#include "loudness.h"

static void test_gain_is_target_minus_measured_when_peak_allows(void)
{
	PO_EXPECT_DOUBLE(po_loudness_gain_db(-28, -14, -16, -1), 12.0, 1e-9);
	PO_EXPECT_DOUBLE(po_loudness_gain_db(-9, -0.5, -16, -1), -7.0, 1e-9);
	PO_EXPECT_DOUBLE(po_loudness_gain_db(-16, -3, -16, -1), 0.0, 1e-9);
}

static void test_gain_is_reduced_so_true_peak_stays_under_ceiling(void)
{
	/* +12 wanted, the peak at -6 allows only +5 under -1 dBTP */
	PO_EXPECT_DOUBLE(po_loudness_gain_db(-28, -6, -16, -1), 5.0, 1e-9);
	/* a quiet file already peaking above the ceiling is turned down to it */
	PO_EXPECT_DOUBLE(po_loudness_gain_db(-20, 0.3, -16, -1), -1.3, 1e-9);
	/* a loud one needing more than that keeps its own gain */
	PO_EXPECT_DOUBLE(po_loudness_gain_db(-8, 0.3, -16, -1), -8.0, 1e-9);
}

static void test_unknown_loudness_gives_no_gain(void)
{
	PO_EXPECT_DOUBLE(po_loudness_gain_db(-INFINITY, -INFINITY, -16, -1), 0.0, 0);
	PO_EXPECT_DOUBLE(po_loudness_gain_db(NAN, -3, -16, -1), 0.0, 0);
	/* digital silence under the peak sets no limit */
	PO_EXPECT_DOUBLE(po_loudness_gain_db(-30, -INFINITY, -16, -1), 14.0, 1e-9);
}

static void test_mp3_steps_round_to_nearest_within_ceiling(void)
{
	/* +12 dB: 7.97 steps -> 8 */
	PO_EXPECT_INT(po_loudness_mp3_steps(-28, -14, -16, -1), 8);
	/* -7 dB: -4.65 -> -5 */
	PO_EXPECT_INT(po_loudness_mp3_steps(-9, -0.5, -16, -1), -5);
	/* +5 dB allowed by the peak: 3.32 -> 3 (4.52 dB, peak at -1.48) */
	PO_EXPECT_INT(po_loudness_mp3_steps(-28, -6, -16, -1), 3);
	/* +5.5 allowed: 3.65 would round to 4 (6.02 dB) and pass the ceiling: 3 */
	PO_EXPECT_INT(po_loudness_mp3_steps(-28, -6.5, -16, -1), 3);
	/* the peak after the steps never passes the ceiling */
	for (double tp = -20; tp < 1; tp += 0.37) {
		int k = po_loudness_mp3_steps(-30, tp, -16, -1);
		CU_ASSERT(tp + k * PO_MP3_GAIN_STEP_DB <= -1 + 1e-9);
	}
	PO_EXPECT_INT(po_loudness_mp3_steps(-INFINITY, -3, -16, -1), 0);
}

static const struct po_test gain_tests[] = {
	{"gain_is_target_minus_measured_when_peak_allows",
	 test_gain_is_target_minus_measured_when_peak_allows},
	{"gain_is_reduced_so_true_peak_stays_under_ceiling",
	 test_gain_is_reduced_so_true_peak_stays_under_ceiling},
	{"unknown_loudness_gives_no_gain", test_unknown_loudness_gives_no_gain},
	{"mp3_steps_round_to_nearest_within_ceiling",
	 test_mp3_steps_round_to_nearest_within_ceiling},
	{NULL, NULL},
};

static const struct po_suite suites[] = {
	{"gain", gain_tests, NULL, NULL},
	{NULL, NULL, NULL, NULL},
};

int main(void)
{
	return po_test_run("test_loudness", suites);
}
