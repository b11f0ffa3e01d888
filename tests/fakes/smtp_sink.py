#!/usr/bin/env python3
"""A local SMTP server (aiosmtpd) that keeps every message it receives as a
file: DIR/NNNN.eml, the message as received (headers and body), plus
DIR/NNNN.env with the envelope (MAIL FROM and each RCPT TO). Plain SMTP on
127.0.0.1: for the e-mail plugin's tests with starttls = false.

usage: smtp_sink.py --port-file FILE --dir DIR [--user U --password P]
Writes its port to FILE once listening. With --user, AUTH PLAIN/LOGIN is
offered and required (aiosmtpd allows it without TLS only when told to).
"""
import argparse
import asyncio
import os
import socket
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.n = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.n += 1
            base = os.path.join(self.folder, "%04d" % self.n)
        with open(base + ".env.tmp", "w") as f:
            f.write("from %s\n" % envelope.mail_from)
            for r in envelope.rcpt_tos:
                f.write("to %s\n" % r)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(base + ".env.tmp", base + ".env")
        os.rename(base + ".eml.tmp", base + ".eml")  # last: a reader waits on it
        return "250 Message accepted for delivery"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--user")
    ap.add_argument("--password")
    a = ap.parse_args()
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    kw = {}
    if a.user:
        def auth(server, session, envelope, mechanism, data):
            ok = isinstance(data, LoginPassword) and \
                data.login.decode() == a.user and data.password.decode() == a.password
            return AuthResult(success=ok)
        kw = dict(authenticator=auth, auth_required=True, auth_require_tls=False)
    c = Controller(Sink(a.dir), hostname="127.0.0.1", port=port, **kw)
    c.start()
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(a.port_file + ".tmp", a.port_file)
    threading.Event().wait()


if __name__ == "__main__":
    main()
