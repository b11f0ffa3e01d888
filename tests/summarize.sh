#!/bin/sh
# Add up the "RESULT <name>: N passed, M failed" lines that every test program
# prints into its automake log, for one or more build directories. A test
# whose .trs says FAIL or ERROR but which printed no failure (a crash, a
# sanitizer abort) counts as one failure. Prints the grand total last.
set -u
passed=0
failed=0
for dir in "$@"; do
	# (a failed distcheck leaves its own tree, playout-<version>/, behind)
	for trs in $(find "$dir" -path '*/playout-[0-9]*' -prune -o -name '*.trs' -print | sort); do
		log=${trs%.trs}.log
		p=0 f=0
		if [ -f "$log" ]; then
			p=$(sed -n 's/^RESULT [^:]*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
			f=$(sed -n 's/^RESULT [^:]*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$log" | awk '{s+=$1} END {print s+0}')
		fi
		if grep -qE '^:test-result: (FAIL|ERROR)' "$trs" && [ "$f" -eq 0 ]; then
			f=1
			echo "summarize: $log failed without a RESULT line" >&2
		fi
		if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
			echo "summarize: $log ran no test" >&2
			f=1
		fi
		passed=$((passed + p))
		failed=$((failed + f))
	done
done
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
