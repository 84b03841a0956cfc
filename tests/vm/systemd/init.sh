#!/bin/busybox sh
# SPDX-License-Identifier: MIT
# /init of the vm tier's systemd initramfs (tests/vm/check-vm.sh,
# run_systemd): hand PID 1 to the real systemd, which starts
# vgfb-sa.target: vgfbd@demo.socket and the test in vgfb-sa-test.service.
/bin/busybox mkdir -p /proc /sys /dev /run /tmp
/bin/busybox mount -t devtmpfs devtmpfs /dev
echo "VGFB_INFO systemd initramfs: exec /lib/systemd/systemd" > /dev/console
exec /lib/systemd/systemd --unit=vgfb-sa.target --log-target=console \
	--log-level=notice --show-status=no
