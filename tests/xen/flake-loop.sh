#!/bin/bash
# SPDX-License-Identifier: MIT
#
# flake-loop.sh: measure how often the xen tier fails on a loaded host.
# Issue #14; the measurements are in docs/xen-tier-reliability.md.
#
#   tests/xen/flake-loop.sh [N]        (from the build tree, as root)
#
# Builds the images once (tests/xen/build.sh, skipped with
# FLAKE_NO_BUILD=1), starts the CPU hog, runs tests/xen/boot.sh N times
# (default 20) in a row, stops the hog, and prints the failure rate and
# each failed run's signature.
#
# The hog (FLAKE_HOG, default: one per host core, `nproc`): that many
# plain shell busy loops (`while :; do :; done`, nice 0), i.e. 100 % user
# CPU on every core beside qemu's two vCPU threads, started before the
# first boot and running until the last one ends.  It models "a compile
# job on the other core" without the compiler's memory traffic; FLAKE_HOG=0
# measures an idle host.
#
# Every boot.sh argument comes from the environment as usual
# (XEN_TIER_BUILD, XEN_TIER_GUESTS, XEN_TIER_XEN_APPEND, XEN_TIER_QEMU_CPU,
# XEN_TIER_DIAG, VGFB_QEMU_LOCK, ...); they are printed at the start.
#
# Output goes to FLAKE_OUT (default $XEN_TIER_BUILD/flake-<stamp>):
#   runs.tsv            run, start (UTC), rc, pass, fail, skip, retried, seconds,
#                       load average at the end, log
#   run-NN.out          boot.sh's output of each run
#   run-NN.log          full serial log, kept for every FAILED run (boot.sh
#                       itself keeps only the last 10 logs)
#   summary.txt         what is printed at the end
# SIGINT/SIGTERM/SIGHUP end the loop after the current boot (counted).
# Exit status: 0 when every run passed, 1 otherwise, 77 if a prerequisite
# is missing.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

n=${1:-20}
if ! [[ $n =~ ^[0-9]+$ ]] || [ "$n" -lt 1 ]; then
	xen_die "usage: $0 [N>=1]"
