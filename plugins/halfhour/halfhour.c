/*
 * The halfhour join plugin: an hour holding a short programme at :00 and
 * another at :30 becomes one joined item, the first cut at exactly cut_at_s
 * (frame-accurate) and the second appended (a segment list; no file is
 * written). Optional padding with silent frames when the first is short.
 * Not for rendering files: playoutctl join does that.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <playout/plugin.h>
#include <playout/util.h>

#define HEAD_SCAN 65536 /* bytes after the ID3v2 tag searched for a frame */

struct halfhour_inst {
	const struct playout_host *host;
	int64_t limit_ms;   /* each input shorter than this */
	int64_t cut_ms;     /* where the first is cut */
	int pad;            /* fill a short first programme with silence up to cut_ms */
};

/* ---- reading the first frame header of a cached file -------------------- */

static int read_full(int fd, unsigned char *buf, size_t len, off_t off, size_t *got)
{
	*got = 0;
	while (*got < len) {
		ssize_t r = pread(fd, buf + *got, len - *got, off + (off_t)*got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	return 0;
}

/* The 4 bytes of hdr as they stand in a file. */
static void hdr_bytes(uint32_t hdr, unsigned char b[4])
{
	b[0] = (unsigned char)(hdr >> 24);
	b[1] = (unsigned char)(hdr >> 16);
	b[2] = (unsigned char)(hdr >> 8);
	b[3] = (unsigned char)hdr;
}

/* The first layer III frame header of host->cache_dir/name, or 0. */
static uint32_t halfhour_first_header(const struct halfhour_inst *hh, const char *name)
{
	char path[4096];
	unsigned char *buf = NULL;
	uint32_t hdr = 0;
	size_t got = 0;
	int fd;

	if (!hh->host->cache_dir)
		return 0;
	snprintf(path, sizeof path, "%s/%s", hh->host->cache_dir, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	if (!(buf = malloc(HEAD_SCAN)))
		goto out;
	if (read_full(fd, buf, 10, 0, &got) < 0)
		goto out;
	off_t start = (off_t)playout_mp3_id3v2_len(buf, got);
	if (read_full(fd, buf, HEAD_SCAN, start, &got) < 0)
		goto out;
	for (size_t i = 0; i + 4 <= got; i++) {
		struct playout_mp3_hdr h;
		if (playout_mp3_hdr_parse(buf + i, got - i, &h) && h.layer == 3) {
			hdr = ((uint32_t)buf[i] << 24) | ((uint32_t)buf[i + 1] << 16) |
			      ((uint32_t)buf[i + 2] << 8) | buf[i + 3];
			break;
		}
	}
out:
	free(buf);
	close(fd);
	return hdr;
}

/* 1 mono, 2 stereo, 0 unknown (file not cached or unreadable). */
static int header_channels(uint32_t hdr)
{
	if (!hdr)
		return 0;
	return ((hdr >> 6) & 3) == 3 ? 1 : 2;
}

/* ---- silence frames ------------------------------------------------------ */

/* Length of a layer III frame with this header (padding included), or 0. */
static uint32_t l3_frame_len(uint32_t hdr)
{
	unsigned char b[4];
	struct playout_mp3_hdr h;

	hdr_bytes(hdr, b);
	return playout_mp3_hdr_parse(b, 4, &h) && h.layer == 3 ? h.len : 0;
}

struct silence {
	const unsigned char *frame;
	uint32_t len;
	uint64_t count;
};

static int silence_fill(int fd, void *arg)
{
	const struct silence *si = arg;
	for (uint64_t i = 0; i < si->count; i++)
		if (playout_write_all(fd, si->frame, si->len) < 0)
			return -1;
	return 0;
}

/* Make sure host->cache_dir holds a file of at least nframes silent frames
 * in the format of hdr (lowest bitrate, no CRC, zero side info and main data:
 * every decoder outputs zeros for it). Name it into name. Replaced
 * atomically; reused when already there. */
static int halfhour_silence(struct halfhour_inst *hh, uint32_t hdr, int64_t rate, int64_t spf,
			    uint32_t nframes, char name[PLAYOUT_NAME_MAX], struct playout_error *err)
{
	char path[4096];
	struct stat st;
	int mpeg1 = ((hdr >> 19) & 3) == 3, mono = ((hdr >> 6) & 3) == 3;
	uint32_t side = mpeg1 ? (mono ? 17 : 32) : (mono ? 9 : 17);
	uint32_t base = (hdr & ~(0xFu << 12) & ~(1u << 9) & ~(3u << 4)) | (1u << 16);
	uint32_t sh = 0, flen = 0;
	/* one file per format, long enough for any pad up to the cut */
	uint64_t want = (uint64_t)(hh->cut_ms * rate / (1000 * spf)) + 1;

	for (uint32_t bi = 1; bi <= 14 && flen < 4 + side; bi++) {
		sh = base | (bi << 12);
		flen = l3_frame_len(sh);
	}
	if (want < nframes)
		want = nframes;
	if (!hh->host->cache_dir || flen < 4 + side)
		return playout_error_set(err, PLAYOUT_EINVAL,
					 "no cache folder or unusable header %08x for silence",
					 (unsigned)hdr);
	snprintf(name, PLAYOUT_NAME_MAX, "halfhour-silence-%08x-%llu.mp3", (unsigned)sh,
		 (unsigned long long)want);
	snprintf(path, sizeof path, "%s/%s", hh->host->cache_dir, name);
	if (stat(path, &st) == 0 && (uint64_t)st.st_size == want * flen)
		return PLAYOUT_OK;
	unsigned char *frame = calloc(1, flen);
	if (!frame)
		return playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
	hdr_bytes(sh, frame);
	struct silence si = { frame, flen, want };
	int rc = playout_file_replace_with(path, 0644, silence_fill, &si, err);
	free(frame);
	if (rc == PLAYOUT_OK)
		hh->host->log(hh->host, PLAYOUT_LOG_INFO, "made %s (%llu silent frames)", name,
			      (unsigned long long)want);
	return rc;
}

/* ---- planning ------------------------------------------------------------ */

static const struct playout_asset *find_asset(const struct playout_asset *assets, size_t n,
					      const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(assets[i].name, name) == 0)
			return &assets[i];
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(assets[i].name, name) == 0)
			return &assets[i];
	return NULL;
}

/* An item that may take part: one whole file, something to play. */
static int joinable(const struct playout_item *it)
{
	return it->nseg == 1 && it->seg[0].first_frame == 0 && it->seg[0].nframes == 0 &&
	       it->decision != PLAYOUT_DECISION_MISSING && it->decision != PLAYOUT_DECISION_JOINED;
}

/* Station-local minute and second of t. */
static int local_min_sec(const struct playout_host *host, int64_t t_ms, int *min, int *sec)
{
	struct tm tm;

	if (t_ms % 1000 != 0 || host->utc_to_local(host, t_ms, &tm) != PLAYOUT_OK)
		return -1;
	*min = tm.tm_min;
	*sec = tm.tm_sec;
	return 0;
}

static void mmss(int64_t ms, char buf[32])
{
	snprintf(buf, 32, "%02lld:%02lld", (long long)(ms / 60000 % 100000),
		 (long long)(ms / 1000 % 60));
}

/* Why a and b cannot share one stream, into why; 0 when they can. */
static int formats_differ(const struct halfhour_inst *hh, const struct playout_asset *a,
			  const struct playout_asset *b, char *why, size_t n)
{
	if (a->sample_rate != b->sample_rate || a->samples_per_frame != b->samples_per_frame) {
		snprintf(why, n, "%.80s is %d Hz, %.80s is %d Hz", a->name, (int)a->sample_rate,
			 b->name, (int)b->sample_rate);
		return 1;
	}
	int ca = header_channels(halfhour_first_header(hh, a->name));
	int cb = header_channels(halfhour_first_header(hh, b->name));
	if (ca && cb && ca != cb) {
		snprintf(why, n, "%.80s is %s, %.80s is %s", a->name, ca == 1 ? "mono" : "stereo",
			 b->name, cb == 1 ? "mono" : "stereo");
		return 1;
	}
	return 0;
}

/* Try to join items[i] and items[i + 1]; 1 when joined (items[i + 1] is
 * then to be removed), 0 when not. */
static int halfhour_pair(struct halfhour_inst *hh, struct playout_item *x,
			 struct playout_item *y, const struct playout_asset *assets,
			 size_t nassets)
{
	int min, sec;
	char why[200];

	if (!joinable(x) || !joinable(y) || y->start_ms != x->start_ms + 30 * 60 * 1000LL)
		return 0;
	if (local_min_sec(hh->host, x->start_ms, &min, &sec) < 0 || min != 0 || sec != 0)
		return 0;
	const struct playout_asset *a = find_asset(assets, nassets, x->seg[0].asset);
	const struct playout_asset *b = find_asset(assets, nassets, y->seg[0].asset);
	if (!a || !b || a->nframes == 0 || b->nframes == 0 || a->sample_rate <= 0 ||
	    a->samples_per_frame <= 0 || b->sample_rate <= 0 || b->samples_per_frame <= 0)
		return 0; /* not indexed yet: the next round joins them */
	if (a->duration_ms >= hh->limit_ms || b->duration_ms >= hh->limit_ms)
		return 0;
	if (formats_differ(hh, a, b, why, sizeof why)) {
		playout_str_appendf(x->reason, sizeof x->reason,
			    "; not joined with %.60s: %s (cannot join without re-encoding)",
			    b->name, why);
		playout_str_appendf(y->reason, sizeof y->reason,
			    "; not joined with %.60s: %s (cannot join without re-encoding)",
			    a->name, why);
		return 0;
	}

	const int64_t rate = a->sample_rate, spf = a->samples_per_frame;
	/* frames [0, k) end at or before the cut */
	uint64_t k = (uint64_t)(hh->cut_ms * rate / (1000 * spf));
	uint32_t keep = k < a->nframes ? (uint32_t)k : a->nframes;
	uint32_t pad = 0;
	char pad_name[PLAYOUT_NAME_MAX] = "";
	char cut[32];

	if (keep == a->nframes && hh->pad && k > keep) {
		struct playout_error e = { 0, "" };
		uint32_t hdr = halfhour_first_header(hh, a->name);
		if (hdr && halfhour_silence(hh, hdr, rate, spf, (uint32_t)(k - keep), pad_name, &e) == 0)
			pad = (uint32_t)(k - keep);
		else
			hh->host->log(hh->host, PLAYOUT_LOG_WARN,
				      "no silence to pad %s up to the cut: %s", a->name,
				      hdr ? e.msg : "cannot read its first frame in the cache");
	}

	struct playout_item j = *x;
	j.decision = PLAYOUT_DECISION_JOINED;
	j.cap_s = 0;
	j.nseg = 0;
	snprintf(j.seg[j.nseg].asset, sizeof j.seg[0].asset, "%s", a->name);
	j.seg[j.nseg].first_frame = 0;
	j.seg[j.nseg++].nframes = keep;
	if (pad) {
		snprintf(j.seg[j.nseg].asset, sizeof j.seg[0].asset, "%s", pad_name);
		j.seg[j.nseg].first_frame = 0;
		j.seg[j.nseg++].nframes = pad;
	}
	snprintf(j.seg[j.nseg].asset, sizeof j.seg[0].asset, "%s", b->name);
	j.seg[j.nseg].first_frame = 0;
	j.seg[j.nseg++].nframes = b->nframes;
	uint64_t frames = (uint64_t)keep + pad + b->nframes;
	j.end_ms = x->start_ms + (int64_t)((frames * (uint64_t)spf * 1000 + (uint64_t)rate - 1) /
					   (uint64_t)rate);
	snprintf(j.title, sizeof j.title, "%.120s + %.120s", x->title, y->title);
	mmss(hh->cut_ms, cut);
	if (keep < a->nframes)
		snprintf(j.reason, sizeof j.reason, "joined: %.100s cut at %.8s + %.100s", a->name, cut,
			 b->name);
	else if (pad)
		snprintf(j.reason, sizeof j.reason,
			 "joined: %.80s (whole, shorter than %.8s) + %u frames of silence + %.80s",
			 a->name, cut, pad, b->name);
	else
		snprintf(j.reason, sizeof j.reason,
			 "joined: %.100s (whole, shorter than %.8s) + %.100s", a->name, cut, b->name);
	*x = j;
	return 1;
} /* halfhour_pair */

static int halfhour_plan(void *instance, struct playout_item *items, size_t *n,
			 const struct playout_asset *assets, size_t nassets,
			 struct playout_error *err)
{
	struct halfhour_inst *hh = instance;

	if (!items || !n || (nassets && !assets))
		return playout_error_set(err, PLAYOUT_EINVAL, "no items");
	for (size_t i = 0; i + 1 < *n; i++) {
		if (!halfhour_pair(hh, &items[i], &items[i + 1], assets, nassets))
			continue;
		memmove(&items[i + 1], &items[i + 2], (*n - i - 2) * sizeof *items);
		(*n)--;
	}
	return PLAYOUT_OK;
}

/* ---- lifetime ------------------------------------------------------------ */

static int halfhour_create(const config_setting_t *conf, const struct playout_host *host,
			   void **instance, struct playout_error *err)
{
	struct halfhour_inst *hh = calloc(1, sizeof *hh);

	if (!hh)
		return playout_error_set(err, PLAYOUT_ENOMEM, "out of memory");
	hh->host = host;
	/* defaulted and range-checked by the core */
	hh->limit_ms = playout_conf_int(conf, "limit_s") * 1000;
	hh->cut_ms = playout_conf_int(conf, "cut_at_s") * 1000;
	hh->pad = playout_conf_bool(conf, "pad");
	*instance = hh;
	return PLAYOUT_OK;
}

static void halfhour_destroy(void *instance)
{
	free(instance);
}

static const struct playout_setting halfhour_settings[] = {
	{ .name = "limit_s", .type = PLAYOUT_SET_INT, .min = 1, .max = 86400, .def = "2000",
	  .help = "join only programmes shorter than this, seconds" },
	{ .name = "cut_at_s", .type = PLAYOUT_SET_INT, .min = 1, .max = 86400, .def = "1800",
	  .help = "cut the first programme here, seconds (1800 = 30:00)" },
	{ .name = "pad", .type = PLAYOUT_SET_BOOL, .def = "false",
	  .help = "fill a short first programme with silence up to the cut" },
	{ .name = NULL },
};

static const struct playout_join_ops halfhour_ops = {
	.size = sizeof(struct playout_join_ops),
	.plan = halfhour_plan,
};

extern const struct playout_plugin playout_plugin;
const struct playout_plugin playout_plugin = {
	PLAYOUT_PLUGIN_HEAD,
	.name = "halfhour",
	.kind = PLAYOUT_KIND_JOIN,
	.description = "joins a :00 and a :30 programme into one gapless hour",
	.settings = halfhour_settings,
	.create = halfhour_create,
	.destroy = halfhour_destroy,
	.ops.join = &halfhour_ops,
};
