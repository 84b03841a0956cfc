#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Everything `make check-vm` needs on a fresh Debian 12 (run as root):
# qemu, busybox, kmod, cpio, gcc-multilib (the 32-bit compat_ioctl tests),
# the stock kernel with its headers, and the
# bookworm-backports kernel with its headers for the second boot, pinned by
# version (tests/vm/kernels.sh).  Also linux-source-6.1, whose tarball
# provides scripts/checkpatch.pl for `make checkpatch`.
#
#   tests/vm/install-deps.sh [--no-checkpatch]

set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/kernels.sh
. "$here/kernels.sh"

with_checkpatch=yes
[ "${1:-}" = "--no-checkpatch" ] && with_checkpatch=no

export DEBIAN_FRONTEND=noninteractive
# The kernel packages' postinst would build an initrd nobody boots.
export INITRD=No
apt_get() {
	apt-get -o DPkg::Lock::Timeout=600 -y --no-install-recommends "$@"
}

if ! grep -rqs '^[^#]*bookworm-backports' /etc/apt/sources.list \
	/etc/apt/sources.list.d/; then
	cat > /etc/apt/sources.list.d/bookworm-backports.sources <<'SOURCES'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
fi
apt_get update

pkgs="build-essential autoconf automake libtool gcc-multilib pkg-config libdrm-dev
qemu-system-x86 busybox-static
kmod cpio gzip xz-utils zstd dwarves util-linux
linux-image-amd64 linux-headers-amd64"
bpo=$(vgfb_vm_bpo_pkg) || bpo=
if [ -n "$bpo" ]; then
	pkgs="$pkgs linux-image-$bpo linux-headers-$bpo"
else
	echo "install-deps: no kernel in bookworm-backports: the second vm boot will be skipped" >&2
fi
[ "$with_checkpatch" = yes ] && pkgs="$pkgs linux-source-6.1"

# shellcheck disable=SC2086
apt_get install $pkgs
