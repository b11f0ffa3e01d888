#!/usr/bin/python3
"""An Icecast server that is slow to accept a source, for tests (stdlib only).

    slow_icecast.py DELAY_S LOGFILE      (prints "port N" once listening)

Listens on 127.0.0.1 (a free port). A source login (SOURCE or PUT with an
Authorization header) is answered "200 OK" only DELAY_S seconds after its
header arrived (an overloaded server, a slow TLS proxy in front); then
everything sent is read and dropped until the client closes. Any other
request (a title update) gets its 200 at once and a close. Each login is
appended to LOGFILE as "<epoch seconds> login|answered|request <line>".
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


def serve(conn, delay, path):
    try:
        head = read_header(conn)
        if head is None:
            return
        first = head.split("\r\n", 1)[0]
        method = first.split(" ", 1)[0]
        if method in ("SOURCE", "PUT") and "\nauthorization:" in head.lower():
            log(path, "login", first)
            time.sleep(delay)
            conn.sendall(b"HTTP/1.0 200 OK\r\n\r\n")
            log(path, "answered", first)
            while conn.recv(65536):
                pass
        else:
            log(path, "request", first)
            conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
    except OSError:
        pass
    finally:
        conn.close()


def main():
    delay, path = float(sys.argv[1]), sys.argv[2]
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    print("port %d" % srv.getsockname()[1], flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, delay, path), daemon=True).start()


if __name__ == "__main__":
    main()
