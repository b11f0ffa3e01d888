/*
 * Tests for core/playrec.c: the players' reports as the history records
 * them, on a real state database: a kill -9 and a restart leave one play
 * with its interruption, bytes as of the last progress and the original
 * start error; an output outage is an outage of the play; a join with
 * nothing to continue is a play of its own, outside the start-error figures.
 */
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "playrec.h"
#include "state.h"

#define T0 1774746000000LL /* 2026-03-29 01:00:00 UTC, ms */

static struct po_state *open_db(const char *name)
{
	char path[512];
	struct po_state *st = NULL;
	struct playout_error err = {0, ""};
	snprintf(path, sizeof path, "%s/%s.db", po_test_tmpdir(), name);
	PO_EXPECT_INT_FATAL(po_state_open(path, PO_STATE_WRITER, &st, &err), PLAYOUT_OK);
	return st;
}

static struct po_playq_msg msg(int type, int64_t scheduled)
{
	struct po_playq_msg m;
	memset(&m, 0, sizeof m);
	m.type = type;
	snprintf(m.play.output, sizeof m.play.output, "icecast:main");
	snprintf(m.play.pid, sizeof m.play.pid, "news");
	snprintf(m.play.title, sizeof m.play.title, "News");
	snprintf(m.play.asset, sizeof m.play.asset, "news.mp3");
	snprintf(m.play.outcome, sizeof m.play.outcome, "playing");
	m.play.scheduled_ms = scheduled;
	return m;
}

static struct po_play only_play(struct po_state *st)
{
	struct po_play *v = NULL, one;
	size_t n = 0;
	memset(&one, 0, sizeof one);
	PO_EXPECT_INT(po_state_get_plays(st, 0, INT64_MAX, &v, &n), PLAYOUT_OK);
	PO_EXPECT_INT(n, 1);
	if (n)
		one = v[0];
	free(v);
	return one;
}

