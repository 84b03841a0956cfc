#!/bin/sh
# SPDX-License-Identifier: MIT
# /init of dom0's initramfs (busybox): load the root-disk, ext4 and Xen
# modules, mount the dom0 root fs (/dev/vda, qemu snapshot=on so nothing
# persists) and hand over to /vgfb/init.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "VGFB_STAGE dom0-initramfs uptime=$(cut -d' ' -f1 /proc/uptime)"
# the list is XEN_DOM0_MODULES of lib.sh, written here by build.sh
while read -r m; do
	modprobe "$m" || echo "VGFB_WARN modprobe $m failed"
done </etc/vgfb-modules
i=0
while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if ! mount -t ext4 /dev/vda /mnt; then
	echo "VGFB_FATAL dom0 cannot mount its root fs /dev/vda"
	exec sh
fi
mount --move /dev /mnt/dev
mount --move /proc /mnt/proc
mount --move /sys /mnt/sys
exec switch_root /mnt /vgfb/init
