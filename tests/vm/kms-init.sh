#!/bin/busybox sh
# SPDX-License-Identifier: MIT
# /init of the vm tier's vgfb-kms boots (packed by tests/vm/check-vm.sh):
# qemu's display device (vgfb_kms=cirrus|std|virtio on the kernel command
# line) driven by vgfb-kms, checked by vgfb-kmstest here and by the host's
# screendumps (VGFB_KMS_CHECK lines, answered on /dev/ttyS1).

/bin/busybox --install -s /bin
export PATH=/bin:/sbin
export LD_LIBRARY_PATH=/lib:/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu

mkdir -p /proc /sys /dev /tmp /run/vgfb
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p /run/vgfb

# wait_socket PATH: up to 10 s for a UNIX socket to appear
wait_socket() {
	i=0
	while [ ! -S "$1" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -S "$1" ]
}

# vgfb-vnc on dma-bufs of vgfb.ko (issue #11): a libvncclient viewer must
# get every pixel of the sim's frame 1, and vgfb-vnc must have served
# every update from the dma-buf mapping itself (its --stats: all updates
# zero-copy, 0 bytes copied, no region snapshot).
vnc_zero_copy() {
	if [ ! -x /bin/vgfb-vnc ] || [ ! -x /bin/vnc-probe ]; then
		echo "VGFB_RESULT kms_vnc_pixels SKIP vgfb-vnc or vnc-probe not built (neatvnc, libvncclient)"
		return
	fi
	/bin/vgfbd --target sim:mode=640x480,exporter=vgfb --name vnc \
		>/tmp/vgfbd-vnc.log 2>&1 &
	dpid=$!
	wait_socket /run/vgfb/vnc/socket
	/bin/vgfb-vnc --target unix:/run/vgfb/vnc/socket \
		--listen unix:/tmp/vnc.sock --stats >/tmp/vgfb-vnc.log 2>&1 &
	vpid=$!
	wait_socket /tmp/vnc.sock
	out=$(/bin/vnc-probe --pattern 1 /tmp/vnc.sock 2>/tmp/vnc-probe.err)
	rc=$?
	kill -TERM $vpid
	wait $vpid
	kill -TERM $dpid
	wait $dpid
	if [ $rc -eq 0 ]; then
		echo "VGFB_RESULT kms_vnc_pixels PASS a libvncclient viewer of vgfb-vnc on vgfb.ko's dma-buf: ${out#VNC_PROBE }"
	else
		echo "VGFB_RESULT kms_vnc_pixels FAIL ${out:-no picture}; $(tail -n 3 /tmp/vnc-probe.err | tr '\n' '|')"
	fi
	stats=$(grep 'vgfb-vnc stats:' /tmp/vgfb-vnc.log | tail -n 1)
	# shellcheck disable=SC2046 # four numbers, one word each
	set -- $(echo "$stats" | sed -n 's/.*: \([0-9]*\) updates (\([0-9]*\) zero-copy).* \([0-9]*\) bytes copied, \([0-9]*\) bytes of region snapshots.*/\1 \2 \3 \4/p')
	if [ $# -eq 4 ] && [ "$1" -gt 0 ] && [ "$1" = "$2" ] && [ "$3" = 0 ] &&
		[ "$4" = 0 ]; then
		echo "VGFB_RESULT kms_vnc_zero_copy PASS ${stats#vgfb-vnc stats: }"
	else
		echo "VGFB_RESULT kms_vnc_zero_copy FAIL ${stats:-no stats line}"
	fi
	echo "---- vgfbd (vnc) and vgfb-vnc ----"
	tail -n 5 /tmp/vgfbd-vnc.log
	tail -n 5 /tmp/vgfb-vnc.log
	echo "---- end ----"
}

kind=unknown
read -r cmdline </proc/cmdline
for a in $cmdline; do
	case $a in vgfb_kms=*) kind=${a#vgfb_kms=} ;; esac
done
echo "VGFB_VM_START kms $kind kernel $(uname -r)"

case $kind in
cirrus) modprobe cirrus 2>/dev/null || modprobe cirrus-qemu ;;
std) modprobe bochs ;;
virtio) modprobe virtio_pci; modprobe virtio_gpu ;;
esac
i=0
while [ ! -e /dev/dri/card0 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if [ ! -e /dev/dri/card0 ]; then
	echo "VGFB_RESULT kms_${kind}_card0 FAIL no /dev/dri/card0 for $kind"
elif ! insmod /vgfb.ko; then
	echo "VGFB_RESULT kms_${kind}_insmod FAIL insmod /vgfb.ko failed"
else
	/bin/vgfb-kmstest "$kind" /bin/vgfbd /bin/vgfb-kms
	echo "---- vgfb-kms's output ----"
	cat /tmp/vgfb-kms.log
	echo "---- end ----"
	# one boot is enough: the display device plays no part in it
	[ "$kind" = std ] && vnc_zero_copy
fi

bad=$(dmesg | grep -E 'Oops|WARNING:|BUG:|Kernel panic|general protection|refcount_t:|list_(add|del) corruption|UBSAN|bad page' | head -n 3)
if [ -n "$bad" ]; then
	echo "VGFB_RESULT kms_${kind}_dmesg_clean FAIL $(echo "$bad" | tr '\n' '|')"
	dmesg | tail -n 60
else
	echo "VGFB_RESULT kms_${kind}_dmesg_clean PASS no oops, warning or BUG in dmesg"
fi
echo "VGFB_VM_DONE"
sync
poweroff -f
