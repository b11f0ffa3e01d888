#!/usr/bin/python3
"""A small fake of the AWS endpoints playout talks to, for tests (stdlib only).

    aws_fake.py --port P --state DIR     (port 0: pick one; prints "port N")

Serves on 127.0.0.1:
  IMDSv2     PUT /latest/api/token, then GET /latest/meta-data/... with the
             token (a GET without a valid token gets 401, as on an instance
             that requires tokens): public-ipv4, placement/region,
             iam/security-credentials/ and .../<role> (fresh temporary keys
             each time, with an Expiration).
  SSM        POST / with X-Amz-Target AmazonSSM.GetParameter|PutParameter,
             SigV4-verified (service "ssm"), parameters in DIR/ssm.json.
  test aids  /echo, /status/<code>?key=K&n=N[&retry_after=S], /slow?s=S,
             /bytes?n=N[&key=K&cut=C], /sigv4/<service>/...  (200 or 403 + reason)
Every request is appended to DIR/requests.jsonl (method, path, lower-cased
headers, body, sigv4 verdict) so tests assert what the client sent.
Settings come from DIR/config.json, read on every request (tests may rewrite
it): region, keys {akid: secret | {secret, token}}, role, creds_ttl_s,
public_ipv4, deny (parameter names that get AccessDeniedException).
"""

import argparse
import hashlib
import json
import os
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigv4  # noqa: E402

DEFAULTS = {
    "region": "us-east-1",
    "keys": {"AKIDTEST": "secrettest"},
    "role": "playout-role",
    "creds_ttl_s": 3600,
    "public_ipv4": "203.0.113.7",
    "deny": [],
}


