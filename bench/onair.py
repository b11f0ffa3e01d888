#!/usr/bin/env python3
"""bench/onair.py: the driver behind bench/onair.sh (run that, not this).

Puts one programme on air through playoutd (MP3 passthrough, and
re-encoding to Vorbis and to Opus), Liquidsoap and ezstream against one
Icecast, every source through bench/tsproxy.py, and prints per tool what
reached the server's door: start error against the scheduled instant, max
lead and lag of the audio against real time, audio delivered against the
programme, CPU seconds and peak RSS. Then one playoutd with N outputs
against N ezstream processes.

usage: onair.py PLAYOUTD PROXY_PORT PASSWORD PROGRAMME WORKDIR N_OUTPUTS
"""
import json
import shutil
import threading
import os
import statistics
import struct
import subprocess
import sys
import time

PLAYOUTD, PROXY_PORT, PASSWORD, PROGRAMME, WORK, N_OUT = sys.argv[1:7]
PROXY_PORT, N_OUT = int(PROXY_PORT), int(N_OUT)
PROXY_DIR = os.path.join(WORK, "proxy")
RATE = 44100
PAGE = os.sysconf("SC_PAGE_SIZE")
PREP_S = 12    # playoutd starts this long before its slot (the files are there: it plans at once)
STAGGER_S = 3  # each tool has its own instant, so start-ups do not collide


# ---- what a process costs -------------------------------------------------

def proc_cpu_s(pid):
    """CPU seconds PID has used, to the nanosecond: its process CPU clock
    (clock_getcpuclockid(3) spelt out: CPUCLOCK_SCHED of the whole thread
    group, threads that ended included), readable for any process. Not
    /proc/PID/stat's utime + stime: those are 10 ms ticks, a quarter of
    what a 60 s passthrough costs. None when gone."""
    try:
        return time.clock_gettime(((~pid) << 3) | 2)
    except OSError:
        return None


def thread_cpu_ns(pid):
    """{thread name (with its tid): ns on CPU} from /proc/PID/task/*/schedstat."""
    out = {}
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return out
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                comm = f.read().strip()
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                out["%s/%s" % (comm, tid)] = int(f.read().split()[0])
        except OSError:
            pass
    return out


def print_thread_cpu(label, before, after):
    """One line per thread: ms on CPU between two thread_cpu_ns samples."""
    rows = sorted(((after[k] - before.get(k, 0)) / 1e6, k) for k in after)
    print("# %s per thread (ms over the window): %s" % (
        label, "  ".join("%s=%.1f" % (k, ms) for ms, k in reversed(rows))))


def proc_hwm_kib(pid):
    """VmHWM of PID in KiB (/proc/PID/status), None when gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


LAUNCHED = []
LAUNCHED_LOCK = threading.Lock()


def sample_rss():
    """VmHWM of every launched process, every 100 ms while it lives. Not
    wait4's ru_maxrss: exec keeps the parent's high-water mark there (the
    child was spawned from this Python), so it would report Python's RSS."""
    while True:
        with LAUNCHED_LOCK:
            procs = list(LAUNCHED)
        for p in procs:
            if p.rc is None and p.pid is not None:
                hwm = proc_hwm_kib(p.pid)
                if hwm:
                    p.rss_kib = max(p.rss_kib or 0, hwm)
                pss = proc_pss_kib(p.pid)
                if pss:
                    p.pss_kib = max(p.pss_kib or 0, pss)
        time.sleep(0.1)


def proc_pss_kib(pid):
    """Pss of PID in KiB (/proc/PID/smaps_rollup): its share of pages it
    shares with others, so that a sum over processes counts libraries once."""
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class Launched:
    """A tool started at its instant, as cron would; its whole life counts.
    CPU: utime+stime from wait4's rusage at its exit (what /proc/PID/stat
    shows last); peak RSS: VmHWM sampled while it runs (sample_rss)."""

    def __init__(self, name, argv, log):
        self.name = name
        self.argv = argv
        self.log = log
        self.pid = None
        self.cpu_s = None
        self.rss_kib = None
        self.pss_kib = None
        self.rc = None

    def start(self):
        # posix_spawn, not subprocess.Popen: a dropped Popen object can be
        # reaped behind our back, and wait4 here needs the child's rusage
        fa = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
              (os.POSIX_SPAWN_OPEN, 1, self.log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
              (os.POSIX_SPAWN_DUP2, 1, 2)]
        self.pid = os.posix_spawnp(self.argv[0], self.argv, dict(os.environ), file_actions=fa)
        with LAUNCHED_LOCK:
            LAUNCHED.append(self)

    def poll(self):
        if self.pid is None or self.rc is not None:
            return True
        pid, status, ru = os.wait4(self.pid, os.WNOHANG)
        if pid == 0:
            return False
        self.rc = os.waitstatus_to_exitcode(status)
        self.cpu_s = ru.ru_utime + ru.ru_stime
        return True

    def stop(self):
        if not self.poll():
            os.kill(self.pid, 15)
            deadline = time.monotonic() + 10
            while not self.poll():
                if time.monotonic() > deadline:
                    os.kill(self.pid, 9)
                time.sleep(0.05)


