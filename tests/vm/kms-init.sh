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
