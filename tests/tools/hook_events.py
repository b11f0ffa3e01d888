#!/usr/bin/env python3
"""The alarm events a webhook sink stored (tests/fakes/webhook_sink.py: one
JSON body per file, DIR/NNNN.json), counted or listed, for the alarm tests.

    hook_events.py DIR count [TYPE] [--key PREFIX] [--has TEXT]
        prints how many events match: of TYPE ("resolved" included), whose
        key starts with PREFIX, whose message contains TEXT
    hook_events.py DIR at-least N [filters as for count]
        exit 0 when at least N match (for po_wait_for)
    hook_events.py DIR dups
        prints each (type, key) said more than once, exit 1 if any
    hook_events.py DIR dump
        one line per event: type, key, message
"""
import glob
import json
import sys


def events(d):
    out = []
    for p in sorted(glob.glob(d + "/*.json")):
        try:
            with open(p) as f:
                out.append(json.load(f))
        except (OSError, ValueError):
            pass  # being renamed into place: the next poll sees it
    return out


def match(ev, args):
    typ, key, has = None, None, None
    i = 0
    while i < len(args):
        if args[i] == "--key":
            key = args[i + 1]
            i += 2
        elif args[i] == "--has":
            has = args[i + 1]
            i += 2
        else:
            typ = args[i]
            i += 1
    return [e for e in ev
            if (typ is None or e.get("type") == typ)
            and (key is None or e.get("key", "").startswith(key))
            and (has is None or has in e.get("message", ""))]


def main():
    d, cmd, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    ev = events(d)
    if cmd == "count":
        print(len(match(ev, rest)))
    elif cmd == "at-least":
        sys.exit(0 if len(match(ev, rest[1:])) >= int(rest[0]) else 1)
    elif cmd == "dups":
        seen, bad = {}, 0
        for e in ev:
            k = (e.get("type"), e.get("key"))
            seen[k] = seen.get(k, 0) + 1
        for k, n in sorted(seen.items()):
            if n > 1:
                print("%s %s said %d times" % (k[0], k[1], n))
                bad = 1
        sys.exit(bad)
    elif cmd == "dump":
        for e in ev:
            print("%-20s %-45s %s" % (e.get("type"), e.get("key"), e.get("message")))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
