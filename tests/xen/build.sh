#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Build everything the xen tier boots, under $XEN_TIER_BUILD (default
# ./_build/xen-tier of the current directory, i.e. of the build tree):
#
#   xen-4.17-amd64         the hypervisor, decompressed (multiboot needs ELF)
#   dom0-initramfs.cpio.gz busybox + root-disk/ext4/Xen modules, switch_root
#   domu-initramfs.cpio.gz busybox + drm_xen_front + guest-draw, guest-drm,
#                          guest-fb, guest-input
#   dom0.ext4              debootstrap'ed dom0 root fs + /vgfb (init, hooks,
#                          domU kernel/initramfs/configs, dom0 programs)
#
# Only Debian packages go in.  The debootstrap result is cached in
# cache/dom0root-<key>, keyed on suite, mirrors, package list and the Xen
# version, so a rerun in the same tree takes seconds; a clean tree builds
# it all (about 30 s against deb.debian.org).
#
# Drop-ins for later tests (each "file-or-dir[:file-or-dir...]"):
#   XEN_TIER_SETUP      -> /vgfb/setup.d, run by dom0 BEFORE the domUs are
#                          created (start a backend daemon here: xl waits
#                          for a vdispl backend's InitWait during create)
#   XEN_TIER_HOOKS      -> /vgfb/hooks, run after the domUs are unpaused
#   XEN_TIER_DOM0_FILES -> /vgfb/bin (in dom0's PATH)
#
# Diagnostic mode (issue #14, docs/xen-tier-reliability.md; opt-in):
#   XEN_TIER_DIAG=1      adds cpu-state-check and /vgfb/diag/dom0-diag.sh,
#                        and libasan8 and libtsan2 to the dom0 root (its
#                        own debootstrap cache key); boot.sh then runs the
#                        detectors beside the hooks
#   XEN_TIER_DOM0_BUILDDIR=DIR
#                        take the dynamically linked dom0 programs (vgfbd,
#                        vgfb-query, vgfb-dump, vdispl-consumer, vfb-probe)
#                        from a second build tree configured with
#                        sanitizer flags, e.g. CFLAGS="-fsanitize=address
#                        -g -O1" LDFLAGS=-fsanitize=address, where just
#                        those programs were made (static ones cannot be
#                        sanitized)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
B=${XEN_TIER_BUILD:-$PWD/_build/xen-tier}
diag=${XEN_TIER_DIAG:-0}
if [ "$diag" = 1 ]; then
	# the sanitizers' runtimes, from Debian, for XEN_TIER_DOM0_BUILDDIR
	XEN_DOM0_PACKAGES+=(libasan8 libtsan2)
fi

mkdir -p "$B/cache"
B=$(cd "$B" && pwd)
t_start=$(date +%s)

[ "$(id -u)" -eq 0 ] || xen_die "build.sh needs root (debootstrap, chroot)"
[ -r "$KIMAGE" ] || xen_die "no kernel image $KIMAGE"
[ -r "$XEN_GZ" ] || xen_die "no hypervisor $XEN_GZ"

xen_version=$(dpkg-query -W -f='${Version}' xen-hypervisor-4.17-amd64)

# ---- the hypervisor ------------------------------------------------------
if [ ! -s "$B/xen-4.17-amd64" ] || [ "$XEN_GZ" -nt "$B/xen-4.17-amd64" ]; then
	zcat "$XEN_GZ" >"$B/xen-4.17-amd64.tmp"
	mv "$B/xen-4.17-amd64.tmp" "$B/xen-4.17-amd64"
fi

# ---- dom0 root fs (cached) -----------------------------------------------
prune_version=1
key=$(printf '%s\n' "$XEN_SUITE" "$XEN_MIRROR" "$XEN_SECURITY_MIRROR" \
	"$xen_version" "$prune_version" "${XEN_DOM0_PACKAGES[@]}" |
	sha256sum | cut -c1-16)
rootcache="$B/cache/dom0root-$key"

