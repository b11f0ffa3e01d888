#!/usr/bin/python3
"""An Icecast server gone wrong, for tests (stdlib only).

    hung_icecast.py MODE LOGFILE      (prints "port N" once listening)

Listens on 127.0.0.1 (a free port) in one of two modes:
  silent   accepts every TCP connection and never reads or answers: a wedged
           or overloaded Icecast, or a wrong port behind a firewall.
  stalled  reads each request's header and answers "200 OK"; on a source
           login (SOURCE or PUT with an Authorization header) it then never
           reads again, with a small receive buffer, so the client's writes
           back up. Other requests (a title update) get their 200 and a close.
Every connection and request is appended to LOGFILE as one line
"<epoch seconds> accept|login|request|title <first request line>", so a test
counts attempts and logins.
"""
import socket
import sys
import threading
import time


def log(path, what, detail=""):
    with open(path, "a") as f:
        f.write("%.3f %s %s\n" % (time.time(), what, detail))


def read_header(conn):
    buf = b""
    while b"\r\n\r\n" not in buf and len(buf) < 65536:
        d = conn.recv(1)  # byte by byte: leave the body in the socket
        if not d:
            return None
        buf += d
    return buf.decode("latin-1")


def stalled(conn, path, keep):
    head = read_header(conn)
    if head is None:
        conn.close()
        return
    first = head.split("\r\n", 1)[0]
    method = first.split(" ", 1)[0]
    is_login = method in ("SOURCE", "PUT") and "\nauthorization:" in head.lower()
    if method == "GET":
        log(path, "title", first.split("?", 1)[0])
    else:
        log(path, "login" if is_login else "request", first)
    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
    if is_login:
        keep.append(conn)  # never read again
    else:
        conn.close()


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode not in ("silent", "stalled"):
        sys.exit("usage: hung_icecast.py silent|stalled LOGFILE")
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if mode == "stalled":
        # inherited by accepted sockets: the window closes after a few KiB
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    print("port %d" % srv.getsockname()[1], flush=True)
    keep = []  # open connections stay open (and unread) until we exit
    while True:
        conn, _ = srv.accept()
        log(path, "accept")
        if mode == "silent":
            keep.append(conn)
        else:
            threading.Thread(target=stalled, args=(conn, path, keep), daemon=True).start()


if __name__ == "__main__":
    main()
