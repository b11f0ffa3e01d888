"""Every configuration key playoutd accepts is documented in playout.conf(5),
with the range, choices and default the code enforces.

usage: check_keys.py CONFIG_C MAN_PAGE [CORE_C...] < `playoutctl plugins` output

Prints one "ok"/"not ok" line per key and exits 1 when any is missing or
disagrees. Top-level keys come from core/config.c (its key lists and its
get_int/get_number ranges); the keys the core reads in plugin groups
(a storage's downloads, an output's format...) from the settings tables
in CONFIG_C and each CORE_C; plugin keys from `playoutctl plugins`, which
prints each loaded plugin's settings table as the validator reads it.
"""
import re
import sys

config_c, man_path = sys.argv[1], sys.argv[2]
src = open(config_c, encoding="utf-8").read()
core_srcs = [src] + [open(f, encoding="utf-8").read() for f in sys.argv[3:]]
man = open(man_path, encoding="utf-8").read().replace("\\(dq", '"')
failed = 0
count = 0


def check(ok, what):
    global failed, count
    count += 1
    if not ok:
        failed += 1
    print("%s - %s" % ("ok" if ok else "not ok", what))


def item_lines(text):
    """{key: its .It line} of one man page part."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"\.It Ic (\S+)(.*)$", line)
        if m:
            out.setdefault(m.group(1), m.group(2))
    return out


def section(title_re):
    """The text of the .Ss subsection whose title matches, up to the next."""
    m = re.search(r"^\.Ss " + title_re + r".*?(?=^\.S[sh] )", man, re.M | re.S)
    return m.group(0) if m else ""


# ---- the core's keys: every name in config.c's key lists
top = item_lines(man)
lists = re.findall(r"static const char \*const (\w+_keys)\[\] = \{(.*?)\};", src, re.S)
check(len(lists) >= 4, "config.c has its key lists (found %d)" % len(lists))
for name, body in lists:
    for key in re.findall(r'"(\w+)"', body):
        check(key in top, "core key %s (%s) is in the man page" % (key, name))
# ... and the ranges get_int/get_number enforce
for key, lo, hi in re.findall(r'get_(?:int|number)\(c, \w+, "(\w+)", (-?[\d.]+), (-?[\d.]+)', src):
    line = top.get(key, "")
    check("range %s..%s" % (lo, hi) in line, "core key %s: range %s..%s in its man line" % (key, lo, hi))


def core_settings(text):
    """(key, [facts]) of every row of the struct playout_setting tables in text."""
    choices = {name: ", ".join(re.findall(r'"([^"]*)"', body))
               for name, body in re.findall(r"static const char \*const (\w+)\[\] = \{(.*?)\};", text, re.S)}
    for table in re.findall(r"static const struct playout_setting \w+\[\] = \{(.*?)\n\};", text, re.S):
        for key, row in re.findall(r'\{\s*\.name = "(\w+)",(.*?)\}', table, re.S):
            facts = []
            lo = re.search(r"\.min = (-?[\d.]+)\b", row)
            hi = re.search(r"\.max = (-?[\d.]+)\b", row)
            if lo and hi and lo.group(1) != hi.group(1):
                facts.append("range %s..%s" % (lo.group(1), hi.group(1)))
            ch = re.search(r"\.choices = (\w+)", row)
            if ch and ch.group(1) in choices:
                facts.append("one of " + choices[ch.group(1)])
            df = re.search(r'\.def = "([^"]*)"', row)
            if df:
                facts.append("default " + df.group(1))
            yield key, facts


# the keys the core itself reads in plugin groups (storage, output...)
core_keys = 0
for text in core_srcs:
    for key, facts in core_settings(text):
        core_keys += 1
        line = top.get(key)
        check(line is not None, "core group key %s is in the man page" % key)
        for fact in facts:
            check(line is not None and fact in line, "core group key %s: '%s' in its man line" % (key, fact))
check(core_keys >= 1, "found the core's group settings tables (%d keys)" % core_keys)

# ---- each plugin's settings, as `playoutctl plugins` prints them
plugin = None
plugins = 0
for line in sys.stdin:
    line = line.rstrip("\n")
    m = re.match(r"^(\S+)\s+(\w+)\s", line)
    if m:
        plugin = m.group(1)
        plugins += 1
        part = item_lines(section(re.escape(plugin) + r" \(" + m.group(2) + r"\)"))
        check(part != {}, "plugin %s has a section '.Ss %s (%s)'" % (plugin, plugin, m.group(2)))
        continue
    m = re.match(r"^    (\w+)\s+(?:\(([^)]*)\))?", line)
    if not m or "(contract " in line:
        continue
    key, facts = m.group(1), m.group(2) or ""
    doc = part.get(key)
    check(doc is not None, "plugin %s key %s is in the man page" % (plugin, key))
    if doc is None:
        continue
    for fact in re.split(r"[;,] (?=default|one of|\d|-\d)", facts):
        fact = fact.strip()
        if not fact:
            continue
        want = "range " + fact if re.match(r"-?\d+\.\.", fact) else fact
        check(want in doc, "plugin %s key %s: '%s' in its man line" % (plugin, key, want))
check(plugins >= 10, "playoutctl plugins listed every plugin (%d)" % plugins)
print("%d checked, %d failed" % (count, failed))
sys.exit(1 if failed else 0)
