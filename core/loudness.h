/*
 * Loudness normalisation's arithmetic, shared by the outputs that re-encode
 * (an exact gain) and by MP3 passthrough (whole 1.5 dB global_gain steps):
 * how much gain brings an item to the target without its true peak going
 * above the ceiling. Measuring is probe.c's job; applying it the outputs'.
 */
#ifndef PO_LOUDNESS_H
#define PO_LOUDNESS_H

/* dB of one MP3 global_gain step: the decoder scales by 2^(1/4). */
#define PO_MP3_GAIN_STEP_DB 1.5051499783199060

/* The gain in dB that brings measured_lufs to target (both LUFS), reduced
 * as much as needed so that true_peak_dbtp + gain <= ceiling (dBTP): a file
 * already peaking above the ceiling is turned down to it even when it is
 * quiet. 0 when the loudness is unknown (not finite: nothing above the
 * gate, not probed, NaN); a true peak of -INFINITY (digital silence) sets
 * no limit. Pure, thread-safe. */
double po_loudness_gain_db(double measured_lufs, double true_peak_dbtp, double target,
			   double ceiling);

/* The same as whole MP3 global_gain steps: the nearest to the gain, one
 * less when that one would put the true peak above the ceiling. */
int po_loudness_mp3_steps(double measured_lufs, double true_peak_dbtp, double target,
			  double ceiling);

#endif
