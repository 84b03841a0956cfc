#!/bin/sh
# vgfb-bench runs every part once, quickly, and prints its table and JSON
# (TAP).  No timing thresholds: the numbers are for people (make bench,
# docs/performance.md), not for pass/fail; this checks only that each
# part ran and reported a figure with its baseline.
set -u
top_builddir=${top_builddir:-.}
bench="$top_builddir/bench/vgfb-bench"
json=$(mktemp "${TMPDIR:-/tmp}/vgfb-bench-smoke.XXXXXX")
trap 'rm -f "$json"' EXIT
out=$("$bench" --quick --vgfbd="$top_builddir/tools/vgfbd/vgfbd" \
	--json="$json" 2>&1)
rc=$?
echo "1..4"
printf '%s\n' "$out" | sed 's/^/# /'
if [ $rc -eq 0 ]; then echo "ok 1 - vgfb-bench exits 0"; else echo "not ok 1 - vgfb-bench exit $rc"; fi

# every part has a measured row: a number in the value column (53-62;
# a row that could not be measured shows "-" or "n/a" there)
missing=
for part in a b c d.1 d.8 d.64 e f; do
	printf '%s\n' "$out" | grep "^$part " | cut -c53-62 | grep -q '[0-9]' ||
		missing="$missing $part"
done
if [ -z "$missing" ]; then echo "ok 2 - every part printed a row"; else echo "not ok 2 - no row for:$missing"; fi

# the region exporter works everywhere, so a-c have numbers for it
if printf '%s\n' "$out" | grep -q '^a .*(region).*x less'; then
	echo "ok 3 - the unchanged REGION plane has a ratio"
else
	echo "not ok 3 - no ratio for the unchanged REGION plane"
fi

# JSON: one object per row, the same count as the table's rows
rows=$(printf '%s\n' "$out" | grep -c '^[a-f][.0-9a-f-]* ')
objs=$(grep -c '"part": ' "$json")
if [ "$rows" -gt 0 ] && [ "$rows" -eq "$objs" ] && grep -q '"kernel": ' "$json"; then
	echo "ok 4 - JSON holds the $objs rows"
else
	echo "not ok 4 - JSON has $objs rows, the table $rows"
fi
