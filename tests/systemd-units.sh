#!/bin/sh
# The systemd units as built (TAP): each instantiated for a demo guest and
# checked by systemd-analyze verify, whose warnings (unknown keys, bad
# values, missing executables) count as failures.  The executables are
# pointed at the build tree, since nothing is installed yet.  Running them
# under a real systemd is the vm tier's job.
set -u
top_builddir=${top_builddir:-.}
if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "1..0 # SKIP systemd-analyze not installed (package systemd)"
	exit 0
fi
build=$(cd "$top_builddir" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/vgfb-units.XXXXXX")
trap 'rm -rf "$dir"' EXIT

units=
for u in vgfbd@.service vgfbd@.socket vgfb-vnc@.service \
	vgfb-xen-backend.service vgfb-vnc-follow.service; do
	[ -f "$build/data/$u" ] && units="$units $u"
done
set -- $units
echo "1..$#"
n=0
for u in "$@"; do
	n=$((n + 1))
	inst=$(echo "$u" | sed 's/@\./@demo./')
	sed -e "s|^ExecStart=[^ ]*/vgfbd |ExecStart=$build/tools/vgfbd/vgfbd |" \
	    -e "s|^ExecStart=[^ ]*/vgfb-vnc |ExecStart=$build/tools/vgfb-vnc/vgfb-vnc |" \
	    -e "s|^ExecStart=[^ ]*/vgfb-xen-backend |ExecStart=$build/tools/vgfb-xen-backend/vgfb-xen-backend |" \
	    -e "s|^ExecStart=[^ ]*/vgfb-follow -v -- [^ ]*/vgfb-vnc |ExecStart=$build/tools/vgfb-follow/vgfb-follow -v -- $build/tools/vgfb-vnc/vgfb-vnc |" \
	    "$build/data/$u" >"$dir/$inst"
	# a socket unit needs its service beside it
	case $u in
	*.socket)
		svc=$(echo "$inst" | sed 's/\.socket$/.service/')
		sed -e "s|^ExecStart=[^ ]*/vgfbd |ExecStart=$build/tools/vgfbd/vgfbd |" \
		    "$build/data/$(echo "$u" | sed 's/\.socket$/.service/')" \
		    >"$dir/$svc"
		;;
	esac
	out=$(cd "$dir" && systemd-analyze verify --man=no "./$inst" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [ -z "$out" ]; then
		echo "ok $n - $u verifies cleanly"
	else
		echo "not ok $n - $u: systemd-analyze verify status $rc"
		printf '%s\n' "$out" | sed 's/^/# /'
	fi
done
