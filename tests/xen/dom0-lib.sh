# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Helpers for dom0's init and for the hooks in /vgfb/hooks (bash).
# Baked into the dom0 image as /vgfb/dom0-lib.sh.

VGFB_RUN=/run/vgfb
VGFB_GUESTS_FILE=$VGFB_RUN/guests
VGFB_CONSOLE_DIR=/var/log/xen/console

uptime_s() { cut -d' ' -f1 /proc/uptime; }

# vgfb_result NAME PASS|FAIL|SKIP DETAIL...: the one line the host counts.
vgfb_result() {
	local name=$1 verdict=$2
	shift 2
	echo "VGFB_RESULT $name $verdict $*"
}

vgfb_stage() { echo "VGFB_STAGE $* uptime=$(uptime_s)"; }

# guests: "kind domid name" lines of the domUs dom0's init created, except
# the hostile-frontend guest (kind "hostile", guests/hostile.cfg): it has
# no frontend drivers, only hook 35-hostile-frontend talks to it.
# Shell builtins only: no exec that could hit dom0's ld.so flake (see
# docs/xen-tier.md, "Known flake") and silently list no guest.
vgfb_guests() {
	local line
	[ -r "$VGFB_GUESTS_FILE" ] || return 0
	while IFS= read -r line; do
		[[ $line == "hostile "* ]] || printf '%s\n' "$line"
	done <"$VGFB_GUESTS_FILE"
}
hostile_guest() {
	local line
	[ -r "$VGFB_GUESTS_FILE" ] || return 1
	while IFS= read -r line; do
		[[ $line == "hostile "* ]] && { printf '%s\n' "$line"; return 0; }
	done <"$VGFB_GUESTS_FILE"
	return 1
}

# guest_log NAME: path of the domU's console log (xenconsoled --log=guest).
guest_log() { echo "$VGFB_CONSOLE_DIR/guest-$1.log"; }

# log_since NAME FROM: the domU's console log from byte FROM on (FROM: a
# log_size taken before), carriage returns dropped.
log_since() {
	tail -c +"$(($2 + 1))" "$(guest_log "$1")" 2>/dev/null | tr -d '\r'
}

# wait_for_log NAME REGEX SECONDS: wait for a line in a domU's console log.
# Returns 1 on timeout, 2 at once when the domain no longer exists.
wait_for_log() { wait_for_log_from "$1" 0 "$2" "$3"; }

# wait_for_log_from NAME FROM REGEX SECONDS: the same in the log from byte
# FROM on (log_since), so that a line of an earlier step does not count.
wait_for_log_from() {
	local n=0
	local deadline=$(($(date +%s) + $4))
	while [ "$(date +%s)" -lt "$deadline" ]; do
		log_since "$1" "$2" | grep -aqE "$3" && return 0
		n=$((n + 1))
		if [ $((n % 10)) = 0 ] && ! xl domid "$1" >/dev/null 2>&1; then
			return 2
		fi
		sleep 0.5
	done
	return 1
}

# stop_daemon PID: SIGTERM to a child of this shell, SIGKILL after 10 s.
# True when it exited 0 on SIGTERM; $stopped says what happened.
# shellcheck disable=SC2034 # read by the hooks
stop_daemon() {
	local pid=$1 st
	if ! kill -0 "$pid" 2>/dev/null; then
		wait "$pid"
		stopped="died before SIGTERM (status $?)"
		return 1
	fi
	kill -TERM "$pid"
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		wait "$pid"
		stopped="ignored SIGTERM for 10 s (killed)"
		return 1
	fi
	wait "$pid"
	st=$?
	stopped="exited $st on SIGTERM"
	[ "$st" -eq 0 ]
}

# wait_for_xs PATH REGEX SECONDS: wait until a xenstore value matches.
wait_for_xs() {
	local deadline=$(($(date +%s) + $3)) v
	while [ "$(date +%s)" -lt "$deadline" ]; do
		v=$(xenstore-read "$1" 2>/dev/null) && [[ $v =~ $2 ]] && return 0
		sleep 0.2
	done
	return 1
}

xs_state_name() {
	case $1 in
	0) echo Unknown ;; 1) echo Initialising ;; 2) echo InitWait ;;
	3) echo Initialised ;; 4) echo Connected ;; 5) echo Closing ;;
	6) echo Closed ;; 7) echo Reconfiguring ;; 8) echo Reconfigured ;;
	*) echo "?$1" ;;
	esac
}

