#!/bin/sh
# SPDX-License-Identifier: MIT
#
# acrn-dm with the vgfb display sink, built from real ACRN sources: the
# check that tools/acrn-dm/ matches acrn-dm's own vdisplay.h, log.h and
# dm.h, under acrn-dm's own flags (-Werror).  Runs when ACRN_TREE names an
# acrn-hypervisor tree (a checkout or `git archive` of projectacrn/
# acrn-hypervisor); exits 77 (skip) otherwise, since CI cannot fetch one.
#
#   ACRN_TREE=~/src/acrn-hypervisor make check TESTS=tests/acrn/build-acrn-dm.test
#
# The tree is not touched: the needed parts are copied to a temporary
# directory, add-vgfb-sink.sh is applied there, and acrn-dm is built twice
# (SDL kept as the default, and CONFIG_VDISPLAY_SDL=n), each with no
# warning allowed.  docs/acrn.md has the same commands for a real build.
set -eu

top=$(cd "${top_srcdir:-$(dirname "$0")/../..}" && pwd)

if [ -z "${ACRN_TREE:-}" ]; then
	echo "SKIP: ACRN_TREE is not set (an acrn-hypervisor source tree; see docs/acrn.md)"
	exit 77
fi
[ -f "$ACRN_TREE/devicemodel/Makefile" ] ||
	{ echo "ACRN_TREE=$ACRN_TREE has no devicemodel/Makefile"; exit 1; }
missing=
for pc in sdl2 libcjson liburing libusb-1.0 pixman-1 pciaccess egl glesv2 \
	libcrypto; do
	pkg-config --exists "$pc" || missing="$missing $pc"
done
if [ -n "$missing" ]; then
	echo "SKIP: acrn-dm's build dependencies are missing:$missing (tests/install-deps.sh --acrn)"
	exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/vgfb-acrn-dm.XXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$ACRN_TREE" && tar -cf - devicemodel misc/services hypervisor/include \
	paths.make LICENSE VERSION Makefile) | tar -xf - -C "$work"
"$top/tools/acrn-dm/add-vgfb-sink.sh" "$work"

out=$work/build
mkdir -p "$out/misc/services"
make -j1 -s -C "$work/misc/services/acrn_manager" OUT_DIR="$out/misc/services" \
	"$out/misc/services/libacrn-mngr.a" "$out/misc/services/acrn_mngr.h"

rc=0
for variant in sdl headless; do
	case $variant in
	sdl) extra= ;;
	headless) extra=CONFIG_VDISPLAY_SDL=n ;;
	esac
	log=$out/$variant.log
	# shellcheck disable=SC2086
	if ! make -j1 -C "$work/devicemodel" DM_OBJDIR="$out/$variant" \
		TOOLS_OUT="$out/misc" IASL_MIN_VER=20190703 \
		DM_BUILD_VERSION=vgfb-test $extra > "$log" 2>&1; then
		cat "$log"
		echo "FAIL: acrn-dm ($variant) does not build"
		exit 1
	fi
	dm=$out/$variant/acrn-dm
	warnings=$(grep -c 'warning:' "$log" || true)
	echo "acrn-dm ($variant): built, $warnings warnings"
	[ "$warnings" = 0 ] || { grep 'warning:' "$log"; rc=1; }
	nm "$dm" | grep -q ' vdpy_vgfb_ops$' ||
		{ echo "FAIL: $variant has no vgfb sink"; rc=1; }
	if [ $variant = sdl ]; then
		nm "$dm" | grep -q ' vdpy_sdl_ops$' ||
			{ echo "FAIL: SDL is missing"; rc=1; }
	elif ldd "$dm" | grep -qi 'sdl\|libegl\|glesv2'; then
		echo "FAIL: the headless acrn-dm links SDL/EGL/GLES"
		rc=1
	fi
	"$dm" -v > /dev/null 2>&1 || { echo "FAIL: $dm -v"; rc=1; }
done
exit $rc
