#!/usr/bin/env python3
"""bench/tsproxy.py: a timestamping loopback TCP proxy for Icecast sources.

Sources connect to this proxy instead of the server; every connection is
forwarded unchanged to the upstream server, and for the source's side of it
the proxy records the time (the kernel's receive time) of every chunk of the request body (what comes
after the HTTP request headers), so a benchmark can see when audio reached
the server's door, not when a tool says it sent it.

At the close of connection K it writes, in OUT:
  conn-K.json  {"method", "path", "accept_wall_ns", "headers_wall_ns",
                "chunks": [[wall_ns, mono_ns, nbytes], ...]}
  conn-K.body  the body bytes, as received
On SIGTERM or SIGINT every open connection is closed and written first.

usage: tsproxy.py UPSTREAM_PORT OUT [--port-file FILE]
  listens on a free loopback port, written to FILE (or printed) once bound.
"""
import json
import os
import signal
import socket
import struct
import sys
import threading
import time

UPSTREAM_HOST = "127.0.0.1"
CHUNK = 65536
# The kernel's receive time of each chunk (struct timespec, CLOCK_REALTIME):
# with fifty sources at one instant this proxy's threads queue for the
# interpreter's lock, and a time read after recv returns would count that
# wait as the source's lateness. Linux's value, absent from Python's module.
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
ANC_SPACE = socket.CMSG_SPACE(16)
HEADER_LIMIT = 65536


class Conn:
    def __init__(self, k, client, out):
        self.k = k
        self.client = client
        self.out = out
        self.server = None
        self.accept_wall_ns = time.time_ns()
        self.method = None
        self.path = None
        self.headers_wall_ns = None
        self.chunks = []
        self.head = b""
        self.body = open(os.path.join(out, "conn-%d.body" % k), "wb")
        self.lock = threading.Lock()
        self.written = False

    def on_data(self, data, wall_ns, mono_ns):
        """One recv from the source: split off the headers, time the body."""
        if self.headers_wall_ns is None:
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                if len(self.head) > HEADER_LIMIT:  # not HTTP: time it all
                    data, self.head = self.head, b""
                    self.headers_wall_ns = wall_ns
                else:
                    return
            else:
                line = self.head.split(b"\r\n", 1)[0].decode("latin-1").split()
                self.method = line[0] if line else ""
                self.path = line[1] if len(line) > 1 else ""
                data = self.head[end + 4:]
                self.head = b""
                self.headers_wall_ns = wall_ns
        if data:
            self.chunks.append((wall_ns, mono_ns, len(data)))
            self.body.write(data)

    def write(self):
        with self.lock:
            if self.written:
                return
            self.written = True
        self.body.close()
        meta = {"method": self.method, "path": self.path,
                "accept_wall_ns": self.accept_wall_ns,
                "headers_wall_ns": self.headers_wall_ns, "chunks": self.chunks}
        tmp = os.path.join(self.out, "conn-%d.json.tmp" % self.k)
        with open(tmp, "w") as f:
            json.dump(meta, f)
        os.rename(tmp, os.path.join(self.out, "conn-%d.json" % self.k))

    def close(self):
        for s in (self.client, self.server):
            if s is not None:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def kernel_time(anc, wall, mono):
    """The chunk's receive time from the kernel, on both clocks; the time
    read now when the kernel gave none."""
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= 16:
            sec, nsec = struct.unpack("qq", data[:16])
            k = sec * 1000000000 + nsec
            return k, mono - (wall - k)
    return wall, mono


def source_to_server(c):
    """The measured direction: time each chunk as the kernel received it."""
    try:
        while True:
            data, anc, _flags, _addr = c.client.recvmsg(CHUNK, ANC_SPACE)
            wall, mono = kernel_time(anc, time.time_ns(), time.monotonic_ns())
            if not data:
                break
            c.on_data(data, wall, mono)
            c.server.sendall(data)
    except OSError:
        pass
    c.close()
    c.write()


def server_to_source(c):
    try:
        while True:
            data = c.server.recv(CHUNK)
            if not data:
                break
            c.client.sendall(data)
    except OSError:
        pass
    c.close()


def main():
    args = sys.argv[1:]
    port_file = None
    if "--port-file" in args:
        i = args.index("--port-file")
        port_file = args[i + 1]
        del args[i:i + 2]
    if len(args) != 2:
        sys.exit(__doc__)
    upstream_port, out = int(args[0]), args[1]
    os.makedirs(out, exist_ok=True)

    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(256)
    port = lsock.getsockname()[1]
    if port_file:
        with open(port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(port_file + ".tmp", port_file)
    else:
        print(port, flush=True)

    conns = []

    def stop(_sig, _frame):
        for c in list(conns):
            c.close()
        for c in list(conns):
            c.write()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    k = 0
    while True:
        client, _ = lsock.accept()
        k += 1
        c = Conn(k, client, out)
        conns.append(c)
        try:
            c.server = socket.create_connection((UPSTREAM_HOST, upstream_port))
        except OSError:
            c.close()
            c.write()
            continue
        for s in (client, c.server):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            client.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        except OSError:
            pass
        threading.Thread(target=source_to_server, args=(c,), daemon=True).start()
        threading.Thread(target=server_to_source, args=(c,), daemon=True).start()


if __name__ == "__main__":
    main()
