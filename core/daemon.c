/*
 * The control thread of playoutd (daemon.h). It owns the runtime and the
 * state store; players own their outputs and report through the play queue.
 */
#include "daemon.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "alerting.h"
#include "ec2_duty.h"
#include "gather.h"
#include "http.h"
#include "httpd.h"
#include "inputs.h"
#include "log.h"
#include "notify.h"
#include "outfmt.h"
#include "player.h"
#include "playrec.h"
#include "refresh.h"
#include "runtime.h"
#include "service.h"
#include "snapshot.h"
#include "timeutil.h"
#include "worker.h"

/* List the storage again this long after the last change seen in it. */
#define STORAGE_QUIET_S 2
/* At SIGTERM the "stopped" alarm may take this long to go out; a dead
 * mail server costs no more than this of the 2 s stop (doc/design.md §3). */
#define NOTIFY_STOP_GRACE_MS 700
/* A held PROGRESS due within this much goes out with the report that woke
 * the control thread rather than at a wake of its own a moment later: a
 * player reports every second, so the next report comes about when the
 * held one falls due, and without this each second costs two wake-ups.
 * Less than the hold (PO_PLAYREC_HOLD_MS), so reports still share a commit;
 * it only ever writes sooner. */
#define FLUSH_EARLY_MS 250

struct po_daemon {
	struct po_runtime rt;
	struct po_inputs *inputs;          /* schedule, storage, chores threads */
	struct po_ec2_duty *ec2;           /* the Auto Scaling thread, or NULL */
	struct po_plan_inputs pin;         /* what the next plan is made from */
	uint64_t listing_gen;              /* the listing pin.cat was copied from */
	struct po_snapbox box;
	struct po_playq q;
	struct po_worker *worker;          /* downloads and probes */
	struct po_notify *notify;          /* alarm deliveries, one thread each */
	int files_judged;                  /* a plan's alarms saw the storage's answer */
	struct po_player **players;        /* one per output, nplayers started */
	struct po_playrec *rec;            /* the open play of each output */
	size_t nplayers;
	uint64_t last_plan_sig;            /* to log only rundowns that changed */
	int64_t unaired_upto_ms;           /* items starting up to here were judged */
	int q_up;                          /* q initialised */
	int64_t watchdog_ns;               /* WatchdogSec= of systemd; 0: none */
	size_t wedged;                     /* players held up at the last check + 1 */
	struct po_httpd *httpd;            /* the status server, when configured */
};

/* A cheap fingerprint of what will air, so an unchanged re-plan stays quiet. */
static uint64_t rundown_sig(const struct po_rundown *r)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < r->n; i++) {
		const struct playout_item *it = &r->v[i];
		const int64_t f[3] = {it->start_ms, it->end_ms, it->decision};
		for (size_t k = 0; k < 3; k++)
			h = (h ^ (uint64_t)f[k]) * 1099511628211ull;
		for (size_t s = 0; s < it->nseg; s++)
			for (const char *p = it->seg[s].asset; *p; p++)
				h = (h ^ (unsigned char)*p) * 1099511628211ull;
	}
	return h;
}

static void log_rundown(const struct po_rundown *r, int64_t now)
{
	size_t upcoming = 0, missing = 0;
	const struct playout_item *next = NULL;
	for (size_t i = 0; i < r->n; i++) {
		const struct playout_item *it = &r->v[i];
		if (it->end_ms <= now)
			continue;
		upcoming++;
		missing += it->decision == PLAYOUT_DECISION_MISSING;
		if (!next && it->nseg > 0)
			next = it;
	}
	char at[40] = "";
	if (next)
		po_iso8601_local(next->start_ms, at, sizeof at);
	po_log_notice("planner", "rundown: %zu items ahead, %zu missing%s%s%s%s", upcoming, missing,
		      next ? "; next: " : "", next ? next->pid : "", next ? " at " : "", at);
}

