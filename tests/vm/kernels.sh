# SPDX-License-Identifier: MIT
# shellcheck shell=sh disable=SC2034
# The kernels the vm tier boots, named by version (never `uname -r`: the
# host's own kernel is not the one under test).  Sourced by install-deps.sh
# and check-vm.sh (and tests/xen/lib.sh, for the stock kernel).

# bookworm-backports: has /dev/udmabuf built in.  Backports keeps only its
# newest kernel, so the version is resolved, not pinned: the kernel that
# backports' linux-image-amd64 depends on (install-deps.sh installs it),
# and at test time the newest such kernel installed.
vgfb_vm_bpo_pkg() {
	_v=$(apt-cache madison linux-image-amd64 2>/dev/null |
		awk -F'|' '/bookworm-backports/ { gsub(/ /, "", $2); print $2; exit }')
	[ -n "$_v" ] || return 1
	apt-cache show "linux-image-amd64=$_v" 2>/dev/null |
		sed -n 's/^Depends: //p' | tr ',' '\n' |
		sed -n 's/^ *linux-image-\([^ ]*+deb12-amd64\).*/\1/p' | head -n 1
}
VGFB_VM_BPO_KVER=${VGFB_VM_BPO_KVER:-$(find /boot -maxdepth 1 -name 'vmlinuz-*+deb12-amd64' 2>/dev/null |
	sed 's|^/boot/vmlinuz-||' | sort -V | tail -n 1)}

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
