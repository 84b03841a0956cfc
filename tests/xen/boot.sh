#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Boot the xen tier once: Xen 4.17 under qemu TCG with the images build.sh
# made, a PV dom0 that creates the test domUs and runs the hooks, and a
# fail-fast watcher that kills this run's own qemu (by its -pidfile PID)
# on timeout, a Xen or kernel panic, a dom0 crash or a VGFB_FATAL marker.
#
# Prints every VGFB_RESULT line, a timeline, the VGFB_RETRY lines (a domU
# re-created on the one infrastructure signature dom0-init.sh allows), and
# the closing line
#   xen: N passed, N failed, N skipped, N retried
# Exit status: 0 when nothing failed, 1 otherwise.
#
# Environment: XEN_TIER_BUILD (images), XEN_TIER_GUESTS (pv+pvh+hostile),
# XEN_TIER_SOAK_ROUNDS (hook 62's rounds, default 10), XEN_TIER_TIMEOUT
# (seconds, default 480 + 60 a soak round), XEN_TIER_XEN_APPEND (more Xen
# options), XEN_TIER_DOM0_APPEND (more dom0 kernel options),
# XEN_TIER_QEMU_CPU (qemu -cpu, default below), XEN_TIER_QEMU_ACCEL (qemu
# -accel, default tcg), VGFB_QEMU_LOCK, QEMU, KIMAGE.
# Diagnostic mode (images built with XEN_TIER_DIAG=1; see
# docs/xen-tier-reliability.md): XEN_TIER_DIAG=1 runs the corruption
# detectors in dom0 beside the hooks, XEN_TIER_DIAG_BURST=N adds N seconds
# of them in the foreground once the guests are up, XEN_TIER_NO_HOOKS=1
# skips the hooks.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
B=${XEN_TIER_BUILD:-$PWD/_build/xen-tier}
B=$(cd "$B" && pwd) || xen_die "no build dir $B (run build.sh)"
guests=${XEN_TIER_GUESTS:-pv+pvh+hostile}

for f in "$B/xen-4.17-amd64" "$B/dom0-initramfs.cpio.gz" "$B/dom0.ext4" "$KIMAGE"; do
	[ -r "$f" ] || xen_die "missing $f (run build.sh)"
	case $f in *,*) xen_die "path $f contains a comma (multiboot -initrd splits on commas)" ;; esac
done

mkdir -p "$B/logs"
stamp=$(date +%Y%m%d-%H%M%S)
log="$B/logs/boot-$stamp.log"
timeline="$B/logs/boot-$stamp.timeline"
pidfile="$B/qemu.pid"
rm -f "$pidfile"
: >"$log"
: >"$timeline"
ln -sf "logs/boot-$stamp.log" "$B/boot.log"
# keep the logs of the last 10 boots
find "$B/logs" -maxdepth 1 -name 'boot-*.log' -printf '%f\n' | sort -r |
	tail -n +11 | sed 's/\.log$//' | while read -r old; do
		rm -f "$B/logs/$old".*
	done

xen_args="console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M dom0_max_vcpus=2"
xen_args+=" loglvl=all guest_loglvl=all noreboot iommu=0"
# SMAP as emulated by qemu 7.2 TCG crashes dom0 at its first exception.
xen_args+=" smap=0"
# Eager FPU context switching for PV vCPUs (issue #14).  qemu's -cpu max is
# an AMD model, where Xen 4.17 defaults to lazy FPU switching (CR0.TS and
# #NM) for PV guests; under qemu 7.2 TCG that loses and mixes up register
# state: dom0 processes saw other processes' xmm/ymm contents, and bash,
# ld.so, xl's XZ decoder and vgfb-dump then failed at random on a loaded
# host.  With eager-fpu=1 the detector of XEN_TIER_DIAG=1 saw no bad
# register in thousands of checks where lazy switching gave thousands.
# Evidence and counts: docs/xen-tier-reliability.md.
xen_args+=" spec-ctrl=eager-fpu=1"
# extra Xen options, appended (later options win), e.g. for debugging
xen_args+=${XEN_TIER_XEN_APPEND:+ $XEN_TIER_XEN_APPEND}
dom0_args="console=hvc0 earlyprintk=xen rdinit=/init quiet loglevel=4"
dom0_args+=" vgfb_guests=$guests vgfb_soak_rounds=$XEN_TIER_SOAK_ROUNDS"
# more dom0 kernel options (a literal comma must be written ,, here)
dom0_args+=${XEN_TIER_DOM0_APPEND:+ $XEN_TIER_DOM0_APPEND}
if [ "${XEN_TIER_DIAG:-0}" = 1 ]; then
	[ -e "$B/diag-enabled" ] || xen_die "XEN_TIER_DIAG=1 needs images built with XEN_TIER_DIAG=1"
	dom0_args+=" vgfb_diag=1 vgfb_diag_burst=${XEN_TIER_DIAG_BURST:-0}"
fi
[ "${XEN_TIER_NO_HOOKS:-0}" = 1 ] && dom0_args+=" vgfb_hooks=0"
qemu_cpu=${XEN_TIER_QEMU_CPU:-max}
qemu_accel=${XEN_TIER_QEMU_ACCEL:-tcg}

