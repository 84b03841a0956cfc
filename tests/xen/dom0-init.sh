#!/bin/bash
# SPDX-License-Identifier: MIT
#
# dom0's init (/vgfb/init, after switch_root; no systemd): start the Xen
# daemons, run the setup drop-ins (/vgfb/setup.d), create the test domUs
# with their vfb and vdispl devices, run every hook in /vgfb/hooks, destroy
# the domUs, power off (sysrq o: Xen enters ACPI S5 and qemu exits).
#
# Kernel command line (set by boot.sh):
#   vgfb_guests=pv+pvh+hostile  which /vgfb/guests/<kind>.cfg domUs to create
#   vgfb_hook_timeout=N    seconds one hook may run (default 240)
#   vgfb_diag=1            diagnostic mode (issue #14): sanitizer logs,
#                          /vgfb/diag/dom0-diag.sh's detectors beside the
#                          hooks (docs/xen-tier-reliability.md)
#   vgfb_diag_burst=N      in diagnostic mode, N seconds of the detectors in
#                          the foreground once the guests are up
#   vgfb_hooks=0           run no hooks (diagnostic boots)
export PATH=/vgfb/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/xen-4.17/bin
# shellcheck source-path=SCRIPTDIR source=dom0-lib.sh
. /vgfb/dom0-lib.sh

fatal() {
	echo "VGFB_FATAL $*"
	poweroff_now
}

poweroff_now() {
	sync
	echo o >/proc/sysrq-trigger
	sleep 30
	echo "VGFB_FATAL poweroff did not happen"
	exit 1
}

mount -o remount,rw / 2>/dev/null
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
# xenconsoled gives each guest console a pty; without devpts `xl create`
# times out waiting for the console tty
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
# devtmpfs has no /dev/fd (bash process substitution needs it)
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
mkdir -p /run/xen /run/xenstored /var/run/xen /var/log/xen/console "$VGFB_RUN"
mount -t xenfs xenfs /proc/xen || fatal "cannot mount xenfs"
vgfb_stage dom0-init

/usr/lib/xen-4.17/bin/xenstored --pid-file /run/xenstore.pid ||
	fatal "xenstored did not start"
/usr/lib/xen-4.17/bin/xen-init-dom0 >/tmp/xen-init-dom0.log 2>&1 ||
	fatal "xen-init-dom0 failed: $(tail -3 /tmp/xen-init-dom0.log)"
/usr/lib/xen-4.17/bin/xenconsoled --pid-file=/run/xenconsoled.pid \
	--log=guest --log-dir=/var/log/xen/console ||
	fatal "xenconsoled did not start"
xl list >/dev/null 2>&1 || fatal "xl list fails: toolstack not up"
vgfb_stage toolstack

guests=$(cmdline_arg vgfb_guests || echo pv+pvh+hostile)
hook_timeout=$(cmdline_arg vgfb_hook_timeout || echo 240)
diag=$(cmdline_arg vgfb_diag || echo 0)
[ -x /vgfb/diag/dom0-diag.sh ] || diag=0
run_hooks=$(cmdline_arg vgfb_hooks || echo 1)

if [ "$diag" = 1 ]; then
	# Sanitized dom0 programs (XEN_TIER_DOM0_BUILDDIR) write their reports
	# to files, whatever a hook does with their stderr; teardown prints
	# them and counts them.
	mkdir -p "$VGFB_RUN/san"
	export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:log_path=$VGFB_RUN/san/asan"
	export TSAN_OPTIONS="halt_on_error=0:second_deadlock_stack=1:log_path=$VGFB_RUN/san/tsan"
	export UBSAN_OPTIONS="print_stacktrace=1:log_path=$VGFB_RUN/san/ubsan"
	grep -m1 -o -w -E 'avx2|avx512f' /proc/cpuinfo | sed 's/^/VGFB_DIAG dom0 cpu flag /'
	grep -m1 '^flags' /proc/cpuinfo | grep -qw avx2 || echo "VGFB_DIAG dom0 cpu flag avx2 absent"
	/vgfb/diag/dom0-diag.sh selftest
	/vgfb/diag/dom0-diag.sh start
fi

