#!/bin/sh
# One fuzz target's smoke run, reported as one test the way automake's
# harness would: fuzz/smoke-NAME.log ends with "RESULT fuzz-NAME: ...",
# fuzz/smoke-NAME.trs holds ":test-result: PASS|FAIL" (tests/summarize.sh
# counts both). The seeds are copied into a fresh corpus, so libFuzzer
# never writes into the source tree; a finding is kept as fuzz/crash-NAME-*.
# usage: smoke.sh NAME SECONDS MAX_LEN SEED_DIR...   (from the build dir)
set -u
name=$1 secs=$2 maxlen=$3
shift 3
corpus=fuzz/corpus-$name
log=fuzz/smoke-$name.log
rm -rf "$corpus" && mkdir -p "$corpus" || exit 1
for d in "$@"; do
	find "$d" -type f | while IFS= read -r f; do
		cp "$f" "$corpus/$(cksum <"$f" | cut -d' ' -f1)"
	done
done
seeds=$(find "$corpus" -type f | wc -l)
# leaks inside system libraries, not ours (see the file)
LSAN_OPTIONS="suppressions=$(cd "$(dirname "$0")" && pwd)/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
# -timeout: one input taking 10 s is a hang; -rss_limit_mb: so is 2 GiB
if ./fuzz/fuzz_$name -max_total_time="$secs" -max_len="$maxlen" -timeout=10 \
	-rss_limit_mb=2048 -artifact_prefix="fuzz/crash-$name-" "$corpus" >"$log.out" 2>&1; then
	r="1 passed, 0 failed" t=PASS
else
	r="0 passed, 1 failed" t=FAIL
fi
{
	echo "fuzz-$name: $seeds seeds, $secs s, $(grep -o 'Done [0-9]* runs' "$log.out" | tail -n 1)"
	[ $t = PASS ] || tail -n 60 "$log.out"
	echo "RESULT fuzz-$name: $r"
} >"$log"
echo ":test-result: $t" >"fuzz/smoke-$name.trs"
[ $t = PASS ]