def sleep_until(wall_s):
    """To within ~1 ms of WALL_S: sleep, then spin the last 20 ms."""
    while True:
        left = wall_s - time.time()
        if left <= 0:
            return
        time.sleep(left - 0.02 if left > 0.03 else 0.0005)


# ---- the tools ---------------------------------------------------------------

def iso(wall_s):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(wall_s))


def playoutd_conf(d, instant, mounts, enc=""):
    os.makedirs(os.path.join(d, "drop"), exist_ok=True)
    os.makedirs(os.path.join(d, "cache"), exist_ok=True)
    dst = os.path.join(d, "drop", "programme.mp3")
    if not os.path.exists(dst):  # a copy: localdisk ignores links out of its folder
        shutil.copyfile(PROGRAMME, dst)
    with open(os.path.join(d, "schedule.csv"), "w") as f:
        f.write('"%s","%s","bench","programme.mp3","Bench"\n' % (iso(instant), iso(instant + 90)))
    outs = ",\n".join(
        '{ plugin = "icecast"; instance = "%s"; host = "127.0.0.1"; port = %d; mount = "%s";'
        ' password = "env:PO_BENCH_ICECAST_PASSWORD"; %s}' % (m.strip("/"), PROXY_PORT, m, enc)
        for m in mounts)
    conf = os.path.join(d, "playout.conf")
    with open(conf, "w") as f:
        # the station defaults (plan_interval_s 60): the files are there at start
        f.write('station = "Bench FM"; timezone = "UTC"; state = "%s/state.db"; cache = "%s/cache";\n'
                'schedule = ( { plugin = "csv"; path = "%s/schedule.csv"; } );\n'
                'storage = { plugin = "localdisk"; path = "%s/drop"; settle_s = 0; };\n'
                'outputs = ( %s );\n' % (d, d, d, d, outs))
    return conf


def ezstream_conf(d, mount):
    path = os.path.join(d, "ezstream%s.xml" % mount.replace("/", "-"))
    with open(path, "w") as f:
        f.write("""<ezstream>
  <servers><server><protocol>HTTP</protocol><hostname>127.0.0.1</hostname>
    <port>%d</port><password>%s</password><tls>None</tls></server></servers>
  <streams><stream><mountpoint>%s</mountpoint><format>MP3</format></stream></streams>
  <intakes><intake><type>file</type><filename>%s</filename>
    <stream_once>Yes</stream_once></intake></intakes>
</ezstream>
""" % (PROXY_PORT, PASSWORD, mount, PROGRAMME))
    os.chmod(path, 0o600)  # ezstream refuses a config others can read
    return path


def liquidsoap_script(d, mount, fmt):
    path = os.path.join(d, "liq%s.liq" % mount.replace("/", "-"))
    with open(path, "w") as f:
        f.write("""settings.init.allow_root.set(true)
settings.log.stdout.set(true)
settings.log.file.set(false)
s = once(single("%s"))
output.icecast(%s, host="127.0.0.1", port=%d, password="%s",
  mount="%s", fallible=true, on_stop=shutdown, s)
""" % (PROGRAMME, fmt, PROXY_PORT, PASSWORD, mount))
    return path


# ---- what reached the server's door ---------------------------------------

MP3_KBPS = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
MP3_HZ = [44100, 48000, 32000]


