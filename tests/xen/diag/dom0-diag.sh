#!/bin/bash
# SPDX-License-Identifier: MIT
#
# /vgfb/diag/dom0-diag.sh: the xen tier's diagnostic mode inside dom0
# (XEN_TIER_DIAG=1, issue #14, docs/xen-tier-reliability.md).  dom0's init
# calls it; nothing here tests vgfb.  It watches for corruption in programs
# that are not ours while the tier runs:
#
#   dom0-diag.sh selftest   cpu-state-check -F must see its own injected
#                           fault (proves the detector can fail)
#   dom0-diag.sh start      in the background, at nice 10, until stop:
#                           - cpu-state-check (YMM registers held across
#                             preemption, glibc string functions against
#                             byte loops) in rounds of 20 s;
#                           - a loop of /bin/true (dynamic: ld.so, libc)
#                             and `bash -n` over every hook and dom0 script
#   dom0-diag.sh stop       ends them (by their PIDs) and prints one
#                           VGFB_RESULT per detector
#   dom0-diag.sh burst SECS both detectors in the foreground for SECS
#                           seconds (full priority), then their results
#
# Every failure prints a VGFB_DIAG_MISMATCH line with what was seen.
set -u
# shellcheck source-path=SCRIPTDIR source=../dom0-lib.sh
. /vgfb/dom0-lib.sh

D=$VGFB_RUN/diag
mkdir -p "$D"