/* An item whose files never reached the cache in its time never reaches
 * the players: once its time is over, record it as failed on every output,
 * so the history says why it did not air. */
static void record_unaired(struct po_daemon *d, const struct po_rundown *r,
			   const struct po_snapshot *snap, int64_t now)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct playout_item *it = &r->v[i];
		int aired = 0;
		if (it->nseg == 0 || it->start_ms <= d->unaired_upto_ms)
			continue;
		if (it->end_ms > now)
			break; /* sorted: the rest is not over yet */
		for (size_t k = 0; snap && k < snap->n && !aired; k++)
			aired = snap->v[k].item.start_ms == it->start_ms;
		d->unaired_upto_ms = it->start_ms;
		if (aired)
			continue;
		int pending = po_worker_fetching(d->worker, it->seg[0].asset);
		struct po_instance *pi;
		for (size_t k = 0; (pi = po_runtime_nth(&d->rt, PLAYOUT_KIND_OUTPUT, k)); k++) {
			struct po_play p;
			memset(&p, 0, sizeof p);
			snprintf(p.output, sizeof p.output, "%s", pi->conf->label);
			snprintf(p.pid, sizeof p.pid, "%s", it->pid);
			snprintf(p.title, sizeof p.title, "%s", it->title);
			snprintf(p.asset, sizeof p.asset, "%s", it->seg[0].asset);
			p.decision = it->decision;
			p.scheduled_ms = it->start_ms;
			p.ended_ms = now;
			snprintf(p.outcome, sizeof p.outcome, "failed");
			snprintf(p.detail, sizeof p.detail, "not in the cache in its time: %s",
				 pending ? "its download had not finished" : "the storage could not provide it");
			if (po_state_play_begin(d->rt.state, &p) == PLAYOUT_OK)
				po_state_play_end(d->rt.state, &p);
			po_log_warnx(p.output, "not on air: %s (%s): %s", it->pid, p.asset, p.detail);
		}
	}
}

static void plan_and_publish(struct po_daemon *d)
{
	struct po_runtime *rt = &d->rt;
	int64_t now = po_clock_now_ms(&rt->clock);
	struct po_refresh_opts o = {
		.from_ms = now - (int64_t)rt->conf.lookback_h * 3600000,
		.to_ms = now + (int64_t)rt->conf.horizon_h * 3600000,
		.write_state = 1,
		.fetch = 1,
		.worker = d->worker,
	};
	struct po_rundown r;
	struct playout_error e = {0};
	int files_known = 0, failing;
	int64_t since;
	char why[8];
	po_inputs_health(d->inputs, NULL, 0, &files_known, &failing, &since, why, sizeof why);
	po_gather_inputs(rt, d->inputs, o.from_ms, o.to_ms, &d->listing_gen, &d->pin);
	if (po_refresh(rt, &o, &d->pin, &r, &e) < 0) {
		po_log_errorx("planner", "planning failed: %s", e.msg);
		return;
	}
	po_ec2_duty_plan(d->ec2, &r, now, o.to_ms);
	struct po_snapshot *snap = po_snapshot_build(rt->media, rt->conf.cache_dir, &r, now,
						     d->worker);
	record_unaired(d, &r, snap, now);
	struct po_alerting_outputs outs = {.rec = d->rec, .n = d->nplayers};
	po_alerting_round(rt, d->notify, &r, &d->pin, d->inputs, files_known, &outs, now);
	if (files_known && !d->files_judged) {
		/* from this round on a slot without a file is an alarm */
		po_log_info("alarm", "the storage has answered: files are judged from now on");
		d->files_judged = 1;
	}
	if (snap)
		po_snapbox_publish(&d->box, snap);
	uint64_t sig = rundown_sig(&r);
	if (sig != d->last_plan_sig)
		log_rundown(&r, now);
	d->last_plan_sig = sig;
	po_rundown_free(&r);
}