class State:
    def __init__(self, d):
        self.dir = d
        self.lock = threading.Lock()
        self.tokens = {}      # IMDS token -> expiry (monotonic)
        self.temp_keys = {}   # issued by IMDS: akid -> {secret, token}
        self.counters = {}    # /status and /bytes keys -> requests seen
        self.issued = 0

    def config(self):
        cfg = dict(DEFAULTS)
        try:
            with open(os.path.join(self.dir, "config.json")) as f:
                cfg.update(json.load(f))
        except FileNotFoundError:
            pass
        return cfg

    def keys(self, cfg):
        k = dict(cfg["keys"])
        with self.lock:
            k.update(self.temp_keys)
        return k

    def log(self, rec):
        with self.lock:
            with open(os.path.join(self.dir, "requests.jsonl"), "a") as f:
                f.write(json.dumps(rec) + "\n")

    def count(self, key):
        with self.lock:
            self.counters[key] = self.counters.get(key, 0) + 1
            return self.counters[key]

    def ssm_load(self):
        try:
            with open(os.path.join(self.dir, "ssm.json")) as f:
                return json.load(f)
        except FileNotFoundError:
            return {}

    def ssm_save(self, params):
        tmp = os.path.join(self.dir, "ssm.json.tmp")
        with open(tmp, "w") as f:
            json.dump(params, f)
        os.replace(tmp, os.path.join(self.dir, "ssm.json"))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "aws-fake/1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def _send(self, status, body=b"", ctype="application/json", headers=None, length=None):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status, obj, headers=None):
        self._send(status, json.dumps(obj), "application/x-amz-json-1.1", headers)

    def _handle(self):
        st = self.server.state
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        cfg = st.config()
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        rec = {"method": self.command, "path": self.path,
               "headers": {k.lower(): v for k, v in self.headers.items()},
               "body": body.decode("utf-8", "replace"), "time": time.time()}
        verdict = None
        if url.path.startswith("/sigv4/"):
            service = url.path.split("/")[2]
            verdict = sigv4.verify(self.command, self.path, self.headers, body,
                                   st.keys(cfg), cfg["region"], service)
        elif url.path == "/" and self.command == "POST":
            verdict = sigv4.verify(self.command, self.path, self.headers, body,
                                   st.keys(cfg), cfg["region"], "ssm")
        if verdict:
            rec["sigv4"] = verdict[1].split("\n")[0]
        st.log(rec)

        if url.path.startswith("/latest/"):
            return self._imds(st, cfg, url.path[len("/latest/"):])
        if url.path == "/" and self.command == "POST":
            return self._ssm(st, cfg, body, verdict)
        if url.path.startswith("/sigv4/"):
            ok, why = verdict
            if ok:
                return self._json(200, {"ok": True})
            return self._json(403, {"__type": sigv4.error_code(why), "message": why})
        if url.path == "/echo":
            return self._json(200, {"method": self.command, "body": body.decode("utf-8", "replace"),
                                    "headers": rec["headers"], "query": url.query})
        if url.path.startswith("/status/"):
            code = int(url.path.split("/")[2])
            seen = st.count("status:" + q.get("key", ""))
            if seen <= int(q.get("n", "1000000")):
                hdr = {"Retry-After": q["retry_after"]} if "retry_after" in q else None
                return self._send(code, '{"error":"status %d, request %d"}' % (code, seen),
                                  headers=hdr)
            return self._send(200, "ok after %d" % (seen - 1), "text/plain")
        if url.path == "/slow":
            time.sleep(float(q.get("s", "5")))
            return self._send(200, "slow", "text/plain")
        if url.path == "/bytes":
            size = int(q.get("n", "1024"))
            data = bytes((i * 7 + 3) & 0xFF for i in range(size))
            seen = st.count("bytes:" + q.get("key", ""))
            if seen <= int(q.get("cut", "0")):
                # promise everything, send half, hang up: a broken download
                self._send(200, data[: size // 2], "application/octet-stream", length=size)
                self.wfile.flush()
                self.close_connection = True
                return None
            return self._send(200, data, "application/octet-stream")
        return self._send(404, '{"error":"no such path %s"}' % url.path)

    def _imds(self, st, cfg, path):
        if path == "api/token":
            if self.command != "PUT":
                return self._send(405, "", "text/plain")
            ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
            if not ttl or not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
                return self._send(400, "", "text/plain")
            tok = secrets.token_urlsafe(32)
            with st.lock:
                st.tokens[tok] = time.monotonic() + int(ttl)
            return self._send(200, tok, "text/plain",
                              {"X-aws-ec2-metadata-token-ttl-seconds": ttl})
        tok = self.headers.get("X-aws-ec2-metadata-token")
        with st.lock:
            valid = tok in st.tokens and st.tokens[tok] > time.monotonic()
        if not valid:
            return self._send(401, "", "text/plain")
        if not path.startswith("meta-data/"):
            return self._send(404, "", "text/plain")
        md = path[len("meta-data/"):]
        if md == "public-ipv4":
            return self._send(200, cfg["public_ipv4"], "text/plain")
        if md == "placement/region":
            return self._send(200, cfg["region"], "text/plain")
        if md == "iam/security-credentials/" and cfg["role"]:
            return self._send(200, cfg["role"], "text/plain")
        if cfg["role"] and md == "iam/security-credentials/" + cfg["role"]:
            with st.lock:
                st.issued += 1
                akid = "ASIAFAKE%08d" % st.issued
                sec = secrets.token_hex(20)
                token = "FwoG" + secrets.token_urlsafe(64)
                st.temp_keys[akid] = {"secret": sec, "token": token}
                # Other fakes (route53, the S3 proxy) check signatures made
                # with these role keys: publish them.
                tmp = os.path.join(st.dir, "issued_keys.json.tmp")
                with open(tmp, "w") as f:
                    json.dump(st.temp_keys, f)
                os.replace(tmp, os.path.join(st.dir, "issued_keys.json"))
            exp = time.gmtime(time.time() + int(cfg["creds_ttl_s"]))
            return self._send(200, json.dumps({
                "Code": "Success", "LastUpdated": time.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "Type": "AWS-HMAC", "AccessKeyId": akid, "SecretAccessKey": sec,
                "Token": token, "Expiration": time.strftime("%Y-%m-%dT%H:%M:%SZ", exp)}),
                "text/plain")
        return self._send(404, "", "text/plain")

    def _ssm(self, st, cfg, body, verdict):
        ok, why = verdict
        if not ok:
            code = sigv4.error_code(why)
            typ = {"SignatureDoesNotMatch": "InvalidSignatureException",
                   "InvalidClientTokenId": "UnrecognizedClientException",
                   "UnrecognizedClientException": "UnrecognizedClientException",
                   "RequestExpired": "InvalidSignatureException",
                   "MissingAuthenticationToken": "MissingAuthenticationTokenException",
                   }.get(code, "IncompleteSignatureException")
            return self._json(400, {"__type": typ, "message": why.split("\n")[0]})
        target = self.headers.get("X-Amz-Target", "")
        if self.headers.get("Content-Type", "") != "application/x-amz-json-1.1":
            return self._json(400, {"__type": "SerializationException"})
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            return self._json(400, {"__type": "SerializationException"})
        name = req.get("Name", "")
        action = target.split(".")[-1]
        if name in cfg["deny"]:
            return self._json(400, {"__type": "AccessDeniedException", "Message":
                                    "User: arn:aws:sts::123456789012:assumed-role/%s/i-0fake is "
                                    "not authorized to perform: ssm:%s on resource: "
                                    "arn:aws:ssm:%s:123456789012:parameter%s"
                                    % (cfg["role"], action, cfg["region"], name)})
        with st.lock:
            params = st.ssm_load()
            if target == "AmazonSSM.GetParameter":
                p = params.get(name)
                if p is None:
                    return self._json(400, {"__type": "ParameterNotFound"})
                if isinstance(p, str):  # a test may give the value alone
                    p = {"Type": "SecureString", "Value": p}
                p.setdefault("Type", "SecureString")
                p.setdefault("Version", 1)
                return self._json(200, {"Parameter": {
                    "Name": name, "Type": p["Type"], "Value": p["Value"],
                    "Version": p["Version"], "ARN": "arn:aws:ssm:%s:123456789012:parameter%s"
                    % (cfg["region"], name), "DataType": "text"}})
            if target == "AmazonSSM.PutParameter":
                if "Value" not in req or not name:
                    return self._json(400, {"__type": "ValidationException",
                                            "message": "Name and Value are required"})
                old = params.get(name)
                if old is not None and not req.get("Overwrite"):
                    return self._json(400, {"__type": "ParameterAlreadyExists"})
                ver = (old.get("Version", 1) + 1) if isinstance(old, dict) else 1
                params[name] = {"Value": req["Value"], "Type": req.get("Type", "String"),
                                "Version": ver}
                st.ssm_save(params)
                return self._json(200, {"Version": ver, "Tier": "Standard"})
        return self._json(400, {"__type": "InvalidAction", "message": "unknown target %s" % target})

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--state", required=True)
    a = ap.parse_args()
    os.makedirs(a.state, exist_ok=True)
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.state = State(a.state)
    print("port %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
