#!/usr/bin/python3
"""A local EC2 Auto Scaling for tests: the Query API wire format, SigV4 checked.

  POST /   form-encoded Action=...&Version=2011-01-01, signed for service
           "autoscaling" in --region; answers XML, errors as <ErrorResponse>:
             DescribeScheduledActions      (MaxRecords, NextToken; --page-size)
             PutScheduledUpdateGroupAction (one-shot: StartTime, DesiredCapacity,
                                            MinSize, MaxSize; creates or replaces)
             DeleteScheduledAction
             SetDesiredCapacity            (HonorCooldown)
  GET /dump   the groups and their actions as JSON (for assertions)

Groups come from --group NAME (repeatable); --seed FILE adds actions (JSON list
of {group, name, start, desired}). Keys: --key AKID:SECRET. Every request is
appended to --log as one JSON line (action, params without the signature,
sig, status, code); --dump FILE is rewritten after every change.
A StartTime in the past (by the real clock) is refused as AWS does.
The port is written to --port-file once listening. Stdlib only.
"""

import argparse
import datetime
import http.server
import json
import os
import sys
import threading
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigv4  # noqa: E402

NS = "http://autoscaling.amazonaws.com/doc/2011-01-01/"
VERSION = "2011-01-01"


def esc(s):
    return (str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def error_xml(code, message, sender=True):
    return ('<?xml version="1.0"?>\n<ErrorResponse xmlns="%s"><Error><Type>%s</Type>'
            '<Code>%s</Code><Message>%s</Message></Error><RequestId>fake-0001</RequestId>'
            '</ErrorResponse>\n' % (NS, "Sender" if sender else "Receiver", code,
                                     esc(message))).encode()


def ok_xml(action, result=""):
    res = "<%sResult>%s</%sResult>" % (action, result, action) if result else ""
    return ('<?xml version="1.0"?>\n<%sResponse xmlns="%s">%s<ResponseMetadata>'
            '<RequestId>fake-0001</RequestId></ResponseMetadata></%sResponse>\n'
            % (action, NS, res, action)).encode()


def parse_time(s):
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ"):
        try:
            return datetime.datetime.strptime(s, fmt).replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            pass
    return None


class ApiError(Exception):
    def __init__(self, status, code, message):
        Exception.__init__(self, message)
        self.status, self.code, self.message = status, code, message


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.groups = {g: {"desired": 0, "min": 0, "max": 1, "actions": {}} for g in args.group}
        self.keys = {}
        for k in args.key:
            akid, _, secret = k.partition(":")
            self.keys[akid] = secret
        self.region = args.region
        self.page_size = args.page_size
        self.log_path = args.log
        self.dump_path = args.dump
        if args.seed:
            with open(args.seed) as f:
                for a in json.load(f):
                    self.groups[a["group"]]["actions"][a["name"]] = {
                        "start": a["start"], "desired": a.get("desired"),
                        "min": a.get("min"), "max": a.get("max")}
        self.dump()

    def snapshot(self):
        return {"groups": self.groups}

    def dump(self):
        if not self.dump_path:
            return
        tmp = self.dump_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.snapshot(), f, sort_keys=True, indent=1)
        os.replace(tmp, self.dump_path)

    def log(self, entry):
        if self.log_path:
            with open(self.log_path, "a") as f:
                f.write(json.dumps(entry, sort_keys=True) + "\n")

    def group(self, p):
        name = p.get("AutoScalingGroupName")
        if not name:
            raise ApiError(400, "ValidationError", "AutoScalingGroupName is required")
        if name not in self.groups:
            raise ApiError(400, "ValidationError", "AutoScalingGroup name not found - %s" % name)
        return name, self.groups[name]

    # ---- the actions ----------------------------------------------------

    def describe(self, p):
        name, g = self.group(p)
        limit = int(p.get("MaxRecords", "100"))
        if not 1 <= limit <= 100:
            raise ApiError(400, "ValidationError", "MaxRecords must be between 1 and 100")
        limit = min(limit, self.page_size)
        names = sorted(g["actions"])
        start = int(p.get("NextToken", "0") or 0)
        members = []
        for n in names[start:start + limit]:
            a = g["actions"][n]
            fields = ["<AutoScalingGroupName>%s</AutoScalingGroupName>" % esc(name),
                      "<ScheduledActionName>%s</ScheduledActionName>" % esc(n),
                      "<ScheduledActionARN>arn:aws:autoscaling:%s:123456789012:"
                      "scheduledUpdateGroupAction:fake:autoScalingGroupName/%s:"
                      "scheduledActionName/%s</ScheduledActionARN>" % (self.region, esc(name),
                                                                       esc(n)),
                      "<StartTime>%s</StartTime>" % a["start"],
                      "<Time>%s</Time>" % a["start"]]
            for k, tag in (("desired", "DesiredCapacity"), ("min", "MinSize"), ("max", "MaxSize")):
                if a.get(k) is not None:
                    fields.append("<%s>%d</%s>" % (tag, a[k], tag))
            members.append("<member>%s</member>" % "".join(fields))
        token = ""
        if start + limit < len(names):
            token = "<NextToken>%d</NextToken>" % (start + limit)
        return ok_xml("DescribeScheduledActions",
                      "<ScheduledUpdateGroupActions>%s</ScheduledUpdateGroupActions>%s"
                      % ("".join(members), token)), False

    def put(self, p):
        name, g = self.group(p)
        an = p.get("ScheduledActionName", "")
        if not an or len(an) > 255:
            raise ApiError(400, "ValidationError", "ScheduledActionName is required")
        if "Recurrence" in p:
            raise ApiError(400, "ValidationError", "this fake keeps one-shot actions only")
        when = parse_time(p.get("StartTime", ""))
        if not when:
            raise ApiError(400, "ValidationError", "StartTime %r is not ISO 8601 UTC"
                           % p.get("StartTime"))
        if when <= datetime.datetime.now(datetime.timezone.utc):
            raise ApiError(400, "ValidationError", "Given start time is in the past")
        vals = {}
        for k, tag in (("desired", "DesiredCapacity"), ("min", "MinSize"), ("max", "MaxSize")):
            vals[k] = int(p[tag]) if tag in p else None
        if all(v is None for v in vals.values()):
            raise ApiError(400, "ValidationError",
                           "At least one of MinSize, MaxSize or DesiredCapacity is required")
        lo = vals["min"] if vals["min"] is not None else g["min"]
        hi = vals["max"] if vals["max"] is not None else g["max"]
        if vals["desired"] is not None and not lo <= vals["desired"] <= hi:
            raise ApiError(400, "ValidationError", "Desired capacity:%d must be between the "
                           "specified min size:%d and max size:%d" % (vals["desired"], lo, hi))
        g["actions"][an] = dict(vals, start=when.strftime("%Y-%m-%dT%H:%M:%SZ"))
        return ok_xml("PutScheduledUpdateGroupAction"), True

    def delete(self, p):
        name, g = self.group(p)
        an = p.get("ScheduledActionName", "")
        if an not in g["actions"]:
            raise ApiError(400, "ValidationError", "Scheduled action name not found - %s" % an)
        del g["actions"][an]
        return ok_xml("DeleteScheduledAction"), True

    def set_desired(self, p):
        name, g = self.group(p)
        try:
            n = int(p.get("DesiredCapacity", ""))
        except ValueError:
            raise ApiError(400, "ValidationError", "DesiredCapacity is required")
        if not g["min"] <= n <= g["max"]:
            raise ApiError(400, "ValidationError", "New SetDesiredCapacity value %d is below "
                           "min value %d or above max value %d" % (n, g["min"], g["max"]))
        g["desired"] = n
        return ok_xml("SetDesiredCapacity"), True

    ACTIONS = {"DescribeScheduledActions": describe,
               "PutScheduledUpdateGroupAction": put,
               "DeleteScheduledAction": delete,
               "SetDesiredCapacity": set_desired}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "autoscaling-fake"

    def log_message(self, fmt, *a):  # the jsonl log is the record
        pass

    def _send(self, status, body, ctype):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", "fake-0001")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        st = self.server.state
        if self.path == "/dump":
            with st.lock:
                body = json.dumps(st.snapshot(), sort_keys=True).encode()
            return self._send(200, body, "application/json")
        self._send(404, error_xml("NotFound", "no route for GET %s" % self.path), "text/xml")

    def do_POST(self):
        st = self.server.state
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        entry = {"method": "POST", "path": self.path}
        status, out = self._route(st, body, entry)
        entry["status"] = status
        with st.lock:
            st.log(entry)
        self._send(status, out, "text/xml")

    def _route(self, st, body, entry):
        ctype = self.headers.get("Content-Type", "")
        if not ctype.startswith("application/x-www-form-urlencoded"):
            entry["code"] = "UnsupportedMediaType"
            return 400, error_xml("InvalidParameterValue", "Content-Type %r is not a form" % ctype)
        ok, why = sigv4.verify("POST", self.path, self.headers, body, st.keys, st.region,
                               "autoscaling")
        entry["sig"] = "ok" if ok else why.split("\n", 1)[0]
        try:
            params = {k: v[0] for k, v in urllib.parse.parse_qs(
                body.decode("utf-8"), keep_blank_values=True, strict_parsing=True).items()}
        except (ValueError, UnicodeDecodeError) as e:
            entry["code"] = "MalformedQueryString"
            return 400, error_xml("MalformedQueryString", str(e))
        entry["action"] = params.get("Action")
        entry["params"] = {k: v for k, v in params.items() if k not in ("Action", "Version")}
        if not ok:
            entry["code"] = sigv4.error_code(why)
            return 403, error_xml(entry["code"], why.split("\n", 1)[0])
        if params.get("Version") != VERSION:
            entry["code"] = "InvalidAction"
            return 400, error_xml("InvalidAction", "Could not find operation %s for version %s"
                                  % (params.get("Action"), params.get("Version")))
        fn = State.ACTIONS.get(params.get("Action"))
        if not fn:
            entry["code"] = "InvalidAction"
            return 400, error_xml("InvalidAction", "Could not find operation %s for version %s"
                                  % (params.get("Action"), VERSION))
        with st.lock:
            try:
                out, changed = fn(st, params)
            except ApiError as e:
                entry["code"] = e.code
                return e.status, error_xml(e.code, e.message)
            entry["changed"] = changed
            if changed:
                st.dump()
        return 200, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--region", default="eu-west-1")
    ap.add_argument("--group", action="append", default=[])
    ap.add_argument("--key", action="append", default=[])
    ap.add_argument("--seed")
    ap.add_argument("--page-size", type=int, default=100)
    ap.add_argument("--log")
    ap.add_argument("--dump")
    args = ap.parse_args()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.state = State(args)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.replace(tmp, args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
