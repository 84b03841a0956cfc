#!/bin/sh
# SPDX-License-Identifier: MIT
#
# add-vgfb-sink.sh ACRN_TREE
#
# Adds vgfb's display sink to an acrn-hypervisor source tree, so that a
# plain `make -C devicemodel` builds an acrn-dm in which
#   -s N,virtio-gpu,geometry=WxH,display=vgfb[:/path/to/source]
# hands the guest's screens to vgfbd, and every other virtio-gpu slot
# keeps SDL.  `make -C devicemodel CONFIG_VDISPLAY_SDL=n` builds an
# acrn-dm without SDL, EGL and GLES (headless Service VMs; vgfb is then
# the default).  docs/acrn.md has the whole build.
#
# What changes in the tree (nothing in virtio_gpu.c, main.c or core.c):
#   devicemodel/hw/vdisplay.c            new: vdisplay.h over a backend table
#   devicemodel/hw/vdisplay_vgfb.c       new: the sink
#   devicemodel/hw/vdisplay_vgfb_edid.c  new: its EDID
#   devicemodel/include/vdisplay_ops.h   new: the backend table
#   devicemodel/include/vgfb-source.h    new: the source protocol (MIT)
#   devicemodel/hw/vdisplay_sdl.c        its 12 vdpy_* functions renamed
#                                        sdl_*, plus vdpy_sdl_ops
#   devicemodel/Makefile                 CONFIG_VDISPLAY_SDL ?= y, sources
#
# Running it again refreshes the new files and leaves the edits alone.
set -eu

die() {
	echo "add-vgfb-sink: $*" >&2
	exit 1
}

[ $# -eq 1 ] || { echo "usage: $0 ACRN_TREE" >&2; exit 2; }
tree=$1
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
dm=$tree/devicemodel
sdl=$dm/hw/vdisplay_sdl.c
mk=$dm/Makefile

[ -f "$mk" ] && [ -f "$sdl" ] && [ -f "$dm/include/vdisplay.h" ] ||
	die "$tree is not an acrn-hypervisor tree (no devicemodel/hw/vdisplay_sdl.c)"

install -m 0644 "$here/vdisplay.c" "$here/vdisplay_vgfb.c" \
	"$here/vdisplay_vgfb_edid.c" "$dm/hw/"
install -m 0644 "$here/vdisplay_ops.h" "$top/include/vgfb/vgfb-source.h" \
	"$dm/include/"

funcs="vdpy_parse_cmd_option gfx_ui_init vdpy_init vdpy_get_display_info \
vdpy_surface_set vdpy_surface_update vdpy_submit_bh vdpy_get_edid \
vdpy_cursor_define vdpy_cursor_move vdpy_deinit gfx_ui_deinit"

if ! grep -q 'vdpy_sdl_ops' "$sdl"; then
	for f in $funcs; do
		grep -q "^$f(\|[ *]$f(" "$sdl" ||
			die "vdisplay_sdl.c does not define $f: unknown ACRN version"
		sed -i -E "s/\\b$f\\b/sdl_$f/g" "$sdl"
	done
	{
		echo
		echo '/* Added by vgfb tools/acrn-dm/add-vgfb-sink.sh: SDL is one'
		echo ' * backend of vdisplay.c. */'
		echo '#include "vdisplay_ops.h"'
		echo
		echo 'const struct vdpy_ops vdpy_sdl_ops = {'
		echo '	.name = "sdl",'
		echo '	.parse_cmd_option = sdl_vdpy_parse_cmd_option,'
		echo '	.gfx_ui_init = sdl_gfx_ui_init,'
		echo '	.init = sdl_vdpy_init,'
		echo '	.get_display_info = sdl_vdpy_get_display_info,'
		echo '	.surface_set = sdl_vdpy_surface_set,'
		echo '	.surface_update = sdl_vdpy_surface_update,'
		echo '	.submit_bh = sdl_vdpy_submit_bh,'
		echo '	.get_edid = sdl_vdpy_get_edid,'
		echo '	.cursor_define = sdl_vdpy_cursor_define,'
		echo '	.cursor_move = sdl_vdpy_cursor_move,'
		echo '	.deinit = sdl_vdpy_deinit,'
		echo '	.gfx_ui_deinit = sdl_gfx_ui_deinit,'
		echo '};'
	} >> "$sdl"
fi

if ! grep -q 'CONFIG_VDISPLAY_SDL' "$mk"; then
	for line in 'SRCS += hw/vdisplay_sdl.c' 'LIBS += -lSDL2' \
		'LIBS += -lEGL' 'LIBS += -lGLESv2' 'CC ?= gcc'; do
		[ "$(grep -cxF "$line" "$mk")" = 1 ] ||
			die "devicemodel/Makefile has no single line '$line': unknown ACRN version"
	done
	sed -i \
		-e '/^CC ?= gcc$/a\
\
# y: SDL window (the default display); n: no SDL/EGL/GLES (headless,\
# the vgfb display sink is then the default).\
CONFIG_VDISPLAY_SDL ?= y' \
		-e '/^SRCS += hw\/vdisplay_sdl.c$/c\
SRCS += hw/vdisplay.c\
SRCS += hw/vdisplay_vgfb.c\
SRCS += hw/vdisplay_vgfb_edid.c\
ifeq ($(CONFIG_VDISPLAY_SDL),y)\
SRCS += hw/vdisplay_sdl.c\
endif' \
		-e '/^LIBS += -lEGL$/d' -e '/^LIBS += -lGLESv2$/d' \
		-e '/^LIBS += -lSDL2$/c\
ifeq ($(CONFIG_VDISPLAY_SDL),y)\
CFLAGS += -DCONFIG_VDISPLAY_SDL\
LIBS += -lSDL2\
LIBS += -lEGL\
LIBS += -lGLESv2\
endif' "$mk"
fi

echo "add-vgfb-sink: vgfb display sink added to $tree"
