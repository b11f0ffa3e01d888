#!/usr/bin/env python3
"""Note every title Icecast shows for a mount, as it changes.

usage: titles.py STATUS_URL MOUNT OUTFILE --until SECONDS

Polls STATUS_URL (status-json.xsl) every 50 ms and appends
"<epoch seconds> <title>" to OUTFILE each time the mount's title differs
from the last one noted (a mount that is absent is noted as "-").
"""
import argparse
import json
import time
import urllib.request


def current(url, mount):
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            doc = json.loads(r.read().decode("utf-8", "replace"))
    except (OSError, ValueError):
        return None
    src = doc.get("icestats", {}).get("source", [])
    if isinstance(src, dict):
        src = [src]
    for s in src:
        if s.get("listenurl", "").endswith(mount):
            return str(s.get("title", ""))
    return "-"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("mount")
    ap.add_argument("out")
    ap.add_argument("--until", type=float, required=True)
    a = ap.parse_args()
    end = time.time() + a.until
    last = None
    while time.time() < end:
        t = current(a.url, a.mount)
        if t is not None and t != last:
            with open(a.out, "a") as f:
                f.write("%.3f %s\n" % (time.time(), t))
            last = t
        time.sleep(0.05)


if __name__ == "__main__":
    main()
