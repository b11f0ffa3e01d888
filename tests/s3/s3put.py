#!/usr/bin/python3
"""Upload fixtures straight to s3rver (no proxy, no signature: s3rver takes
anonymous writes). Usage: s3put.py PORT BUCKET KEY FILE [KEY FILE ...]"""

import http.client
import sys
import urllib.parse


def main():
    port, bucket, rest = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    for key, path in zip(rest[0::2], rest[1::2]):
        with open(path, "rb") as f:
            data = f.read()
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("PUT", "/%s/%s" % (bucket, urllib.parse.quote(key, safe="/")), body=data,
                  headers={"Content-Type": "audio/mpeg"})
        r = c.getresponse()
        r.read()
        c.close()
        if r.status != 200:
            sys.stderr.write("PUT %s: HTTP %d\n" % (key, r.status))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
