#!/bin/sh
# Socket activation of vgfbd (TAP): systemd's own activator,
# systemd-socket-activate, binds a SOCK_SEQPACKET socket and starts vgfbd
# on the first connection with the LISTEN_PID/LISTEN_FDS protocol that
# vgfbd@.socket uses (tools/vgfbd/activation.c).  Checks that a consumer
# is served on the passed socket, that vgfbd binds nothing of its own and
# leaves the manager's socket in place when it exits, and that what
# vgfbd cannot serve (a stream socket, two fds, a malformed LISTEN_FDS)
# is refused with a message rather than served badly.
set -u
top_builddir=${top_builddir:-.}
vgfbd="$top_builddir/tools/vgfbd/vgfbd"
query="$top_builddir/tools/vgfb-query"
if ! command -v systemd-socket-activate >/dev/null 2>&1; then
	echo "1..0 # SKIP systemd-socket-activate not installed (package systemd)"
	exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "1..0 # SKIP python3 not installed (tests/install-deps.sh installs it)"
	exit 0
fi
if [ ! -x "$query" ]; then
	echo "1..0 # SKIP tools/vgfb-query not built (--enable-tools)"
	exit 0
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/vgfbd-activation.XXXXXX")
apid=
cleanup() {
	[ -n "$apid" ] && kill "$apid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

n=0
check() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -f "$dir/log" ] && sed 's/^/# /' "$dir/log"
	fi
}

# wait_for PATH: until it exists (5 s)
wait_for() {
	i=0
	while [ ! -e "$1" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e "$1" ]
}

echo "1..7"

# ---- a seqpacket socket: served ----
systemd-socket-activate --seqpacket -l "$dir/socket" \
	"$vgfbd" --target sim --socket "$dir/own" -v >"$dir/log" 2>&1 &
apid=$!
wait_for "$dir/socket"
out=$("$query" --target "unix:$dir/socket" 2>&1)
echo "$out" | grep -q '^head 0 primary XRGB8888'
check $? "a consumer is served on the activated socket"
grep -q "serving \"sim\" .* on $dir/socket\$" "$dir/log" && [ ! -e "$dir/own" ]
check $? "vgfbd serves the passed socket and binds none of its own"
kill -TERM "$apid"
wait "$apid"
rc=$?
apid=
[ $rc -eq 0 ] && [ -S "$dir/socket" ]
check $? "on SIGTERM vgfbd exits 0 (status $rc) and leaves the manager's socket"
rm -f "$dir/socket"

# ---- a stream socket: refused ----
# (vgfb-query cannot connect to a stream socket: python3 knocks instead;
# a watchdog ends the activator if vgfbd was never started)
systemd-socket-activate -l "$dir/stream" \
	"$vgfbd" --target sim --socket "$dir/own" >"$dir/log" 2>&1 &
apid=$!
( sleep 20; kill "$apid" 2>/dev/null ) &
dog=$!
wait_for "$dir/stream"
python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])' "$dir/stream" 2>/dev/null
wait "$apid"
rc=$?
apid=
kill "$dog" 2>/dev/null
[ $rc -ne 0 ] && grep -q 'not a SOCK_SEQPACKET socket' "$dir/log" &&
	[ ! -e "$dir/own" ]
check $? "a stream socket is refused with a message (status $rc)"

# ---- the environment alone: two fds, and junk ----
sh -c 'LISTEN_PID=$$ LISTEN_FDS=2 exec "$0" --target sim --socket "$1"' \
	"$vgfbd" "$dir/own" >"$dir/log" 2>&1 3</dev/null 4</dev/null
rc=$?
[ $rc -ne 0 ] && grep -q '2 sockets passed' "$dir/log" && [ ! -e "$dir/own" ]
check $? "LISTEN_FDS=2 is refused (status $rc)"
sh -c 'LISTEN_PID=$$ LISTEN_FDS=1x exec "$0" --target sim --socket "$1"' \
	"$vgfbd" "$dir/own" >"$dir/log" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q 'LISTEN_FDS="1x" is no count' "$dir/log"
check $? "a malformed LISTEN_FDS is refused (status $rc)"

# ---- LISTEN_PID naming another process: not ours, vgfbd binds its own ----
LISTEN_PID=1 LISTEN_FDS=1 "$vgfbd" --target sim --socket "$dir/own" \
	>"$dir/log" 2>&1 &
apid=$!
wait_for "$dir/own"
"$query" --target "unix:$dir/own" 2>&1 | grep -q '^head 0 primary'
rc=$?
kill -TERM "$apid"
wait "$apid"
apid=
check $rc "LISTEN_PID of another process is ignored: vgfbd binds --socket"
