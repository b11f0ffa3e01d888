#!/bin/sh
# Seed corpus for fuzz_mp3: small MP3s of each kind, made with lame.
# usage: seeds.sh DIR
set -e
d=$1
raw="$d/tone.raw"
/usr/bin/python3 -c "
import math,struct,sys
sys.stdout.buffer.write(b''.join(struct.pack('<h',int(8000*math.sin(i*0.0627))) for i in range(22050)))" > "$raw"
lame --quiet -r -s 44.1 -m m -b 64 "$raw" "$d/cbr.mp3"
lame --quiet -r -s 44.1 -m m -t -b 32 "$raw" "$d/notag.mp3"
lame --quiet -r -s 22.05 -m m -V 5 "$raw" "$d/vbr22.mp3"
lame --quiet -r -s 48 -m j -b 96 "$raw" "$d/st48.mp3"
{ printf 'ID3\003\000\000\000\000\000\040'; head -c 32 /dev/zero; cat "$d/cbr.mp3"; printf 'TAG'; head -c 125 /dev/zero; } > "$d/tags.mp3"
head -c 3000 "$d/cbr.mp3" > "$d/trunc.mp3"
rm -f "$raw"
# junk between frames holding a 22050 Hz header (a spurious header inside junk must not read as a format change)
{ head -c 2000 "$d/notag.mp3"; printf 'junk\377\363\200\104'; head -c 300 /dev/zero; tail -c +2001 "$d/notag.mp3"; } > "$d/junk.mp3"
