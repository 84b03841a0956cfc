#!/bin/sh
# vgfb-bench runs end to end and prints its table (TAP).  No timing
# thresholds: the numbers are for people, not for pass/fail.
set -u
top_builddir=${top_builddir:-.}
bench="$top_builddir/bench/vgfb-bench"
out=$("$bench" --vgfbd="$top_builddir/tools/vgfbd/vgfbd" -n 20 -i 5 -p 10 \
	-I 200 2>&1)
rc=$?
echo "1..3"
printf '%s\n' "$out" | sed 's/^/# /'
if [ $rc -eq 0 ]; then echo "ok 1 - vgfb-bench exits 0"; else echo "not ok 1 - vgfb-bench exit $rc"; fi
if printf '%s\n' "$out" | grep -q '^wake-up latency median .* ms .* ms'; then
	echo "ok 2 - latency line printed"
else
	echo "not ok 2 - no latency line"
fi
if printf '%s\n' "$out" | grep -q '^changes noticed  *20  *20$'; then
	echo "ok 3 - both consumers noticed all 20 changes"
else
	echo "not ok 3 - a consumer missed changes"
fi
