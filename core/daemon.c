/*
 * The control thread of playoutd (daemon.h). It owns the runtime and the
 * state store; players own their outputs and report through the play queue.
 */
#include "daemon.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "host.h"
#include "http.h"
#include "log.h"
#include "player.h"
#include "refresh.h"
#include "runtime.h"
#include "timeutil.h"
#include "worker.h"

/* Plan this long after the last change seen in the storage. */
#define STORAGE_QUIET_S 2

struct po_daemon {
	struct po_runtime rt;
	struct po_snapbox box;
	struct po_playq q;
	struct po_worker *worker;          /* downloads and probes */
	struct po_player *players[PO_MAX_INSTANCES];
	int64_t play_id[PO_MAX_INSTANCES]; /* the open play row of each output */
	size_t nplayers;
	uint64_t last_plan_sig;            /* to log only rundowns that changed */
	int q_up;                          /* q initialised */
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

/* Keep the DNS record pointing here; a failure never stops playout. */
static void update_dns(struct po_daemon *d)
{
	struct po_instance *pi = d->rt.dns;
	struct playout_error e = {0};
	if (!pi)
		return;
	const struct playout_dns_ops *ops = pi->mod.plugin->ops;
	if (ops->update(pi->inst, &e) < 0)
		po_log_warnx(pi->conf->label, "DNS update failed: %s", e.msg);
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
	if (po_refresh(rt, &o, &r, &e) < 0) {
		po_log_errorx("planner", "planning failed: %s", e.msg);
		return;
	}
	struct po_snapshot *snap = po_refresh_snapshot(rt, &r, now, d->worker);
	if (snap)
		po_snapbox_publish(&d->box, snap);
	update_dns(d);
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

static void record_plays(struct po_daemon *d)
{
	struct po_playq_msg m;
	unsigned dropped = __atomic_exchange_n(&d->q.dropped, 0, __ATOMIC_RELAXED);
	if (dropped)
		po_log_errorx("player", "%u play reports were lost (queue full)", dropped);
	while (po_playq_take(&d->q, &m)) {
		size_t k = output_slot(d, m.play.output);
		struct po_play *p = &m.play;
		if (m.type == PO_PLAYQ_BEGIN) {
			if (po_state_play_begin(d->rt.state, p) == PLAYOUT_OK)
				d->play_id[k] = p->id;
			po_log_notice(p->output, "on air: %s \"%s\" (%s), start error %+.1f ms", p->pid,
				      p->title, p->asset, p->start_error_us / 1000.0);
		} else {
			p->id = d->play_id[k];
			if (p->id)
				po_state_play_end(d->rt.state, p);
			d->play_id[k] = 0;
			po_log_notice(p->output, "off air: %s, %s, %lld bytes%s%s", p->pid, p->outcome,
				      (long long)p->bytes, p->detail[0] ? ": " : "", p->detail);
		}
	}
}

static int start_players(struct po_daemon *d)
{
	struct po_instance *pi;
	for (size_t i = 0; (pi = po_runtime_nth(&d->rt, PLAYOUT_KIND_OUTPUT, i)); i++) {
		struct playout_error e = {0};
		struct po_player_conf pc = {
			.label = pi->conf->label,
			.ops = pi->mod.plugin->ops,
			.inst = pi->inst,
			.clock = &d->rt.clock,
			.box = &d->box,
			.q = &d->q,
			.send_ahead_ms = d->rt.conf.send_ahead_ms,
			.connect_ahead_ms = d->rt.conf.connect_ahead_ms,
			.keep_open_ms = 1000,
		};
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
		wc.ops = rt->storage->mod.plugin->ops;
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

/* Drain a storage watch descriptor and (re)arm the quiet timer: a copy in
 * progress raises many events, one plan after it is enough. */
static void storage_changed(int wfd, int qfd)
{
	char buf[4096];
	while (read(wfd, buf, sizeof buf) > 0)
		;
	struct itimerspec its = {.it_value = {.tv_sec = STORAGE_QUIET_S}};
	timerfd_settime(qfd, 0, &its, NULL);
}

/* Returns when SIGTERM or SIGINT arrives. */
static void control_loop(struct po_daemon *d, int sfd, int tfd, int qfd)
{
	const struct playout_storage_ops *sops =
		d->rt.storage ? d->rt.storage->mod.plugin->ops : NULL;
	int wfd = sops && sops->watch_fd ? sops->watch_fd(d->rt.storage->inst) : -1;
	for (;;) {
		struct pollfd pf[6] = {
			{.fd = sfd, .events = POLLIN},
			{.fd = tfd, .events = POLLIN},
			{.fd = d->q.efd, .events = POLLIN},
			{.fd = wfd, .events = POLLIN}, /* ignored by poll when -1 */
			{.fd = qfd, .events = POLLIN},
			{.fd = po_worker_fd(d->worker), .events = POLLIN},
		};
		if (poll(pf, 6, -1) < 0) {
			if (errno == EINTR)
				continue;
			po_log_error("core", "poll");
			return;
		}
		if (pf[2].revents & POLLIN)
			record_plays(d);
		if (pf[3].revents & POLLIN)
			storage_changed(wfd, qfd);
		uint64_t ticks;
		if ((pf[5].revents & POLLIN) && po_worker_collect(d->worker) > 0)
			plan_and_publish(d); /* a file arrived or a probe answered */
		if ((pf[4].revents & POLLIN) && read(qfd, &ticks, sizeof ticks) > 0) {
			po_log_info("planner", "storage changed: planning again");
			plan_and_publish(d);
		}
		if ((pf[1].revents & POLLIN) && read(tfd, &ticks, sizeof ticks) > 0)
			plan_and_publish(d);
		if (pf[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof si) != sizeof si)
				continue;
			if (si.ssi_signo == SIGHUP) {
				po_log_notice("core", "SIGHUP: reading secrets again and planning");
				po_host_reload_secrets(&d->rt);
				plan_and_publish(d);
				continue;
			}
			po_log_notice("core", "%s: stopping", strsignal((int)si.ssi_signo));
			return;
		}
	}
}

int po_daemon_run(const struct po_daemon_opts *o)
{
	struct po_daemon *d = calloc(1, sizeof *d);
	struct po_diag diag;
	struct playout_error e = {0};
	int sfd = -1, tfd = -1, qfd = -1, status = 1;
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
	po_state_close_open_plays(d->rt.state, po_clock_now_ms(&d->rt.clock));
	if (start_worker(d) < 0)
		goto out;
	if (open_fds(d, &sfd, &tfd, &qfd) < 0)
		goto out;
	plan_and_publish(d);
	if (start_players(d) < 0)
		goto out;
	po_log_notice("core", "%s: on duty with %zu output%s", d->rt.conf.station, d->nplayers,
		      d->nplayers == 1 ? "" : "s");
	control_loop(d, sfd, tfd, qfd);
	status = 0;
out:
	po_http_abort_all(1); /* host->stopping says 1: outputs waiting on a server give up */
	for (size_t i = 0; i < d->nplayers; i++)
		po_player_stop(d->players[i]);
	po_worker_stop(d->worker); /* after the players: air closes first */
	if (d->q_up) {
		record_plays(d);
		po_playq_destroy(&d->q);
	}
	po_runtime_close(&d->rt);
	po_snapbox_destroy(&d->box);
	po_diag_free(&diag);
	if (sfd >= 0)
		close(sfd);
	if (tfd >= 0)
		close(tfd);
	if (qfd >= 0)
		close(qfd);
	free(d);
	if (status == 0)
		po_log_notice("core", "stopped");
	return status;
}
