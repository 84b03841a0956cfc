#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The xen tier, end to end (what `make check-xen` runs): check the
# prerequisites (exit 77 with the reason when one is missing), build the
# images (build.sh, cached debootstrap), boot them (boot.sh).
#
# Run from the build tree; images go to $XEN_TIER_BUILD (default
# ./_build/xen-tier).  tests/xen/install-deps.sh installs what is needed.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

[ "$(id -u)" -eq 0 ] || xen_skip "needs root (debootstrap and chroot build the dom0 root fs)"
for cmd in "$QEMU" flock debootstrap mkfs.ext4 cpio gzip depmod modprobe \
	chroot dpkg-query zcat; do
	command -v "$cmd" >/dev/null 2>&1 ||
		xen_skip "$cmd not found (tests/xen/install-deps.sh installs it)"
done
/bin/busybox --list >/dev/null 2>&1 ||
	xen_skip "no /bin/busybox (busybox-static)"
file -L /bin/busybox 2>/dev/null | grep -q 'statically linked' ||
	ldd /bin/busybox 2>&1 | grep -q 'not a dynamic' ||
	xen_skip "/bin/busybox is not static (install busybox-static)"
[ -r "$XEN_GZ" ] || xen_skip "no $XEN_GZ (xen-hypervisor-4.17-amd64)"
[ -r "$KIMAGE" ] || xen_skip "no $KIMAGE (linux-image-$KVER)"
[ -d "${KROOT%/}/lib/modules/$KVER/kernel" ] ||
	xen_skip "no modules for $KVER under $KROOT"
[ -r /usr/include/libdrm/drm_fourcc.h ] || xen_skip "no drm_fourcc.h (libdrm-dev)"
[ -x "${builddir:-}/tests/xen/guest-draw" ] ||
	xen_skip "no tier programs in '${builddir:-}/tests/xen' (make, configured with Xen: libxen-dev)"
"$QEMU" -accel help 2>/dev/null | grep -qx tcg || xen_skip "$QEMU has no TCG"

t0=$(date +%s)
"$here/build.sh" || { echo "xen: 0 passed, 1 failed, 0 skipped, 0 retried (build failed)"; exit 1; }
t1=$(date +%s)
"$here/boot.sh"
rc=$?
t2=$(date +%s)
xen_log "build $((t1 - t0)) s, boot $((t2 - t1)) s, total $((t2 - t0)) s"
exit $rc
