#!/bin/sh
# The shared library exports exactly what backend/vgfb.sym lists: nothing
# internal leaks, nothing public is missing.
set -e
lib="${top_builddir:-.}/.libs/libvgfb.so"
sym="${top_srcdir:-.}/backend/vgfb.sym"
echo "1..1"
if [ ! -f "$lib" ]; then
	echo "ok 1 # SKIP $lib not built (static-only build)"
	exit 0
fi
want=$(sed -n 's/^[[:space:]]*\(vgfb_[a-z0-9_]*\);$/\1/p' "$sym" | sort)
have=$(${NM:-nm} -D --defined-only "$lib" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort)
if [ "$want" = "$have" ]; then
	echo "ok 1 exported symbols match vgfb.sym"
else
	echo "not ok 1 exported symbols differ from vgfb.sym"
	diff -u /dev/fd/3 /dev/fd/4 3<<EOF_WANT 4<<EOF_HAVE | sed 's/^/# /'
$want
EOF_WANT
$have
EOF_HAVE
	exit 1
fi
