#!/usr/bin/env python3
"""Split a recorded Ogg stream into its logical streams, in order.

usage: oggsplit.py IN.ogg OUTPREFIX

Writes OUTPREFIX-1.ogg, -2.ogg... (one per logical stream, each from its
first page to its last) and prints one line per stream:
    K SERIAL PAGES BYTES EOS TITLE
EOS is 1 when the stream's last page says end-of-stream (every sample was
flushed); TITLE is the TITLE= comment of a Vorbis or Opus stream.
"""
import struct
import sys


def pages(data):
    at = 0
    while True:
        at = data.find(b"OggS", at)
        if at < 0 or at + 27 > len(data):
            return
        htype = data[at + 5]
        serial = struct.unpack_from("<I", data, at + 14)[0]
        nseg = data[at + 26]
        if at + 27 + nseg > len(data):
            return
        body = sum(data[at + 27:at + 27 + nseg])
        end = at + 27 + nseg + body
        if end > len(data):
            return
        yield serial, htype, data[at:end], data[at + 27 + nseg:end]
        at = end


def title(bodies):
    blob = b"".join(bodies)
    for magic in (b"\x03vorbis", b"OpusTags"):
        i = blob.find(magic)
        if i < 0:
            continue
        i += len(magic)
        try:
            vlen = struct.unpack_from("<I", blob, i)[0]
            i += 4 + vlen
            n = struct.unpack_from("<I", blob, i)[0]
            i += 4
            for _ in range(n):
                clen = struct.unpack_from("<I", blob, i)[0]
                c = blob[i + 4:i + 4 + clen].decode("utf-8", "replace")
                i += 4 + clen
                if c.upper().startswith("TITLE="):
                    return c[6:]
        except struct.error:
            return ""
    return ""


def main():
    data = open(sys.argv[1], "rb").read()
    streams = []
    cur = None
    seen = set()
    for serial, htype, page, body in pages(data):
        # Icecast sends a late listener the stream's header pages, then
        # its burst, which may hold them again: keep each page once.
        key = (serial, struct.unpack_from("<I", page, 18)[0])
        if key in seen:
            continue
        seen.add(key)
        if cur is None or serial != cur["serial"]:
            cur = {"serial": serial, "pages": [], "bodies": [], "eos": 0}
            streams.append(cur)
        cur["pages"].append(page)
        if len(cur["bodies"]) < 4:
            cur["bodies"].append(body)
        cur["eos"] = 1 if htype & 4 else 0
    for k, s in enumerate(streams, 1):
        blob = b"".join(s["pages"])
        with open("%s-%d.ogg" % (sys.argv[2], k), "wb") as f:
            f.write(blob)
        print(k, s["serial"], len(s["pages"]), len(blob), s["eos"], title(s["bodies"]))


if __name__ == "__main__":
    main()
