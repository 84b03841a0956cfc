#!/bin/sh
# The main job on the embedded default, from a fresh Debian 12 machine:
# install what is needed, build, start the simulated guest under vgfbd,
# print its planes and write its screen (cursor included) as PNG, checked
# pixel for pixel against the documented test pattern.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/_build"

"$top/tests/install-deps.sh"
mkdir -p "$build"
log="$build/demo-build.log"
quiet() {
	"$@" >>"$log" 2>&1 || { cat "$log"; echo "failed: $*" >&2; exit 1; }
}
: >"$log"
if [ ! -x "$top/configure" ]; then
	quiet sh -c "cd '$top' && NOCONFIGURE=1 ./autogen.sh"
fi
cd "$build"
if [ ! -f Makefile ]; then
	quiet "$top/configure" --enable-tools
fi
quiet make -j"$(nproc)"

# The sim guest served by its own vgfbd, as a dom0 serves a Xen guest;
# the tools are consumers connecting to its socket.
sock="$build/vgfbd-demo/socket"
./tools/vgfbd/vgfbd --target sim --socket "$sock" &
vgfbd_pid=$!
trap 'kill $vgfbd_pid 2>/dev/null; wait $vgfbd_pid 2>/dev/null' EXIT
i=0
until ./tools/vgfb-query --target "unix:$sock" >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "vgfbd did not start" >&2; exit 1; }
	sleep 0.05
done
echo "== vgfb-query --target unix:$sock (served by vgfbd)"
./tools/vgfb-query --target "unix:$sock"
echo "== vgfb-dump --target unix:$sock --cursor --check-pattern"
./tools/vgfb-dump --target "unix:$sock" --cursor --check-pattern --output "$top/vgfb-sim.png"
echo "== the guest's screen is in $top/vgfb-sim.png"
