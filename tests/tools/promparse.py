#!/usr/bin/env python3
"""A strict reader of the Prometheus text exposition format (0.0.4), for
tests: every line must be a HELP, a TYPE or a sample; names and labels
follow the grammar; label values use only the three escapes; each family
is announced once, HELP and TYPE before its samples, its samples together;
a histogram's buckets per label set are cumulative, their le strictly
ascending, ending with +Inf, whose count equals _count, with a _sum.

    promparse.py FILE            exit 0 and print "ok N families, M samples"
    promparse.py FILE EXPR...    also evaluate each Python EXPR over
                                 v(name, **labels) -> value (KeyError if absent)
                                 and has(name, **labels); exit 1 if one is false
"""
import math
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


class ParseError(Exception):
    pass


def parse_value(s, where):
    if s in ("+Inf", "Inf"):
        return math.inf
    if s == "-Inf":
        return -math.inf
    if s == "NaN":
        return math.nan
    if not re.fullmatch(r"[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?)", s):
        raise ParseError("%s: bad value %r" % (where, s))
    return float(s)


def parse_labels(s, i, where):
    """s[i] is just past '{'; returns (labels, index past '}')."""
    labels = {}
    while True:
        if s[i:i + 1] == "}":
            return labels, i + 1
        m = re.compile(LABEL).match(s, i)
        if not m:
            raise ParseError("%s: bad label name at %r" % (where, s[i:]))
        name = m.group(0)
        i = m.end()
        if s[i:i + 2] != '="':
            raise ParseError("%s: expected =\" after label %s" % (where, name))
        i += 2
        val = []
        while True:
            if i >= len(s):
                raise ParseError("%s: unterminated label value" % where)
            c = s[i]
            if c == "\\":
                nxt = s[i + 1:i + 2]
                if nxt == "\\":
                    val.append("\\")
                elif nxt == '"':
                    val.append('"')
                elif nxt == "n":
                    val.append("\n")
                else:
                    raise ParseError("%s: bad escape \\%s in label %s" % (where, nxt, name))
                i += 2
            elif c == '"':
                i += 1
                break
            elif c == "\n":
                raise ParseError("%s: raw newline in label value" % where)
            else:
                val.append(c)
                i += 1
        if name in labels:
            raise ParseError("%s: label %s twice" % (where, name))
        labels[name] = "".join(val)
        if s[i:i + 1] == ",":
            i += 1
        elif s[i:i + 1] != "}":
            raise ParseError("%s: expected , or } after label %s" % (where, name))


def family_of(name, types):
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[: -len(suffix)]
        if name.endswith(suffix) and types.get(base) in ("histogram", "summary"):
            return base
    return name