# xs_add_device DOMID TYPE DEVID BACKEND_DOMID [fe key=value...] -- [be key=value...]
#
# Write a PV device's frontend and backend directories the way libxl's
# libxl__device_generic_add() does (one transaction there; here the domain
# is still paused, so order does not matter):
#   /local/domain/<be>/backend/<type>/<domid>/<devid>  frontend frontend-id
#                                            online state=1  [+ be keys]
#     owned by the backend domain, readable by the guest;
#   /local/domain/<domid>/device/<type>/<devid>   backend backend-id state=1
#                                            [+ fe keys]
#     owned by the guest, readable by the backend.
# No device model is involved: the guest's own frontend driver probes it.
xs_add_device() {
	local domid=$1 type=$2 devid=$3 bdom=$4
	shift 4
	local fe="/local/domain/$domid/device/$type/$devid"
	local be="/local/domain/$bdom/backend/$type/$domid/$devid"
	local fe_kv=() be_kv=() in_be=0 kv
	for kv in "$@"; do
		if [ "$kv" = -- ]; then in_be=1; continue; fi
		if [ $in_be = 1 ]; then be_kv+=("$be/${kv%%=*}" "${kv#*=}")
		else fe_kv+=("$fe/${kv%%=*}" "${kv#*=}"); fi
	done
	xenstore-write "$be/frontend" "$fe" "$be/frontend-id" "$domid" \
		"$be/online" 1 "$be/state" 1 "${be_kv[@]}" || return 1
	xenstore-write "$fe/backend" "$be" "$fe/backend-id" "$bdom" \
		"$fe/state" 1 "${fe_kv[@]}" || return 1
	xenstore-chmod -r "$be" "n$bdom" "r$domid" || return 1
	xenstore-chmod -r "$fe" "n$domid" "r$bdom" || return 1
}

# vfb as xl's `vfb = [ "vnc=0,sdl=0" ]` would write it, minus the qemu.
xs_add_vfb() {
	xs_add_device "$1" vfb 0 0 -- vnc=0 sdl=0 opengl=0 \
		"${@:2}"
}

# vdispl as `vdispl = [ "backend=0,be-alloc=0,connectors=c0:WxH" ]`.
xs_add_vdispl() {
	xs_add_device "$1" vdispl 0 0 be-alloc=0 "0/resolution=${2:-1024x768}" \
		0/unique-id=c0
}

# cmdline_arg NAME: the value of NAME=VALUE on dom0's kernel command line
# (false when absent)
cmdline_arg() {
	local a args
	read -r -a args </proc/cmdline
	for a in "${args[@]}"; do
		case $a in "$1"=*) echo "${a#*=}"; return 0 ;; esac
	done
	return 1
}

# vgfb_xl_extra: settings every `xl create` of the tier appends to the
# guest's configuration.  Every domU's vCPU is pinned to physical CPU 1
# (`cpus="1"`): with the domUs free to run on both of qemu's vCPU threads,
# about one PVH boot in eight died in early boot by qemu's nested-SVM
# state mix-up; pinned, none did in the runs measured
# (docs/xen-tier-reliability.md).  vgfb_domu_cpus=LIST on dom0's command
# line (XEN_TIER_DOM0_APPEND) pins them elsewhere, vgfb_domu_cpus=any not
# at all (the control arm).
vgfb_xl_extra() {
	local cpus
	cpus=$(cmdline_arg vgfb_domu_cpus) || cpus=1
	[ "$cpus" = any ] || echo "cpus=\"$cpus\""
}

# soak_rounds: how many rounds hook 62-xen-backend-soak plays:
# vgfb_soak_rounds=N on dom0's command line (XEN_TIER_SOAK_ROUNDS on the
# host), 10 by default
soak_rounds() {
	local n
	n=$(cmdline_arg vgfb_soak_rounds) || n=10
	[[ $n =~ ^[0-9]{1,4}$ ]] || n=10
	echo "$n"
}

