#!/usr/bin/env python3
"""systemd's side of sd_notify(3), for tests: bind a datagram socket at PATH
and append each message to LOG as "<monotonic seconds> <field>" lines (one
line per NAME=VALUE field of a message), flushed at once."""
import socket
import sys
import time

path, log = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(log, "a", buffering=1) as out:
    while True:
        msg = s.recv(4096).decode("utf-8", "replace")
        t = time.monotonic()
        for field in msg.split("\n"):
            if field:
                out.write("%.3f %s\n" % (t, field))
