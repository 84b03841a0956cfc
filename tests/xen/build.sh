#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Build everything the xen tier boots, under $XEN_TIER_BUILD (default
# ./_build/xen-tier of the current directory, i.e. of the build tree):
#
#   xen-4.17-amd64         the hypervisor, decompressed (multiboot needs ELF)
#   dom0-initramfs.cpio.gz busybox + root-disk/ext4/Xen modules, switch_root
#   domu-initramfs.cpio.gz busybox + drm_xen_front + guest-draw, guest-drm,
#                          guest-fb
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
#   XEN_TIER_DIAG=1      adds cpu-state-check (static) and
#                        /vgfb/diag/dom0-diag.sh, and libasan8 and libtsan2
#                        to the dom0 root (its own debootstrap cache key);
#                        boot.sh then runs the detectors beside the hooks
#   XEN_TIER_DOM0_CFLAGS more compiler flags for every dom0 program, e.g.
#                        "-fsanitize=address -g" (then point builddir at a
#                        build tree configured with the same flags, so that
#                        libvgfb-core.a is instrumented as well);
#                        kmod-xen-test is linked dynamically when a
#                        -fsanitize flag is given (static cannot be)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
B=${XEN_TIER_BUILD:-$PWD/_build/xen-tier}
CC=${CC:-gcc}
diag=${XEN_TIER_DIAG:-0}
read -r -a dom0_cflags <<<"${XEN_TIER_DOM0_CFLAGS:-}"
kmod_test_link=(-static)
case " ${dom0_cflags[*]} " in *" -fsanitize="*) kmod_test_link=() ;; esac
if [ "$diag" = 1 ]; then
	# the sanitizers' runtimes, from Debian, for XEN_TIER_DOM0_CFLAGS
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
}

# pack DIR OUT: newc cpio, gzip'ed, in a stable order.
pack() {
	(cd "$1" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --quiet) | gzip -1 -n >"$2.tmp"
	mv "$2.tmp" "$2"
}

# ---- guest-side programs (static) -----------------------------------------
mkdir -p "$B/guest-include"
: >"$B/guest-include/config.h"
guest_cflags=(-O2 -Wall -Wextra -static -I"$B/guest-include"
	-I"$top_srcdir/include" -I"$top_srcdir/backend" -I/usr/include/libdrm)
"$CC" "${guest_cflags[@]}" -o "$B/guest-draw" "$here/guest-draw.c" \
	"$top_srcdir/backend/pattern.c" "$top_srcdir/backend/format.c"
# guest-drm, guest-fb: raw DRM / fbdev ioctls (headers only), xenstore
# through guest-lib.c (xs_wire.h from libxen-dev)
for prog in guest-drm guest-fb; do
	"$CC" "${guest_cflags[@]}" -o "$B/$prog" "$here/$prog.c" \
		"$here/guest-lib.c" "$top_srcdir/backend/pattern.c" \
		"$top_srcdir/backend/format.c"
done

# hostile-front: a malicious frontend from guest userspace; only Xen's
# public headers (libxen-dev: io/displif.h, io/fbif.h, sys/gntalloc.h, ...)
"$CC" "${guest_cflags[@]}" -o "$B/hostile-front" "$here/hostile-front.c" \
	-pthread

# ---- dom0-side programs (dynamic, against the dom0's Xen libraries) -------
# Built on the host against libxen-dev 4.17, run in dom0 against the same
# version's libraries (pulled into the dom0 root by xen-utils-4.17).
read -r -a xen_flags <<<"$(pkg-config --cflags --libs xenstore xenforeignmemory xenevtchn)" ||
	xen_die "libxen-dev missing (pkg-config xenstore xenforeignmemory xenevtchn)"
"$CC" -O2 -Wall -Wextra -I"$B/guest-include" -I"$top_srcdir/include" \
	-I"$top_srcdir/backend" -I/usr/include/libdrm \
	"${dom0_cflags[@]}" -o "$B/vfb-probe" "$here/vfb-probe.c" \
	"$top_srcdir/backend/pattern.c" "$top_srcdir/backend/format.c" \
	"${xen_flags[@]}"
dom0_bins=("$B/vfb-probe")