static void test_kill9_and_restart_continue_one_play_with_its_interruption(void)
{
	struct po_state *st = open_db("kill9");
	struct po_playrec r1 = {0};
	/* run 1: the item starts 0.8 ms late, reports progress, then dies */
	struct po_playq_msg m = msg(PO_PLAYQ_BEGIN, T0);
	m.play.started_us = T0 * 1000 + 800;
	m.play.start_error_us = 800;
	po_playrec_apply(st, &r1, &m);
	CU_ASSERT(r1.id > 0);
	m = msg(PO_PLAYQ_PROGRESS, T0);
	m.play.bytes = 490000;
	m.play.sent_ms = T0 + 30600;
	po_playrec_apply(st, &r1, &m);
	struct po_play p = only_play(st);
	PO_EXPECT_INT(p.bytes, 490000);

	/* the restart closes what the crash left open, at its last progress */
	PO_EXPECT_INT(po_state_close_open_plays(st, T0 + 33000), PLAYOUT_OK);
	p = only_play(st);
	PO_EXPECT_STR(p.outcome, "interrupted");
	PO_EXPECT_INT(p.ended_ms, T0 + 30600);
	PO_EXPECT_INT(p.bytes, 490000);

	/* run 2: the player joins at +33.157 s, 1.2 ms late */
	struct po_playrec r2 = {0};
	m = msg(PO_PLAYQ_BEGIN, T0);
	m.play.started_us = (T0 + 33158) * 1000 + 200;
	m.play.join_ms = 33157;
	m.play.join_delay_us = 1200;
	snprintf(m.play.detail, sizeof m.play.detail, "joined at +00:33");
	po_playrec_apply(st, &r2, &m);
	PO_EXPECT_INT(r2.id, p.id);
	p = only_play(st);
	PO_EXPECT_STR(p.outcome, "playing");
	PO_EXPECT_INT(p.ended_ms, 0);
	PO_EXPECT_INT(p.lost_ms, 33157 - 30600);
	m = msg(PO_PLAYQ_PROGRESS, T0);
	m.play.bytes = 16000;
	m.play.sent_ms = T0 + 34200;
	po_playrec_apply(st, &r2, &m);
	PO_EXPECT_INT(only_play(st).bytes, 506000);

	m = msg(PO_PLAYQ_END, T0);
	m.play.started_us = (T0 + 33158) * 1000 + 200;
	m.play.join_ms = 33157;
	m.play.join_delay_us = 1200;
	m.play.bytes = 430000;
	m.play.ended_ms = T0 + 60000;
	m.play.sent_ms = T0 + 60000;
	snprintf(m.play.outcome, sizeof m.play.outcome, "partial");
	snprintf(m.play.detail, sizeof m.play.detail, "joined at +00:33");
	po_playrec_apply(st, &r2, &m);
	PO_EXPECT_INT(r2.id, 0);

	p = only_play(st);
	PO_EXPECT_STR(p.outcome, "partial");
	PO_EXPECT_INT(p.bytes, 920000);
	PO_EXPECT_INT(p.started_us, T0 * 1000 + 800); /* the item's start, kept */
	PO_EXPECT_INT(p.start_error_us, 800);
	PO_EXPECT_INT(p.join_ms, 0);
	PO_EXPECT_INT(p.lost_ms, 2557);
	PO_EXPECT_INT(p.ended_ms, T0 + 60000);
	PO_EXPECT_INT(p.ngaps, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(p.detail, "resumed after a restart"));
	struct po_play_gap *g = NULL;
	size_t n = 0;
	PO_EXPECT_INT(po_state_get_play_gaps(st, p.id, &g, &n), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(n, 1);
	PO_EXPECT_INT(g[0].at_ms, T0 + 30600);
	PO_EXPECT_INT(g[0].length_ms, 33158 - 30600);
	PO_EXPECT_INT(g[0].skipped_ms, 2557);
	PO_EXPECT_INT(g[0].resume_delay_us, 1200);
	CU_ASSERT_PTR_NOT_NULL(strstr(g[0].reason, "restart"));
	free(g);
	po_state_close(st);
}

static void test_icecast_restart_mid_item_is_a_partial_play_with_its_outage(void)
{
	struct po_state *st = open_db("outage");
	struct po_playrec r = {0};
	struct po_playq_msg m = msg(PO_PLAYQ_BEGIN, T0);
	m.play.started_us = T0 * 1000 + 500;
	m.play.start_error_us = 500;
	po_playrec_apply(st, &r, &m);
	m = msg(PO_PLAYQ_GAP, T0);
	m.gap.at_ms = T0 + 20000;
	m.gap.length_ms = 5000;
	m.gap.skipped_ms = 4700;
	m.gap.resume_delay_us = -20000;
	snprintf(m.gap.reason, sizeof m.gap.reason, "shout: socket error");
	po_playrec_apply(st, &r, &m);
	PO_EXPECT_INT(only_play(st).lost_ms, 4700); /* before any END */
	m = msg(PO_PLAYQ_END, T0);
	m.play.started_us = T0 * 1000 + 500;
	m.play.start_error_us = 500;
	m.play.lost_ms = 4700;
	m.play.bytes = 880000;
	m.play.ended_ms = T0 + 60000;
	snprintf(m.play.outcome, sizeof m.play.outcome, "partial");
	snprintf(m.play.detail, sizeof m.play.detail, "1 reconnect; 4.7 s lost");
	po_playrec_apply(st, &r, &m);
	struct po_play p = only_play(st);
	PO_EXPECT_STR(p.outcome, "partial");
	PO_EXPECT_INT(p.lost_ms, 4700);
	PO_EXPECT_INT(p.start_error_us, 500);
	PO_EXPECT_INT(p.ngaps, 1);
	CU_ASSERT_PTR_NULL(strstr(p.detail, "restart"));
	po_state_close(st);
}

static void test_a_join_with_nothing_to_continue_is_a_play_of_its_own(void)
{
	struct po_state *st = open_db("fresh-join");
	struct po_playrec r = {0};
	/* a finished play of the same item must not be reopened */
	struct po_playq_msg m = msg(PO_PLAYQ_BEGIN, T0);
	snprintf(m.play.output, sizeof m.play.output, "icecast:backup");
	po_playrec_apply(st, &r, &m);
	m.type = PO_PLAYQ_END;
	snprintf(m.play.outcome, sizeof m.play.outcome, "complete");
	m.play.ended_ms = T0 + 60000;
	po_playrec_apply(st, &r, &m);

	m = msg(PO_PLAYQ_BEGIN, T0);
	m.play.started_us = (T0 + 5000) * 1000;
	m.play.join_ms = 5000;
	m.play.join_delay_us = 300;
	po_playrec_apply(st, &r, &m);
	struct po_play *v = NULL;
	size_t n = 0;
	PO_EXPECT_INT(po_state_get_plays(st, 0, INT64_MAX, &v, &n), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(n, 2);
	PO_EXPECT_STR(v[0].outcome, "complete");
	PO_EXPECT_STR(v[1].output, "icecast:main");
	PO_EXPECT_INT(v[1].join_ms, 5000);
	PO_EXPECT_INT(v[1].join_delay_us, 300);
	PO_EXPECT_INT(v[1].ngaps, 0);
	PO_EXPECT_INT(r.cont, 0);
	free(v);
	po_state_close(st);
}

static struct po_output_status status_of(struct po_state *st, const char *output);

/* An output down when its item began: the row opens then (a crash leaves
 * it), the status stays down; the first audio, when the output is back,
 * completes that row's start, not a second row. */
static void test_a_row_opened_down_is_completed_by_the_first_audio(void)
{
	struct po_state *st = open_db("down-first");
	struct po_playrec r;
	po_playrec_init(st, &r, "icecast:main", T0 - 5000);
	struct po_playq_msg m = msg(PO_PLAYQ_STATUS, T0);
	snprintf(m.status.state, sizeof m.status.state, "down");
	snprintf(m.status.last_error, sizeof m.status.last_error, "connect: refused");
	m.status.since_ms = m.status.error_ms = T0;
	po_playrec_apply(st, &r, &m);
	m = msg(PO_PLAYQ_BEGIN, T0);
	po_playrec_apply(st, &r, &m);
	struct po_play p = only_play(st);
	PO_EXPECT_STR(p.outcome, "playing");
	PO_EXPECT_INT(p.started_us, 0);
	PO_EXPECT_STR(status_of(st, "icecast:main").state, "down");

	m = msg(PO_PLAYQ_BEGIN, T0);
	m.play.started_us = (T0 + 1200) * 1000;
	m.play.join_ms = 1180;
	m.play.join_delay_us = 20000;
	po_playrec_apply(st, &r, &m);
	p = only_play(st);
	PO_EXPECT_INT(p.started_us, (T0 + 1200) * 1000);
	PO_EXPECT_INT(p.join_ms, 1180);
	PO_EXPECT_INT(p.join_delay_us, 20000);
	PO_EXPECT_STR(status_of(st, "icecast:main").state, "on air");

	/* down again to the end: partial, and the status stays down */
	m = msg(PO_PLAYQ_STATUS, T0);
	snprintf(m.status.state, sizeof m.status.state, "down");
	m.status.since_ms = T0 + 9000;
	po_playrec_apply(st, &r, &m);
	m = msg(PO_PLAYQ_END, T0);
	m.play.started_us = (T0 + 1200) * 1000;
	m.play.join_ms = 1180;
	m.play.ended_ms = T0 + 60000;
	snprintf(m.play.outcome, sizeof m.play.outcome, "partial");
	po_playrec_apply(st, &r, &m);
	p = only_play(st);
	PO_EXPECT_STR(p.outcome, "partial");
	PO_EXPECT_STR(status_of(st, "icecast:main").state, "down");
	po_state_close(st);
}

static struct po_output_status status_of(struct po_state *st, const char *output)
{
	struct po_output_status *v = NULL, one;
	size_t n = 0;
	memset(&one, 0, sizeof one);
	PO_EXPECT_INT(po_state_get_output_status(st, &v, &n), PLAYOUT_OK);
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].output, output) == 0)
			one = v[i];
	free(v);
	return one;
}

