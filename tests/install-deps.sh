#!/bin/sh
# Install, with apt, what vgfb needs on a fresh Debian 12 machine (as root).
#   tests/install-deps.sh          build + unit tests + tools
#   tests/install-deps.sh --all    also the vm and xen test tiers
#   tests/install-deps.sh --acrn   also acrn-dm's build dependencies, for
#                                  tests/acrn/acrn-dm-build.sh (docs/acrn.md)
set -eu
here=$(cd "$(dirname "$0")" && pwd)

base="build-essential autoconf automake libtool pkg-config xz-utils \
check libsubunit-dev valgrind libdrm-dev libpng-dev linux-libc-dev \
clang libclang-rt-14-dev \
libneatvnc-dev libaml-dev libvncserver-dev gvncviewer websockify novnc \
python3 chromium systemd"

# acrn-dm (devicemodel/Makefile's libraries and headers; iasl at run time)
acrn="libsdl2-dev libcjson-dev liburing-dev libusb-1.0-0-dev acpica-tools \
libpixman-1-dev libpciaccess-dev libssl-dev libegl-dev libgles-dev uuid-dev"
case " $* " in
*" --acrn "*) base="$base $acrn" ;;
esac

missing=""
for p in $base; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "install-deps: run as root to install:$missing" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi

if [ "${1:-}" = "--all" ] || [ "${2:-}" = "--all" ]; then
	for tier in vm xen; do
		if [ -x "$here/$tier/install-deps.sh" ]; then
			"$here/$tier/install-deps.sh"
		fi
	done
fi
