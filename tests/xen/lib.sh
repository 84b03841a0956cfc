# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Shared settings of the xen test tier.  Sourced by build.sh, boot.sh and
# run.sh; every value can be overridden from the environment.

# The stock Debian 12 kernel used for dom0 and every domU, named by version
# (never `uname -r`: the host kernel is not a Debian one): the one Debian's
# linux-image-amd64 depends on, as for the vm tier.
# shellcheck source=../vm/kernels.sh
. "$(dirname "${BASH_SOURCE[0]}")/../vm/kernels.sh"
: "${KVER:=$(vgfb_vm_stock_kver)}"
: "${KROOT:=/}"
: "${KIMAGE:=${KROOT%/}/boot/vmlinuz-${KVER}}"
: "${XEN_GZ:=/boot/xen-4.17-amd64.gz}"
: "${XEN_SUITE:=bookworm}"
: "${XEN_MIRROR:=http://deb.debian.org/debian}"
: "${XEN_SECURITY_MIRROR:=http://deb.debian.org/debian-security}"
: "${QEMU:=qemu-system-x86_64}"
# Every qemu-system run on the machine takes this lock (shared with the
# other helpers and tiers that boot VMs on the same cores).
: "${VGFB_QEMU_LOCK:=/tmp/vgfb-qemu.lock}"
# Rounds of hook 62-xen-backend-soak (a guest destroyed while its dma-buf
# is held): 10 in CI, e.g. 100 for a long run.
: "${XEN_TIER_SOAK_ROUNDS:=10}"
# Overall limit of one boot, from qemu start to qemu exit (seconds): a
# hang detector.  480 for the hooks before the soak (a CI boot with
# hooks 39 and 60 took 331 s beside a CPU hog; 176-234 s before them,
# without one), plus 60 s a soak round.
: "${XEN_TIER_TIMEOUT:=$((480 + 60 * XEN_TIER_SOAK_ROUNDS))}"

# Packages installed into the dom0 root fs next to debootstrap's minbase.
# xen-utils-4.17 is pinned to the host's hypervisor version at build time.
# shellcheck disable=SC2034 # used by the scripts sourcing this file
# (xen-utils-4.17 pulls in libxenstore, libxenforeignmemory, libxenevtchn,
# libxengnttab and libxenmisc, which the dom0 test programs link against.)
# libneatvnc0 and libvncclient1: vgfb-vnc and the viewer of hook
# 39-vnc-input (both linked dynamically against them).
XEN_DOM0_PACKAGES=(xen-utils-4.17 xenstore-utils kmod busybox libneatvnc0
	libvncclient1)

# Modules dom0's initramfs loads (with their dependencies) before
# switch_root: the root disk, ext4, and the Xen device interfaces.
# shellcheck disable=SC2034
XEN_DOM0_MODULES=(virtio_pci virtio_blk crc32c_generic ext4 xenfs xen-evtchn
	xen-gntdev xen-gntalloc xen-privcmd)

# Modules of each domU's initramfs (xen-fbfront and xen-kbdfront are
# built in); the device interfaces are for hostile-front (/dev/xen/evtchn,
# /dev/xen/gntalloc), evdev for guest-input (/dev/input/event*).
# shellcheck disable=SC2034
XEN_DOMU_MODULES=(drm_xen_front xen-evtchn xen-gntalloc evdev)

xen_log() { printf 'xen-tier: %s\n' "$*" >&2; }
xen_die() { printf 'xen-tier: error: %s\n' "$*" >&2; exit 1; }

# Exit 77 (automake's SKIP) with a reason.
xen_skip() {
	printf 'xen-tier: SKIP: %s\n' "$*" >&2
	echo "xen: 0 passed, 0 failed, 1 skipped (tier skipped: $*)"
	exit 77
}
