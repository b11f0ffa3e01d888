/*
 * core/media.c, the media catalogue: a cached file's frame index is loaded
 * once and shared by reference, its verdict is kept (and read back from the
 * state once the worker wrote it), a file that changes is indexed again,
 * and pruning forgets what left the cache without pulling an index from
 * under a holder. MP3s are made with ffmpeg at test time.
 */
#include "runner.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache.h"
#include "catalog.h"
#include "media.h"
#include "mp3_store.h"
#include "rundown.h"
#include "state.h"
#include "worker.h"

static const struct po_probe_opts opts = { .silence_threshold_db = -50, .silence_max_s = 10 };

/* ---- helpers -------------------------------------------------------------- */

static const char *cache_dir(void)
{
	static char dir[512];
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "%s/cache", po_test_tmpdir());
		mkdir(dir, 0750);
	}
	return dir;
}

static char *cached(const char *name)
{
	static char path[8][600];
	static int k;
	char *p = path[k++ % 8];
	snprintf(p, 600, "%s/%s", cache_dir(), name);
	return p;
}

/* A mono 44.1 kHz 128 kbps MP3 of an aevalsrc expression into the cache. */
static int make(const char *name, const char *expr, double seconds)
{
	char src[256];
	snprintf(src, sizeof src, "aevalsrc=%s:s=44100:d=%g", expr, seconds);
	const char *argv[] = { "ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
			       "-i", src, "-c:a", "libmp3lame", "-b:a", "128k", cached(name), NULL };
	return po_test_run_quiet(argv);
}

static int make_tone(const char *name, double seconds)
{
	return make(name, "0.1*sin(2*PI*1000*t)", seconds);
}

static struct po_state *open_state(const char *name)
{
	char path[600];
	struct po_state *st = NULL;
	struct playout_error err = {0};
	snprintf(path, sizeof path, "%s/%s", po_test_tmpdir(), name);
	int rc = po_state_open(path, PO_STATE_WRITER, &st, &err);
	if (rc != PLAYOUT_OK)
		fprintf(stderr, "open: %s\n", err.msg);
	PO_EXPECT_INT_FATAL(rc, PLAYOUT_OK);
	return st;
}

static struct po_media_cat *new_cat(struct po_state *st)
{
	struct po_media_conf c = { .cache_dir = cache_dir(), .state = st, .probe = opts };
	struct po_media_cat *mc = NULL;
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(po_media_new(&c, &mc, &err), PLAYOUT_OK);
	return mc;
}

/* A listing entry for a cached file, with the cache's size and mtime. */
static void list_cached(struct playout_assets *cat, const char *name)
{
	struct playout_asset a;
	struct stat sb;
	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "%s", name);
	if (stat(cached(name), &sb) == 0) {
		a.size = sb.st_size;
		a.mtime_ms = po_cache_mtime_ms(&sb);
	}
	playout_assets_push(cat, &a);
	po_catalog_sort(cat);
}

static struct playout_asset *find(struct playout_assets *cat, const char *name)
{
	return po_catalog_find_exact(cat->v, cat->n, name);
}

/* Give path another mtime (a second later), as a new copy would have. */
static void touch_later(const char *path)
{
	struct stat sb;
	PO_EXPECT_INT_FATAL(stat(path, &sb), 0);
	struct timespec t[2] = { sb.st_atim, sb.st_mtim };
	t[1].tv_sec += 1;
	PO_EXPECT_INT_FATAL(utimensat(AT_FDCWD, path, t, 0), 0);
}

static int keep_none(const char *path, int64_t size, int64_t mtime_ms, void *arg)
{
	(void)path, (void)size, (void)mtime_ms, (void)arg;
	return 0;
}

/* ---- tests ------------------------------------------------------------------ */

