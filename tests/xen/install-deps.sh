#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Install, on a fresh Debian 12 (bookworm) host, everything the xen test
# tier (tests/xen/run.sh, `make check-xen`) needs.  Run as root.
#
#   tests/xen/install-deps.sh            install
#   tests/xen/install-deps.sh --print    only print the package list
set -euo pipefail

packages=(
	# the hypervisor (decompressed at build time) and dom0's toolstack
	# (only the .debs are used for dom0: debootstrap installs them again)
	xen-hypervisor-4.17-amd64 xen-utils-4.17 libxen-dev
	# dom0 root fs and the images
	debootstrap e2fsprogs cpio gzip busybox-static kmod
	# the stock guest and dom0 kernel and its modules
	linux-image-amd64
	# the machine all of it runs in
	qemu-system-x86
	# guest-side programs are static C; util-linux gives flock
	gcc libc6-dev libdrm-dev pkg-config util-linux
	ca-certificates
)

if [ "${1:-}" = --print ]; then
	printf '%s\n' "${packages[@]}"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: must run as root" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# xen-hypervisor's postinst wants to run update-grub; a CI container has
# no grub, which is fine: the tier boots Xen from qemu, not from the host.
apt-get install -y -q --no-install-recommends "${packages[@]}"
