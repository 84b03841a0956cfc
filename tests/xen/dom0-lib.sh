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

# wait_for_log NAME REGEX SECONDS: wait for a line in a domU's console log.
# Returns 1 on timeout, 2 at once when the domain no longer exists.
wait_for_log() {
	local log n=0
	log=$(guest_log "$1")
	local deadline=$(($(date +%s) + $3))
	while [ "$(date +%s)" -lt "$deadline" ]; do
		grep -aqE "$2" "$log" 2>/dev/null && return 0
		n=$((n + 1))
		if [ $((n % 10)) = 0 ] && ! xl domid "$1" >/dev/null 2>&1; then
			return 2
		fi
		sleep 0.5
	done
	return 1
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

# vgfb_xl_extra: settings every `xl create` of the tier appends to the
# guest's configuration.  Every domU's vCPU is pinned to physical CPU 1
# (`cpus="1"`): with the domUs free to run on both of qemu's vCPU threads,
# about one PVH boot in eight died in early boot by qemu's nested-SVM
# state mix-up; pinned, none did in the runs measured
# (docs/xen-tier-reliability.md).  vgfb_domu_cpus=LIST on dom0's command
# line (XEN_TIER_DOM0_APPEND) pins them elsewhere, vgfb_domu_cpus=any not
# at all (the control arm).
vgfb_xl_extra() {
	local a cpus=1
	# shellcheck disable=SC2013 # words, not lines
	for a in $(cat /proc/cmdline); do
		case $a in vgfb_domu_cpus=*) cpus=${a#*=} ;; esac
	done
	[ "$cpus" = any ] || echo "cpus=\"$cpus\""
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
