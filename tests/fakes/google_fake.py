#!/usr/bin/python3
"""A local stand-in for Google Calendar API v3 and Google's OAuth2 endpoints,
speaking their wire format, for the gcal plugin's tests (stdlib only).

  GET  /calendar/v3/calendars/{id}/events   events.list: Bearer check, query
       check (singleEvents, orderBy, RFC 3339 timeMin/timeMax), pageToken paging
  POST /token        grant_type refresh_token | jwt-bearer (RS256 verified with
                     `openssl dgst -sha256 -verify`) | authorization_code (+PKCE)
  GET  /o/oauth2/auth   consent: redirects to redirect_uri with code and state
  POST /_admin/config   JSON merged into the fake's settings (see DEFAULTS)
  POST /_admin/revoke   every access token becomes invalid (401 afterwards)

Every request is appended to --log as one JSON line. The listening port is
written to --port-file once the server accepts connections.
"""
import argparse
import base64
import datetime
import hashlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SCOPE = "https://www.googleapis.com/auth/calendar.readonly"
DEFAULTS = {
    "calendars": {},          # calendar id -> list of Google event objects
    "page_size": 250,         # events per page (capped by maxResults)
    "client_id": "test-client.apps.googleusercontent.com",
    "client_secret": "test-secret",
    "refresh_tokens": ["1//refresh-test"],
    "access_tokens": {},      # token -> expiry (unix s)
    "expires_in": 3600,
    "sa_email": None,
    "sa_pubkey_pem": None,
    "sa_subject": None,       # when set, the JWT must carry this sub
    "fail_500": 0,            # the next N API calls answer 500
    "hang": 0,                # the next N API calls sleep hang_s first
    "hang_s": 5,
}


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def rfc3339(s):
    if not s or "T" not in s:
        raise ValueError("not RFC 3339: %r" % s)
    t = datetime.datetime.fromisoformat(s.replace("Z", "+00:00").replace("z", "+00:00"))
    if t.tzinfo is None:
        raise ValueError("RFC 3339 needs an offset: %r" % s)
    return t


def google_error(code, message, reason, status):
    return {"error": {"code": code, "message": message,
                      "errors": [{"message": message, "domain": "global", "reason": reason}],
                      "status": status}}


