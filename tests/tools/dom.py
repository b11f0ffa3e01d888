#!/usr/bin/env python3
"""Load a page in headless Chromium through chromedriver's WebDriver HTTP
API (W3C, Python stdlib only), save a screenshot, and check what a person
would see: each CHECK is "CSS-SELECTOR=TEXT", true when some element the
selector matches is displayed and its visible text contains TEXT.

    dom.py URL SCREENSHOT.png CHECK...

Prints one line per check ("ok"/"FAILED"), exit 1 if any failed or the
page could not be loaded. CHROMEDRIVER and CHROMIUM may name the binaries.
"""
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Driver:
    def __init__(self, base):
        self.base = base
        self.session = None

    def call(self, method, path, body=None, timeout=30):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return json.load(r)["value"]
        except urllib.error.HTTPError as e:
            raise RuntimeError("%s %s: %s" % (method, path, e.read().decode(errors="replace")[:500]))

    def s(self, method, path, body=None):
        return self.call(method, "/session/%s%s" % (self.session, path), body)


ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C element reference key


def main():
    url, shot, checks = sys.argv[1], sys.argv[2], sys.argv[3:]
    driver_bin = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    port = free_port()
    profile = tempfile.mkdtemp(prefix="po-chromium-")
    proc = subprocess.Popen([driver_bin, "--port=%d" % port], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    d = Driver("http://127.0.0.1:%d" % port)
    failed = 0
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if d.call("GET", "/status", timeout=2).get("ready"):
                    break
            except Exception:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                print("FAILED chromedriver did not come up")
                return 1
            time.sleep(0.1)
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                # a phone's width: the page is read on one
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--user-data-dir=" + profile,
                         "--window-size=412,1400"],
            }}}}
        d.session = d.call("POST", "/session", caps, timeout=60)["sessionId"]
        d.s("POST", "/url", {"url": url})
        title = d.s("GET", "/title")
        print("# page title: %s" % title)
        png = base64.b64decode(d.s("GET", "/screenshot"))
        with open(shot, "wb") as f:
            f.write(png)
        print("# screenshot: %s (%d bytes)" % (shot, len(png)))
        for check in checks:
            sel, _, text = check.partition("=")
            els = d.s("POST", "/elements", {"using": "css selector", "value": sel})
            if os.environ.get("PO_DOM_DEBUG"):
                print("# %s -> %r" % (sel, els))
            seen = []
            ok = False
            for el in els:
                eid = el.get(ELEMENT) or el.get("ELEMENT")
                shown = d.s("GET", "/element/%s/displayed" % eid)
                txt = d.s("GET", "/element/%s/text" % eid)
                seen.append(txt)
                if shown and text in txt:
                    ok = True
                    break
            print("%s %s contains %r%s" % ("ok" if ok else "FAILED", sel, text,
                                          "" if ok else "; saw %r" % seen[:5]))
            failed += not ok
    except Exception as e:
        print("FAILED %s" % e)
        failed += 1
    finally:
        if d.session:
            try:
                d.call("DELETE", "/session/%s" % d.session, timeout=10)
            except Exception:
                pass
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
