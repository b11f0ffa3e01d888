#!/bin/sh
# Add up the "RESULT <name>: N passed, M failed[, K skipped]" lines that every
# test program prints into its automake log, for one or more build
# directories. A test whose .trs says FAIL or ERROR but which printed no
# failure (a crash, a sanitizer abort) counts as one failure; one whose .trs
# says SKIP (exit status 77) and printed no count is one skipped. A skipped
# test is never counted as passed. Prints the skipped count, then the grand
# total as the last line (what CI reads):
#   skipped: K (...)
#   total: N passed, N failed
set -u
passed=0
failed=0
skipped=0
# the three numbers of every RESULT line in a log, one "p f k" line each
counts() {
	sed -n -e 's/^RESULT [^:]*: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' \
		-e 's/^RESULT [^:]*: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2 0/p' "$1"
}
for dir in "$@"; do
	# (a failed distcheck leaves its own tree, playout-<version>/, behind)
	for trs in $(find "$dir" -path '*/playout-[0-9]*' -prune -o -name '*.trs' -print | sort); do
		log=${trs%.trs}.log
		p=0 f=0 k=0
		if [ -f "$log" ]; then
			set -- $(counts "$log" | awk '{p+=$1; f+=$2; k+=$3} END {print p+0, f+0, k+0}')
			p=$1 f=$2 k=$3
		fi
		if grep -qE '^:test-result: (FAIL|ERROR)' "$trs" && [ "$f" -eq 0 ]; then
			f=1
			echo "summarize: $log failed without a RESULT line" >&2
		fi
		if grep -qE '^:test-result: SKIP' "$trs" && [ "$k" -eq 0 ] && [ "$f" -eq 0 ]; then
			k=1
		fi
		if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$k" -eq 0 ]; then
			echo "summarize: $log ran no test" >&2
			f=1
		fi
		passed=$((passed + p))
		failed=$((failed + f))
		skipped=$((skipped + k))
	done
done
# CI reads the last line: "N passed, N failed" sums every test that ran; a
# skipped test is neither, and is counted on the line before.
echo "skipped: $skipped (each named on a SKIP line above)"
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