# exec_loop SECONDS|0 OUT: /bin/true and bash -n until the time is up (0:
# until killed); counts and failures go to OUT.
exec_loop() {
	local secs=$1 out=$2 end n_true=0 bad_true=0 n_bash=0 bad_bash=0 f rc msg
	end=$(($(date +%s) + secs))
	local files=(/vgfb/hooks/* /vgfb/init /vgfb/dom0-lib.sh /vgfb/diag/dom0-diag.sh)
	local stop=0
	trap 'stop=1' TERM
	while [ $stop = 0 ] && { [ "$secs" -eq 0 ] || [ "$(date +%s)" -lt "$end" ]; }; do
		msg=$(/bin/true 2>&1)
		rc=$?
		n_true=$((n_true + 1))
		if [ $rc -ne 0 ] || [ -n "$msg" ]; then
			bad_true=$((bad_true + 1))
			echo "VGFB_DIAG_MISMATCH exec /bin/true rc=$rc: ${msg:0:300}"
		fi
		for f in "${files[@]}"; do
			msg=$(bash -n "$f" 2>&1)
			rc=$?
			n_bash=$((n_bash + 1))
			if [ $rc -ne 0 ] || [ -n "$msg" ]; then
				bad_bash=$((bad_bash + 1))
				echo "VGFB_DIAG_MISMATCH exec bash -n $f rc=$rc: ${msg:0:300}"
			fi
		done
		echo "n_true=$n_true bad_true=$bad_true n_bash=$n_bash bad_bash=$bad_bash" >"$out"
	done
}

# csc_loop SECONDS|0 OUT: cpu-state-check in 20 s rounds; totals to OUT.
csc_loop() {
	local secs=$1 out=$2 end rounds=0 bad=0 round
	end=$(($(date +%s) + secs))
	local stop=0
	# a TERM ends the loop after the current round, which is then counted
	trap 'stop=1' TERM
	while [ $stop = 0 ] && { [ "$secs" -eq 0 ] || [ "$(date +%s)" -lt "$end" ]; }; do
		round=20
		[ "$secs" -ne 0 ] && [ $((end - $(date +%s))) -lt 20 ] && round=$((end - $(date +%s)))
		[ "$round" -ge 1 ] || break
		cpu-state-check -t "$round" >"$D/csc-round.out" 2>&1 || bad=$((bad + 1))
		rounds=$((rounds + 1))
		grep -a 'VGFB_DIAG_MISMATCH' "$D/csc-round.out"
		grep -a 'worker=' "$D/csc-round.out" >>"$D/csc-workers.out"
		echo "rounds=$rounds bad_rounds=$bad" >"$out"
	done
}

# report TAG: VGFB_RESULT lines from the counters
report() {
	local tag=$1 n_true=0 bad_true=0 n_bash=0 bad_bash=0 rounds=0 bad_rounds=0
	local ymm glibc ymm_bad glibc_bad
	[ -r "$D/exec-$tag.cnt" ] && eval "$(cat "$D/exec-$tag.cnt")"
	[ -r "$D/csc-$tag.cnt" ] && eval "$(cat "$D/csc-$tag.cnt")"
	read -r ymm ymm_bad glibc glibc_bad < <(awk '
		{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] += kv[2] } }
		END { printf "%d %d %d %d\n", v["vec"], v["vec_bad"], v["glibc"], v["glibc_bad"] }' \
		"$D/csc-workers.out" 2>/dev/null || echo 0 0 0 0)
	local v=PASS
	[ "$bad_true" -eq 0 ] && [ "$bad_bash" -eq 0 ] || v=FAIL
	[ "$n_true" -gt 0 ] || v=FAIL
	vgfb_result "diag_exec_$tag" $v "/bin/true: $bad_true bad of $n_true; bash -n: $bad_bash bad of $n_bash"
	v=PASS
	[ "$bad_rounds" -eq 0 ] && [ "$ymm_bad" -eq 0 ] && [ "$glibc_bad" -eq 0 ] || v=FAIL
	[ "$rounds" -gt 0 ] || v=FAIL
	vgfb_result "diag_cpu_state_$tag" $v "rounds=$rounds bad_rounds=$bad_rounds register_checks=$ymm register_bad_halves=$ymm_bad glibc_checks=$glibc glibc_bad=$glibc_bad"
	rm -f "$D/csc-workers.out"
}

case ${1:-} in
selftest)
	out=$(cpu-state-check -F -t 2 -w 2 2>&1)
	n=$(grep -cE 'VGFB_DIAG_MISMATCH (ymm|xmm)' <<<"$out")
	# the injected fault: the high halves of ymm (AVX) or xmm0 (SSE)
	if [ "$n" -gt 0 ] && ! grep -E 'VGFB_DIAG_MISMATCH ymm' <<<"$out" | grep -q 'half=low' &&
		! grep -E 'VGFB_DIAG_MISMATCH xmm' <<<"$out" | grep -qv 'reg=xmm0 '; then
		vgfb_result diag_selftest PASS "cpu-state-check -F reported its injected fault ($n mismatches printed, in the injected registers only)"
	else
		vgfb_result diag_selftest FAIL "cpu-state-check -F did not see its injected fault: ${out:0:300}"
	fi
	grep -m1 'start' <<<"$out" | sed 's/^/  /'
	;;
start)
	rm -f "$D"/*.cnt "$D/csc-workers.out"
	nice -n 10 "$0" _exec_bg &
	echo $! >"$D/exec.pid"
	nice -n 10 "$0" _csc_bg &
	echo $! >"$D/csc.pid"
	vgfb_stage "diag background detectors started (pids $(cat "$D/exec.pid") $(cat "$D/csc.pid"))"
	;;
stop)
	for p in exec csc; do
		[ -r "$D/$p.pid" ] && kill "$(cat "$D/$p.pid")" 2>/dev/null
	done
	# cpu-state-check workers end on their own within their 20 s round
	sleep 1
	for p in exec csc; do
		pid=$(cat "$D/$p.pid" 2>/dev/null) || continue
		for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
	done
	report bg
	;;
_exec_bg) exec_loop 0 "$D/exec-bg.cnt" ;;
_csc_bg) csc_loop 0 "$D/csc-bg.cnt" ;;
burst)
	secs=${2:-60}
	rm -f "$D/csc-workers.out"
	vgfb_stage "diag burst ${secs} s"
	exec_loop "$secs" "$D/exec-burst.cnt" &
	e=$!
	csc_loop "$secs" "$D/csc-burst.cnt"
	wait "$e"
	report burst
	;;
*)
	echo "usage: $0 selftest|start|stop|burst SECONDS" >&2
	exit 2
	;;
esac
