#!/bin/sh
# noVNC in front of vgfb-vnc (TAP): websockify (Debian's 0.10) serves
# noVNC's page and carries RFB over a WebSocket to vgfb-vnc's UNIX socket.
#   1: a WebSocket client does the RFB handshake through it and gets
#      vgfb-vnc's ServerInit with the guest's size;
#   2: a real browser, headless Chromium, opens noVNC's vnc.html, which
#      connects; a screenshot (taken through the DevTools protocol until
#      the frame is there) holds the sim guest's 640x480 frame 1, pixel
#      for pixel (noVNC draws 1:1 into a larger window).
# Skips what cannot run here: tests/install-deps.sh installs websockify,
# novnc, python3 and chromium.
# The clients are in vnc-novnc.py; VNC_NOVNC_SHOT=FILE keeps the last
# screenshot there, to look at.
top_builddir=${top_builddir:-.}
here=${top_srcdir:+$top_srcdir/tests}
here=${here:-$(dirname "$0")}
vnc="$top_builddir/tools/vgfb-vnc/vgfb-vnc"
novnc=/usr/share/novnc
if [ ! -x "$vnc" ]; then
	echo "1..0 # SKIP vgfb-vnc not built (configure found no neatvnc 0.5)"
	exit 0
fi
for p in websockify python3; do
	if ! command -v $p >/dev/null 2>&1; then
		echo "1..0 # SKIP $p missing (tests/install-deps.sh)"
		exit 0
	fi
done
if [ ! -f "$novnc/vnc.html" ]; then
	echo "1..0 # SKIP noVNC missing (package novnc, tests/install-deps.sh)"
	exit 0
fi
echo "1..2"
dir=$(mktemp -d "${TMPDIR:-/tmp}/vgfb-novnc.XXXXXX") || exit 1
pids=
# SIGTERM, then SIGKILL after 5 s: websockify has been seen to miss a
# SIGTERM that arrives as its connections close
stop() {
	kill "$1" 2>/dev/null
	for _ in $(seq 1 50); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
cleanup() {
	for p in $pids; do stop "$p"; done
	rm -rf "$dir"
}
trap cleanup EXIT

"$vnc" --target sim:mode=640x480 --listen "unix:$dir/vnc.sock" \
	>"$dir/vnc.out" 2>"$dir/vnc.err" &
pids="$!"
# a free port: bound by the kernel, then handed to websockify
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
for _ in $(seq 1 200); do
	grep -q "listening on" "$dir/vnc.out" && break
	sleep 0.05
done
websockify --web "$novnc" --unix-target="$dir/vnc.sock" "127.0.0.1:$port" \
	>"$dir/ws.log" 2>&1 &
pids="$pids $!"

if python3 "$here/vnc-novnc.py" rfb "$port" >"$dir/ws-client.log" 2>&1
then
	echo "ok 1 - RFB through websockify: $(tail -1 "$dir/ws-client.log")"
else
	echo "not ok 1 - RFB through websockify: $(tail -1 "$dir/ws-client.log")"
fi

browser=$(command -v chromium || command -v chromium-browser)
if [ -z "$browser" ]; then
	echo "ok 2 # SKIP chromium missing (tests/install-deps.sh)"
	exit 0
fi
# --no-sandbox: the sandbox refuses to run as root; nothing but noVNC's
# page on loopback is loaded.  The browser is driven through its DevTools
# protocol: screenshots are taken until noVNC shows the frame (a deadline
# only turns a hang into a failure), so a slow machine does not fail it.
"$browser" --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
	--user-data-dir="$dir/profile" --window-size=800,700 \
	--remote-debugging-port=0 \
	"http://127.0.0.1:$port/vnc.html?autoconnect=true&reconnect=false" \
	>"$dir/browser.log" 2>&1 &
pids="$! $pids"
if python3 "$here/vnc-novnc.py" browser "$dir/browser.log" \
	>"$dir/check.log" 2>&1
then
	echo "ok 2 - headless Chromium through noVNC: $(tail -1 "$dir/check.log")"
else
	echo "not ok 2 - headless Chromium through noVNC: $(tail -1 "$dir/check.log")"
	sed 's/^/# /' "$dir/check.log" "$dir/browser.log" | tail -20
fi
