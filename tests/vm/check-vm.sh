#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The vm tier: build vgfb.ko against Debian 12's kernel and against the
# bookworm-backports kernel, pack a test initramfs for each (busybox, the
# module, the static test programs, the DRM modules they import into),
# boot it in qemu-system-x86_64 -accel tcg, and read the results from the
# serial console.
#
# Usage: tests/vm/check-vm.sh      (`make check-vm` sets the variables)
#
#   srcdir=DIR            top source directory (default: this script's ../..)
#   builddir=DIR          top build directory, where `make` built the static
#                         test programs (tests/vm/vgfb-vmtest, ...)
#   VGFB_VM_WORKDIR=DIR   scratch space (default: $builddir/tests/vm/work)
#   VGFB_VM_KERNELS="..." kernel versions to boot (default: stock + backports)
#   VGFB_VM_TIMEOUT=S     one boot, qemu start to power-off (default: 300)
#   VGFB_VM_LOCK=FILE     qemu runs under flock FILE (default /tmp/vgfb-qemu.lock)
#   VGFB_VM_LOCK_WAIT=S   longest wait for that lock (default: 1800)
#   VGFB_VM_ACCEL=A       qemu's -accel (default: tcg,thread=single: one
#                         host thread for both vCPUs; docs/testing.md,
#                         "One TCG thread for two vCPUs", says why)
#
# Fails on any FAIL line, on a missing closing line, on a timeout, and on
# "Oops", "WARNING:", "BUG:", "Kernel panic" or die()'s banner anywhere in
# a console log.
# Prints "vm: N passed, N failed, N skipped" last.

set -u

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "${srcdir:-$here/../..}" && pwd)
builddir=${builddir:-}
[ -n "$builddir" ] && builddir=$(cd "$builddir" && pwd)
work=${VGFB_VM_WORKDIR:-${builddir:-/tmp}/tests/vm/work}
timeout=${VGFB_VM_TIMEOUT:-300}
lock=${VGFB_VM_LOCK:-/tmp/vgfb-qemu.lock}
lock_wait=${VGFB_VM_LOCK_WAIT:-1800}
# qemu 7.2's multi-threaded TCG can keep a stale translation of kernel
# text another vCPU is patching (fixed in qemu 8.1): a guest with two
# vCPUs, emulated by one thread.
accel=${VGFB_VM_ACCEL:-tcg,thread=single}
# The kernel's trouble in a console log.  die()'s banner is "int3: 0000
# [#1] ..." on 6.1, "Oops: int3: 0000 [#1] ..." on 6.12: without the
# last pattern the stock kernel's int3, #GP or #UD outside a panic passed.
trouble='Oops|WARNING:|BUG:|Kernel panic|: [0-9a-f]{4} \[#[0-9]+\]'
bin=

# shellcheck source=tests/vm/kernels.sh
. "$srcdir/tests/vm/kernels.sh"

passed=0
failed=0
skipped=0
qemu_pid=

note() {
	echo "check-vm: $*"
}

# A host-side result, in the same format as the guest's.
host_result() {
	echo "VGFB_RESULT $1 $2 ${3:-}"
	case $2 in
	PASS) passed=$((passed + 1)) ;;
	FAIL) failed=$((failed + 1)) ;;
	*) skipped=$((skipped + 1)) ;;
	esac
}