static void test_index_is_loaded_once_and_shared_by_reference(void)
{
	struct po_state *st = open_state("once.db");
	struct po_media_cat *mc = new_cat(st);
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(make_tone("once.mp3", 3), 0);

	struct po_mp3_index *a = po_media_index(mc, "once.mp3", &err);
	CU_ASSERT_FATAL(a != NULL);
	uint32_t nframes = a->nframes;
	/* Made now and kept in the writable state... */
	struct po_mp3_index *stored = NULL;
	PO_EXPECT_INT(po_mp3_store_load(st, cached("once.mp3"), a->file_size, a->file_mtime_ms,
					  &stored, &err), PLAYOUT_OK);
	CU_ASSERT(stored && stored->nframes == nframes);
	po_mp3_index_unref(stored);
	/* ...and from then on served from memory: the state no longer holds it,
	 * yet the next call gives the same index without indexing again. */
	CU_ASSERT(po_state_media_prune(st, keep_none, NULL) > 0);
	struct po_mp3_index *b = po_media_index(mc, "once.mp3", &err);
	CU_ASSERT_PTR_EQUAL(b, a);
	PO_EXPECT_INT(__atomic_load_n(&a->refs, __ATOMIC_RELAXED), 3); /* cat + a + b */
	size_t nindexed = 0;
	PO_EXPECT_INT(po_media_count(mc, &nindexed), 1);
	PO_EXPECT_INT(nindexed, 1);

	/* The holders' references outlive the catalogue. */
	po_media_free(mc);
	PO_EXPECT_INT(__atomic_load_n(&a->refs, __ATOMIC_RELAXED), 2);
	PO_EXPECT_INT(b->nframes, nframes);
	po_mp3_index_unref(b);
	po_mp3_index_unref(a);
	po_state_close(st);
}

static void test_feed_fills_cached_files_and_the_next_round_hits_memory(void)
{
	struct po_state *st = open_state("feed.db");
	struct po_media_cat *mc = new_cat(st);
	struct playout_assets cat = {0};
	struct po_media_fed fed = {0};
	PO_EXPECT_INT_FATAL(make_tone("feed.mp3", 4), 0);
	list_cached(&cat, "feed.mp3");
	list_cached(&cat, "not_cached.mp3");

	PO_EXPECT_INT(po_media_feed(mc, &cat, PO_MEDIA_STORE, NULL, &fed), 1);
	PO_EXPECT_INT_FATAL(fed.n, 1);
	struct playout_asset *a = &cat.v[fed.v[0]];
	PO_EXPECT_STR(a->name, "feed.mp3");
	CU_ASSERT(a->duration_ms >= 4000 && a->duration_ms < 4100);
	PO_EXPECT_INT(a->sample_rate, 44100);
	PO_EXPECT_INT(find(&cat, "not_cached.mp3")->duration_ms, 0);
	int64_t dur = a->duration_ms;
	uint32_t nframes = a->nframes;

	/* Spoil the stored scan: a round that went to the state would now read
	 * garbage and scan again; the catalogue answers from memory. */
	PO_EXPECT_INT(po_state_media_put(st, cached("feed.mp3"), a->size, a->mtime_ms,
					   "not a summary"), PLAYOUT_OK);
	a->duration_ms = 0;
	PO_EXPECT_INT(po_media_feed(mc, &cat, PO_MEDIA_STORE, NULL, &fed), 1);
	PO_EXPECT_INT(a->duration_ms, dur);
	PO_EXPECT_INT(a->nframes, nframes);
	char *text = NULL;
	PO_EXPECT_INT(po_state_media_get(st, cached("feed.mp3"), a->size, a->mtime_ms, &text), PLAYOUT_OK);
	PO_EXPECT_STR(text ? text : "", "not a summary");
	free(text);
	/* The scan kept the index it made: the players' request costs nothing. */
	size_t nindexed = 0;
	po_media_count(mc, &nindexed);
	PO_EXPECT_INT(nindexed, 1);

	free(fed.v);
	free(cat.v);
	po_media_free(mc);
	po_state_close(st);
}