def mp3_frames(body):
    """(end offset, samples) of each whole MPEG-1 layer III frame in BODY."""
    out, i, n = [], 0, len(body)
    if body[:3] == b"ID3" and n >= 10:
        i = 10 + ((body[6] << 21) | (body[7] << 14) | (body[8] << 7) | body[9])
    while i + 4 <= n:
        h = body[i:i + 4]
        br, sr = (h[2] >> 4) & 15, (h[2] >> 2) & 3
        if h[0] != 0xFF or (h[1] & 0xFE) != 0xFA or br in (0, 15) or sr == 3:
            i += 1  # not a frame header here: resync
            continue
        size = 144000 * MP3_KBPS[br] // MP3_HZ[sr] + ((h[2] >> 1) & 1)
        if i + size > n:
            break
        out.append((i + size, 1152))
        i += size
    return out


def ogg_rate(body):
    """(samples per second of the granule, samples to skip at the start)
    from the first Vorbis or Opus identification header in BODY."""
    i = body.find(b"\x01vorbis")
    if 0 <= i and i + 16 <= len(body):
        return struct.unpack_from("<I", body, i + 12)[0], 0
    i = body.find(b"OpusHead")
    if 0 <= i and i + 12 <= len(body):
        return 48000, struct.unpack_from("<H", body, i + 10)[0]  # pre-skip
    return RATE, 0


def ogg_pages(body):
    """(end offset, samples so far) of each Ogg page that carries a granule."""
    out, i, n = [], 0, len(body)
    while i + 27 <= n:
        if body[i:i + 4] != b"OggS":
            j = body.find(b"OggS", i + 1)
            if j < 0:
                break
            i = j
            continue
        nseg = body[i + 26]
        if i + 27 + nseg > n:
            break
        size = 27 + nseg + sum(body[i + 27:i + 27 + nseg])
        if i + size > n:
            break
        granule = struct.unpack_from("<q", body, i + 6)[0]
        if granule > 0:
            out.append((i + size, granule))
        i += size
    return out


def audio_timeline(body):
    """Sorted (end offset, seconds of audio complete at that offset)."""
    if body[:4] == b"OggS":
        rate, skip = ogg_rate(body)
        return [(end, max(0, g - skip) / rate) for end, g in ogg_pages(body)]
    t, out = 0, []
    for end, samples in mp3_frames(body):
        t += samples
        out.append((end, t / RATE))
    return out


def decoded_s(path):
    """Seconds of audio ffmpeg decodes from PATH (what a listener could play)."""
    r = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "s16le",
                        "-ac", "2", "-ar", str(RATE), "-"], stdout=subprocess.PIPE)
    return len(r.stdout) / 4 / RATE


def measure(conn, instant):
    """One source connection against its scheduled instant (wall seconds)."""
    chunks = conn["chunks"]
    if not chunks:
        return None
    with open(conn["body_path"], "rb") as f:
        body = f.read()
    timeline = audio_timeline(body)
    first_wall = chunks[0][0] / 1e9
    mono0 = chunks[0][1]
    lead = lag = 0.0
    got, k, audio_before = 0, 0, 0.0
    for wall_ns, mono_ns, nbytes in chunks:
        elapsed = (mono_ns - mono0) / 1e9
        # starved: the server had played out all it had before this chunk came
        lag = max(lag, elapsed - audio_before)
        got += nbytes
        while k < len(timeline) and timeline[k][0] <= got:
            k += 1
        audio = timeline[k - 1][1] if k else 0.0
        lead = max(lead, audio - elapsed)
        audio_before = audio
    # the proxy keeps both clocks: a change in their difference is a step
    # (or a slew) of the wall clock while this source played, which moves a
    # tool that paces on the wall clock but not lead/lag, taken on CLOCK_MONOTONIC
    step = ((chunks[-1][0] - chunks[-1][1]) - (chunks[0][0] - chunks[0][1])) / 1e6
    return {"start_ms": (first_wall - instant) * 1000, "lead_ms": lead * 1000, "step_ms": step,
            "lag_ms": lag * 1000, "bytes": len(body), "frames_s": audio_before,
            "decoded_s": decoded_s(conn["body_path"])}


def connections():
    """Every finished source connection the proxy logged, by mount."""
    by_mount = {}
    for name in sorted(os.listdir(PROXY_DIR)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(PROXY_DIR, name)) as f:
            c = json.load(f)
        if c["method"] in ("PUT", "SOURCE") and c["chunks"]:
            c["body_path"] = os.path.join(PROXY_DIR, name[:-5] + ".body")
            by_mount.setdefault(c["path"].split("?")[0], []).append(c)
    return by_mount


