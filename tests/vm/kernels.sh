# SPDX-License-Identifier: MIT
# shellcheck shell=sh disable=SC2034
# The kernels the vm tier boots, pinned by version (never `uname -r`: the
# host's own kernel is not the one under test).  Sourced by install-deps.sh
# and check-vm.sh.  Bump together with the package versions CI installs.

# bookworm-backports: has /dev/udmabuf built in.
VGFB_VM_BPO_KVER=6.12.95+deb12-amd64
VGFB_VM_BPO_PKGVER=6.12.95-1~bpo12+1

# Debian 12's own kernel: whatever linux-image-amd64 depends on.
# Falls back to the newest installed 6.1 image.
vgfb_vm_stock_kver() {
	_k=$(dpkg-query -W -f='${Depends}\n' linux-image-amd64 2>/dev/null |
		tr ',' '\n' |
		sed -n 's/^ *linux-image-\(6\.1\.[^ ]*-amd64\).*/\1/p' |
		head -n 1)
	if [ -z "$_k" ]; then
		_k=$(find /boot -maxdepth 1 -name 'vmlinuz-6.1.*-amd64' |
			sort -V | tail -n 1 | sed 's|^/boot/vmlinuz-||')
	fi
	echo "$_k"
}