/* The status row follows the reports: idle at start, on air from the first
 * byte, down from an outage's start (its error kept after it), on air again
 * when the output is back, idle after the END; "since" moves only when the
 * state changes. */
static void test_status_row_follows_the_reports(void)
{
	struct po_state *st = open_db("status");
	struct po_playrec r;
	po_playrec_init(st, &r, "icecast:main", T0 - 5000);
	struct po_output_status o = status_of(st, "icecast:main");
	PO_EXPECT_STR(o.state, "idle");
	PO_EXPECT_INT(o.since_ms, T0 - 5000);

	struct po_playq_msg m = msg(PO_PLAYQ_BEGIN, T0);
	m.play.started_us = T0 * 1000 + 400;
	m.status.position_ms = 300;
	m.status.end_ms = T0 + 60000;
	m.status.lead_ms = 299;
	m.status.updated_ms = T0;
	po_playrec_apply(st, &r, &m);
	o = status_of(st, "icecast:main");
	PO_EXPECT_STR(o.state, "on air");
	PO_EXPECT_INT(o.since_ms, T0);
	PO_EXPECT_STR(o.pid, "news");
	PO_EXPECT_INT(o.end_ms, T0 + 60000);
	PO_EXPECT_INT(o.lead_ms, 299);

	m = msg(PO_PLAYQ_PROGRESS, T0);
	m.play.sent_ms = T0 + 1000;
	m.status.position_ms = 1300;
	m.status.end_ms = T0 + 60000;
	m.status.updated_ms = T0 + 1000;
	po_playrec_apply(st, &r, &m);
	o = status_of(st, "icecast:main");
	PO_EXPECT_INT(o.since_ms, T0); /* same state: since stays */
	PO_EXPECT_INT(o.position_ms, 1300);

	m = msg(PO_PLAYQ_STATUS, T0);
	snprintf(m.status.state, sizeof m.status.state, "down");
	snprintf(m.status.last_error, sizeof m.status.last_error, "write: broken pipe");
	m.status.since_ms = m.status.error_ms = T0 + 20000;
	m.status.end_ms = T0 + 60000;
	m.status.position_ms = 20300;
	po_playrec_apply(st, &r, &m);
	o = status_of(st, "icecast:main");
	PO_EXPECT_STR(o.state, "down");
	PO_EXPECT_INT(o.since_ms, T0 + 20000);
	PO_EXPECT_STR(o.last_error, "write: broken pipe");

	m = msg(PO_PLAYQ_GAP, T0);
	m.gap.at_ms = T0 + 20000;
	m.gap.length_ms = 5000;
	m.gap.skipped_ms = 4700;
	m.gap.resume_delay_us = 1000;
	po_playrec_apply(st, &r, &m);
	o = status_of(st, "icecast:main");
	PO_EXPECT_STR(o.state, "on air");
	PO_EXPECT_INT(o.since_ms, T0 + 25000);
	PO_EXPECT_STR(o.last_error, "write: broken pipe"); /* kept */

	m = msg(PO_PLAYQ_END, T0);
	m.play.ended_ms = T0 + 60000;
	snprintf(m.play.outcome, sizeof m.play.outcome, "partial");
	po_playrec_apply(st, &r, &m);
	o = status_of(st, "icecast:main");
	PO_EXPECT_STR(o.state, "idle");
	PO_EXPECT_INT(o.since_ms, T0 + 60000);
	PO_EXPECT_STR(o.pid, "");

	PO_EXPECT_INT(po_state_clear_output_status(st), PLAYOUT_OK);
	struct po_output_status *v = NULL;
	size_t n = 9;
	PO_EXPECT_INT(po_state_get_output_status(st, &v, &n), PLAYOUT_OK);
	PO_EXPECT_INT(n, 0);
	free(v);
	po_state_close(st);
}