def wait_quiet(mounts, deadline):
    """Until every mount's source connection is logged as closed."""
    while time.time() < deadline:
        got = connections()
        if all(m in got for m in mounts):
            return True
        time.sleep(0.5)
    return False


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# ---- part 1: one of each ---------------------------------------------------

def part1(programme_s):
    d = os.path.join(WORK, "part1")
    os.makedirs(d, exist_ok=True)
    t0 = float(int(time.time()) + PREP_S + 1)
    rows = [("playout mp3 passthrough", "/playout", t0),
            ("ezstream mp3", "/ezstream", t0 + STAGGER_S),
            ("liquidsoap %mp3(128k)", "/liq-mp3", t0 + 2 * STAGGER_S),
            ("liquidsoap %vorbis", "/liq-vorbis", t0 + 3 * STAGGER_S),
            ("playout vorbis (q3)", "/playout-vorbis", t0 + 4 * STAGGER_S),
            ("playout opus (96k)", "/playout-opus", t0 + 5 * STAGGER_S)]
    conf = playoutd_conf(d, t0, ["/playout"])
    daemon = Launched("playoutd", [PLAYOUTD, "-c", conf, "-f"], os.path.join(d, "playoutd.log"))
    daemon.start()
    # the re-encoding outputs, one playoutd each so that each has its own
    # CPU figure; Vorbis at Liquidsoap's %vorbis default (quality 0.3 of
    # its -0.1..1 scale, 3 of libvorbis's), Opus at 96 kbps
    encoders = {}
    for mount, enc, k in (("/playout-vorbis", 'format = "vorbis"; quality = 3.0; ', 4),
                          ("/playout-opus", 'format = "opus"; bitrate = 96; ', 5)):
        ed = os.path.join(d, mount.strip("/"))
        econf = playoutd_conf(ed, t0 + k * STAGGER_S, [mount], enc)
        encoders[mount] = Launched("playoutd", [PLAYOUTD, "-c", econf, "-f"],
                                   os.path.join(ed, "playoutd.log"))
        encoders[mount].start()
    tools = {
        "/ezstream": Launched("ezstream", ["ezstream", "-c", ezstream_conf(d, "/ezstream")],
                              os.path.join(d, "ezstream.log")),
        "/liq-mp3": Launched("liquidsoap", ["liquidsoap", liquidsoap_script(
            d, "/liq-mp3", "%mp3(bitrate=128, samplerate=44100, stereo=true)")],
            os.path.join(d, "liq-mp3.log")),
        "/liq-vorbis": Launched("liquidsoap", ["liquidsoap", liquidsoap_script(
            d, "/liq-vorbis", "%vorbis")], os.path.join(d, "liq-vorbis.log")),
    }
    load_before = loadavg()
    sleep_until(t0 - 1)
    cpu_before, win_before = proc_cpu_s(daemon.pid), time.time()
    threads_before = thread_cpu_ns(daemon.pid)
    enc_before = {m: proc_cpu_s(e.pid) for m, e in encoders.items()}
    for _, mount, instant in rows[1:]:
        if mount not in tools:
            continue
        sleep_until(instant)
        tools[mount].start()
    end = rows[-1][2] + programme_s
    # playoutd keeps running: read its cost when its programme is over
    wait_quiet(["/playout"], t0 + programme_s + 15)
    cpu_after, hwm = proc_cpu_s(daemon.pid), proc_hwm_kib(daemon.pid)
    threads_after, win_after = thread_cpu_ns(daemon.pid), time.time()
    enc_cost = {}
    for _, mount, instant in rows:
        if mount in encoders:
            e = encoders[mount]
            wait_quiet([mount], instant + programme_s + 15)
            after, before = proc_cpu_s(e.pid), enc_before[mount]
            enc_cost[mount] = ((after - before) if after is not None and before is not None
                               else None, proc_hwm_kib(e.pid))
    wait_quiet([m for _, m, _ in rows[1:]], end + 20)
    daemon.stop()
    for t in list(tools.values()) + list(encoders.values()):
        t.stop()
    load_after = loadavg()
    got = connections()
    cost = {"/playout": ((cpu_after - cpu_before) if cpu_after is not None and cpu_before is not None
                         else None, hwm, daemon.pss_kib)}
    for m, t in tools.items():
        cost[m] = (t.cpu_s, t.rss_kib, t.pss_kib)
    for m, e in encoders.items():
        cost[m] = enc_cost.get(m, (None, None)) + (e.pss_kib,)
    print("## one programme, one source each (instants %s + %s s)  load %s -> %s"
          % (iso(t0), "/".join("%d" % (i - t0) for _, _, i in rows), load_before, load_after))
    hdr = ("tool", "start_ms", "lead_ms", "lag_ms", "bytes", "audio_s", "missing_ms", "cpu_s",
           "rss_MiB", "pss_MiB", "wallstep_ms")
    print("%-26s %9s %8s %8s %9s %8s %10s %7s %8s %8s %11s" % hdr)
    results = {}
    for name, mount, instant in rows:
        conns = got.get(mount, [])
        cpu, rss, pss = cost[mount]
        pss_txt = "%.1f" % (pss / 1024) if pss else "-"
        cpu_txt = "%.3f" % cpu if cpu is not None else "-"
        rss_txt = "%.1f" % (rss / 1024) if rss else "-"
        if not conns:
            print("%-26s %9s %8s %8s %9s %8s %10s %7s %8s %8s  (no connection: see %s)"
                  % (name, "-", "-", "-", "-", "-", "-", cpu_txt, rss_txt, pss_txt, d))
            continue
        m = measure(conns[0], instant)
        missing = (programme_s - m["decoded_s"]) * 1000
        results[mount] = (m, cpu, rss, missing)
        print("%-26s %9.1f %8.0f %8.0f %9d %8.3f %10.1f %7s %8s %8s %11.1f%s"
              % (name, m["start_ms"], m["lead_ms"], m["lag_ms"], m["bytes"], m["decoded_s"],
                 missing, cpu_txt, rss_txt, pss_txt, m["step_ms"],
                 "  (%d connections)" % len(conns) if len(conns) > 1 else ""))
    print("# start_ms: first body byte at the proxy minus the scheduled instant;"
          " lead/lag: audio sent (whole frames/pages) against time since that first byte;"
          " audio_s: what ffmpeg decodes of it, programme %.3f s; missing_ms = programme - audio_s;"
          " cpu_s: playoutd (each row its own process) over its programme (it was up before;"
          " its process CPU clock, to the ns), the others over their life (wait4's rusage)"
          " (launched at the instant); rss: peak VmHWM, pss: peak Pss (sampled every 100 ms);"
          " wallstep_ms: how far CLOCK_REALTIME moved against CLOCK_MONOTONIC while it played" % programme_s)
    print_thread_cpu("playout mp3 passthrough, window %.1f s" % (win_after - win_before),
                     threads_before, threads_after)
    po = results.get("/playout")
    ez = results.get("/ezstream")
    if po:
        m, cpu, rss, missing = po
        verdict = [
            ("start error < 5 ms", abs(m["start_ms"]) < 5, "%.1f ms" % m["start_ms"]),
            ("every sample delivered", missing <= 0, "missing %.1f ms" % missing),
            ("passthrough CPU <= ezstream's", ez is not None and cpu is not None
             and ez[1] is not None and cpu <= ez[1],
             "%s vs %s s" % ("%.3f" % cpu if cpu is not None else None,
                             "%.3f" % ez[1] if ez and ez[1] is not None else None)),
            ("RSS < 8 MiB passthrough", rss is not None and rss < 8 * 1024,
             "%.1f MiB" % (rss / 1024 if rss else 0)),
        ]
        for what, ok, val in verdict:
            print("target %-32s %-4s %s" % (what, "met" if ok else "NOT", val))
    for mount, codec in (("/playout-vorbis", "vorbis"), ("/playout-opus", "opus")):
        r = results.get(mount)
        if not r:
            print("target %-32s %-4s %s" % ("%s: on air" % codec, "NOT", "no connection"))
            continue
        m, cpu, rss, missing = r
        share = cpu / programme_s * 100 if cpu is not None else None
        for what, ok, val in (
                ("%s: every sample delivered" % codec, missing <= 0, "missing %.1f ms" % missing),
                ("%s: CPU < 5 %% of a core" % codec, share is not None and share < 5,
                 "%.2f %% (%.3f s over %.1f s)" % (share, cpu, programme_s)
                 if share is not None else "-")):
            print("target %-32s %-4s %s" % (what, "met" if ok else "NOT", val))