build_rootfs() {
	local tmp="$rootcache.tmp"
	rm -rf "$tmp"
	xen_log "debootstrap $XEN_SUITE (minbase) -> $rootcache"
	debootstrap --variant=minbase "$XEN_SUITE" "$tmp" "$XEN_MIRROR" \
		>"$B/debootstrap.log" 2>&1 ||
		{ tail -20 "$B/debootstrap.log" >&2; xen_die "debootstrap failed"; }
	cat >"$tmp/etc/apt/sources.list" <<EOF
deb $XEN_MIRROR $XEN_SUITE main
deb $XEN_MIRROR $XEN_SUITE-updates main
deb $XEN_SECURITY_MIRROR $XEN_SUITE-security main
EOF
	# No daemons may start inside the chroot.
	printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
	chmod 755 "$tmp/usr/sbin/policy-rc.d"
	cp /etc/resolv.conf "$tmp/etc/resolv.conf" 2>/dev/null || true
	local pkgs=()
	local p
	for p in "${XEN_DOM0_PACKAGES[@]}"; do
		# dom0's tools must match the hypervisor that boots
		[ "$p" = xen-utils-4.17 ] && p="$p=$xen_version"
		pkgs+=("$p")
	done
	xen_log "installing ${pkgs[*]} into the dom0 root"
	{
		chroot "$tmp" apt-get -q update &&
		chroot "$tmp" env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q --no-install-recommends "${pkgs[@]}"
	} >>"$B/debootstrap.log" 2>&1 ||
		{ tail -20 "$B/debootstrap.log" >&2; xen_die "apt-get in the dom0 root failed"; }
	# prune what a test dom0 never reads
	rm -rf "$tmp"/usr/share/doc/* "$tmp"/usr/share/man/* \
		"$tmp"/usr/share/info/* "$tmp"/usr/share/locale/* \
		"$tmp"/var/lib/apt/lists/* "$tmp"/var/cache/apt/* \
		"$tmp"/var/cache/debconf/*-old "$tmp"/var/log/*.log \
		"$tmp/usr/sbin/policy-rc.d"
	: >"$tmp/etc/resolv.conf"
	rm -rf "$rootcache"
	mv "$tmp" "$rootcache"
}

if [ ! -f "$rootcache/etc/debian_version" ]; then
	t0=$(date +%s)
	build_rootfs
	xen_log "dom0 root fs built in $(($(date +%s) - t0)) s"
	# keep only the current cache entry
	find "$B/cache" -maxdepth 1 -name 'dom0root-*' ! -name "dom0root-$key" \
		-exec rm -rf {} +
else
	xen_log "dom0 root fs from cache ($rootcache)"
fi

# ---- initramfs helpers ---------------------------------------------------
# add_modules DIR MODULE...: the modules and their dependencies, resolved
# on the host for $KVER, decompressed (busybox insmod reads plain .ko only),
# plus depmod so busybox modprobe works in the guest.
add_modules() {
	local dir=$1 m line path rel dst
	shift
	local kmoddir="${KROOT%/}/lib/modules/$KVER"
	mkdir -p "$dir/lib/modules/$KVER"
	for m in "$@"; do
		modprobe -d "$KROOT" -S "$KVER" --show-depends "$m" >"$B/deps.tmp" ||
			xen_die "module $m not found for $KVER"
		while read -r line; do
			case $line in
			insmod\ *) ;;
			*) continue ;;
			esac
			path=${line#insmod }
			path=${path%% *}
			rel=${path#"$kmoddir"/}
			dst="$dir/lib/modules/$KVER/$rel"
			mkdir -p "$(dirname "$dst")"
			case $path in
			*.xz) xz -dc "$path" >"${dst%.xz}" ;;
			*.zst) zstd -qdc "$path" >"${dst%.zst}" ;;
			*.gz) gzip -dc "$path" >"${dst%.gz}" ;;
			*) cp "$path" "$dst" ;;
			esac
		done <"$B/deps.tmp"
	done
	rm -f "$B/deps.tmp"
	local f
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		[ -e "$kmoddir/$f" ] && cp "$kmoddir/$f" "$dir/lib/modules/$KVER/"
	done
	depmod -b "$dir" "$KVER"
}

# add_busybox DIR: static busybox with all its applets as symlinks.
add_busybox() {
	local dir=$1 a
	mkdir -p "$dir/bin" "$dir/sbin" "$dir/dev" "$dir/proc" "$dir/sys" \
		"$dir/tmp" "$dir/run" "$dir/mnt" "$dir/etc"
	cp /bin/busybox "$dir/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ -e "$dir/bin/$a" ] || ln -s busybox "$dir/bin/$a"
	done
	ln -sf ../bin/busybox "$dir/sbin/modprobe"
	ln -sf ../bin/busybox "$dir/sbin/switch_root"
	# the kernel's orderly_poweroff() runs /sbin/poweroff (`xl shutdown`)
	ln -sf ../bin/busybox "$dir/sbin/poweroff"
	ln -sf ../bin/busybox "$dir/sbin/reboot"
}

# pack DIR OUT: newc cpio, gzip'ed, in a stable order.
pack() {
	(cd "$1" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --quiet) | gzip -1 -n >"$2.tmp"
	mv "$2.tmp" "$2"
}

# ---- the programs, from `make` (tests/xen/xen.am) --------------------------
# builddir: the top build tree (make check-xen sets it).  Guest programs
# and kmod-xen-test are static; vfb-probe, vdispl-consumer and vgfb's own
# programs link the Xen libraries dynamically, against dom0's own (the
# static libxenstore.a is built without its reader thread, so watches and
# requests cannot share a handle there), with libvgfb and libpng (absent
# from the dom0 root) linked in.
bt=${builddir:+$builddir/tests/xen}
for prog in guest-draw guest-drm guest-fb guest-input hostile-front \
	kmod-xen-test vfb-probe vdispl-consumer; do
	[ -n "$bt" ] && [ -x "$bt/$prog" ] ||
		xen_die "no $prog in '${bt:-}': run make (configured with Xen) first"
done
# the dynamically linked dom0 programs, sanitized ones when asked
db=${XEN_TIER_DOM0_BUILDDIR:-$builddir}
dbt=$db/tests/xen
for f in "$dbt/vfb-probe" "$dbt/vdispl-consumer"; do
	[ -x "$f" ] || xen_die "no $f: run make there first"
done
dom0_bins=("$dbt/vfb-probe" "$dbt/vdispl-consumer" "$bt/kmod-xen-test")
if [ "$diag" = 1 ]; then
	[ -x "$bt/cpu-state-check" ] || xen_die "no $bt/cpu-state-check: run make"
	dom0_bins+=("$bt/cpu-state-check")
fi
# without --enable-tools (libpng), neatvnc or libvncclient the hooks that
# need them skip
for f in "$dbt/dom0/vgfb-query" "$dbt/dom0/vgfb-dump" "$db/tools/vgfbd/vgfbd" \
	"$db/tools/vgfb-xen-backend/vgfb-xen-backend" "$dbt/dom0/vgfb-vnc" \
	"$db/tests/vnc-probe" "$db/tools/vgfb-follow/vgfb-follow"; do
	if [ -x "$f" ]; then
		dom0_bins+=("$f")
	else
		xen_log "no $f: the hooks that need it will skip"
	fi
done

# ---- vgfb.ko for dom0, its test, and vgem to import its dma-bufs ---------
# Built in a copy of kernel/ (the source tree stays clean), against the
# same pinned kernel dom0 boots.
kmod="$B/kmod"
rm -rf "$kmod"
mkdir -p "$kmod/src" "$kmod/modules"
cp -r "$top_srcdir/kernel/." "$kmod/src/"
rm -f "$kmod/src"/*.o "$kmod/src"/*.ko "$kmod/src"/.*.cmd
make -s -C "$kmod/src" KDIR="${KROOT%/}/lib/modules/$KVER/build" modules \
	>"$kmod/build.log" 2>&1 ||
	{ tail -20 "$kmod/build.log" >&2; xen_die "vgfb.ko does not build for $KVER"; }
cp "$kmod/src/vgfb.ko" "$kmod/modules/vgfb.ko"
# vgem and what it needs, in load order (dom0's root fs has no modules)
: >"$kmod/modules/order"
modprobe -d "$KROOT" -S "$KVER" --show-depends vgem |
	awk '$1 == "insmod" { print $2 }' | while read -r path; do
	name=$(basename "$path")
	case $path in
	*.xz) xz -dc "$path" >"$kmod/modules/${name%.xz}"; name=${name%.xz} ;;
	*.zst) zstd -qdc "$path" >"$kmod/modules/${name%.zst}"; name=${name%.zst} ;;
	*) cp "$path" "$kmod/modules/$name" ;;
	esac
	echo "$name" >>"$kmod/modules/order"
done

# ---- domU initramfs --------------------------------------------------------
d="$B/domu-initramfs"
rm -rf "$d"
add_busybox "$d"
add_modules "$d" "${XEN_DOMU_MODULES[@]}"
install -m 755 "$here/domu-init.sh" "$d/init"
install -m 755 "$bt/guest-draw" "$d/bin/guest-draw"
install -m 755 "$bt/hostile-front" "$d/bin/hostile-front"
install -m 755 "$bt/guest-drm" "$d/bin/guest-drm"
install -m 755 "$bt/guest-fb" "$d/bin/guest-fb"
install -m 755 "$bt/guest-input" "$d/bin/guest-input"
pack "$d" "$B/domu-initramfs.cpio.gz"

# ---- dom0 initramfs --------------------------------------------------------
d="$B/dom0-initramfs"
rm -rf "$d"
add_busybox "$d"
add_modules "$d" "${XEN_DOM0_MODULES[@]}"
install -m 755 "$here/dom0-initramfs-init.sh" "$d/init"
printf '%s\n' "${XEN_DOM0_MODULES[@]}" >"$d/etc/vgfb-modules"
pack "$d" "$B/dom0-initramfs.cpio.gz"

# ---- dom0 root fs image ------------------------------------------------------
s="$B/dom0root"
rm -rf "$s"
cp -a "$rootcache" "$s"
install -d "$s/vgfb" "$s/vgfb/setup.d" "$s/vgfb/hooks" "$s/vgfb/bin" "$s/vgfb/guests"
install -m 755 "$here/dom0-init.sh" "$s/vgfb/init"
install -m 644 "$here/dom0-lib.sh" "$s/vgfb/dom0-lib.sh"
install -m 644 "$KIMAGE" "$s/vgfb/vmlinuz"
install -m 644 "$B/domu-initramfs.cpio.gz" "$s/vgfb/domu.cpio.gz"
install -m 644 "$here"/guests/*.cfg "$s/vgfb/guests/"
install -m 755 "$here"/hooks/* "$s/vgfb/hooks/"
for f in "${dom0_bins[@]}"; do
	install -m 755 "$f" "$s/vgfb/bin/"
done
rm -f "$B/diag-enabled"
if [ "$diag" = 1 ]; then
	install -d "$s/vgfb/diag"
	install -m 755 "$here/diag/dom0-diag.sh" "$s/vgfb/diag/"
fi
install -d "$s/vgfb/kmods"
install -m 644 "$kmod/modules/"* "$s/vgfb/kmods/"
# install_list "a:b:c" DEST: files, or every file of a directory
install_list() {
	local items item
	IFS=: read -r -a items <<<"$1"
	for item in "${items[@]}"; do
		[ -n "$item" ] || continue
		if [ -d "$item" ]; then
			install -m 755 "$item"/* "$2/"
		else
			install -m 755 "$item" "$2/"
		fi
	done
}
install_list "${XEN_TIER_SETUP:-}" "$s/vgfb/setup.d"
install_list "${XEN_TIER_HOOKS:-}" "$s/vgfb/hooks"
install_list "${XEN_TIER_DOM0_FILES:-}" "$s/vgfb/bin"
mkdir -p "$s/var/log/xen/console" "$s/run" "$s/var/run/xen" "$s/var/lib/xen"

size_mb=$(( $(du -sm "$s" | cut -f1) * 3 / 2 + 64 ))
mkfs.ext4 -q -F -L vgfb-dom0 -d "$s" "$B/dom0.ext4.tmp" "${size_mb}M" >/dev/null
mv "$B/dom0.ext4.tmp" "$B/dom0.ext4"
rm -rf "$s"
# boot.sh refuses XEN_TIER_DIAG=1 on images built without it
[ "$diag" = 1 ] && echo "${XEN_TIER_DOM0_BUILDDIR:-}" >"$B/diag-enabled"

xen_log "images ready in $B ($(($(date +%s) - t_start)) s)"
