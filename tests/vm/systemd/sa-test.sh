#!/bin/busybox sh
# SPDX-License-Identifier: MIT
# Run by vgfb-sa-test.service under the real systemd (PID 1) of the vm
# tier's systemd boot: vgfbd@demo.socket and vgfbd@demo.service exactly as
# `make install` puts them (the guest is the sim, from demo.env).  Prints
# VGFB_RESULT lines and VGFB_VM_DONE, then powers off.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/usr/local/bin:/usr/local/sbin

result() {
	echo "VGFB_RESULT $*"
}

state() {
	systemctl is-active "$1" 2>/dev/null
}

# wait_state UNIT STATE: up to 20 s
wait_state() {
	i=0
	while [ "$(state "$1")" != "$2" ] && [ $i -lt 100 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	[ "$(state "$1")" = "$2" ]
}

query() {
	timeout 60 vgfb-query --target demo 2>&1
}

sock=/run/vgfb/demo/socket
if wait_state vgfbd@demo.socket active && [ -S "$sock" ] &&
	[ "$(state vgfbd@demo.service)" = inactive ]; then
	result sa_socket_first PASS "vgfbd@demo.socket is listening on $sock, vgfbd@demo.service not started yet"
else
	result sa_socket_first FAIL "socket unit $(state vgfbd@demo.socket), service $(state vgfbd@demo.service), $(ls -l "$sock" 2>&1)"
fi

out=$(query)
if echo "$out" | grep -q '^head 0 primary'; then
	result sa_first_consumer PASS "$(echo "$out" | grep -m1 '^head 0 primary')"
else
	result sa_first_consumer FAIL "vgfb-query: $(echo "$out" | head -n 3 | tr '\n' '|')"
fi

pid=$(systemctl show -p MainPID --value vgfbd@demo.service)
if [ "$(state vgfbd@demo.service)" = active ] && [ "${pid:-0}" -gt 0 ] &&
	[ "$(readlink "/proc/$pid/fd/3")" != "" ]; then
	result sa_service_started PASS "vgfbd@demo.service active, pid $pid, fd 3 $(readlink "/proc/$pid/fd/3")"
else
	result sa_service_started FAIL "service $(state vgfbd@demo.service), pid ${pid:-none}"
fi

systemctl stop vgfbd@demo.service
if [ "$(state vgfbd@demo.service)" = inactive ] &&
	[ "$(state vgfbd@demo.socket)" = active ] && [ -S "$sock" ]; then
	out=$(query)
	if echo "$out" | grep -q '^head 0 primary' &&
		[ "$(state vgfbd@demo.service)" = active ]; then
		result sa_restart PASS "after systemctl stop the socket stayed, the next consumer started vgfbd again"
	else
		result sa_restart FAIL "second consumer: $(echo "$out" | head -n 2 | tr '\n' '|'); service $(state vgfbd@demo.service)"
	fi
else
	result sa_restart FAIL "after stop: service $(state vgfbd@demo.service), socket unit $(state vgfbd@demo.socket), $(ls -l "$sock" 2>&1)"
fi

echo "VGFB_INFO vgfbd@demo.service in the journal:"
journalctl --no-pager -o cat -u vgfbd@demo.service 2>&1 | tail -n 15
echo VGFB_VM_DONE
sleep 1
systemctl poweroff --force --force
