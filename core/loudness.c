/*
 * Loudness gain (loudness.h): target minus measured, limited by the true
 * peak ceiling.
 */
#include "loudness.h"

#include <math.h>

double po_loudness_gain_db(double measured_lufs, double true_peak_dbtp, double target,
			   double ceiling)
{
	if (!isfinite(measured_lufs) || !isfinite(target))
		return 0;
	double gain = target - measured_lufs;
	if (isfinite(true_peak_dbtp) && isfinite(ceiling) && true_peak_dbtp + gain > ceiling)
		gain = ceiling - true_peak_dbtp;
	return gain;
}

int po_loudness_mp3_steps(double measured_lufs, double true_peak_dbtp, double target,
			  double ceiling)
{
	double gain = po_loudness_gain_db(measured_lufs, true_peak_dbtp, target, ceiling);
	/* the step is exactly 20*log10(2^(1/4)) dB, so the peak after k steps is
	 * true_peak + k*step: compare with that, not with the rounded 1.5 */
	int steps = (int)lround(gain / PO_MP3_GAIN_STEP_DB);
	if (isfinite(measured_lufs) && isfinite(true_peak_dbtp) && isfinite(ceiling) &&
	    true_peak_dbtp + steps * PO_MP3_GAIN_STEP_DB > ceiling + 1e-9)
		steps--;
	return steps;
}