/* Progress waits in memory up to PO_PLAYREC_HOLD_MS (the newest replaces
 * the held one) and is written when due; any other report writes it first. */
static void test_progress_is_held_then_written_when_due_or_before_a_report(void)
{
	struct po_state *st = open_db("held");
	struct po_playrec r;
	po_playrec_init(st, &r, "icecast:main", T0 - 5000);
	struct po_playq_msg m = msg(PO_PLAYQ_BEGIN, T0);
	m.play.started_us = T0 * 1000;
	po_playrec_post(st, &r, &m, 100);
	m = msg(PO_PLAYQ_PROGRESS, T0);
	m.play.bytes = 16000;
	m.play.sent_ms = T0 + 1000;
	po_playrec_post(st, &r, &m, 1000);
	PO_EXPECT_INT(only_play(st).bytes, 0); /* held */
	PO_EXPECT_INT(po_playrec_flush(st, &r, 1500, 0), 2000);
	m.play.bytes = 32000;
	m.play.sent_ms = T0 + 2000;
	po_playrec_post(st, &r, &m, 1999);
	PO_EXPECT_INT(only_play(st).bytes, 0);
	PO_EXPECT_INT(po_playrec_flush(st, &r, 2000, 0), INT64_MAX);
	struct po_play p = only_play(st);
	PO_EXPECT_INT(p.bytes, 32000); /* the newest */
	PO_EXPECT_INT(p.sent_ms, T0 + 2000);

	m.play.bytes = 48000;
	m.play.sent_ms = T0 + 3000;
	po_playrec_post(st, &r, &m, 3000);
	m = msg(PO_PLAYQ_STATUS, T0);
	snprintf(m.status.state, sizeof m.status.state, "down");
	m.status.since_ms = T0 + 3100;
	po_playrec_post(st, &r, &m, 3100);
	PO_EXPECT_INT(only_play(st).bytes, 48000); /* written before the STATUS */
	PO_EXPECT_INT(po_playrec_flush(st, &r, 3100, 0), INT64_MAX);
	po_state_close(st);
}