# vgfb_kmod_load: vgfb.ko (and the gntdev/gntalloc it can use) loaded, so
# vgfbd exports dma-bufs; kmod_loaded_here=yes when this call loaded it
# (hook 40 unloads it after its own test), for vgfb_kmod_unload
vgfb_kmod_load() {
	kmod_loaded_here=no
	[ -e /dev/vgfb ] && return 0
	modprobe xen-gntdev 2>/dev/null
	modprobe xen-gntalloc 2>/dev/null
	if insmod /vgfb/kmods/vgfb.ko 2>/tmp/vgfb-insmod.err; then
		kmod_loaded_here=yes
	else
		echo "VGFB_INFO insmod vgfb.ko failed ($(tr '\n' ' ' </tmp/vgfb-insmod.err)): region mode, dma-buf checks skip"
	fi
}

# vgfb_kmod_unload: undo vgfb_kmod_load; false when rmmod refused (a
# buffer still held)
vgfb_kmod_unload() {
	[ "$kmod_loaded_here" = yes ] || return 0
	rmmod vgfb 2>/tmp/vgfb-rmmod.err
}

# ---- a domU dying in early boot: the one infrastructure signature -------
# dom0-init.sh and the hooks that create domUs (50, 60) create a domU
# again, counted (VGFB_RETRY), when and only when early_triple_fault
# says so; docs/xen-tier-reliability.md has the evidence.

# ready_count NAME: how many times the domU's userspace came up so far.
ready_count() {
	local n
	n=$(grep -ac '^VGFB_GUEST_READY' "$(guest_log "$1")" 2>/dev/null)
	echo "${n:-0}"
}

# log_size NAME: bytes in the domU's console log so far (0 before any).
log_size() {
	stat -c %s "$(guest_log "$1")" 2>/dev/null || echo 0
}

# early_triple_fault DOMID NAME FROM: true when the domU died by a triple
# fault (Xen's "dNv0 Triple fault") before its console showed any line of
# ours (none from byte FROM on): a PVH kernel dying in early boot (seen in
# its PIT calibration and its early memory setup) under qemu TCG's
# emulated SVM, before any vgfb code ran in the guest
# (docs/xen-tier-reliability.md).  Prints the faulting RIP Xen dumped.
early_triple_fault() {
	local domid=$1 name=$2 from=$3
	xl dmesg 2>/dev/null | tr -d '\r' |
		awk -v d="d${domid}v0 Triple fault" '
			index($0, d) { hit = 1; next }
			hit && /RIP:/ { print $NF; found = 1; exit }
			END { exit !(hit && found) }' || return 1
	! tail -c +"$((from + 1))" "$(guest_log "$name")" 2>/dev/null | grep -aq 'VGFB_'
}

# domu_died_early KIND NAME DOMID FROM: true (and a VGFB_RETRY line) when
# the domU is gone by the signature above, so the caller creates it again.
domu_died_early() {
	local kind=$1 name=$2 domid=$3 from=$4 rip
	rip=$(early_triple_fault "$domid" "$name" "$from") || return 1
	echo "VGFB_RETRY boot_$kind $name (domid $domid) triple-faulted in early boot at RIP $rip, before any vgfb code ran; created again"
}

# ---- processes and paths (hooks 60, 62) ---------------------------------

# elapsed T0: seconds since T0 (uptime_s), one decimal
elapsed() { awk -v a="$1" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }'; }

# wait_path PATH SECONDS [absent]: until PATH exists (or is gone)
wait_path() {
	for _ in $(seq $(($2 * 5))); do
		if [ "${3:-}" = absent ]; then
			[ -e "$1" ] || [ -L "$1" ] || return 0
		else
			[ -e "$1" ] && return 0
		fi
		sleep 0.2
	done
	return 1
}