def parse(text):
    if text and not text.endswith("\n"):
        raise ParseError("the text does not end with a newline")
    helps, types, samples = {}, {}, []
    seen_samples = set()  # families whose samples began
    closed = set()        # families whose samples ended (another family followed)
    current = None
    for n, line in enumerate(text.split("\n")[:-1], 1):
        where = "line %d" % n
        if line == "":
            raise ParseError("%s: empty line" % where)
        if line.startswith("#"):
            m = re.fullmatch(r"# (HELP|TYPE) (%s) (.*)" % NAME, line)
            if not m:
                if line.startswith("# HELP") or line.startswith("# TYPE"):
                    raise ParseError("%s: malformed %r" % (where, line))
                continue  # a comment
            kind, name, rest = m.groups()
            if name in seen_samples:
                raise ParseError("%s: %s for %s after its samples" % (where, kind, name))
            if kind == "HELP":
                if name in helps:
                    raise ParseError("%s: second HELP for %s" % (where, name))
                if re.search(r"\\[^\\n]", rest) or rest.endswith("\\") and not rest.endswith("\\\\"):
                    raise ParseError("%s: bad escape in HELP" % where)
                helps[name] = rest
            else:
                if name in types:
                    raise ParseError("%s: second TYPE for %s" % (where, name))
                if rest not in TYPES:
                    raise ParseError("%s: unknown type %r" % (where, rest))
                types[name] = rest
            continue
        m = re.compile(NAME).match(line)
        if not m:
            raise ParseError("%s: bad metric name in %r" % (where, line))
        name = m.group(0)
        i = m.end()
        labels = {}
        if line[i:i + 1] == "{":
            labels, i = parse_labels(line, i + 1, where)
        if line[i:i + 1] != " ":
            raise ParseError("%s: expected a space before the value" % where)
        parts = line[i + 1:].split(" ")
        if len(parts) not in (1, 2):
            raise ParseError("%s: expected value [timestamp]" % where)
        value = parse_value(parts[0], where)
        if len(parts) == 2 and not re.fullmatch(r"-?\d+", parts[1]):
            raise ParseError("%s: bad timestamp" % where)
        fam = family_of(name, types)
        if fam not in types:
            raise ParseError("%s: sample of %s without a TYPE line" % (where, fam))
        if types[fam] == "histogram" and name == fam:
            raise ParseError("%s: a histogram's samples end in _bucket, _sum or _count" % where)
        if types[fam] != "histogram" and "le" in labels:
            raise ParseError("%s: le label outside a histogram" % where)
        if fam != current:
            if fam in closed or fam in seen_samples:
                raise ParseError("%s: samples of %s are not together" % (where, fam))
            if current:
                closed.add(current)
            current = fam
        seen_samples.add(fam)
        key = (name, tuple(sorted(labels.items())))
        if any(s[0] == name and s[3] == key[1] for s in samples):
            raise ParseError("%s: %s%s twice" % (where, name, labels))
        samples.append((name, labels, value, key[1]))
    check_histograms(types, samples)
    return helps, types, samples


def check_histograms(types, samples):
    for fam, t in types.items():
        if t != "histogram":
            continue
        groups = {}
        for name, labels, value, _ in samples:
            if family_of(name, types) != fam:
                continue
            rest = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
            g = groups.setdefault(rest, {"buckets": [], "sum": None, "count": None})
            if name == fam + "_bucket":
                if "le" not in labels:
                    raise ParseError("%s_bucket%s without le" % (fam, dict(rest)))
                g["buckets"].append((parse_value(labels["le"], fam + " le"), value))
            elif "le" in labels:
                raise ParseError("%s: le on %s" % (fam, name))
            elif name == fam + "_sum":
                g["sum"] = value
            else:
                g["count"] = value
        for rest, g in groups.items():
            what = "%s%s" % (fam, dict(rest))
            b = g["buckets"]
            if not b:
                raise ParseError("%s: no buckets" % what)
            les = [le for le, _ in b]
            if les != sorted(les) or len(set(les)) != len(les):
                raise ParseError("%s: le not strictly ascending: %s" % (what, les))
            if les[-1] != math.inf:
                raise ParseError("%s: no +Inf bucket" % what)
            counts = [c for _, c in b]
            if any(c2 < c1 for c1, c2 in zip(counts, counts[1:])):
                raise ParseError("%s: buckets not cumulative: %s" % (what, counts))
            if g["count"] is None or g["sum"] is None:
                raise ParseError("%s: _count or _sum missing" % what)
            if g["count"] != counts[-1]:
                raise ParseError("%s: _count %s != +Inf bucket %s" % (what, g["count"], counts[-1]))
            if g["sum"] < 0 and all(le >= 0 for le in les[:-1]):
                raise ParseError("%s: negative _sum" % what)


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    try:
        helps, types, samples = parse(text)
    except ParseError as e:
        print("# promparse: %s" % e)
        return 1

    def v(name, **labels):
        for n, l, value, _ in samples:
            if n == name and l == labels:
                return value
        raise KeyError("%s%s" % (name, labels))

    def has(name, **labels):
        try:
            v(name, **labels)
            return True
        except KeyError:
            return False

    rc = 0
    for expr in sys.argv[2:]:
        try:
            ok = eval(expr, {"v": v, "has": has, "math": math})
        except KeyError as e:
            print("# promparse: %s: no sample %s" % (expr, e))
            ok = False
        if not ok:
            print("# promparse: false: %s" % expr)
            rc = 1
    if rc == 0:
        print("ok %d families, %d samples" % (len(types), len(samples)))
    return rc


if __name__ == "__main__":
    sys.exit(main())
