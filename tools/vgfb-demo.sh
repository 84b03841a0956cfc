#!/bin/sh
# The main job on the embedded default, from a fresh Debian 12 machine:
# install what is needed, build, start the simulated guest, print its
# planes and write its screen (cursor included) as PNG, checked pixel for
# pixel against the documented test pattern.
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

echo "== vgfb-query --target sim"
./tools/vgfb-query --target sim
echo "== vgfb-dump --target sim --cursor --check-pattern"
./tools/vgfb-dump --target sim --cursor --check-pattern --output "$top/vgfb-sim.png"
echo "== the guest's screen is in $top/vgfb-sim.png"