# ---- part 2: N outputs from one process against N ezstream processes ------------

def part2(programme_s):
    d = os.path.join(WORK, "part2")
    os.makedirs(d, exist_ok=True)
    t0 = float(int(time.time()) + PREP_S + 1)
    t_ez = t0 + STAGGER_S
    po_mounts = ["/po-%d" % i for i in range(1, N_OUT + 1)]
    ez_mounts = ["/ez-%d" % i for i in range(1, N_OUT + 1)]
    conf = playoutd_conf(d, t0, po_mounts)
    daemon = Launched("playoutd", [PLAYOUTD, "-c", conf, "-f"], os.path.join(d, "playoutd.log"))
    daemon.start()
    ez = [Launched("ezstream", ["ezstream", "-c", ezstream_conf(d, m)],
                   os.path.join(d, "ezstream%s.log" % m.replace("/", "-"))) for m in ez_mounts]
    load_before = loadavg()
    sleep_until(t0 - 1)
    cpu_before = proc_cpu_s(daemon.pid)
    sleep_until(t_ez)
    for e in ez:  # one after the other, as fast as fork allows (one cron line each)
        e.start()
    spawned_ms = (time.time() - t_ez) * 1000
    wait_quiet(po_mounts, t0 + programme_s + 20)
    cpu_after, hwm = proc_cpu_s(daemon.pid), proc_hwm_kib(daemon.pid)
    wait_quiet(ez_mounts, t_ez + programme_s + 30)
    daemon.stop()
    for e in ez:
        e.stop()
    load_after = loadavg()
    got = connections()

    def summary(mounts, instant):
        ms = [measure(got[m][0], instant) for m in mounts if m in got]
        ms = [m for m in ms if m]
        starts = [m["start_ms"] for m in ms]
        missing = [(programme_s - m["decoded_s"]) * 1000 for m in ms]
        lag = [m["lag_ms"] for m in ms]
        step = max((abs(m["step_ms"]) for m in ms), default=0.0)
        return len(ms), starts, missing, lag, step

    print("## %d outputs: one playoutd (instant %s) against %d ezstream processes (%s)"
          "  load %s -> %s" % (N_OUT, iso(t0), N_OUT, iso(t_ez), load_before, load_after))
    print("%-26s %6s %10s %10s %7s %10s %12s %8s %10s %10s %11s"
          % ("tool", "conns", "start_med", "start_max", "over5ms", "lag_max", "missing_max", "cpu_s",
             "rss_MiB", "pss_MiB", "wallstep_ms"))
    ez_cpu = sum(e.cpu_s for e in ez if e.cpu_s is not None)
    ez_rss = sum(e.rss_kib for e in ez if e.rss_kib)
    ez_pss = sum(e.pss_kib for e in ez if e.pss_kib)
    po_cpu = (cpu_after - cpu_before) if cpu_after is not None and cpu_before is not None else None
    for name, mounts, instant, cpu, rss, pss in (
            ("playoutd x1, %d outputs" % N_OUT, po_mounts, t0, po_cpu, hwm, daemon.pss_kib),
            ("ezstream x%d" % N_OUT, ez_mounts, t_ez, ez_cpu, ez_rss, ez_pss)):
        n, starts, missing, lag, step = summary(mounts, instant)
        if not n:
            print("%-26s %6d  (no connection: see %s)" % (name, 0, d))
            continue
        print("%-26s %6d %10.1f %10.1f %7d %10.0f %12.1f %8s %10s %10s %11.1f"
              % (name, n, statistics.median(starts), max(starts),
                 sum(1 for x in starts if abs(x) >= 5), max(lag), max(missing),
                 "%.3f" % cpu if cpu is not None else "-",
                 "%.1f" % (rss / 1024) if rss else "-", "%.1f" % (pss / 1024) if pss else "-",
                 step))
    print("# start: first body byte at the proxy minus the instant (ezstream: all %d launched"
          " one after the other from the instant, the last %.0f ms after it); cpu_s, rss_MiB (peak VmHWM) and pss_MiB (peak"
          " Pss, shared pages counted once) are sums over the processes" % (N_OUT, spawned_ms))


def main():
    programme_s = decoded_s(PROGRAMME)
    threading.Thread(target=sample_rss, daemon=True).start()
    which = os.environ.get("PO_BENCH_PARTS", "12")
    if "1" in which:
        part1(programme_s)
    if "2" in which:
        part2(programme_s)


if __name__ == "__main__":
    main()
