#!/usr/bin/env python3
"""Record what an Icecast listener receives, session by session.

usage: listen.py URL OUTDIR --until SECONDS [--sessions N]

Polls URL every 20 ms until it answers 200 (Icecast answers 404 while the
mount is absent), then stores the body in OUTDIR/session-K.bin (K from 1),
noting the real time (epoch seconds) of the connection, the first body byte
and the end in OUTDIR/sessions.json (rewritten after every session). When the
source disconnects it goes back to polling. Stops after SECONDS or after N
sessions. Sends no Icy-MetaData header, so the body is the raw stream.
"""
import argparse
import json
import os
import select
import socket
import sys
import time
import urllib.parse

POLL_S = 0.020


def save(outdir, sessions):
    tmp = os.path.join(outdir, "sessions.json.tmp")
    with open(tmp, "w") as f:
        json.dump(sessions, f, indent=1)
    os.replace(tmp, os.path.join(outdir, "sessions.json"))


class Session:
    """One GET on a raw socket (http.client cannot resume after a read
    timeout, and we need timeouts to honour the deadline)."""

    def __init__(self, url, timeout):
        u = urllib.parse.urlsplit(url)
        path = (u.path or "/") + ("?" + u.query if u.query else "")
        self.sock = socket.create_connection((u.hostname, u.port or 80), timeout=timeout)
        self.sock.sendall(("GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: playout-listen/1\r\n\r\n"
                           % (path, u.netloc)).encode("ascii"))
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise OSError("connection closed before the response header")
            head += chunk
            if len(head) > 65536:
                raise OSError("response header too long")
        head, self.rest = head.split(b"\r\n\r\n", 1)
        self.status = int(head.split(b"\r\n", 1)[0].split()[1])
        self.sock.settimeout(None)

    def close(self):
        self.sock.close()


def record(sess, path, deadline):
    """Read the body until EOF or the deadline; (first_byte, end, bytes)."""
    first = time.time() if sess.rest else None
    total = len(sess.rest)
    with open(path, "wb") as f:
        f.write(sess.rest)
        while True:
            left = deadline - time.time()
            if left <= 0:
                break
            r, _, _ = select.select([sess.sock], [], [], min(left, 0.2))
            if not r:
                continue
            try:
                chunk = sess.sock.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            if first is None:
                first = time.time()
            f.write(chunk)
            total += len(chunk)
    return first, time.time(), total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("outdir")
    ap.add_argument("--until", type=float, required=True, help="seconds to run")
    ap.add_argument("--sessions", type=int, default=0, help="stop after N sessions")
    a = ap.parse_args()

    os.makedirs(a.outdir, exist_ok=True)
    deadline = time.time() + a.until
    sessions = []
    save(a.outdir, sessions)
    while time.time() < deadline:
        if a.sessions and len(sessions) >= a.sessions:
            break
        t_poll = time.time()
        try:
            sess = Session(a.url, timeout=1.0)
        except (OSError, ValueError, IndexError):
            time.sleep(max(0.0, POLL_S - (time.time() - t_poll)))
            continue
        if sess.status != 200:
            sess.close()
            time.sleep(max(0.0, POLL_S - (time.time() - t_poll)))
            continue
        k = len(sessions) + 1
        name = "session-%d.bin" % k
        first, end, total = record(sess, os.path.join(a.outdir, name), deadline)
        sess.close()
        sessions.append({"file": name, "connected": t_poll, "first_byte": first,
                         "end": end, "bytes": total})
        save(a.outdir, sessions)
        print("listen: session %d: %d bytes" % (k, total), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
