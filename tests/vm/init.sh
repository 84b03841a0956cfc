#!/bin/busybox sh
# SPDX-License-Identifier: MIT
# /init of the vm tier's test initramfs (packed by tests/vm/check-vm.sh).
# Prints "VGFB_RESULT <name> PASS|FAIL|SKIP <detail>" lines, then
# VGFB_VM_DONE, and powers off.  Nothing here may block: the host kills
# the VM on timeout, but then every result is lost.

/bin/busybox --install -s /bin
export PATH=/bin:/sbin

mkdir -p /proc /sys /dev /tmp /mnt/ramfs
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t ramfs ramfs /mnt/ramfs

result() {
	echo "VGFB_RESULT $*"
}

# run_tap PREFIX PROGRAM ARGS: a TAP program's lines as results; exit 77
# is one SKIP.
run_tap() {
	prefix=$1
	shift
	"$@" > /tmp/tap.out 2>&1
	rc=$?
	if [ $rc -eq 77 ]; then
		result "${prefix}" SKIP "$(grep -m1 SKIP /tmp/tap.out)"
		return
	fi
	sed -n 's/^ok \([0-9]*\) - \(.*\)/VGFB_RESULT '"$prefix"'\1 PASS \2/p;
		s/^not ok \([0-9]*\) - \(.*\)/VGFB_RESULT '"$prefix"'\1 FAIL \2/p' /tmp/tap.out
	if [ $rc -ne 0 ] && ! grep -q '^not ok' /tmp/tap.out; then
		result "${prefix}exit" FAIL "exit status $rc"
		cat /tmp/tap.out
	fi
}

kver=$(uname -r)
echo "VGFB_VM_START kernel $kver"

# Huge pages for the hugetlb test (a 1 GiB guest can spare 8 MiB).
echo 4 > /proc/sys/vm/nr_hugepages

# DRM importers: qemu's cirrus card (renamed cirrus-qemu in newer kernels)
# and vgem.
modprobe cirrus 2>/dev/null || modprobe cirrus-qemu 2>/dev/null
modprobe vgem 2>/dev/null
i=0
while [ ! -e /dev/dri/card0 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done

if insmod /vgfb.ko; then
	result kmod_insmod PASS "$(cat /sys/module/vgfb/parameters/max_pages) pages max per buffer"
else
	result kmod_insmod FAIL "insmod /vgfb.ko failed"
fi

if [ -e /dev/vgfb ]; then
	/vgfb-vmtest /vgfb.ko
	if [ -x /vgfb-vmtest32 ]; then
		/vgfb-vmtest32 /vgfb.ko compat32_
	else
		result compat32 SKIP "no 32-bit test program (gcc-multilib missing)"
	fi
	# 10^5 random argument sets (tests/vm/vgfb-kfuzz.c); the seed is
	# printed for a replay
	if [ -x /vgfb-kfuzz ]; then
		/vgfb-kfuzz 100000
	else
		result kfuzz SKIP "vgfb-kfuzz not built"
	fi
	if [ -x /vgfb-simtest ]; then
		/vgfb-simtest
	else
		result sim_vgfb_dmabuf SKIP "vgfb-simtest not built (libvgfb missing)"
	fi
	if [ -x /vgfb-acrntest ]; then
		/vgfb-acrntest
	else
		result acrn_blob_dmabuf SKIP "vgfb-acrntest not built"
	fi
	# The acrn-dm sink's blob case alone (CK_RUN_CASE=blob): a udmabuf
	# made as acrn-dm makes one, through the sink and vgfbd to a
	# consumer.  Exit 0 with no "ok" line (the case absent) is no pass.
	if [ ! -x /test-acrn-sink-vgfbd ]; then
		result acrn_sink_blob SKIP "test-acrn-sink-vgfbd not built (configure --enable-tests)"
	elif [ ! -e /dev/udmabuf ]; then
		result acrn_sink_blob SKIP "/dev/udmabuf absent in $kver"
	else
		VGFBD=/bin/vgfbd CK_RUN_CASE=blob CK_TAP_LOG_FILE_NAME=- \
			/test-acrn-sink-vgfbd > /tmp/sink.out 2>&1
		rc=$?
		if [ $rc -eq 0 ] && grep -q '^ok 1 - .*:blob:blob: Passed' /tmp/sink.out &&
			! grep -q '^not ok' /tmp/sink.out; then
			result acrn_sink_blob PASS "acrn-dm's udmabuf through the sink and vgfbd: the consumer's DMABUF is that file, pixel-exact before and after a flush"
		else
			result acrn_sink_blob FAIL "exit status $rc: $(grep -m1 '^not ok' /tmp/sink.out)"
			cat /tmp/sink.out
		fi
	fi
	if [ -x /test-dmabuf ]; then
		run_tap dmabuf_vgfb_ /test-dmabuf vgfb
		run_tap dmabuf_udmabuf_ /test-dmabuf udmabuf
	fi
	# vgfb-bench's parts a-c through every exporter this kernel has
	# (docs/performance.md), briefly: its table goes to the host as
	# VGFB_BENCH lines; the result says only whether it ran, its numbers
	# are never judged.
	if [ -x /vgfb-bench ]; then
		if /vgfb-bench --quick --parts=abc > /tmp/bench.out 2>&1; then
			result bench_frames PASS "vgfb-bench --quick --parts=abc ran"
		else
			result bench_frames FAIL "vgfb-bench exit status $?"
		fi
		sed 's/^/VGFB_BENCH /' /tmp/bench.out
	fi
	if rmmod vgfb; then
		result kmod_rmmod PASS "module unloaded, no buffer left"
	else
		result kmod_rmmod FAIL "rmmod vgfb failed"
	fi
fi

# Anything the kernel said about itself that a test run must never cause.
bad=$(dmesg | grep -E 'Oops|WARNING:|BUG:|Kernel panic|general protection|refcount_t:|list_(add|del) corruption|UBSAN|bad page' | head -n 3)
if [ -n "$bad" ]; then
	result kmod_dmesg_clean FAIL "$(echo "$bad" | tr '\n' '|')"
	dmesg | tail -n 60
else
	result kmod_dmesg_clean PASS "no oops, warning or BUG in dmesg"
fi
dmesg | grep -i vgfb | sed 's/^/dmesg: /'

echo "VGFB_VM_DONE"
sync
poweroff -f
