#!/bin/sh
# Run the libFuzzer targets for a bounded time from their seed corpora (TAP).
# VGFB_FUZZ_SECONDS=N is each target's budget (default 10); 0 only replays
# the seeds.  VGFB_FUZZ_KEEP=DIR keeps each grown corpus in DIR/NAME (make
# fuzz-long).  Each run's output is in tests/fuzz/fuzz-NAME.log; its runs,
# exec/s and coverage are printed as a TAP comment.  Findings (crash-*,
# leak-*) are kept in tests/fuzz/ for a rerun:
#   tests/fuzz/fuzz-server tests/fuzz/crash-...
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
secs=${VGFB_FUZZ_SECONDS:-10}
artifacts="$top_builddir/tests/fuzz/"

# name:seed corpus:longest input (the vfb input holds a whole shared page)
targets="proto:corpus:4096 server:corpus-server:4096
	vdispl:corpus-vdispl:4096 vfb:corpus-vfb:8192 vkbd:corpus-vkbd:1024
	source:corpus-source:4096 target:corpus-target:1024"
# two results per target: the plan follows the list
set -- $targets
echo "1..$(($# * 2))"
n=0
for target in $targets; do
	name=${target%%:*}
	corpus=${target#*:}
	max_len=${corpus#*:}
	corpus=${corpus%%:*}
	seeds="$top_srcdir/tests/fuzz/$corpus"
	fuzzer="$top_builddir/tests/fuzz/fuzz-$name"
	if [ ! -x "$fuzzer" ]; then
		echo "not ok $((n + 1)) - $fuzzer is not built"
		echo "not ok $((n + 2)) - $fuzzer is not built"
		n=$((n + 2))
		continue
	fi
	# every seed once: each must be handled cleanly
	if "$fuzzer" -runs=0 -artifact_prefix="$artifacts" "$seeds" >&2 2>&1; then
		echo "ok $((n + 1)) - fuzz-$name: seed corpus replays cleanly"
	else
		echo "not ok $((n + 1)) - fuzz-$name: seed corpus replay failed"
	fi
	if [ "$secs" -eq 0 ]; then
		echo "ok $((n + 2)) - # SKIP VGFB_FUZZ_SECONDS=0"
		n=$((n + 2))
		continue
	fi
	# new inputs go to a scratch corpus, never into the source tree;
	# VGFB_FUZZ_KEEP=DIR keeps each target's grown corpus in DIR/NAME
	if [ -n "${VGFB_FUZZ_KEEP:-}" ]; then
		work="$VGFB_FUZZ_KEEP/$name"
		mkdir -p "$work" || exit 1
	else
		work=$(mktemp -d "${TMPDIR:-/tmp}/vgfb-fuzz.XXXXXX") || exit 1
	fi
	cp "$seeds"/* "$work"/ 2>/dev/null
	flog="$top_builddir/tests/fuzz/fuzz-$name.log"
	if "$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len="$max_len" -print_final_stats=1 -artifact_prefix="$artifacts" \
		"$work" >"$flog" 2>&1; then
		echo "ok $((n + 2)) - fuzz-$name ran ${secs}s without a finding"
	else
		echo "not ok $((n + 2)) - fuzz-$name found a problem: see $flog and ${artifacts}"
		tail -n 40 "$flog" >&2
	fi
	# what the run reached, for docs/testing.md's table
	awk -v name="$name" '
		/^stat::number_of_executed_units:/ { runs = $2 }
		/^stat::average_exec_per_sec:/ { rate = $2 }
		/(INITED|DONE|NEW|REDUCE|pulse) +cov:/ {
			for (i = 1; i < NF; i++) {
				if ($i == "cov:") cov = $(i + 1)
				if ($i == "ft:") ft = $(i + 1)
			}
		}
		END { printf "# fuzz-%s: %s runs, %s exec/s, cov %s, ft %s\n", name, runs, rate, cov, ft }' "$flog"
	[ -n "${VGFB_FUZZ_KEEP:-}" ] || rm -rf "$work"
	n=$((n + 2))
done
