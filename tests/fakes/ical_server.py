#!/usr/bin/python3
"""A calendar server publishing iCalendar feeds as Google Calendar, Nextcloud
and Outlook do, for the ical plugin's tests (stdlib only).

  GET /<anything>/<name>.ics   the file <name>.ics of --dir, text/calendar,
      with a strong ETag (SHA-1 of the bytes) and Last-Modified (the file's
      mtime). If-None-Match that matches, or (without If-None-Match) an
      If-Modified-Since not older than the file, answers 304 with no body, as
      RFC 9110 says. A missing file is 404.
  GET /status/<code>/...       answers <code> with a short HTML body (an
      outage, a reset secret address).

Every request is appended to --log as one JSON line: path, the conditional
headers as received (null when absent) and the status sent, so a test can
assert what the client asked. The listening port is written to --port-file
once the server accepts connections.
"""
import argparse
import email.utils
import hashlib
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG_LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the JSON log says it all
        pass

    def record(self, status):
        line = {
            "path": self.path,
            "if_none_match": self.headers.get("If-None-Match"),
            "if_modified_since": self.headers.get("If-Modified-Since"),
            "status": status,
        }
        with LOG_LOCK, open(self.server.log_path, "a") as f:
            f.write(json.dumps(line) + "\n")

    def answer(self, status, body=b"", headers=()):
        self.record(status)
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        parts = [p for p in path.split("/") if p]
        if len(parts) >= 2 and parts[0] == "status" and parts[1].isdigit():
            code = int(parts[1])
            self.answer(code, b"<html><body>error %d</body></html>" % code,
                        [("Content-Type", "text/html")])
            return
        name = parts[-1] if parts else ""
        if not name.endswith(".ics") or "/" in name or name.startswith("."):
            self.answer(404, b"not found")
            return
        file = os.path.join(self.server.dir, name)
        try:
            with open(file, "rb") as f:
                body = f.read()
            mtime = int(os.stat(file).st_mtime)
        except OSError:
            self.answer(404, b"not found")
            return
        etag = '"%s"' % hashlib.sha1(body).hexdigest()
        last_modified = email.utils.formatdate(mtime, usegmt=True)
        headers = [("ETag", etag), ("Last-Modified", last_modified),
                   ("Cache-Control", "private, max-age=0")]
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        if inm is not None:
            tags = [t.strip() for t in inm.split(",")]
            if etag in tags or "*" in tags:
                self.answer(304, headers=headers)
                return
        elif ims is not None:
            try:
                since = email.utils.parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError):
                since = None
            if since is not None and mtime <= since:
                self.answer(304, headers=headers)
                return
        self.answer(200, body, headers + [("Content-Type", "text/calendar; charset=utf-8")])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    args = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.dir = args.dir
    srv.log_path = args.log
    open(args.log, "a").close()
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
