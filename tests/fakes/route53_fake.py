#!/usr/bin/python3
"""A local Route53 for tests: the real REST paths and XML shapes, SigV4 checked.

  POST /2013-04-01/hostedzone/{id}/rrset   ChangeResourceRecordSets (UPSERT,
                                           CREATE, DELETE of A records)
  GET  /2013-04-01/change/{id}             GetChange: PENDING, then INSYNC after
                                           --insync-after GetChange calls
  GET  /2013-04-01/hostedzone/{id}/rrset   ListResourceRecordSets (records held)
  GET  /checkip                            the --checkip address + "\\n" (a
                                           stand-in for checkip.amazonaws.com)

Keys come from --key and --keys-file (re-read per request).
Every request is appended to --log as one JSON line (method, path, sig,
action, name, type, ttl, values, status) for assertions. Unknown zones get
NoSuchHostedZone; --fail-once PREFIX answers the first request whose path
starts with PREFIX with 500 InternalFailure (--fail-code sets another status).
The chosen port is written to --port-file once listening. Stdlib only.
"""

import argparse
import datetime
import http.server
import json
import os
import re
import sys
import threading
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigv4  # noqa: E402

NS = "https://route53.amazonaws.com/doc/2013-04-01/"
API = "/2013-04-01"


def xml_error(code, message, sender=True):
    return ('<?xml version="1.0"?>\n<ErrorResponse xmlns="%s"><Error><Type>%s</Type>'
            '<Code>%s</Code><Message>%s</Message></Error><RequestId>fake-0001</RequestId>'
            '</ErrorResponse>\n' % (NS, "Sender" if sender else "Receiver", code,
                                     _esc(message))).encode()