static size_t output_slot(struct po_daemon *d, const char *label)
{
	for (size_t i = 0; i < d->nplayers; i++) {
		struct po_instance *pi = po_runtime_nth(&d->rt, PLAYOUT_KIND_OUTPUT, i);
		if (pi && strcmp(pi->conf->label, label) == 0)
			return i;
	}
	return 0;
}

/* Drain the play queue into the state, in one transaction. Progress is
 * held up to PO_PLAYREC_HOLD_MS and written with the next report or when
 * due, so a programme on air costs a commit every second or two, not one
 * per report (force: write everything held, at the stop). Returns when the
 * next held progress falls due (monotonic ms; INT64_MAX: none). */
static int64_t record_plays(struct po_daemon *d, int force)
{
	struct po_playq_msg m;
	int64_t now = po_clock_mono_ns(&d->rt.clock) / 1000000, due = INT64_MAX;
	unsigned dropped = __atomic_exchange_n(&d->q.dropped, 0, __ATOMIC_RELAXED);
	if (dropped)
		po_log_errorx("player", "%u play reports were lost (queue full)", dropped);
	po_state_batch_begin(d->rt.state);
	while (po_playq_take(&d->q, &m)) {
		size_t k = output_slot(d, m.play.output);
		struct po_play *p = &m.play;
		po_playrec_post(d->rt.state, &d->rec[k], &m, now);
		if (m.type == PO_PLAYQ_BEGIN) {
			po_alerting_play(&d->rt, d->notify, p, po_clock_now_ms(&d->rt.clock));
			if (!p->started_us && strcmp(p->outcome, "playing") == 0)
				; /* a row opened with the output down: its outage says it */
			else if (p->join_ms)
				po_log_notice(p->output, "on air: %s \"%s\" (%s), joined at %+.3f s, "
					      "%+.1f ms late", p->pid, p->title, p->asset,
					      p->join_ms / 1000.0, p->join_delay_us / 1000.0);
			else
				po_log_notice(p->output, "on air: %s \"%s\" (%s), start error %+.1f ms",
					      p->pid, p->title, p->asset, p->start_error_us / 1000.0);
		} else if (m.type == PO_PLAYQ_GAP) {
			po_log_notice(p->output, "%s: output down %.1f s from %+.1f s, %.1f s of audio "
				      "lost: %s", p->pid, m.gap.length_ms / 1000.0,
				      (m.gap.at_ms - p->scheduled_ms) / 1000.0, m.gap.skipped_ms / 1000.0,
				      m.gap.reason);
		} else if (m.type == PO_PLAYQ_END) {
			po_log_notice(p->output, "off air: %s, %s, %lld bytes%s%s", p->pid, p->outcome,
				      (long long)p->bytes, p->detail[0] ? ": " : "", p->detail);
		}
	}
	for (size_t i = 0; i < d->nplayers; i++) {
		int64_t next = po_playrec_flush(d->rt.state, &d->rec[i], now + FLUSH_EARLY_MS, force);
		if (next < due)
			due = next;
	}
	po_state_batch_end(d->rt.state, NULL);
	return due;
}

/* Plays still "playing" at start-up: the last run ended without closing
 * them (a crash, a kill -9). Each is a "daemon" alarm: it is resumed now
 * if its item is still on. */
static void note_crash(struct po_daemon *d)
{
	struct po_play *v = NULL;
	size_t n = 0;
	int64_t now = po_clock_now_ms(&d->rt.clock);
	if (po_state_get_plays(d->rt.state, now - (int64_t)d->rt.conf.lookback_h * 3600000 - 1,
			       now + 1, &v, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].outcome, "playing") != 0)
			continue;
		po_alerting_daemon(&d->rt, d->notify, "restarted after a crash while", v[i].pid,
				   v[i].title, v[i].scheduled_ms, now);
	}
	free(v);
}

