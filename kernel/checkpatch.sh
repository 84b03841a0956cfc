#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# checkpatch.pl --strict over vgfb.ko's sources.  checkpatch.pl comes from
# $CHECKPATCH, or an unpacked linux-source tree under /usr/src, or is taken
# out of Debian's linux-source-6.1 tarball (tests/vm/install-deps.sh
# installs it) into $XDG_CACHE_HOME.  Exit 77 when none is there.
#
# LINUX_VERSION_CODE is ignored: vgfb_compat.h is the one place that must
# compare kernel versions (house style), which checkpatch cannot know.

set -eu
dir=${1:-$(dirname "$0")}

find_checkpatch() {
	if [ -n "${CHECKPATCH:-}" ]; then
		echo "$CHECKPATCH"
		return
	fi
	for f in /usr/src/linux-source-*/scripts/checkpatch.pl; do
		[ -f "$f" ] && { echo "$f"; return; }
	done
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/vgfb-checkpatch
	if [ -f "$cache/scripts/checkpatch.pl" ]; then
		echo "$cache/scripts/checkpatch.pl"
		return
	fi
	for t in /usr/src/linux-source-*.tar.xz; do
		[ -f "$t" ] || continue
		mkdir -p "$cache"
		xz -dc "$t" | tar -x -C "$cache" --strip-components=1 \
			--wildcards '*/scripts/checkpatch.pl' \
			'*/scripts/spelling.txt' \
			'*/scripts/const_structs.checkpatch' || continue
		echo "$cache/scripts/checkpatch.pl"
		return
	done
}

cp=$(find_checkpatch)
if [ -z "$cp" ]; then
	echo "checkpatch: no checkpatch.pl (set CHECKPATCH or install linux-source-6.1)" >&2
	exit 77
fi
exec perl "$cp" --strict --no-tree --ignore LINUX_VERSION_CODE -q \
	-f "$dir"/vgfb_*.c "$dir"/vgfb_*.h "$dir"/uapi/*.h