# ---- vgfb itself, for dom0 ------------------------------------------------
# builddir: the top build tree holding libvgfb-core.a (make check-xen sets
# it).  The Xen libraries are linked dynamically against dom0's own (the
# static libxenstore.a is built without its reader thread, so watches and
# requests cannot share a handle there); libpng, absent from the dom0 root,
# is linked statically.
if [ -n "${builddir:-}" ] && [ -f "$builddir/.libs/libvgfb-core.a" ]; then
	read -r -a vgfb_xen_libs <<<"$(pkg-config --libs xenforeignmemory xengnttab xenevtchn xenstore xencontrol xentoollog)"
	for tool in vgfb-query vgfb-dump; do
		extra=()
		[ "$tool" = vgfb-dump ] && extra=("$top_srcdir/tools/png-writer.c")
		"$CC" -O2 -Wall -I"$builddir" -I"$top_srcdir/include" \
			-I"$top_srcdir/backend" -I"$top_srcdir/tools" \
			-I/usr/include/libdrm -I/usr/include/libpng16 \
			"${dom0_cflags[@]}" -o "$B/$tool" "$top_srcdir/tools/$tool.c" \
			"$top_srcdir/tools/tool-util.c" "${extra[@]}" \
			"$builddir/.libs/libvgfb-core.a" \
			"$builddir/.libs/libvgfb-format.a" \
			-Wl,-Bstatic -lpng16 -lz -Wl,-Bdynamic -lm \
			"${vgfb_xen_libs[@]}" -pthread 2>"$B/$tool.log" ||
			{ cat "$B/$tool.log" >&2; xen_die "build of $tool for dom0 failed"; }
		dom0_bins+=("$B/$tool")
	done
	# vgfbd, and the consumer of hooks 38-vgfbd-vfb-events, 50-vgfbd-vdispl
	build_vgfb_program() {
		local out=$1
		shift
		"$CC" -O2 -Wall -Wextra -I"$builddir" -I"$top_srcdir/include" \
			-I"$top_srcdir/backend" -I"$top_srcdir/tools" \
			-I/usr/include/libdrm "${dom0_cflags[@]}" -o "$B/$out" "$@" \
			"$builddir/.libs/libvgfb-core.a" \
			"$builddir/.libs/libvgfb-format.a" \
			"${vgfb_xen_libs[@]}" -pthread 2>"$B/$out.log" ||
			{ cat "$B/$out.log" >&2; xen_die "build of $out for dom0 failed"; }
	}
	build_vgfb_program vgfbd "$top_srcdir/tools/vgfbd/main.c" \
		"$top_srcdir/tools/vgfbd/server.c"
	build_vgfb_program vdispl-consumer "$here/vdispl-consumer.c" \
		"$top_srcdir/tools/tool-util.c"
	dom0_bins+=("$B/vgfbd" "$B/vdispl-consumer")
else
	xen_log "no libvgfb-core.a in '${builddir:-}': vgfb hooks will skip"
fi

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
"$CC" -O2 -Wall -Wextra "${kmod_test_link[@]}" "${dom0_cflags[@]}" \
	-o "$B/kmod-xen-test" "$here/kmod-xen-test.c"
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
dom0_bins+=("$B/kmod-xen-test")

# ---- diagnostic mode: the platform-corruption detector --------------------
rm -f "$B/diag-enabled"
if [ "$diag" = 1 ]; then
	"$CC" -std=gnu11 -O2 -Wall -Wextra -static -o "$B/cpu-state-check" \
		"$here/cpu-state-check.c"
	dom0_bins+=("$B/cpu-state-check")
fi

# ---- domU initramfs --------------------------------------------------------
d="$B/domu-initramfs"
rm -rf "$d"
add_busybox "$d"
add_modules "$d" "${XEN_DOMU_MODULES[@]}"
install -m 755 "$here/domu-init.sh" "$d/init"
install -m 755 "$B/guest-draw" "$d/bin/guest-draw"
install -m 755 "$B/hostile-front" "$d/bin/hostile-front"
install -m 755 "$B/guest-drm" "$d/bin/guest-drm"
install -m 755 "$B/guest-fb" "$d/bin/guest-fb"
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
[ "$diag" = 1 ] && echo "${XEN_TIER_DOM0_CFLAGS:-}" >"$B/diag-enabled"

xen_log "images ready in $B ($(($(date +%s) - t_start)) s)"
