#!/bin/sh
# Seed corpus for fuzz_mp3gain: the MP3 scanner's seeds (seeds.sh) plus one
# with CRC-16 protection, each behind the two bytes the target reads as the
# steps (+4), whole and as its first frame alone.
# usage: seeds_mp3gain.sh DIR
set -e
d=$1
sh "$(dirname "$0")/seeds.sh" "$d"
/usr/bin/python3 -c "
import math,struct,sys
sys.stdout.buffer.write(b''.join(struct.pack('<h',int(8000*math.sin(i*0.0627))) for i in range(22050)))" |
	lame --quiet -r -s 44.1 -m j -p -b 128 - "$d/crc.mp3"
for f in "$d"/*.mp3; do
	{ printf '\001\004'; cat "$f"; } >"$f.seed"
	{ printf '\001\004'; tail -c +1 "$f" | head -c 418; } >"$f.frame.seed"
	rm -f "$f"
done