fi
[ "$(id -u)" -eq 0 ] || xen_skip "needs root (build.sh and boot.sh do)"
command -v "$QEMU" >/dev/null 2>&1 || xen_skip "$QEMU not found"
export XEN_TIER_BUILD=${XEN_TIER_BUILD:-$PWD/_build/xen-tier}
hogs=${FLAKE_HOG:-$(nproc)}
[[ $hogs =~ ^[0-9]+$ ]] || xen_die "FLAKE_HOG must be a number"
out=${FLAKE_OUT:-$XEN_TIER_BUILD/flake-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
out=$(cd "$out" && pwd)

hog_pids=()
stop_hog() {
	local p
	# only the busy loops this script started, by PID
	for p in "${hog_pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	hog_pids=()
}
# A signal stops the loop after the current boot, which is still counted.
stop=0
trap 'stop=1' INT TERM HUP
trap stop_hog EXIT

{
	echo "flake-loop: $n boots, hog=$hogs busy loop(s), $(nproc) cores, $(date -u '+%F %T UTC')"
	echo "flake-loop: qemu $("$QEMU" --version | head -n 1)"
	env | grep -E '^(XEN_TIER_|VGFB_QEMU_LOCK|KVER)' | sort | sed 's/^/flake-loop: env /'
} | tee "$out/summary.txt"

if [ "${FLAKE_NO_BUILD:-0}" != 1 ]; then
	t0=$(date +%s)
	"$here/build.sh" >"$out/build.out" 2>&1 ||
		{ tail -20 "$out/build.out"; xen_die "build.sh failed (see $out/build.out)"; }
	echo "flake-loop: build.sh took $(($(date +%s) - t0)) s" | tee -a "$out/summary.txt"
fi

for ((i = 0; i < hogs; i++)); do
	nice -n 0 bash -c 'while :; do :; done' &
	hog_pids+=($!)
done

# signature PATTERNS of a failed run: what killed it, in one grep each
sig_re='Inconsistency detected by ld\.so|malloc\(\)|free\(\)|double free|corrupted|'
sig_re+='syntax error|Triple fault|Segmentation fault|segfault|Illegal instruction|'
sig_re+='Bus error|Aborted|core dumped|general protection|invalid opcode|'
sig_re+='timed out|timeout after|VGFB_WARN|VGFB_FATAL|VGFB_DIAG_MISMATCH|'
sig_re+='Kernel panic|Panic on CPU|Hardware Dom0 crashed|Oops|BUG:'

printf 'run\tstart_utc\trc\tpass\tfail\tskip\tretried\tseconds\tloadavg\tlog\n' >"$out/runs.tsv"
nfail=0
nretried=0
t_all=$(date +%s)
done_runs=0
for ((r = 1; r <= n; r++)); do
	[ "$stop" = 1 ] && break
	rr=$(printf '%02d' "$r")
	t0=$(date +%s)
	start=$(date -u +%T)
	"$here/boot.sh" >"$out/run-$rr.out" 2>&1
	rc=$?
	secs=$(($(date +%s) - t0))
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	closing=$(grep -a '^xen: ' "$out/run-$rr.out" | tail -n 1)
	read -r pass fail skip < <(sed -E 's/^xen: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped.*/\1 \2 \3/' <<<"$closing")
	retried=$(sed -nE 's/^xen: .* ([0-9]+) retried.*/\1/p' <<<"$closing")
	nretried=$((nretried + ${retried:-0}))
	log=$(grep -aoE 'log [^ )]+\.log' <<<"$closing" | cut -d' ' -f2)
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rr" "$start" "$rc" "${pass:-?}" \
		"${fail:-?}" "${skip:-?}" "${retried:-?}" "$secs" "$load" "${log:-?}" >>"$out/runs.tsv"
	done_runs=$r
	if [ "$rc" -eq 0 ]; then
		# a pass that needed the one allowed infrastructure retry,
		# printed a warning, or met a window the tier waits out by
		# name (guest-drm's connector registration) says so
		warns=
		[ -n "$log" ] && [ -r "$log" ] &&
			warns=$(grep -aE 'VGFB_(WARN|RETRY)|before it was registered' "$log" | tr -d '\r' | head -n 3 | tr '\n' ';')
		echo "run $rr: PASS ($secs s, load $load)${warns:+, with: $warns}"
		continue
	fi
	nfail=$((nfail + 1))
	[ -n "$log" ] && [ -r "$log" ] && cp "$log" "$out/run-$rr.log"
	{
		echo "run $rr: FAIL rc=$rc ($secs s, load $load) $closing"
		grep -a 'VGFB_RESULT .* FAIL' "$out/run-$rr.out" | sed 's/^/    /'
		[ -r "$out/run-$rr.log" ] &&
			grep -anE "$sig_re" "$out/run-$rr.log" | tr -d '\r' |
			grep -v 'VGFB_RESULT .* PASS' | head -n 25 | cut -c1-300 |
			sed 's/^/    sig: /'
	} | tee -a "$out/failures.txt"
done
stop_hog

{
	[ "$done_runs" -eq "$n" ] || echo "flake-loop: stopped by a signal after $done_runs of $n runs"
	echo "flake-loop: $nfail of $done_runs runs failed ($(awk -v f="$nfail" -v n="$done_runs" 'BEGIN { if (n) printf "%.0f", 100 * f / n; else printf "-" }') %), $(($(date +%s) - t_all)) s in all"
	echo "flake-loop: $nretried infrastructure retries (VGFB_RETRY) in all"
	echo "flake-loop: per-run table $out/runs.tsv"
	[ "$nfail" -eq 0 ] || { echo "flake-loop: failed runs:"; cat "$out/failures.txt"; }
} | tee -a "$out/summary.txt"
[ "$nfail" -eq 0 ]
