#!/usr/bin/python3
"""A SigV4-checking proxy in front of s3rver, for the s3 plugin's tests.

Every request's signature is verified with tests/fakes/sigv4.py (service s3,
the given region and key pair); a valid request is forwarded to s3rver
unchanged, an invalid one answered 403 with S3's error XML. Each request is
logged as one JSON line. Faults are armed through POST /__proxy/fault?...
(unsigned, test control only):
  kind=drop&key=K      the next GET of key K sends half its body, then closes
  kind=corrupt&key=K   the next GET of key K has one byte flipped
  kind=500&key=K       the next request for K (or any, when key is empty) gets 500
  kind=inject&key=K    every listing also shows key K (hostile keys that s3rver
                       cannot store), with size 3
"""

import argparse
import http.client
import http.server
import json
import os
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fakes"))
import sigv4  # noqa: E402


def xml_escape(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.faults = []      # [kind, key] armed once
        self.inject = []      # keys added to every listing
        self.log = open(args.log, "a", buffering=1)

    def keys(self):
        """The fixed pair plus --keys-file, re-read on every request."""
        keys = {self.args.access_key: self.args.secret_key}
        if self.args.keys_file:
            try:
                with open(self.args.keys_file) as f:
                    keys.update(json.load(f))
            except (OSError, ValueError):
                pass
        return keys

    def take(self, kind, key):
        with self.lock:
            for f in self.faults:
                if f[0] == kind and (f[1] == "" or f[1] == key):
                    self.faults.remove(f)
                    return True
        return False


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, fmt, *a):
        pass

    def _record(self, status, verdict, key):
        st = self.server.state
        st.log.write(json.dumps({
            "method": self.command, "path": self.path, "key": key,
            "range": self.headers.get("Range", ""),
            "if_match": self.headers.get("If-Match", ""),
            "verdict": verdict, "status": status,
            "t0": getattr(self, "t0", 0.0),  # when the request arrived
            # the access key that signed it, so tests can say whose keys were used
            "akid": self.headers.get("Authorization", "").partition("Credential=")[2]
                    .split("/")[0]}) + "\n")

    def _send(self, status, body, ctype="application/xml", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _control(self):
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        kind = q.get("kind", [""])[0]
        key = q.get("key", [""])[0]
        st = self.server.state
        with st.lock:
            if kind == "inject":
                st.inject.append(key)
            else:
                st.faults.append([kind, key])
        self._send(200, b"armed\n", "text/plain")

    def _handle(self):
        self.t0 = time.time()
        if self.path.startswith("/__proxy/"):
            return self._control()
        st = self.server.state
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        split = urllib.parse.urlsplit(self.path)
        parts = urllib.parse.unquote(split.path).split("/", 2)
        key = parts[2] if len(parts) > 2 else ""
        hdrs = [(k, v) for k, v in self.headers.items()]
        ok, why = sigv4.verify(self.command, self.path, self.headers, body,
                               st.keys(),
                               st.args.region, "s3")
        if not ok:
            code = sigv4.error_code(why)
            xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code>'
                   '<Message>%s</Message><RequestId>sigproxy</RequestId></Error>'
                   % (xml_escape(code), xml_escape(why.split("\n")[0])))
            self._record(403, why.split("\n")[0], key)
            return self._send(403, xml.encode())
        if st.take("500", key):
            self._record(500, "fault:500", key)
            return self._send(500, b'<?xml version="1.0"?><Error><Code>InternalError</Code>'
                              b'<Message>injected</Message></Error>')
        # s3rver checks signatures itself, but only knows its own key pair:
        # a request we verified with other keys (an instance role's) goes on
        # unsigned, which s3rver serves as anonymous.
        auth = self.headers.get("Authorization", "")
        if "Credential=%s/" % st.args.access_key not in auth:
            drop = ("authorization", "x-amz-security-token", "x-amz-date",
                    "x-amz-content-sha256")
            hdrs = [(k, v) for k, v in hdrs if k.lower() not in drop]
        up = http.client.HTTPConnection("127.0.0.1", st.args.upstream, timeout=30)
        up.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for k, v in hdrs:
            up.putheader(k, v)
        up.endheaders(body if body else None)
        r = up.getresponse()
        data = r.read()
        rh = [(k, v) for k, v in r.getheaders()
              if k.lower() not in ("content-length", "connection", "transfer-encoding",
                                   "content-type")]
        ctype = r.getheader("Content-Type", "application/octet-stream")
        up.close()
        status = r.status
        if self.command == "GET" and "list-type" in split.query and st.inject and status == 200:
            extra = "".join("<Contents><Key>%s</Key><LastModified>2026-11-24T10:00:00.000Z"
                            "</LastModified><ETag>&quot;x&quot;</ETag><Size>3</Size>"
                            "<StorageClass>STANDARD</StorageClass></Contents>"
                            % xml_escape(k) for k in st.inject)
            data = data.replace(b"</ListBucketResult>", extra.encode() + b"</ListBucketResult>")
        verdict = "ok"
        if self.command == "GET" and key and status in (200, 206):
            if st.take("corrupt", key) and data:
                data = bytes([data[0] ^ 0xFF]) + data[1:]
                verdict = "fault:corrupt"
            elif st.take("drop", key) and len(data) > 1:
                self._record(status, "fault:drop", key)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in rh:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data[:len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
        self._record(status, verdict, key)
        self._send(status, data, ctype, rh)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--upstream", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--region", default="eu-west-1")
    ap.add_argument("--access-key", default="S3RVER")
    ap.add_argument("--secret-key", default="S3RVER")
    ap.add_argument("--keys-file", help="JSON {akid: secret | {secret, token}}, re-read per "
                    "request: temporary keys an instance-role fake has issued")
    args = ap.parse_args()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.state = State(args)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
