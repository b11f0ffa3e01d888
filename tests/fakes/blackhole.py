#!/usr/bin/env python3
"""A server that accepts TCP connections and never answers: a wedged
Icecast, a blackholed calendar or bucket endpoint. It holds every connection
open, reads nothing, and counts what arrived.

usage: blackhole.py --port-file FILE [--log FILE]
Writes its port to FILE once listening; with --log, one line per
connection accepted ("accept HOST:PORT").
"""
import argparse
import os
import socket


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    a = ap.parse_args()
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(a.port_file + ".tmp", a.port_file)
    held = []
    while True:
        conn, peer = srv.accept()
        held.append(conn)  # never read, never closed: the peer waits
        if a.log:
            with open(a.log, "a") as f:
                f.write("accept %s:%d\n" % peer)


if __name__ == "__main__":
    main()