# timeout(1) is the backstop should this script itself be killed: qemu
# never outlives the limit by more than a minute.
qemu_cmd=(flock -w 900 "$VGFB_QEMU_LOCK"
	timeout -s KILL $((XEN_TIER_TIMEOUT + 60))
	"$QEMU" -accel "$qemu_accel" -machine q35 -cpu "$qemu_cpu" -smp 2 -m 2048
	-display none -vga none -nic none -no-reboot
	-monitor none -serial "file:$log" -pidfile "$pidfile"
	-kernel "$B/xen-4.17-amd64" -append "$xen_args"
	-initrd "$KIMAGE $dom0_args,$B/dom0-initramfs.cpio.gz"
	-drive "file=$B/dom0.ext4,if=virtio,format=raw,snapshot=on")

qpid=
runner=
kill_qemu() {
	# only the qemu this run started: the PID from its own -pidfile, and
	# only while that process still has our pidfile on its command line
	[ -n "$qpid" ] || return 0
	if tr '\0' ' ' <"/proc/$qpid/cmdline" 2>/dev/null | grep -qF -- "$pidfile"; then
		kill "$qpid" 2>/dev/null
		for _ in 1 2 3 4 5; do
			kill -0 "$qpid" 2>/dev/null || return 0
			sleep 1
		done
		kill -9 "$qpid" 2>/dev/null
	fi
}
on_signal() {
	kill_qemu
	exit 130
}
trap on_signal INT TERM HUP

xen_log "booting Xen + dom0 + domUs ($guests), log $log"
xen_log "qemu -accel $qemu_accel -cpu $qemu_cpu; Xen: $xen_args"
"${qemu_cmd[@]}" >"$B/logs/boot-$stamp.qemu-stderr" 2>&1 &
runner=$!

t_launch=$(date +%s)
t_qemu=
reason=
seen=0
while kill -0 "$runner" 2>/dev/null; do
	sleep 1
	now=$(date +%s)
	if [ -z "$qpid" ]; then
		if [ -s "$pidfile" ]; then
			qpid=$(cat "$pidfile")
			t_qemu=$now
			[ $((now - t_launch)) -gt 2 ] &&
				xen_log "waited $((now - t_launch)) s for $VGFB_QEMU_LOCK"
		fi
		continue
	fi
	el=$((now - t_qemu))
	# timeline of the milestones, in host seconds since qemu started
	n=$(wc -l <"$log")
	if [ "$n" -gt "$seen" ]; then
		sed -n "$((seen + 1)),${n}p" "$log" | tr -d '\r' |
			grep -aE 'VGFB_(STAGE|RESULT|DONE|FATAL)|Xen version|Freed unused kernel' |
			sed "s/^/$(printf '%4d' "$el")s  /" >>"$timeline"
		seen=$n
	fi
	if [ -z "$reason" ]; then
		if grep -aqE 'Hardware Dom0 crashed|Panic on CPU|Kernel panic|VGFB_FATAL' "$log"; then
			reason=$(grep -aoE 'Hardware Dom0 crashed|Panic on CPU.*|Kernel panic.*|VGFB_FATAL.*' "$log" | head -n 1 | tr -d '\r')
		elif [ "$el" -ge "$XEN_TIER_TIMEOUT" ]; then
			reason="timeout after $XEN_TIER_TIMEOUT s"
		fi
		if [ -n "$reason" ]; then
			xen_log "stopping qemu (pid $qpid): $reason"
			sleep 2 # let the last lines of a panic reach the log
			kill_qemu
		fi
	fi
done
wait "$runner"
rc=$?
t_end=$(date +%s)
total=$((t_end - ${t_qemu:-$t_launch}))

results=$(grep -aoE 'VGFB_RESULT [^ ]+ (PASS|FAIL|SKIP)( .*)?' "$log" | tr -d '\r')
if ! grep -aq VGFB_DONE "$log"; then
	results+=$'\n'"VGFB_RESULT xen_run FAIL ${reason:-qemu exited (rc=$rc) before dom0 finished}; see $log"
else
	results+=$'\n'"VGFB_RESULT xen_run PASS Xen + dom0 + domUs ($guests) booted, hooks ran, powered off in ${total} s"
fi
results=$(sed '/^$/d' <<<"$results")

echo "---- timeline (s since qemu start) ----"
cat "$timeline"
echo "---- results ----"
echo "$results"
retries=$(grep -aoE 'VGFB_RETRY .*' "$log" | tr -d '\r')
if [ -n "$retries" ]; then
	echo "---- infrastructure retries (docs/xen-tier-reliability.md) ----"
	echo "$retries"
fi
pass=$(grep -c ' PASS' <<<"$results")
fail=$(grep -c ' FAIL' <<<"$results")
skip=$(grep -c ' SKIP' <<<"$results")
retried=$(grep -c . <<<"$retries")
echo "xen: $pass passed, $fail failed, $skip skipped, $retried retried (boot ${total} s, log $log)"
[ "$fail" -eq 0 ]