def _esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def change_info(tag, cid, status, submitted):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<%s xmlns="%s"><ChangeInfo>'
            '<Id>/change/%s</Id><Status>%s</Status><SubmittedAt>%s</SubmittedAt>'
            '</ChangeInfo></%s>\n' % (tag, NS, cid, status, submitted, tag)).encode()


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.zones = {}      # zone id -> zone name ("example.org.")
        for z in args.zone:
            zid, _, name = z.partition(":")
            self.zones[zid] = (name or "example.org").rstrip(".") + "."
        self.records = {}    # (zone, name, type) -> {"ttl": n, "values": [...]}
        self.changes = {}    # change id -> {"polls": n, "submitted": iso}
        self.keys = {}
        for k in args.key:
            parts = k.split(":")
            self.keys[parts[0]] = ({"secret": parts[1], "token": parts[2]}
                                   if len(parts) > 2 else parts[1])
        self.keys_file = args.keys_file
        self.insync_after = args.insync_after
        self.fail_once = args.fail_once
        self.fail_code = args.fail_code
        self.failed = False
        self.checkip = args.checkip
        self.log_path = args.log
        self.seq = 0

    def all_keys(self):
        """--key pairs plus --keys-file (re-read each request: temporary
        credentials that another fake hands out, akid -> secret | {secret, token})."""
        keys = dict(self.keys)
        if self.keys_file:
            try:
                with open(self.keys_file) as f:
                    keys.update(json.load(f))
            except (OSError, ValueError):
                pass
        return keys

    def log(self, entry):
        if not self.log_path:
            return
        with open(self.log_path, "a") as f:
            f.write(json.dumps(entry, sort_keys=True) + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "route53-fake"

    def log_message(self, fmt, *a):  # quiet: the jsonl log is the record
        pass

    def _send(self, status, body, ctype="text/xml"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", "fake-0001")
        self.end_headers()
        self.wfile.write(body)

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def _handle(self, method):
        st = self.server.state
        body = self._body()
        entry = {"method": method, "path": self.path}
        status, out, ctype = self._route(st, method, body, entry)
        entry["status"] = status
        with st.lock:
            st.log(entry)
        self._send(status, out, ctype)

    def _route(self, st, method, body, entry):
        path = self.path.split("?", 1)[0]
        if method == "GET" and path == "/checkip":
            entry["sig"] = "none"
            return 200, (st.checkip + "\n").encode(), "text/plain"
        ok, why = sigv4.verify(method, self.path, self.headers, body, st.all_keys(),
                               "us-east-1", "route53")
        entry["sig"] = "ok" if ok else why.split("\n", 1)[0]
        if not ok:
            code = sigv4.error_code(why)
            return 403, xml_error(code, why.split("\n", 1)[0]), "text/xml"
        with st.lock:
            if st.fail_once and not st.failed and path.startswith(st.fail_once):
                st.failed = True
                if st.fail_code == 400:
                    return 400, xml_error("Throttling", "Rate exceeded"), "text/xml"
                return st.fail_code, xml_error("InternalFailure", "injected failure",
                                               sender=False), "text/xml"
            m = re.fullmatch(API + r"/hostedzone/([^/]+)/rrset/?", path)
            if m:
                zid = m.group(1)
                if zid not in st.zones:
                    return 404, xml_error("NoSuchHostedZone",
                                          "No hosted zone found with ID: %s" % zid), "text/xml"
                if method == "POST":
                    return self._change(st, zid, body, entry)
                return 200, self._list(st, zid), "text/xml"
            m = re.fullmatch(API + r"/change/([A-Za-z0-9]+)", path)
            if m and method == "GET":
                cid = m.group(1)
                ch = st.changes.get(cid)
                if not ch:
                    return 404, xml_error("NoSuchChange",
                                          "Could not find resource with ID: %s" % cid), "text/xml"
                ch["polls"] += 1
                status = "INSYNC" if ch["polls"] >= st.insync_after else "PENDING"
                entry["change"] = cid
                entry["change_status"] = status
                return 200, change_info("GetChangeResponse", cid, status,
                                        ch["submitted"]), "text/xml"
        return 404, xml_error("NotFound", "no route for %s %s" % (method, path)), "text/xml"

    def _change(self, st, zid, body, entry):
        try:
            root = ET.fromstring(body)
        except ET.ParseError as e:
            return 400, xml_error("MalformedXML", "not XML: %s" % e), "text/xml"
        if root.tag != "{%s}ChangeResourceRecordSetsRequest" % NS:
            return 400, xml_error("InvalidInput", "root element %s" % root.tag), "text/xml"
        changes = root.findall("./{%s}ChangeBatch/{%s}Changes/{%s}Change" % (NS, NS, NS))
        if not changes:
            return 400, xml_error("InvalidInput", "no Change elements"), "text/xml"
        zone = st.zones[zid]
        pending = []
        for c in changes:
            action = c.findtext("{%s}Action" % NS)
            rrs = c.find("{%s}ResourceRecordSet" % NS)
            if rrs is None:
                return 400, xml_error("InvalidInput", "no ResourceRecordSet"), "text/xml"
            name = (rrs.findtext("{%s}Name" % NS) or "").rstrip(".").lower() + "."
            rtype = rrs.findtext("{%s}Type" % NS)
            ttl = rrs.findtext("{%s}TTL" % NS)
            values = [v.text for v in rrs.findall(
                "./{%s}ResourceRecords/{%s}ResourceRecord/{%s}Value" % (NS, NS, NS))]
            entry.update({"action": action, "name": name, "type": rtype, "ttl": ttl,
                          "values": values})
            if action not in ("UPSERT", "CREATE", "DELETE"):
                return 400, xml_error("InvalidInput", "bad Action %r" % action), "text/xml"
            if not (name == zone or name.endswith("." + zone)):
                return 400, xml_error("InvalidChangeBatch",
                                      "RRSet with DNS name %s is not permitted in zone %s"
                                      % (name, zone)), "text/xml"
            if rtype != "A" or not ttl or not ttl.isdigit() or not values or any(
                    not re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", v or "") for v in values):
                return 400, xml_error("InvalidChangeBatch",
                                      "Invalid Resource Record: %s %s %s" % (rtype, ttl, values)
                                      ), "text/xml"
            key = (zid, name, rtype)
            if action == "CREATE" and key in st.records:
                return 400, xml_error("InvalidChangeBatch", "Tried to create resource record "
                                      "set %s type %s but it already exists" % (name, rtype)
                                      ), "text/xml"
            pending.append((action, key, int(ttl), values))
        for action, key, ttl, values in pending:
            if action == "DELETE":
                st.records.pop(key, None)
            else:
                st.records[key] = {"ttl": ttl, "values": values}
        st.seq += 1
        cid = "C%012dFAKE" % st.seq
        submitted = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        st.changes[cid] = {"polls": 0, "submitted": submitted}
        entry["change"] = cid
        status = "INSYNC" if st.insync_after <= 0 else "PENDING"
        entry["change_status"] = status
        return 200, change_info("ChangeResourceRecordSetsResponse", cid, status,
                                submitted), "text/xml"

    def _list(self, st, zid):
        out = ['<?xml version="1.0" encoding="UTF-8"?>\n<ListResourceRecordSetsResponse '
               'xmlns="%s"><ResourceRecordSets>' % NS]
        for (z, name, rtype), r in sorted(st.records.items()):
            if z != zid:
                continue
            out.append("<ResourceRecordSet><Name>%s</Name><Type>%s</Type><TTL>%d</TTL>"
                       "<ResourceRecords>%s</ResourceRecords></ResourceRecordSet>" % (
                           name, rtype, r["ttl"], "".join(
                               "<ResourceRecord><Value>%s</Value></ResourceRecord>" % v
                               for v in r["values"])))
        out.append("</ResourceRecordSets><IsTruncated>false</IsTruncated><MaxItems>300"
                   "</MaxItems></ListResourceRecordSetsResponse>\n")
        return "".join(out).encode()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", help="write the listening port here")
    ap.add_argument("--log", help="append one JSON line per request here")
    ap.add_argument("--zone", action="append", default=[],
                    help="ZONEID[:zone.name] (repeatable); default Z123:example.org")
    ap.add_argument("--key", action="append", default=[],
                    help="ACCESSKEY:SECRET[:SESSIONTOKEN] accepted for SigV4 (repeatable)")
    ap.add_argument("--keys-file", help="JSON {akid: secret | {secret, token}}, re-read "
                    "on every request (an instance role's temporary keys)")
    ap.add_argument("--insync-after", type=int, default=1,
                    help="GetChange calls answered PENDING before INSYNC (0: INSYNC at once)")
    ap.add_argument("--fail-once", help="path prefix whose first request fails")
    ap.add_argument("--fail-code", type=int, default=500, help="status for --fail-once")
    ap.add_argument("--checkip", default="203.0.113.7", help="address GET /checkip answers")
    args = ap.parse_args()
    if not args.zone:
        args.zone = ["Z123:example.org"]
    if not args.key:
        args.key = ["AKIDTEST:secrettest"]
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.state = State(args)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.rename(tmp, args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
