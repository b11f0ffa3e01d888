#!/usr/bin/env python3
"""A local HTTP receiver for the webhook plugin: accepts POST /hook with
"Authorization: Bearer TOKEN" and a JSON body, stores each body as
DIR/NNNN.json and answers 204; a wrong or missing token gets 401 (and is
counted in DIR/rejected), a body that is not JSON 400.

usage: webhook_sink.py --port-file FILE --dir DIR --token TOKEN
"""
import argparse
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
COUNT = [0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--token", required=True)
    a = ap.parse_args()

    class H(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def answer(self, code):
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n)
            if self.path != "/hook":
                return self.answer(404)
            if self.headers.get("Authorization") != "Bearer " + a.token:
                with LOCK, open(os.path.join(a.dir, "rejected"), "a") as f:
                    f.write("%s\n" % self.headers.get("Authorization"))
                return self.answer(401)
            if not self.headers.get("Content-Type", "").startswith("application/json"):
                return self.answer(415)
            try:
                json.loads(body)
            except ValueError:
                return self.answer(400)
            with LOCK:
                COUNT[0] += 1
                base = os.path.join(a.dir, "%04d.json" % COUNT[0])
            with open(base + ".tmp", "wb") as f:
                f.write(body)
            os.rename(base + ".tmp", base)
            self.answer(204)

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
