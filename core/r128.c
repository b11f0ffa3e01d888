/*
 * EBU R128 (r128.h): K-weighting as two biquads (the coefficients for any
 * rate from the analogue prototypes, as libebur128 derives them), squares
 * summed per 100 ms part, 400 ms blocks every 100 ms for the integrated
 * loudness (gates -70 LUFS and -10 LU), 3 s blocks every 100 ms for the
 * range (gates -70 LUFS and -20 LU, 10th to 95th percentile).
 */
#include "r128.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PARTS_ST 30 /* 100 ms parts in a 3 s block */

struct dlist {
	double *v;
	size_t n, cap;
};

struct po_r128 {
	int channels;
	long part_frames;             /* frames in 100 ms */
	long in_part;
	double b[3], a[3], rb[3], ra[3];
	double z[2][4];               /* per channel: two biquads' states */
	double acc;                   /* squares of the current part, all channels */
	double parts[PARTS_ST];       /* mean squares of the last parts, a ring */
	unsigned long nparts;
	struct dlist block, st;       /* energies of 400 ms and 3 s blocks */
	int oom;
};

static int push(struct dlist *l, double e)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		double *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = e;
	return 0;
}

struct po_r128 *po_r128_new(int channels, long rate)
{
	if (channels < 1 || channels > 2 || rate < 8000)
		return NULL;
	struct po_r128 *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->channels = channels;
	m->part_frames = (rate + 5) / 10;
	/* high shelf (the head's effect) */
	double f0 = 1681.974450955533, g = 3.999843853973347, q = 0.7071752369554196;
	double k = tan(M_PI * f0 / (double)rate), vh = pow(10.0, g / 20.0);
	double vb = pow(vh, 0.4996667741545416), a0 = 1.0 + k / q + k * k;
	m->b[0] = (vh + vb * k / q + k * k) / a0;
	m->b[1] = 2.0 * (k * k - vh) / a0;
	m->b[2] = (vh - vb * k / q + k * k) / a0;
	m->a[1] = 2.0 * (k * k - 1.0) / a0;
	m->a[2] = (1.0 - k / q + k * k) / a0;
	/* high pass (RLB) */
	f0 = 38.13547087602444;
	q = 0.5003270373238773;
	k = tan(M_PI * f0 / (double)rate);
	a0 = 1.0 + k / q + k * k;
	m->rb[0] = 1.0;
	m->rb[1] = -2.0;
	m->rb[2] = 1.0;
	m->ra[1] = 2.0 * (k * k - 1.0) / a0;
	m->ra[2] = (1.0 - k / q + k * k) / a0;
	return m;
}

void po_r128_free(struct po_r128 *m)
{
	if (!m)
		return;
	free(m->block.v);
	free(m->st.v);
	free(m);
}

static void part_done(struct po_r128 *m)
{
	m->parts[m->nparts % PARTS_ST] = m->acc / (double)m->part_frames;
	m->nparts++;
	m->acc = 0;
	m->in_part = 0;
	/* states this small would turn denormal in silence, and slow */
	for (int c = 0; c < m->channels; c++)
		for (int i = 0; i < 4; i++)
			if (fabs(m->z[c][i]) < 1e-30)
				m->z[c][i] = 0;
	if (m->nparts >= 4) {
		double e = 0;
		for (unsigned long i = m->nparts - 4; i < m->nparts; i++)
			e += m->parts[i % PARTS_ST];
		if (push(&m->block, e / 4) < 0)
			m->oom = 1;
	}
	if (m->nparts >= PARTS_ST) {
		double e = 0;
		for (int i = 0; i < PARTS_ST; i++)
			e += m->parts[i];
		if (push(&m->st, e / PARTS_ST) < 0)
			m->oom = 1;
	}
}

int po_r128_add(struct po_r128 *m, const float *v, size_t frames)
{
	size_t ch = (size_t)m->channels;
	while (frames > 0) {
		size_t n = (size_t)(m->part_frames - m->in_part);
		if (n > frames)
			n = frames;
		for (size_t c = 0; c < ch; c++) {
			double *z = m->z[c], acc = 0;
			double z0 = z[0], z1 = z[1], w0 = z[2], w1 = z[3];
			for (size_t i = 0; i < n; i++) {
				double x = v[i * ch + c];
				double y = m->b[0] * x + z0;
				z0 = m->b[1] * x - m->a[1] * y + z1;
				z1 = m->b[2] * x - m->a[2] * y;
				double o = y + w0;
				w0 = -2.0 * y - m->ra[1] * o + w1;
				w1 = y - m->ra[2] * o;
				acc += o * o;
			}
			z[0] = z0;
			z[1] = z1;
			z[2] = w0;
			z[3] = w1;
			m->acc += acc;
		}
		v += n * ch;
		frames -= n;
		m->in_part += (long)n;
		if (m->in_part == m->part_frames)
			part_done(m);
	}
	return m->oom ? -1 : 0;
}

static double lufs(double e)
{
	return e > 0 ? -0.691 + 10 * log10(e) : -INFINITY;
}

/* Mean energy of the blocks above gate (an energy); count in *n. */
static double mean_above(const struct dlist *l, double gate, size_t *n)
{
	double s = 0;
	*n = 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] > gate) {
			s += l->v[i];
			(*n)++;
		}
	return *n ? s / (double)*n : 0;
}

static double energy(double lu)
{
	return pow(10, (lu + 0.691) / 10);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

void po_r128_result(const struct po_r128 *m, double *integrated_lufs, double *range_lu)
{
	size_t n;
	double abs_gate = energy(-70);
	*integrated_lufs = -INFINITY;
	*range_lu = 0;
	double mean = mean_above(&m->block, abs_gate, &n);
	if (n) {
		double rel = energy(lufs(mean) - 10);
		mean = mean_above(&m->block, rel > abs_gate ? rel : abs_gate, &n);
		if (n)
			*integrated_lufs = lufs(mean);
	}
	mean = mean_above(&m->st, abs_gate, &n);
	if (!n)
		return;
	double rel = energy(lufs(mean) - 20), gate = rel > abs_gate ? rel : abs_gate;
	double *v = malloc(m->st.n * sizeof *v);
	if (!v)
		return;
	size_t k = 0;
	for (size_t i = 0; i < m->st.n; i++)
		if (m->st.v[i] > gate)
			v[k++] = m->st.v[i];
	if (k) {
		qsort(v, k, sizeof *v, cmp_double);
		size_t lo = (size_t)((double)(k - 1) * 0.10 + 0.5);
		size_t hi = (size_t)((double)(k - 1) * 0.95 + 0.5);
		*range_lu = lufs(v[hi]) - lufs(v[lo]);
	}
	free(v);
}