/* A batch is one transaction: another handle sees nothing of it until its
 * end, then all of it; a call that fails inside leaves nothing of itself
 * and the others still commit. */
static void test_a_batch_is_one_commit_and_a_failed_call_in_it_only_undoes_itself(void)
{
	char path[512];
	struct po_state *st = open_db("batch"), *ro = NULL;
	struct playout_error err = {0, ""};
	snprintf(path, sizeof path, "%s/batch.db", po_test_tmpdir());
	PO_EXPECT_INT_FATAL(po_state_open(path, PO_STATE_READONLY, &ro, &err), PLAYOUT_OK);
	struct po_play a = msg(PO_PLAYQ_BEGIN, T0).play, *v = NULL;
	size_t n = 9;
	int committed = -1;
	po_state_batch_begin(st);
	PO_EXPECT_INT(po_state_play_begin(st, &a), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_play_progress(st, a.id, 1234, T0 + 1000), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_play_progress(st, a.id + 99, 1, 1), PLAYOUT_ENOTFOUND);
	struct po_play b = msg(PO_PLAYQ_BEGIN, T0 + 60000).play;
	PO_EXPECT_INT(po_state_play_begin(st, &b), PLAYOUT_OK);
	PO_EXPECT_INT(po_state_get_plays(ro, 0, INT64_MAX, &v, &n), PLAYOUT_OK);
	PO_EXPECT_INT(n, 0); /* not yet */
	free(v);
	PO_EXPECT_INT(po_state_batch_end(st, &committed), PLAYOUT_OK);
	PO_EXPECT_INT(committed, 1);
	PO_EXPECT_INT(po_state_get_plays(ro, 0, INT64_MAX, &v, &n), PLAYOUT_OK);
	PO_EXPECT_INT_FATAL(n, 2);
	PO_EXPECT_INT(v[0].bytes, 1234);
	free(v);
	/* an empty batch begins nothing and commits nothing */
	po_state_batch_begin(st);
	PO_EXPECT_INT(po_state_batch_end(st, &committed), PLAYOUT_OK);
	PO_EXPECT_INT(committed, 0);
	po_state_close(ro);
	po_state_close(st);
}

static const struct po_test tests[] = {
	{"status_row_follows_the_reports", test_status_row_follows_the_reports},
	{"kill9_and_restart_continue_one_play_with_its_interruption",
	 test_kill9_and_restart_continue_one_play_with_its_interruption},
	{"icecast_restart_mid_item_is_a_partial_play_with_its_outage",
	 test_icecast_restart_mid_item_is_a_partial_play_with_its_outage},
	{"a_join_with_nothing_to_continue_is_a_play_of_its_own",
	 test_a_join_with_nothing_to_continue_is_a_play_of_its_own},
	{"a_row_opened_down_is_completed_by_the_first_audio",
	 test_a_row_opened_down_is_completed_by_the_first_audio},
	{"progress_is_held_then_written_when_due_or_before_a_report",
	 test_progress_is_held_then_written_when_due_or_before_a_report},
	{"a_batch_is_one_commit_and_a_failed_call_in_it_only_undoes_itself",
	 test_a_batch_is_one_commit_and_a_failed_call_in_it_only_undoes_itself},
	{NULL, NULL},
};

static const struct po_suite suites[] = {
	{"playrec", tests, NULL, NULL},
	{NULL, NULL, NULL, NULL},
};

int main(void)
{
	return po_test_run("test_playrec", suites);
}