static void test_probe_verdict_is_kept_and_keeps_the_file_off_air(void)
{
	struct po_state *st = open_state("verdict.db");
	struct po_media_cat *mc = new_cat(st);
	struct playout_assets cat = {0};
	PO_EXPECT_INT_FATAL(make("silent.mp3", "0", 3), 0);
	list_cached(&cat, "silent.mp3");

	/* No worker: the round probes now. */
	PO_EXPECT_INT(po_media_feed(mc, &cat, PO_MEDIA_PROBE | PO_MEDIA_STORE, NULL, NULL), 1);
	struct playout_asset *a = find(&cat, "silent.mp3");
	PO_EXPECT_INT(a->flags & PO_ASSET_UNPLAYABLE, PLAYOUT_ASSET_SILENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(a->why, "silent throughout"));
	PO_EXPECT_INT(a->duration_ms, 0); /* off air: no duration given */

	/* Kept: the next round, with the stored verdict gone, still knows. */
	PO_EXPECT_INT(po_state_media_put(st, cached("silent.mp3"), a->size, a->mtime_ms,
					   "not a summary"), PLAYOUT_OK);
	a->flags = 0;
	a->why[0] = '\0';
	PO_EXPECT_INT(po_media_feed(mc, &cat, PO_MEDIA_PROBE | PO_MEDIA_STORE, NULL, NULL), 1);
	PO_EXPECT_INT(a->flags, PLAYOUT_ASSET_SILENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(a->why, "silent throughout"));

	free(cat.v);
	po_media_free(mc);
	po_state_close(st);
}

/* Wait (bounded) for the worker to say a job ended. */
static int worker_answered(struct po_worker *w)
{
	struct pollfd p = { .fd = po_worker_fd(w), .events = POLLIN };
	for (int i = 0; i < 60; i++)
		if (poll(&p, 1, 1000) == 1 && po_worker_collect(w) > 0)
			return 1;
	return 0;
}

static void test_verdict_from_the_worker_is_read_back_at_the_next_round(void)
{
	struct po_state *st = open_state("worker.db");
	struct po_media_cat *mc = new_cat(st);
	struct playout_assets cat = {0};
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(make("quiet.mp3", "0", 3), 0);
	list_cached(&cat, "quiet.mp3");
	struct po_worker *w = NULL;
	struct po_worker_conf wc = { .cache_dir = cache_dir(), .state = st, .probe = opts,
				     .downloads = 1 };
	PO_EXPECT_INT_FATAL(po_worker_start(&wc, &w, &err), PLAYOUT_OK);

	/* With a worker the round does not decode: indexed, not yet judged. */
	PO_EXPECT_INT(po_media_feed(mc, &cat, PO_MEDIA_PROBE | PO_MEDIA_STORE, w, NULL), 1);
	struct playout_asset *a = find(&cat, "quiet.mp3");
	PO_EXPECT_INT(a->flags, 0);
	CU_ASSERT(a->duration_ms > 0);
	CU_ASSERT_FATAL(worker_answered(w));
	PO_EXPECT_INT(po_media_feed(mc, &cat, PO_MEDIA_PROBE | PO_MEDIA_STORE, w, NULL), 1);
	PO_EXPECT_INT(a->flags, PLAYOUT_ASSET_SILENT);

	po_worker_stop(w);
	free(cat.v);
	po_media_free(mc);
	po_state_close(st);
}

static void test_a_changed_file_is_indexed_again(void)
{
	struct po_state *st = open_state("change.db");
	struct po_media_cat *mc = new_cat(st);
	struct playout_assets cat = {0};
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(make_tone("change.mp3", 2), 0);
	list_cached(&cat, "change.mp3");
	PO_EXPECT_INT(po_media_feed(mc, &cat, PO_MEDIA_STORE, NULL, NULL), 1);
	int64_t before = find(&cat, "change.mp3")->duration_ms;
	struct po_mp3_index *old = po_media_index(mc, "change.mp3", &err);
	CU_ASSERT_FATAL(old != NULL);

	/* A new, longer copy arrives under the same name. */
	PO_EXPECT_INT_FATAL(make_tone("change.mp3", 5), 0);
	touch_later(cached("change.mp3"));
	struct po_mp3_index *now = po_media_index(mc, "change.mp3", &err);
	CU_ASSERT_FATAL(now != NULL);
	CU_ASSERT_PTR_NOT_EQUAL(now, old);
	CU_ASSERT(now->nframes > old->nframes);
	CU_ASSERT(old->duration_ms >= 2000 && old->duration_ms < 2100); /* the holder's copy */

	free(cat.v);
	cat = (struct playout_assets){0};
	list_cached(&cat, "change.mp3");
	PO_EXPECT_INT(po_media_feed(mc, &cat, PO_MEDIA_STORE, NULL, NULL), 1);
	int64_t after = find(&cat, "change.mp3")->duration_ms;
	CU_ASSERT(before < 2100 && after >= 5000 && after < 5100);
	PO_EXPECT_INT(po_media_count(mc, NULL), 1);

	po_mp3_index_unref(now);
	po_mp3_index_unref(old);
	free(cat.v);
	po_media_free(mc);
	po_state_close(st);
}