cleanup() {
	if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
		kill "$qemu_pid" 2>/dev/null
		sleep 1
		kill -9 "$qemu_pid" 2>/dev/null
	fi
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

# The static test programs come from `make` (tests/vm/vm.am) in $builddir.
find_tests() {
	bin=${builddir:+$builddir/tests/vm}
	if [ -z "$bin" ] || [ ! -x "$bin/vgfb-vmtest" ]; then
		host_result build_vmtest FAIL "no vgfb-vmtest in '${bin:-}' (run make, or make check-vm)"
		return 1
	fi
	[ -x "$bin/vgfb-vmtest32" ] ||
		note "no 32-bit vgfb-vmtest (gcc-multilib?): compat tests skipped"
	return 0
}

# build_module KVER DIR: vgfb.ko for KVER in DIR/vgfb.ko.
build_module() {
	local kver=$1 dir=$2

	rm -rf "$dir"
	mkdir -p "$dir"
	cp -r "$srcdir/kernel/." "$dir/"
	rm -f "$dir"/*.o "$dir"/*.ko "$dir"/.*.cmd
	make -s -C "$dir" KDIR="/lib/modules/$kver/build" modules \
		> "$dir/build.log" 2>&1
}

# pack_initramfs KVER ROOT OUT
pack_initramfs() {
	local kver=$1 root=$2 out=$3 f

	rm -rf "$root"
	mkdir -p "$root/bin" "$root/sbin" "$root/lib/modules/$kver"
	cp /bin/busybox "$root/bin/busybox"
	ln -s /bin/busybox "$root/sbin/modprobe"
	cp "$srcdir/tests/vm/init.sh" "$root/init"
	chmod 755 "$root/init"
	cp "$work/$kver/kmod/vgfb.ko" "$root/vgfb.ko"
	cp "$bin/vgfb-vmtest" "$root/"
	for f in vgfb-vmtest32 vgfb-simtest vgfb-acrntest test-dmabuf \
		vgfb-bench vgfb-kfuzz; do
		[ -x "$bin/$f" ] && cp "$bin/$f" "$root/"
	done
	# the acrn-dm sink end to end (init.sh runs its blob case): it
	# starts vgfbd, both with their shared libraries (--enable-tests)
	f=$builddir/tests/acrn/test-acrn-sink-vgfbd
	if [ -x "$f" ]; then
		copy_elf "$root" "$f" /test-acrn-sink-vgfbd || return 1
		copy_elf "$root" "$builddir/tools/vgfbd/vgfbd" /bin/vgfbd ||
			return 1
	fi

	pack_modules "$kver" "$root" cirrus vgem || return 1
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
}

# pack_modules KVER ROOT MODULE...: the modules and what they depend on,
# uncompressed, and their index, into ROOT.
pack_modules() {
	local kver=$1 root=$2 mod f dest
	shift 2

	for mod in "$@"; do
		modprobe -S "$kver" --show-depends "$mod" 2>/dev/null |
			awk '$1 == "insmod" { print $2 }'
	done | sort -u | while read -r f; do
		dest=$root${f%.xz}
		dest=${dest%.zst}
		mkdir -p "$(dirname "$dest")"
		case $f in
		*.xz) xz -dc "$f" > "$dest" ;;
		*.zst) zstd -qdc "$f" > "$dest" ;;
		*) cp "$f" "$dest" ;;
		esac
	done
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		[ -f "/lib/modules/$kver/$f" ] &&
			cp "/lib/modules/$kver/$f" "$root/lib/modules/$kver/"
	done
	depmod -b "$root" "$kver"
}

# copy_elf ROOT FILE [DEST]: FILE (at DEST inside ROOT, default its own
# path) and every shared library it needs, at their own paths.
copy_elf() {
	local root=$1 file=$2 dest=${3:-$2} lib

	mkdir -p "$root$(dirname "$dest")"
	cp -L "$file" "$root$dest" || return 1
	for lib in $(ldd "$file" | awk '/=> \// { print $3 } /^\t\// { print $1 }'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib" || return 1
	done
}

# unit_path UNIT KEY PATTERN: the first path KEY= names in UNIT that matches
# PATTERN (the prefix make substituted), e.g. ExecStart's vgfbd.
unit_path() {
	sed -n "s|^$2=-\{0,1\}\([^ ]*$3\).*|\1|p" "$1" | head -n 1
}

# pack_systemd_initramfs ROOT OUT: the real systemd as PID 1, vgfbd's
# units exactly as built (data/), vgfbd and vgfb-query at the paths the
# units and the test use, and the test (tests/vm/systemd/).
pack_systemd_initramfs() {
	local root=$1 out=$2 svc sock vgfbd env applet units

	units=$root/etc/systemd/system
	svc=$builddir/data/vgfbd@.service
	sock=$builddir/data/vgfbd@.socket
	rm -rf "$root"
	mkdir -p "$root/bin" "$units" "$root/etc" "$root/run" "$root/tmp"
	cp /bin/busybox "$root/bin/busybox"
	for applet in $(/bin/busybox --list); do
		[ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
	done
	copy_elf "$root" /lib/systemd/systemd || return 1
	rm -f "$root/bin/systemctl" "$root/bin/journalctl"
	copy_elf "$root" /bin/systemctl || return 1
	# journald: where the units' output goes, as on a real system
	copy_elf "$root" /lib/systemd/systemd-journald || return 1
	copy_elf "$root" /bin/journalctl || return 1
	cp /lib/systemd/system/systemd-journald.service \
		/lib/systemd/system/systemd-journald.socket \
		/lib/systemd/system/systemd-journald-dev-log.socket "$units/"
	vgfbd=$(unit_path "$svc" ExecStart '/vgfbd')
	env=$(unit_path "$svc" EnvironmentFile '%i.env')
	[ -n "$vgfbd" ] && [ -n "$env" ] || return 1
	copy_elf "$root" "$builddir/tools/vgfbd/vgfbd" "$vgfbd" || return 1
	# the libtool wrapper's real program, and the library it runs with
	cp -L "$builddir"/.libs/libvgfb.so.? "$root/lib/" || return 1
	LD_LIBRARY_PATH=$builddir/.libs copy_elf "$root" \
		"$builddir/tools/.libs/vgfb-query" /bin/vgfb-query || return 1
	# systemd's own targets and slices, which every unit's default
	# dependencies name (sysinit.target, basic.target, ...); inert
	cp /lib/systemd/system/*.target /lib/systemd/system/*.slice "$units/"
	cp "$svc" "$sock" "$srcdir/tests/vm/systemd/vgfb-sa.target" \
		"$srcdir/tests/vm/systemd/vgfb-sa-test.service" "$units/"
	env=$(echo "$env" | sed 's/%i/demo/')
	mkdir -p "$root$(dirname "$env")"
	printf "VGFBD_TARGET=sim\nVGFBD_ARGS=-v\n" > "$root$env"
	cp /etc/os-release "$root/etc/os-release"
	: > "$root/etc/machine-id"
	cp "$srcdir/tests/vm/systemd/init.sh" "$root/init"
	cp "$srcdir/tests/vm/systemd/sa-test.sh" "$root/sa-test.sh"
	chmod 755 "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
}

# run_systemd TAG KVER: vgfbd@.socket and vgfbd@.service under systemd.
run_systemd() {
	local tag=$1 kver=$2 dir=$work/systemd-$2

	if [ ! -x /lib/systemd/systemd ] || [ ! -f "$builddir/data/vgfbd@.socket" ]; then
		host_result "boot_$tag" FAIL "no /lib/systemd/systemd (package systemd) or no data/vgfbd@.socket in the build"
		return
	fi
	mkdir -p "$dir"
	if ! pack_systemd_initramfs "$dir/root" "$dir/initramfs.cpio.gz"; then
		host_result "initramfs_$tag" FAIL "could not pack the systemd initramfs"
		return
	fi
	boot "$kver" "$dir/initramfs.cpio.gz" "$dir/console.log"
	read_results "$tag" "$kver" "$dir/console.log" $?
}

# What boot() gives qemu beyond the common part: the display and monitor,
# more serial ports, more kernel arguments; and a function it calls about
# once a second while qemu runs, with the console log (the kms boots answer
# the VM's screen checks there).  The defaults are the plain boots'.
boot_display=(-vga cirrus -monitor none)
boot_serial2=()
boot_append=
boot_hook=

# boot KVER INITRAMFS LOG: 0 when qemu powered off by itself.
boot() {
	local kver=$1 initrd=$2 log=$3 pidfile=$2.pid start now rc=0

	rm -f "$pidfile" "$log"
	: > "$log"
	flock -w "$lock_wait" "$lock" qemu-system-x86_64 -accel "$accel" -machine q35 -cpu max \
		-smp 2 -m 1G -display none -no-reboot \
		-nic none "${boot_display[@]}" -serial "file:$log" \
		"${boot_serial2[@]}" -pidfile "$pidfile" \
		-kernel "/boot/vmlinuz-$kver" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 loglevel=5 rdinit=/init${boot_append:+ $boot_append}" \
		> "$log.qemu" 2>&1 &
	local flock_pid=$!

	# The clock starts once qemu runs, not while waiting for the lock.
	while [ ! -s "$pidfile" ] && kill -0 "$flock_pid" 2>/dev/null; do
		sleep 0.5
	done
	qemu_pid=$(cat "$pidfile" 2>/dev/null)
	start=$(date +%s)
	if [ -z "$qemu_pid" ]; then
		wait "$flock_pid" 2>/dev/null
		note "$kver: qemu did not start (lock busy for ${lock_wait}s, or qemu failed):"
		cat "$log.qemu"
		return 126
	fi
	while kill -0 "$flock_pid" 2>/dev/null; do
		now=$(date +%s)
		if [ $((now - start)) -ge "$timeout" ]; then
			note "$kver: timeout after ${timeout}s, killing qemu $qemu_pid"
			rc=124
			break
		fi
		[ -n "$boot_hook" ] && "$boot_hook" "$log"
		if grep -q -E 'Kernel panic|VGFB_VM_DONE' "$log"; then
			# Let it power off by itself for a few seconds.
			sleep 3
			if grep -q 'Kernel panic' "$log"; then
				rc=125
				break
			fi
		fi
		sleep 1
	done
	if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
		kill "$qemu_pid" 2>/dev/null
		sleep 1
		kill -9 "$qemu_pid" 2>/dev/null
	fi
	wait "$flock_pid" 2>/dev/null
	qemu_pid=
	echo "check-vm: $kver: $(( $(date +%s) - start ))s in qemu"
	return $rc
}

# read_results TAG KVER LOG RC: the guest's VGFB_RESULT lines of LOG, then
# the boot's own result from boot()'s status RC and the console.
read_results() {
	local tag=$1 kver=$2 log=$3 rc=$4 line name status detail

	while IFS= read -r line; do
		line=${line%$'\r'}
		case $line in
		VGFB_RESULT\ *) ;;
		*) continue ;;
		esac
		read -r _ name status detail <<< "$line"
		echo "VGFB_RESULT ${tag}:$name $status $detail"
		case $status in
		PASS) passed=$((passed + 1)) ;;
		FAIL) failed=$((failed + 1)) ;;
		*) skipped=$((skipped + 1)) ;;
		esac
	done < "$log"

	if [ $rc -eq 126 ]; then
		host_result "boot_$tag" FAIL "qemu did not start: $(head -c 300 "$log.qemu")"
	elif [ $rc -eq 124 ]; then
		host_result "boot_$tag" FAIL "timeout (${timeout}s); log: $log"
	elif [ $rc -eq 125 ]; then
		host_result "boot_$tag" FAIL "kernel panic; log: $log"
	elif ! grep -q VGFB_VM_DONE "$log"; then
		host_result "boot_$tag" FAIL "no closing line (VGFB_VM_DONE); log: $log"
	elif grep -q -E "$trouble" "$log"; then
		host_result "boot_$tag" FAIL "kernel trouble in $log: $(grep -m1 -E "$trouble" "$log")"
	else
		host_result "boot_$tag" PASS "$kver booted, tested, powered off"
	fi
	if [ "$rc" -ne 0 ] || grep -q ' FAIL ' "$log"; then
		note "---- $tag console (last 80 lines) ----"
		tail -n 80 "$log"
		note "---- end ----"
	fi
}

# run_kernel TAG KVER
run_kernel() {
	local tag=$1 kver=$2 dir=$work/$2 log

	if [ -z "$kver" ] || [ ! -f "/boot/vmlinuz-$kver" ] ||
		[ ! -d "/lib/modules/$kver/build" ]; then
		host_result "boot_$tag" FAIL "kernel '$kver' or its headers are not installed (tests/vm/install-deps.sh)"
		return
	fi
	mkdir -p "$dir"
	if ! build_module "$kver" "$dir/kmod"; then
		cat "$dir/kmod/build.log"
		host_result "build_$tag" FAIL "vgfb.ko does not build against $kver"
		return
	fi
	if grep -q -i 'warning:' "$dir/kmod/build.log"; then
		grep -i -A3 'warning:' "$dir/kmod/build.log"
		host_result "build_$tag" FAIL "vgfb.ko builds with warnings against $kver"
	else
		host_result "build_$tag" PASS "vgfb.ko for $kver"
	fi
	if ! pack_initramfs "$kver" "$dir/root" "$dir/initramfs.cpio.gz"; then
		host_result "initramfs_$tag" FAIL "could not pack the initramfs"
		return
	fi

	log=$dir/console.log
	boot "$kver" "$dir/initramfs.cpio.gz" "$log"
	read_results "$tag" "$kver" "$log" $?
	sed -n 's/\r$//; s/^VGFB_BENCH //p' "$log" > "$dir/bench.txt"
	if [ -s "$dir/bench.txt" ]; then
		note "---- $tag: vgfb-bench --quick --parts=abc under TCG (numbers for people, never judged) ----"
		cat "$dir/bench.txt"
	fi
}

# ---- vgfb-kms on qemu's displays (tests/vm/vgfb-kmstest.c) ----

# pack_kms_initramfs KVER ROOT OUT
pack_kms_initramfs() {
	local kver=$1 root=$2 out=$3

	rm -rf "$root"
	mkdir -p "$root/bin" "$root/sbin" "$root/lib" "$root/lib/modules/$kver"
	cp /bin/busybox "$root/bin/busybox"
	ln -s /bin/busybox "$root/sbin/modprobe"
	cp "$srcdir/tests/vm/kms-init.sh" "$root/init"
	chmod 755 "$root/init"
	cp "$work/$kver/kmod/vgfb.ko" "$root/vgfb.ko" || return 1
	copy_elf "$root" "$builddir/tools/vgfbd/vgfbd" /bin/vgfbd || return 1
	copy_elf "$root" "$bin/vgfb-kmstest" /bin/vgfb-kmstest || return 1
	# the libtool wrapper's real program, and the library it runs with
	cp -L "$builddir"/.libs/libvgfb.so.? "$root/lib/" || return 1
	LD_LIBRARY_PATH=$builddir/.libs copy_elf "$root" \
		"$builddir/tools/vgfb-kms/.libs/vgfb-kms" /bin/vgfb-kms || return 1
	# vgfb-vnc's zero-copy check (kms-init.sh), when they were built
	if [ -x "$builddir/tools/vgfb-vnc/vgfb-vnc" ] &&
		[ -x "$builddir/tests/vnc-probe" ]; then
		LD_LIBRARY_PATH=$builddir/.libs copy_elf "$root" \
			"$builddir/tools/vgfb-vnc/.libs/vgfb-vnc" /bin/vgfb-vnc ||
			return 1
		copy_elf "$root" "$builddir/tests/vnc-probe" /bin/vnc-probe ||
			return 1
	fi
	pack_modules "$kver" "$root" cirrus bochs virtio_pci virtio_gpu ||
		return 1
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
}

# Wait up to 10 s for a file qemu writes to be there and stop growing.
wait_file_stable() {
	local f=$1 last=-1 size same=0

	for _ in $(seq 100); do
		size=$(stat -c %s "$f" 2>/dev/null || echo -1)
		if [ "$size" -gt 0 ] && [ "$size" -eq "$last" ]; then
			same=$((same + 1))
			[ "$same" -ge 2 ] && return 0
		else
			same=0
		fi
		last=$size
		sleep 0.1
	done
	return 1
}

kms_dir=
kms_tag=
kms_checks_done=0

# boot()'s hook for the kms boots: each new VGFB_KMS_CHECK line gets a
# screendump, compared with what the line says, and an answer on the VM's
# second serial port.
kms_hook() {
	local log=$1 line n=0 name fields f out rc

	while IFS= read -r line; do
		n=$((n + 1))
		[ "$n" -le "$kms_checks_done" ] && continue
		kms_checks_done=$n
		fields=${line#*VGFB_KMS_CHECK }
		fields=${fields%$'\r'}
		name=$(sed -n 's/^name=\([^ ]*\).*/\1/p' <<< "$fields")
		f=$kms_dir/screen-$n-$name.ppm
		rm -f "$f"
		timeout 5 sh -c "echo 'screendump $f' > '$kms_dir/mon.in'"
		if ! wait_file_stable "$f"; then
			host_result "$kms_tag:screen_$name" FAIL "no screendump from qemu's monitor"
		elif [ "$name" = before ]; then
			cp "$f" "$kms_dir/before.ppm"
		else
			# shellcheck disable=SC2086 # the fields are words
			out=$("$bin/kms-screen-check" "$f" "$kms_dir/before.ppm" $fields)
			rc=$?
			host_result "$kms_tag:screen_$name" "$([ "$rc" -eq 0 ] && echo PASS || echo FAIL)" "${out#* }"
		fi
		timeout 5 sh -c "echo ok > '$kms_dir/ack.in'"
	done < <(grep -a 'VGFB_KMS_CHECK ' "$log")
}

# run_kms KIND KVER QEMU-DISPLAY-ARGS...: vgfb-kms on one of qemu's
# displays, with the monitor and a second serial port as pipes.
run_kms() {
	local kind=$1 kver=$2 dir rc
	shift 2
	dir=$work/kms-$kind
	kms_tag=kms-$kind
	kms_dir=$dir
	kms_checks_done=0
	if [ ! -f "$work/$kver/kmod/vgfb.ko" ] &&
		! build_module "$kver" "$work/$kver/kmod"; then
		host_result "build_$kms_tag" FAIL "vgfb.ko does not build against $kver"
		return
	fi
	if [ ! -x "$bin/vgfb-kmstest" ] || [ ! -x "$bin/kms-screen-check" ]; then
		host_result "boot_$kms_tag" FAIL "no vgfb-kmstest or kms-screen-check in $bin"
		return
	fi
	mkdir -p "$dir"
	if ! pack_kms_initramfs "$kver" "$dir/root" "$dir/initramfs.cpio.gz"; then
		host_result "initramfs_$kms_tag" FAIL "could not pack the kms initramfs"
		return
	fi
	rm -f "$dir"/mon.* "$dir"/ack.* "$dir"/*.ppm
	mkfifo "$dir/mon.in" "$dir/mon.out" "$dir/ack.in" "$dir/ack.out"
	# qemu writes into these: drain them so it never blocks
	cat "$dir/mon.out" > "$dir/mon.log" &
	local drain1=$!
	cat "$dir/ack.out" > "$dir/ack.log" &
	local drain2=$!
	boot_display=("$@" -monitor "pipe:$dir/mon")
	boot_serial2=(-serial "pipe:$dir/ack")
	boot_append="vgfb_kms=$kind vt.global_cursor_default=0"
	boot_hook=kms_hook
	boot "$kver" "$dir/initramfs.cpio.gz" "$dir/console.log"
	rc=$?
	kms_hook "$dir/console.log"
	boot_display=(-vga cirrus -monitor none)
	boot_serial2=()
	boot_append=
	boot_hook=
	kill "$drain1" "$drain2" 2>/dev/null
	wait "$drain1" "$drain2" 2>/dev/null
	read_results "$kms_tag" "$kver" "$dir/console.log" "$rc"
}

main() {
	local kernels tag kver stock kms

	for tool in qemu-system-x86_64 flock cpio depmod modprobe; do
		if ! command -v "$tool" > /dev/null; then
			host_result "tools" FAIL "$tool missing (tests/vm/install-deps.sh)"
			echo "vm: $passed passed, $failed failed, $skipped skipped"
			exit 1
		fi
	done
	if [ ! -x /bin/busybox ] || ! /bin/busybox --list | grep -q '^poweroff$'; then
		host_result "tools" FAIL "/bin/busybox (busybox-static) missing"
		echo "vm: $passed passed, $failed failed, $skipped skipped"
		exit 1
	fi

	mkdir -p "$work"
	stock=$(vgfb_vm_stock_kver)
	kernels=${VGFB_VM_KERNELS:-"stock:$stock bpo:$VGFB_VM_BPO_KVER"}

	if find_tests; then
		for tag_kver in $kernels; do
			tag=${tag_kver%%:*}
			kver=${tag_kver#*:}
			[ "$tag" = "$tag_kver" ] && tag=$kver
			note "== $tag: $kver"
			run_kernel "$tag" "$kver"
		done
		if [ -z "${VGFB_VM_KERNELS:-}" ] || [ -n "${VGFB_VM_SYSTEMD:-}" ]; then
			note "== systemd: $stock, vgfbd@.socket under systemd as PID 1"
			run_systemd systemd "$stock"
		fi
		# VGFB_VM_KMS: 1 (all), or some of cirrus,std,virtio
		kms=${VGFB_VM_KMS:-}
		[ -z "${VGFB_VM_KERNELS:-}" ] && kms=${kms:-1}
		[ "$kms" = 1 ] && kms=cirrus,std,virtio
		if [ -n "$kms" ]; then
			note "== kms: $stock, vgfb-kms on qemu's $kms"
			case ,$kms, in *,cirrus,*) run_kms cirrus "$stock" -vga cirrus ;; esac
			case ,$kms, in *,std,*) run_kms std "$stock" -vga std ;; esac
			case ,$kms, in *,virtio,*) run_kms virtio "$stock" -vga none -device virtio-vga ;; esac
		fi
	fi

	echo "vm: $passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
}

main "$@"