class Fake:
    def __init__(self, log_path):
        self.lock = threading.Lock()
        self.conf = json.loads(json.dumps(DEFAULTS))
        self.codes = {}
        self.log_path = log_path
        self.counter = 0
        self.port = 0

    def log(self, entry):
        with self.lock:
            with open(self.log_path, "a") as f:
                f.write(json.dumps(entry) + "\n")

    def new_access_token(self):
        with self.lock:
            self.counter += 1
            tok = "ya29.fake-%d-%s" % (self.counter, secrets.token_hex(4))
            self.conf["access_tokens"][tok] = time.time() + self.conf["expires_in"]
            return tok


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ESF"

    def log_message(self, fmt, *args):
        pass

    @property
    def fake(self):
        return self.server.fake

    def reply(self, status, obj=None, headers=None):
        body = json.dumps(obj).encode() if obj is not None else b""
        self.entry["status"] = status
        self.fake.log(self.entry)  # before the answer: a client may read the log next
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def begin(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(n).decode() if n else ""
        u = urllib.parse.urlsplit(self.path)
        self.rawpath = u.path
        self.query = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        self.entry = {"method": self.command, "path": urllib.parse.unquote(u.path),
                      "rawpath": u.path, "query": {k: v[0] for k, v in self.query.items()},
                      "authorization": self.headers.get("Authorization"),
                      "content_type": self.headers.get("Content-Type")}

    def do_GET(self):
        self.begin()
        if self.rawpath == "/o/oauth2/auth":
            return self.consent()
        prefix = "/calendar/v3/calendars/"
        if self.rawpath.startswith(prefix) and self.rawpath.endswith("/events"):
            cal = urllib.parse.unquote(self.rawpath[len(prefix):-len("/events")])
            return self.events_list(cal)
        self.reply(404, google_error(404, "Not Found", "notFound", "NOT_FOUND"))

    def do_POST(self):
        self.begin()
        if self.rawpath == "/token":
            form = {k: v[0] for k, v in urllib.parse.parse_qs(self.body).items()}
            self.entry["form"] = {k: (v if k not in ("client_secret",) else "***")
                                  for k, v in form.items()}
            return self.token(form)
        if self.rawpath == "/_admin/config":
            with self.fake.lock:
                self.fake.conf.update(json.loads(self.body or "{}"))
            return self.reply(200, {"ok": True})
        if self.rawpath == "/_admin/revoke":
            with self.fake.lock:
                self.fake.conf["access_tokens"] = {}
            return self.reply(200, {"ok": True})
        self.reply(404, google_error(404, "Not Found", "notFound", "NOT_FOUND"))

    # ---- Calendar API

    def events_list(self, cal):
        conf = self.fake.conf
        with self.fake.lock:
            if conf["hang"] > 0:
                conf["hang"] -= 1
                hang = conf["hang_s"]
            else:
                hang = 0
            if conf["fail_500"] > 0:
                conf["fail_500"] -= 1
                fail = True
            else:
                fail = False
        if hang:
            self.entry["hung_s"] = hang
            time.sleep(hang)
        if fail:
            return self.reply(500, google_error(500, "Backend Error", "backendError", "INTERNAL"))
        auth = self.headers.get("Authorization") or ""
        tok = auth[len("Bearer "):] if auth.startswith("Bearer ") else None
        with self.fake.lock:
            exp = conf["access_tokens"].get(tok) if tok else None
        if exp is None or exp < time.time():
            return self.reply(401, {"error": {
                "code": 401,
                "message": "Request had invalid authentication credentials. Expected OAuth 2 "
                           "access token, login cookie or other valid authentication credential.",
                "errors": [{"message": "Invalid Credentials", "domain": "global",
                            "reason": "authError", "location": "Authorization",
                            "locationType": "header"}],
                "status": "UNAUTHENTICATED"}},
                {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", '
                                     'error="invalid_token"'})
        q = {k: v[0] for k, v in self.query.items()}
        problems = []
        if q.get("singleEvents") != "true":
            problems.append("singleEvents must be true")
        if q.get("orderBy") != "startTime":
            problems.append("orderBy must be startTime")
        try:
            tmin, tmax = rfc3339(q.get("timeMin")), rfc3339(q.get("timeMax"))
        except ValueError as e:
            problems.append(str(e))
        if problems:
            return self.reply(400, google_error(400, "; ".join(problems), "badRequest",
                                                "INVALID_ARGUMENT"))
        if cal not in conf["calendars"]:
            return self.reply(404, google_error(404, "Not Found", "notFound", "NOT_FOUND"))
        items = []
        for ev in conf["calendars"][cal]:
            try:
                s = ev["start"].get("dateTime") or ev["start"]["date"] + "T00:00:00Z"
                e = ev["end"].get("dateTime") or ev["end"]["date"] + "T00:00:00Z"
                if rfc3339(e) <= tmin or rfc3339(s) >= tmax:
                    continue
            except (KeyError, ValueError):
                pass
            items.append(ev)
        size = min(conf["page_size"], int(q.get("maxResults", "250")))
        off = 0
        if "pageToken" in q:
            try:
                off = int(b64url_decode(q["pageToken"]).decode().split(":")[1])
            except (ValueError, IndexError):
                return self.reply(400, google_error(400, "Invalid page token", "invalid",
                                                    "INVALID_ARGUMENT"))
        page = items[off:off + size]
        ans = {"kind": "calendar#events", "etag": '"p33"', "summary": cal,
               "updated": "2026-03-01T00:00:00.000Z", "timeZone": "Europe/London",
               "accessRole": "reader", "defaultReminders": [], "items": page}
        if off + size < len(items):
            ans["nextPageToken"] = base64.urlsafe_b64encode(
                ("off:%d" % (off + size)).encode()).decode().rstrip("=")
        self.reply(200, ans)

    # ---- OAuth2

    def token_error(self, status, err, desc):
        self.reply(status, {"error": err, "error_description": desc})

    def grant(self, refresh=None):
        ans = {"access_token": self.fake.new_access_token(), "expires_in": self.fake.conf["expires_in"],
               "scope": SCOPE, "token_type": "Bearer"}
        if refresh:
            ans["refresh_token"] = refresh
        self.reply(200, ans)

    def token(self, form):
        conf = self.fake.conf
        if not (self.headers.get("Content-Type") or "").startswith(
                "application/x-www-form-urlencoded"):
            return self.token_error(400, "invalid_request", "form encoding expected")
        gt = form.get("grant_type")
        if gt == "refresh_token":
            if form.get("client_id") != conf["client_id"] or \
                    form.get("client_secret") != conf["client_secret"]:
                return self.token_error(401, "invalid_client", "The OAuth client was not found.")
            if form.get("refresh_token") not in conf["refresh_tokens"]:
                return self.token_error(400, "invalid_grant", "Token has been expired or revoked.")
            return self.grant()
        if gt == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            why = self.check_jwt(form.get("assertion") or "")
            if why:
                self.entry["jwt_refused"] = why
                return self.token_error(400, "invalid_grant", why)
            self.entry["jwt_ok"] = True
            return self.grant()
        if gt == "authorization_code":
            with self.fake.lock:
                c = self.fake.codes.pop(form.get("code"), None)
            if not c:
                return self.token_error(400, "invalid_grant", "Malformed auth code.")
            if form.get("client_id") != conf["client_id"] or \
                    form.get("client_secret") != conf["client_secret"]:
                return self.token_error(401, "invalid_client", "The OAuth client was not found.")
            if form.get("redirect_uri") != c["redirect_uri"]:
                return self.token_error(400, "redirect_uri_mismatch", "Bad Request")
            verifier = form.get("code_verifier") or ""
            chal = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()) \
                .decode().rstrip("=")
            if chal != c["challenge"]:
                return self.token_error(400, "invalid_grant", "Invalid code verifier.")
            refresh = "1//refresh-" + secrets.token_hex(6)
            with self.fake.lock:
                conf["refresh_tokens"].append(refresh)
            return self.grant(refresh)
        self.token_error(400, "unsupported_grant_type", "Invalid grant_type: %s" % gt)

    def check_jwt(self, jwt):
        conf = self.fake.conf
        parts = jwt.split(".")
        if len(parts) != 3:
            return "JWT must have three parts"
        try:
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            sig = b64url_decode(parts[2])
        except ValueError:
            return "JWT parts are not base64url JSON"
        if header.get("alg") != "RS256" or header.get("typ") != "JWT":
            return "JWT header must be RS256/JWT"
        if not conf["sa_pubkey_pem"]:
            return "no service account configured"
        with tempfile.TemporaryDirectory() as d:
            for name, data in (("pub.pem", conf["sa_pubkey_pem"].encode()),
                               ("input", (parts[0] + "." + parts[1]).encode()), ("sig", sig)):
                with open(os.path.join(d, name), "wb") as f:
                    f.write(data)
            r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", os.path.join(d, "pub.pem"),
                                "-signature", os.path.join(d, "sig"), os.path.join(d, "input")],
                               capture_output=True)
            if r.returncode != 0:
                return "Invalid JWT Signature."
        now = time.time()
        aud = "http://127.0.0.1:%d/token" % self.fake.port
        if claims.get("iss") != conf["sa_email"]:
            return "iss is not the service account"
        if claims.get("aud") != aud:
            return "aud must be %s" % aud
        if SCOPE not in (claims.get("scope") or "").split():
            return "scope lacks calendar.readonly"
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(iat, int) or not isinstance(exp, int) or exp - iat > 3600 \
                or exp < now or iat > now + 300:
            return "Invalid JWT: Token must be a short-lived token (60 minutes) and in a " \
                   "reasonable timeframe."
        if conf["sa_subject"] and claims.get("sub") != conf["sa_subject"]:
            return "sub is not the expected user"
        return None

    def consent(self):
        q = {k: v[0] for k, v in self.query.items()}
        conf = self.fake.conf
        need = ("client_id", "redirect_uri", "response_type", "scope", "state",
                "code_challenge", "code_challenge_method")
        missing = [k for k in need if not q.get(k)]
        if missing or q["client_id"] != conf["client_id"] or q["response_type"] != "code" \
                or q["code_challenge_method"] != "S256" or SCOPE not in q["scope"].split() \
                or q.get("access_type") != "offline" \
                or not q["redirect_uri"].startswith("http://127.0.0.1:"):
            return self.reply(400, {"error": "invalid_request",
                                    "error_description": "missing or bad: %s" %
                                    (", ".join(missing) or "a parameter")})
        code = "4/fake-" + secrets.token_hex(8)
        with self.fake.lock:
            self.fake.codes[code] = {"challenge": q["code_challenge"],
                                     "redirect_uri": q["redirect_uri"]}
        loc = q["redirect_uri"] + "?" + urllib.parse.urlencode(
            {"state": q["state"], "code": code, "scope": SCOPE})
        self.reply(302, None, {"Location": loc})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--config", help="JSON file merged into the settings at start")
    a = ap.parse_args()
    fake = Fake(a.log)
    if a.config:
        with open(a.config) as f:
            fake.conf.update(json.load(f))
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.fake = fake
    fake.port = srv.server_address[1]
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % fake.port)
    os.rename(tmp, a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