static void test_prune_forgets_files_gone_while_holders_keep_their_index(void)
{
	struct po_state *st = open_state("prune.db");
	struct po_media_cat *mc = new_cat(st);
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(make_tone("stay.mp3", 1), 0);
	PO_EXPECT_INT_FATAL(make_tone("go.mp3", 2), 0);
	struct po_mp3_index *stay = po_media_index(mc, "stay.mp3", &err);
	struct po_mp3_index *go = po_media_index(mc, "go.mp3", &err);
	CU_ASSERT_FATAL(stay && go);
	PO_EXPECT_INT(po_media_count(mc, NULL), 2);

	PO_EXPECT_INT(po_media_prune(mc), 0);
	PO_EXPECT_INT_FATAL(unlink(cached("go.mp3")), 0);
	PO_EXPECT_INT(po_media_prune(mc), 1);
	PO_EXPECT_INT(po_media_count(mc, NULL), 1);
	/* a player still airing go.mp3 holds its index */
	PO_EXPECT_INT(__atomic_load_n(&go->refs, __ATOMIC_RELAXED), 1);
	CU_ASSERT(go->nframes > 0);
	/* its stored index went with it; stay.mp3's is kept */
	void *blob = NULL;
	size_t len = 0;
	PO_EXPECT_INT(po_state_media_index_get(st, cached("go.mp3"), go->file_size,
						 go->file_mtime_ms, &blob, &len), PLAYOUT_ENOTFOUND);
	PO_EXPECT_INT(po_state_media_index_get(st, cached("stay.mp3"), stay->file_size,
						 stay->file_mtime_ms, &blob, &len), PLAYOUT_OK);
	free(blob);
	CU_ASSERT_PTR_EQUAL(po_media_index(mc, "stay.mp3", &err), stay);
	po_mp3_index_unref(stay);

	CU_ASSERT_PTR_NULL(po_media_index(mc, "go.mp3", &err));
	PO_EXPECT_INT(err.code, PLAYOUT_ENOTFOUND);
	po_mp3_index_unref(go);
	po_mp3_index_unref(stay);
	po_media_free(mc);
	po_state_close(st);
}

static void test_without_a_cache_folder_nothing_is_fed(void)
{
	char dir[600];
	snprintf(dir, sizeof dir, "%s/no-such-cache", po_test_tmpdir());
	struct po_media_conf c = { .cache_dir = dir, .state = NULL, .probe = opts };
	struct po_media_cat *mc = NULL;
	struct playout_error err = {0};
	PO_EXPECT_INT_FATAL(po_media_new(&c, &mc, &err), PLAYOUT_OK);
	struct playout_assets cat = {0};
	list_cached(&cat, "x.mp3");
	PO_EXPECT_INT(po_media_feed(mc, &cat, 0, NULL, NULL), 0);
	free(cat.v);
	po_media_free(mc);
	po_media_free(NULL);
}

static const struct po_test tests[] = {
	{ "test_index_is_loaded_once_and_shared_by_reference",
	  test_index_is_loaded_once_and_shared_by_reference },
	{ "test_feed_fills_cached_files_and_the_next_round_hits_memory",
	  test_feed_fills_cached_files_and_the_next_round_hits_memory },
	{ "test_probe_verdict_is_kept_and_keeps_the_file_off_air",
	  test_probe_verdict_is_kept_and_keeps_the_file_off_air },
	{ "test_verdict_from_the_worker_is_read_back_at_the_next_round",
	  test_verdict_from_the_worker_is_read_back_at_the_next_round },
	{ "test_a_changed_file_is_indexed_again", test_a_changed_file_is_indexed_again },
	{ "test_prune_forgets_files_gone_while_holders_keep_their_index",
	  test_prune_forgets_files_gone_while_holders_keep_their_index },
	{ "test_without_a_cache_folder_nothing_is_fed", test_without_a_cache_folder_nothing_is_fed },
	{ NULL, NULL },
};

static const struct po_suite suites[] = {
	{ "media", tests, NULL, NULL },
	{ NULL, NULL, NULL, NULL },
};

int main(void)
{
	return po_test_run("test_media", suites);
}
