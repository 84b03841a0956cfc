#!/bin/sh
# SPDX-License-Identifier: MIT
# /init of the test domUs (busybox): keep fbcon off the xen-fbfront
# framebuffer, load xen-drm-front, run guest-draw and (in the background)
# guest-fb, guest-drm and guest-input, then stay up until dom0 destroys
# the domain.
# Everything goes to hvc0, which xenconsoled logs in dom0 as
# /var/log/xen/console/guest-<name>.log.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
kind=unknown
read -r cmdline </proc/cmdline
for a in $cmdline; do
	case $a in vgfb_kind=*) kind=${a#vgfb_kind=} ;; esac
done
echo "VGFB_GUEST_BOOT kind=$kind uptime=$(cut -d' ' -f1 /proc/uptime)"

# `xl shutdown`: the kernel runs /sbin/poweroff (orderly_poweroff()), and
# busybox's applet asks PID 1 with SIGUSR2 (SIGTERM for reboot).  Power
# off for real, so the kernel's device_shutdown() closes the Xen frontends
# as on any guest.  (`xl reboot` needs nothing: ctrl_alt_del() restarts the
# kernel directly.)  Idle in `wait`, which a trapped signal interrupts.
trap 'echo "VGFB_GUEST_POWEROFF uptime=$(cut -d" " -f1 /proc/uptime)"; poweroff -f' USR2
trap 'reboot -f' TERM
idle() {
	while :; do
		sleep 3600 &
		wait $!
	done
}

# The hostile-frontend guest (guests/hostile.cfg): no display driver at
# all (xen-fbfront is kept out by initcall_blacklist, drm_xen_front is not
# loaded), so that hostile-front can play both frontends from userspace
# through /dev/xen/{xenbus,evtchn,gntalloc}.  It waits for dom0's backend.
if [ "$kind" = hostile ]; then
	modprobe xen-evtchn
	modprobe xen-gntalloc
	for dev in vfb-0 vdispl-0; do
		drv=$(readlink "/sys/bus/xen/devices/$dev/driver") || drv=none
		echo "VGFB_GUEST_DRIVER $dev=${drv##*/}"
	done
	echo "VGFB_GUEST_READY kind=$kind uptime=$(cut -d' ' -f1 /proc/uptime)"
	/bin/hostile-front
	idle
fi

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

# the guests of hooks 60 and 62 have no vfb: guest-draw would only wait
# 10 s for a /dev/fb0 that never comes before guest-drm could start
case $kind in
xbe | soak) ;;
*) /bin/guest-draw "$kind" ;;
esac
# the fbdev half of hook 38-vgfbd-vfb-events: redraws and resizes fb0 as
# dom0 raises data/vgfb-fb-step
/bin/guest-fb "$kind" &
# the DRM half (hook 50-vgfbd-vdispl): waits for /dev/dri/card0, which
# appears once a vdispl backend connects, then follows dom0's steps
/bin/guest-drm "$kind" 600 &
# the guest half of hook 39-vnc-input: prints what xen-kbdfront's evdev
# devices report once a vkbd backend appears
modprobe evdev
/bin/guest-input "$kind" 600 &
echo "VGFB_GUEST_READY kind=$kind uptime=$(cut -d' ' -f1 /proc/uptime)"
idle