static int start_players(struct po_daemon *d)
{
	struct po_instance *pi;
	size_t n = 0;
	while (po_runtime_nth(&d->rt, PLAYOUT_KIND_OUTPUT, n))
		n++;
	d->players = calloc(n ? n : 1, sizeof *d->players);
	d->rec = calloc(n ? n : 1, sizeof *d->rec);
	if (!d->players || !d->rec) {
		po_log_errorx("core", "out of memory for %zu players", n);
		return -1;
	}
	for (size_t i = 0; (pi = po_runtime_nth(&d->rt, PLAYOUT_KIND_OUTPUT, i)); i++) {
		struct playout_error e = {0};
		struct po_outfmt fmt;
		po_outfmt_read(pi->conf->group, &fmt);
		struct po_player_conf pc = {
			.fmt = &fmt,
			.label = pi->conf->label,
			.ops = pi->mod.plugin->ops.output,
			.inst = pi->inst,
			.clock = &d->rt.clock,
			.box = &d->box,
			.q = &d->q,
			.send_ahead_ms = d->rt.conf.send_ahead_ms,
			/* a crowd of outputs connects earlier (player.c) */
			.connect_ahead_ms = d->rt.conf.connect_ahead_ms,
			.clock_step_limit_ms = d->rt.conf.clock_step_limit_ms,
			.keep_open_ms = 1000,
		};
		pc.loudness_on = fmt.loudness_on;
		pc.loudness_target = fmt.loudness_target;
		pc.true_peak_ceiling = fmt.true_peak_ceiling;
		po_playrec_init(d->rt.state, &d->rec[i], pi->conf->label,
				po_clock_now_ms(&d->rt.clock));
		if (po_player_start(&pc, &d->players[i], &e) < 0) {
			po_log_errorx(pi->conf->label, "cannot start the player: %s", e.msg);
			return -1;
		}
		d->nplayers = i + 1;
	}
	return 0;
}

static int start_worker(struct po_daemon *d)
{
	struct po_runtime *rt = &d->rt;
	struct playout_error e = {0};
	struct po_worker_conf wc = {
		.cache_dir = rt->conf.cache_dir,
		.state = rt->state,
		.probe = {.silence_threshold_db = rt->conf.probe_silence_threshold_db,
			  .silence_max_s = rt->conf.probe_silence_max_s},
		.downloads = 1,
	};
	if (rt->storage) {
		wc.ops = rt->storage->mod.plugin->ops.storage;
		wc.storage = rt->storage->inst;
		wc.storage_label = rt->storage->conf->label;
		config_setting_lookup_int(rt->storage->conf->group, "downloads", &wc.downloads);
	}
	if (po_worker_start(&wc, &d->worker, &e) < 0) {
		po_log_errorx("core", "%s", e.msg);
		return -1;
	}
	return 0;
}

static int open_fds(struct po_daemon *d, int *sfd, int *tfd, int *qfd)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	*sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	*tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	*qfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (*sfd < 0 || *tfd < 0 || *qfd < 0) {
		po_log_error("core", "signalfd/timerfd");
		return -1;
	}
	struct itimerspec its = {
		.it_interval = {.tv_sec = d->rt.conf.plan_interval_s},
		.it_value = {.tv_sec = d->rt.conf.plan_interval_s},
	};
	timerfd_settime(*tfd, 0, &its, NULL);
	return 0;
}

/* Ticks at a third of the watchdog interval (systemd asks for at least
 * half), so that one late tick does not cost a restart. */