# Setup drop-ins (/vgfb/setup.d), before any domU exists: e.g. start the
# display backend daemon (in the background, its output to /dev/console or
# a file).  A failing setup script is a FAIL, the run goes on.
for setup in /vgfb/setup.d/*; do
	[ -x "$setup" ] || continue
	sname=$(basename "$setup")
	vgfb_stage "setup $sname"
	timeout "$hook_timeout" "$setup" </dev/null
	rc=$?
	[ $rc -eq 0 ] || vgfb_result "setup_$sname" FAIL "exit status $rc"
done

# create_guest KIND: create the domU paused, give it its display devices
# (so its frontends find their xenstore nodes when they enumerate at boot),
# unpause it; prints "kind domid name".  `xl unpause` is not retried: it
# died in ld.so only through Xen's lazy FPU switching under qemu TCG,
# fixed by boot.sh's spec-ctrl=eager-fpu=1 (docs/xen-tier-reliability.md);
# should that come back, it must fail.
create_guest() {
	local kind=$1 cfg=/vgfb/guests/$1.cfg name=vgfb-$1 t0 domid
	[ -f "$cfg" ] || fatal "no guest config $cfg"
	t0=$(uptime_s)
	# shellcheck disable=SC2046 # one word per setting
	if ! xl create -p "$cfg" $(vgfb_xl_extra) >"/tmp/xl-create-$kind.log" 2>&1; then
		sed 's/^/xl: /' "/tmp/xl-create-$kind.log" >&2
		vgfb_result "create_$kind" FAIL "xl create -p $cfg failed" >&2
		return 1
	fi
	domid=$(xl domid "$name")
	if ! xs_add_vfb "$domid" || ! xs_add_vdispl "$domid" 1024x768; then
		vgfb_result "devices_$kind" FAIL "writing vfb/vdispl xenstore nodes" >&2
	fi
	vgfb_stage "created $name domid=$domid (xl create -p: $(awk -v a="$t0" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }') s)" >&2
	if ! xl unpause "$domid"; then
		vgfb_result "unpause_$kind" FAIL "xl unpause $domid failed" >&2
		xl destroy "$domid" >/dev/null 2>&1
		return 1
	fi
	vgfb_stage "unpaused $name domid=$domid" >&2
	# its vCPU and where it may run (dom0-lib.sh: vgfb_xl_extra)
	echo "VGFB_INFO $(xl vcpu-list "$domid" 2>&1 | tail -n +2 | tr -s ' ')" >&2
	echo "$kind $domid $name"
}

# await_guest KIND DOMID NAME: wait until the domU's userspace is up, then
# list it in $VGFB_GUESTS_FILE.  A domU that dies before that fails, with
# the end of its console log, with one exception: the infrastructure
# signature above is created again (at most twice per domU), and every
# such retry is printed as VGFB_RETRY, counted by boot.sh and shown in
# run-all's summary.  ready_before and log_from hold, per kind, the READY
# count and the console size from before this incarnation.
await_guest() {
	local kind=$1 domid=$2 name=$3 attempt deadline line
	for attempt in 1 2 3; do
		deadline=$(($(date +%s) + 180))
		while [ "$(date +%s)" -lt "$deadline" ]; do
			[ "$(ready_count "$name")" -gt "${ready_before[$kind]}" ] && break
			[ "$(xl domid "$name" 2>/dev/null)" = "$domid" ] || break
			sleep 1
		done
		if [ "$(xl domid "$name" 2>/dev/null)" = "$domid" ]; then
			echo "$kind $domid $name" >>"$VGFB_GUESTS_FILE"
			return 0
		fi
		xenstore-rm "/local/domain/0/backend/vfb/$domid" 2>/dev/null
		xenstore-rm "/local/domain/0/backend/vdispl/$domid" 2>/dev/null
		if [ "$attempt" -lt 3 ] &&
			domu_died_early "$kind" "$name" "$domid" "${log_from[$kind]}"; then
			ready_before[$kind]=$(ready_count "$name")
			log_from[$kind]=$(log_size "$name")
			line=$(create_guest "$kind") || return 1
			echo "$line" >>"$VGFB_RUN/created"
			read -r kind domid name <<<"$line"
			continue
		fi
		vgfb_result "boot_$kind" FAIL "$name (domid $domid) died while booting; its console ends: $(tail -c +"$((${log_from[$kind]} + 1))" "$(guest_log "$name")" 2>/dev/null | tail -n 3 | tr -d '\r' | tr '\n' '|')"
		return 1
	done
}

# The domUs, all created before any is waited for, or with vgfb_serial_boot=1
# on dom0's command line one after the other, each up before the next is
# created (the experiment of docs/xen-tier-reliability.md: does a PVH domU
# still die in early boot when no other HVM domU boots beside it?).  The
# guest configs say on_reboot="destroy" so that xl never restarts one
# behind our back without its devices.
: >"$VGFB_GUESTS_FILE"
: >"$VGFB_RUN/created"
declare -A ready_before log_from
serial_boot=$(cmdline_arg vgfb_serial_boot || echo 0)
for kind in ${guests//+/ }; do
	ready_before[$kind]=$(ready_count "vgfb-$kind")
	log_from[$kind]=$(log_size "vgfb-$kind")
	line=$(create_guest "$kind") || continue
	echo "$line" >>"$VGFB_RUN/created"
	if [ "$serial_boot" = 1 ]; then
		read -r kind domid name <<<"$line"
		await_guest "$kind" "$domid" "$name"
	fi
done
if [ "$serial_boot" != 1 ]; then
	created_first=$(cat "$VGFB_RUN/created")
	while read -r kind domid name; do
		await_guest "$kind" "$domid" "$name"
	done <<<"$created_first"
fi

burst=$(cmdline_arg vgfb_diag_burst || echo 0)
[ "$diag" = 1 ] && [ "$burst" -gt 0 ] && /vgfb/diag/dom0-diag.sh burst "$burst"

# hook_budget HOOK: the seconds it may run (a hang detector, not a
# measure): vgfb_hook_timeout, plus N per soak round (soak_rounds) for a
# hook whose header has a "# round-seconds: N" line.
hook_budget() {
	local n
	n=$(sed -n 's/^# round-seconds: \([0-9]\{1,4\}\)$/\1/p' "$1" | head -n 1)
	echo $((hook_timeout + ${n:-0} * $(soak_rounds)))
}

# The hooks: every executable in /vgfb/hooks, in order.  Each prints its
# own VGFB_RESULT lines; a hook that fails without printing one is a FAIL.
[ "$run_hooks" = 0 ] && vgfb_stage "hooks skipped (vgfb_hooks=0)"
for hook in /vgfb/hooks/*; do
	[ "$run_hooks" = 0 ] && break
	[ -x "$hook" ] || continue
	hname=$(basename "$hook")
	vgfb_stage "hook $hname"
	# streamed, so the host's timeline shows when each line happened
	budget=$(hook_budget "$hook")
	timeout "$budget" "$hook" 2>&1 | tee "/tmp/hook-$hname.out"
	rc=${PIPESTATUS[0]}
	# a hook killed by timeout lost the results it had not printed yet,
	# even when it printed some
	if [ "$rc" -eq 124 ]; then
		vgfb_result "hook_$hname" FAIL "timed out after $budget s"
	elif ! grep -q '^VGFB_RESULT ' "/tmp/hook-$hname.out"; then
		vgfb_result "hook_$hname" FAIL "exit status $rc, no VGFB_RESULT printed"
	fi
done

vgfb_stage teardown
while read -r kind domid name; do
	# the last lines of each guest console, for the log
	tail -n 40 "$(guest_log "$name")" 2>/dev/null | sed "s/^/[$name] /"
	# a hook may have destroyed it already (guest death is a test too)
	xl list "$domid" >/dev/null 2>&1 || continue
	xl destroy "$domid" || vgfb_result "destroy_$kind" FAIL "xl destroy $domid"
done <"$VGFB_RUN/created"
if [ "$diag" = 1 ]; then
	/vgfb/diag/dom0-diag.sh stop
	n=0
	for f in "$VGFB_RUN"/san/*; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		sed "s|^|VGFB_DIAG_SAN $(basename "$f"): |" "$f" | head -n 80
	done
	if [ "$n" -eq 0 ]; then
		vgfb_result diag_sanitizer_reports PASS "no sanitizer report from any dom0 program"
	else
		vgfb_result diag_sanitizer_reports FAIL "$n sanitizer report file(s), printed above as VGFB_DIAG_SAN"
	fi
fi
vgfb_stage "done"
echo VGFB_DONE
poweroff_now
