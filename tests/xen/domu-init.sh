#!/bin/sh
# SPDX-License-Identifier: MIT
# /init of the test domUs (busybox): keep fbcon off the xen-fbfront
# framebuffer, load xen-drm-front, run guest-draw, then stay up until dom0
# destroys the domain.  Everything goes to hvc0, which xenconsoled logs in
# dom0 as /var/log/xen/console/guest-<name>.log.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
kind=unknown
read -r cmdline </proc/cmdline
for a in $cmdline; do
	case $a in vgfb_kind=*) kind=${a#vgfb_kind=} ;; esac
done
echo "VGFB_GUEST_BOOT kind=$kind uptime=$(cut -d' ' -f1 /proc/uptime)"

# fbcon would draw the text console into xen-fbfront's framebuffer
for v in /sys/class/vtconsole/vtcon*; do
	grep -q frame "$v/name" 2>/dev/null && echo 0 >"$v/bind"
done

# xenbus_register_frontend() waits (wait_for_devices(), up to 270 s for an
# "essential" device such as vdispl) until the device connects, so with no
# backend modprobe does not return: load it in the background.
(
	modprobe drm_xen_front
	echo "VGFB_GUEST_MODPROBE drm_xen_front rc=$? uptime=$(cut -d' ' -f1 /proc/uptime)"
) &
i=0
while [ ! -e /sys/bus/xen/devices/vdispl-0/driver ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done

/bin/guest-draw "$kind"
echo "VGFB_GUEST_READY kind=$kind uptime=$(cut -d' ' -f1 /proc/uptime)"
while :; do sleep 3600; done