static int watchdog_fd(struct po_daemon *d)
{
	int64_t every = d->watchdog_ns / 3;
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	struct itimerspec its = {
		.it_interval = {.tv_sec = every / 1000000000, .tv_nsec = every % 1000000000},
		.it_value = {.tv_nsec = 1},
	};

	if (fd < 0 || timerfd_settime(fd, 0, &its, NULL) < 0) {
		po_log_error("core", "watchdog timerfd");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	po_log_info("core", "systemd watchdog: a ping every %.1f s", every / 1e9);
	return fd;
}

/* Drain a storage watch descriptor and (re)arm the quiet timer: a copy in
 * progress raises many events, one listing after it is enough. */
static void storage_changed(int wfd, int qfd)
{
	char buf[4096];
	while (read(wfd, buf, sizeof buf) > 0)
		;
	struct itimerspec its = {.it_value = {.tv_sec = STORAGE_QUIET_S}};
	timerfd_settime(qfd, 0, &its, NULL);
}

/* systemd's STATUS= line: what is on air now and what is next, from the
 * snapshot the players read. */
static void tell_status(struct po_daemon *d)
{
	struct po_snapshot *snap = po_snapbox_get(&d->box, NULL);
	int64_t now = po_clock_now_ms(&d->rt.clock);
	const struct playout_item *on = NULL, *next = NULL;
	char line[512], at[40] = "";

	for (size_t i = 0; snap && i < snap->n && !next; i++) {
		const struct playout_item *it = &snap->v[i].item;
		if (it->start_ms <= now && now < it->end_ms)
			on = it;
		else if (it->start_ms > now)
			next = it;
	}
	if (next)
		po_iso8601_local(next->start_ms, at, sizeof at);
	snprintf(line, sizeof line, "%s%s%s%s; next: %s%s%s", on ? "on air: " : "idle",
		 on ? on->pid : "", on ? " " : "", on ? on->title : "",
		 next ? next->pid : "nothing planned", next ? " at " : "", at);
	po_service_status(line);
	po_snapshot_unref(snap);
}

/* The watchdog ping proves the control loop runs (it sends it) and that no
 * player thread is wedged: each shows life at least every 200 ms, or within
 * its output's timeouts while a write waits on a slow server; one silent
 * for half the watchdog interval withholds the ping, and systemd restarts
 * the daemon, which rejoins the item on air. */
static void watchdog_tick(struct po_daemon *d)
{
	int64_t now = po_clock_mono_ns(&d->rt.clock);
	size_t held = 0;

	for (size_t i = 0; i < d->nplayers && !held; i++)
		if (now - po_player_beat_ns(d->players[i]) > d->watchdog_ns / 2)
			held = i + 1;
	if (held && d->wedged != held) {
		struct po_instance *pi = po_runtime_nth(&d->rt, PLAYOUT_KIND_OUTPUT, held - 1);
		po_log_errorx(pi ? pi->conf->label : "player",
			      "the player thread has shown no life for %.1f s: the watchdog "
			      "ping is withheld so that systemd restarts playoutd",
			      (now - po_player_beat_ns(d->players[held - 1])) / 1e9);
	} else if (!held && d->wedged) {
		po_log_notice("core", "every player thread is alive again");
	}
	d->wedged = held;
	if (!held)
		po_service_ping();
}

/* Returns when SIGTERM or SIGINT arrives. */
/* Returns when SIGTERM or SIGINT arrives. Every wake-up is handled without
 * waiting on the network: inputs, downloads and probes answer through
 * descriptors, and each answer re-plans from what has arrived. */
static void control_loop(struct po_daemon *d, int sfd, int tfd, int qfd, int wdfd)
{
	const struct playout_storage_ops *sops =
		d->rt.storage ? d->rt.storage->mod.plugin->ops.storage : NULL;
	int wfd = sops && sops->watch_fd ? sops->watch_fd(d->rt.storage->inst) : -1;
	int64_t flush_due = INT64_MAX; /* held progress (record_plays) */
	for (;;) {
		struct pollfd pf[8] = {
			{.fd = sfd, .events = POLLIN},
			{.fd = tfd, .events = POLLIN},
			{.fd = d->q.efd, .events = POLLIN},
			{.fd = wfd, .events = POLLIN}, /* ignored by poll when -1 */
			{.fd = qfd, .events = POLLIN},
			{.fd = po_worker_fd(d->worker), .events = POLLIN},
			{.fd = po_inputs_fd(d->inputs), .events = POLLIN},
			{.fd = wdfd, .events = POLLIN}, /* -1 without a watchdog */
		};
		int timeout = po_inputs_overdue(d->inputs) ? 1000 : -1;
		if (flush_due != INT64_MAX) {
			int64_t left = flush_due - po_clock_mono_ns(&d->rt.clock) / 1000000;
			int ms = left < 0 ? 0 : left > 1000 ? 1000 : (int)left + 1;
			if (timeout < 0 || ms < timeout)
				timeout = ms;
		}
		if (poll(pf, 8, timeout) < 0) {
			if (errno == EINTR)
				continue;
			po_log_error("core", "poll");
			return;
		}
		int replan = 0;
		uint64_t ticks;
		if (pf[2].revents & POLLIN) {
			flush_due = record_plays(d, 0);
			tell_status(d);
		} else if (flush_due != INT64_MAX &&
			   po_clock_mono_ns(&d->rt.clock) / 1000000 >= flush_due) {
			flush_due = record_plays(d, 0);
		}
		if ((pf[7].revents & POLLIN) && read(wdfd, &ticks, sizeof ticks) > 0)
			watchdog_tick(d);
		if (pf[3].revents & POLLIN)
			storage_changed(wfd, qfd);
		if ((pf[5].revents & POLLIN) && po_worker_collect(d->worker) > 0)
			replan = 1; /* a file arrived or a probe answered */
		if ((pf[6].revents & POLLIN) && po_inputs_collect(d->inputs))
			replan = 1; /* a source answered */
		if ((pf[4].revents & POLLIN) && read(qfd, &ticks, sizeof ticks) > 0) {
			po_log_info("planner", "storage changed: listing again");
			po_inputs_kick_storage(d->inputs);
		}
		if ((pf[1].revents & POLLIN) && read(tfd, &ticks, sizeof ticks) > 0)
			replan = 1; /* time moved on; the inputs ask again by themselves */
		if (pf[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof si) == sizeof si) {
				if (si.ssi_signo != SIGHUP) {
					po_service_stopping();
					po_log_notice("core", "%s: stopping", strsignal((int)si.ssi_signo));
					return;
				}
				po_log_notice("core", "SIGHUP: reading secrets again and planning");
				po_inputs_reload(d->inputs);
				replan = 1;
			}
		}
		if (replan) {
			plan_and_publish(d);
			tell_status(d);
		}
	}
}