# pid_of_cmdline SUBSTRING: the first process whose command line holds it
# (shell builtins: dom0 has no procps)
pid_of_cmdline() {
	local f parts
	for f in /proc/[0-9]*/cmdline; do
		mapfile -d '' -t parts <"$f" 2>/dev/null || continue
		if [[ "${parts[*]}" == *"$1"* ]]; then
			f=${f#/proc/}
			echo "${f%/cmdline}"
			return 0
		fi
	done
	return 1
}

# still_running PID...: those of the PIDs that have not exited, each
# after a space
still_running() {
	local p
	for p in "$@"; do
		kill -0 "$p" 2>/dev/null && printf ' %s' "$p"
	done
	return 0
}

# children_of PID: its child processes
children_of() {
	local f ppid
	for f in /proc/[0-9]*/stat; do
		read -r _ _ _ ppid _ <"$f" 2>/dev/null || continue
		[ "$ppid" = "$1" ] && { f=${f#/proc/}; echo "${f%/stat}"; }
	done
}

# vdispl_connected DOMID NAME SECONDS: its xen-drm-front reached Connected
# (0), or the domain died before (1), or it did not in time (2)
vdispl_connected() {
	for _ in $(seq $(($3 * 2))); do
		[ "$(xenstore-read "/local/domain/$1/device/vdispl/0/state" 2>/dev/null)" = 4 ] &&
			return 0
		[ "$(xl domid "$2" 2>/dev/null)" = "$1" ] || return 1
		sleep 0.5
	done
	return 2
}

# ---- input from a VNC viewer to a guest (hooks 39-vnc-input, 60) -------
# The guest's guest-input prints what its xen-kbdfront evdev devices
# report ("VGFB_GUEST_INPUT kbd|ptr key|abs|rel CODE VALUE"); FROM is a
# log_size taken before the step, so that earlier lines do not count.

# input_lines NAME FROM: guest-input's event lines since FROM
input_lines() {
	log_since "$1" "$2" | grep -a '^VGFB_GUEST_INPUT \(kbd\|ptr\) '
}

# pressed_then_released NAME FROM DEV CODE: both lines, in that order
pressed_then_released() {
	input_lines "$1" "$2" | awk -v p="VGFB_GUEST_INPUT $3 key $4 1" \
		-v r="VGFB_GUEST_INPUT $3 key $4 0" '
		$0 == p && !down { down = NR }
		$0 == r && down { up = NR; exit }
		END { exit !(down && up) }'
}

# pointer_at NAME FROM X Y: the guest's pointer reported ABS_X X, ABS_Y Y
pointer_at() {
	local lines
	lines=$(input_lines "$1" "$2")
	grep -qx "VGFB_GUEST_INPUT ptr abs 0 $3" <<<"$lines" &&
		grep -qx "VGFB_GUEST_INPUT ptr abs 1 $4" <<<"$lines"
}

# within SECONDS CHECK ARGS...: until CHECK ARGS... succeeds
within() {
	for _ in $(seq $(($1 * 2))); do
		"${@:2}" && return 0
		sleep 0.5
	done
	return 1
}

# wait_socket PATH PID: until PATH is a socket, while PID lives (10 s)
wait_socket() {
	for _ in $(seq 50); do
		[ -S "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}

# guest_input_ready PREFIX NAME FROM RANGE: result PREFIX_devices: the
# guest's "Xen Virtual Keyboard" and "Xen Virtual Pointer" are there (since
# FROM), the pointer absolute over 0..RANGE (what the backend announced).
guest_input_ready() {
	local prefix=$1 name=$2 from=$3 range=$4 ready
	if ! wait_for_log_from "$name" "$from" '^VGFB_GUEST_INPUT ready' 30; then
		vgfb_result "${prefix}_devices" FAIL "no Xen Virtual Keyboard and Pointer in the guest within 30 s: $(log_since "$name" "$from" | grep -a '^VGFB_GUEST_INPUT' | tail -n 2 | tr '\n' '|')"
		return
	fi
	ready=$(log_since "$name" "$from" | grep -a '^VGFB_GUEST_INPUT ready' | head -n 1)
	if [[ $ready == *" abs_x=0..$range abs_y=0..$range "* ]]; then
		vgfb_result "${prefix}_devices" PASS "${ready#VGFB_GUEST_INPUT ready }"
	else
		vgfb_result "${prefix}_devices" FAIL "not the absolute 0..$range pointer announced: $ready"
	fi
}

# vnc_input_check PREFIX NAME FROM SOCKET FRAME [WxH] [X,Y]: vgfb-vnc on
# vgfbd's SOCKET; a viewer (vnc-probe) checks the screen and then types 'a'
# and clicks button 1 (at X,Y; by default at (W/4, H/3): a second check
# of one guest needs another place, since evdev drops a repeated value).
# Results PREFIX_pixels (every pixel the viewer got is test pattern frame
# FRAME; with WxH, every pixel of the top-left WxH, the guest's picture on
# a larger screen), PREFIX_key (KEY_A pressed, then released, on the
# guest's keyboard), PREFIX_pointer (ABS_X, ABS_Y: the viewer's position
# scaled as the probe expects) and PREFIX_click (BTN_LEFT pressed, then
# released).
vnc_input_check() {
	local prefix=$1 name=$2 from=$3 sock=$4 frame=$5 vsock vnc_pid probe
	local st ax ay pixels vlog=/tmp/vgfb-vnc-$1.log picture=() at=()
	[ -n "${6:-}" ] && picture=(--picture "$6")
	[ -n "${7:-}" ] && at=(--at "$7")
	vsock=/tmp/vnc-$prefix.sock
	rm -f "$vsock"
	vgfb-vnc --target "unix:$sock" --listen "unix:$vsock" >"$vlog" 2>&1 &
	vnc_pid=$!
	if ! wait_socket "$vsock" "$vnc_pid"; then
		vgfb_result "${prefix}_key" FAIL "vgfb-vnc did not come up: $(tail -n 3 "$vlog" | tr '\n' '|')"
		wait "$vnc_pid" 2>/dev/null
		return
	fi
	probe=$(timeout 90 vnc-probe --pattern "$frame" "${picture[@]}" --input "${at[@]}" "$vsock" 2>"/tmp/vnc-probe-$prefix.err")
	st=$?
	echo "VGFB_INFO vnc-probe ($prefix): $(tr '\n' '|' <<<"$probe") (status $st)"
	pixels=$(grep '^VNC_PROBE pixels=' <<<"$probe")
	if [[ $pixels == *" bad=0" ]]; then
		vgfb_result "${prefix}_pixels" PASS "the VNC viewer got every pixel of pattern frame $frame: ${pixels#VNC_PROBE }"
	else
		vgfb_result "${prefix}_pixels" FAIL "${pixels:-no picture}; $(grep -v '^[0-9/]* [0-9:]* ' "/tmp/vnc-probe-$prefix.err" | tail -n 2 | tr '\n' '|')"
	fi
	probe=$(grep '^VNC_PROBE input ' <<<"$probe")
	if [ -z "$probe" ]; then
		vgfb_result "${prefix}_key" FAIL "vnc-probe sent nothing (status $st): $(tail -n 3 "/tmp/vnc-probe-$prefix.err" | tr '\n' '|')"
	else
		if within 30 pressed_then_released "$name" "$from" kbd 30; then
			vgfb_result "${prefix}_key" PASS "keysym 'a' from the viewer: KEY_A pressed and released on the guest's Xen Virtual Keyboard"
		else
			vgfb_result "${prefix}_key" FAIL "no KEY_A press and release in the guest: $(input_lines "$name" "$from" | tail -n 6 | tr '\n' '|')"
		fi
		ax=$(sed -n 's/.* expect_abs=\([0-9]*\),[0-9]*$/\1/p' <<<"$probe")
		ay=$(sed -n 's/.* expect_abs=[0-9]*,\([0-9]*\)$/\1/p' <<<"$probe")
		if [ -n "$ax" ] && [ -n "$ay" ] &&
			within 30 pointer_at "$name" "$from" "$ax" "$ay"; then
			vgfb_result "${prefix}_pointer" PASS "${probe#VNC_PROBE input }: the guest's ABS_X $ax, ABS_Y $ay"
		else
			vgfb_result "${prefix}_pointer" FAIL "expected ABS_X ${ax:-?} ABS_Y ${ay:-?} ($probe); the guest saw: $(input_lines "$name" "$from" | grep -a ' ptr abs ' | tail -n 4 | tr '\n' '|')"
		fi
		if within 30 pressed_then_released "$name" "$from" ptr 272; then
			vgfb_result "${prefix}_click" PASS "button 1 from the viewer: BTN_LEFT pressed and released on the guest's Xen Virtual Pointer"
		else
			vgfb_result "${prefix}_click" FAIL "no BTN_LEFT press and release in the guest: $(input_lines "$name" "$from" | tail -n 6 | tr '\n' '|')"
		fi
	fi
	kill -TERM "$vnc_pid" 2>/dev/null
	wait "$vnc_pid" 2>/dev/null
	tail -n 20 "$vlog" | sed "s/^/VGFB_INFO vgfb-vnc ($prefix): /"
}