int po_daemon_run(const struct po_daemon_opts *o)
{
	struct po_daemon *d = calloc(1, sizeof *d);
	struct po_diag diag;
	struct playout_error e = {0};
	int sfd = -1, tfd = -1, qfd = -1, wdfd = -1, status = 1;
	sigset_t set;

	if (!d)
		return 1;
	/* Block the signals we read from signalfd in every thread; never die
	 * of a peer closing a socket under an output. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	po_diag_init(&diag);
	po_snapbox_init(&d->box);
	int rc = po_runtime_open(&d->rt, o->conf_path, PO_RT_STATE_DAEMON, o->clock_offset_ns, &diag, &e);
	po_diag_log(&diag, "config");
	if (rc < 0) {
		po_log_errorx("core", "%s", e.msg);
		goto out;
	}
	/* The network module (libcurl, OpenSSL: megabytes of resident
	 * pages) opens on the first exchange a plugin or a secret asks for,
	 * on whichever thread: a station of local files and Icecast outputs
	 * never maps it. Without it (logged then) the daemon still plays what
	 * is cached, as in a network outage. */
	if (po_playq_init(&d->q, &e) < 0) {
		po_log_errorx("core", "%s", e.msg);
		goto out;
	}
	d->q_up = 1;
	if (!po_runtime_nth(&d->rt, PLAYOUT_KIND_OUTPUT, 0)) {
		po_log_errorx("core", "%s: no outputs configured", o->conf_path);
		goto out;
	}
	if (o->clock_offset_ns) {
		char at[40];
		po_iso8601_utc(po_clock_now_ms(&d->rt.clock), at, sizeof at);
		po_log_notice("core", "rehearsal: the clock reads %s", at);
	}
	if (po_notify_start(&d->rt, &d->notify, &e) < 0) {
		po_log_errorx("core", "%s", e.msg);
		goto out;
	}
	note_crash(d);
	po_state_close_open_plays(d->rt.state, po_clock_now_ms(&d->rt.clock));
	po_state_clear_output_status(d->rt.state); /* outputs no longer configured go */
	d->unaired_upto_ms = po_clock_now_ms(&d->rt.clock); /* the past is not ours */
	if (start_worker(d) < 0)
		goto out;
	if (po_inputs_start(&d->rt, &d->inputs, &e) < 0) {
		po_log_errorx("core", "%s", e.msg);
		goto out;
	}
	if (po_ec2_duty_start(&d->rt, &d->ec2, &e) < 0) {
		po_log_errorx("core", "%s", e.msg);
		goto out;
	}
	if (open_fds(d, &sfd, &tfd, &qfd) < 0)
		goto out;
	plan_and_publish(d); /* from the state and the cache: nobody is asked */
	if (start_players(d) < 0)
		goto out;
	po_log_notice("core", "%s: on duty with %zu output%s", d->rt.conf.station, d->nplayers,
		      d->nplayers == 1 ? "" : "s");
	/* Planned from the state, players started: what is cached can play. */
	po_service_ready();
	tell_status(d);
	if ((d->watchdog_ns = po_service_watchdog_ns()) > 0 && (wdfd = watchdog_fd(d)) < 0)
		goto out;
	po_alerting_daemon(&d->rt, d->notify, "started", NULL, NULL, 0,
			   po_clock_now_ms(&d->rt.clock));
	po_httpd_start(&d->rt, &d->httpd); /* optional: air goes on without it */
	control_loop(d, sfd, tfd, qfd, wdfd);
	status = 0;
	po_alerting_daemon(&d->rt, d->notify, "stopped", NULL, NULL, 0,
			   po_clock_now_ms(&d->rt.clock));
	po_notify_drain(d->notify, NOTIFY_STOP_GRACE_MS);
out:
	po_httpd_stop(d->httpd);
	/* A bounded stop: every call waiting on the network (HTTP, an output
	 * polling host->stopping) gives up now, so air closes first and the
	 * rest follows within about a second. */
	po_http_abort_all(1);
	for (size_t i = 0; i < d->nplayers; i++)
		po_player_stop(d->players[i]);
	size_t stuck = po_inputs_stop(d->inputs);
	stuck += po_notify_stop(d->notify);
	po_ec2_duty_stop(d->ec2);
	po_worker_stop(d->worker);
	if (d->q_up) {
		record_plays(d, 1);
		po_playq_destroy(&d->q);
	}
	if (stuck)
		po_log_warnx("core", "%zu input thread%s still inside a plugin: leaving without closing the plugins",
			     stuck, stuck == 1 ? " is" : "s are");
	else
		po_runtime_close(&d->rt);
	po_plan_inputs_free(&d->pin);
	po_snapbox_destroy(&d->box);
	free(d->players);
	free(d->rec);
	d->players = NULL;
	d->rec = NULL;
	po_diag_free(&diag);
	if (sfd >= 0)
		close(sfd);
	if (tfd >= 0)
		close(tfd);
	if (qfd >= 0)
		close(qfd);
	if (wdfd >= 0)
		close(wdfd);
	if (!stuck)
		free(d);
	if (status == 0)
		po_log_notice("core", "stopped");
	return status;
}
