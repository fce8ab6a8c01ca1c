# A port whose device went but which could not leave the switch (out of
# memory; VNETD_PORT_DEL_FAIL=N, a test hook, makes the first N removals
# fail) keeps its switch port and tries again: it does not open a second
# switch port (with its own packet socket) beside the stale one.
. "$(dirname "$0")/lib.sh"
need_root
VNETD_PORT_DEL_FAIL=2 start_vnetd
ns "a$S"
vnetctl network create "k$S" --type internal \
	--subnet 10.237.$N.0/24 >/dev/null || fail "create"
vnetctl port add "k$S" --veth "ka$S" --netns "a$S" >/dev/null || fail "veth"

# vnetd's packet sockets (each open veth port has its own).
psocks() {
	ls -l /proc/"$VNETD_PID"/fd 2>/dev/null | grep -o 'socket:\[[0-9]*\]' |
		tr -dc '0-9\n' | sort >"$T/socks"
	awk 'NR > 1 { print $NF }' /proc/net/packet | sort | comm -12 - "$T/socks" | wc -l
}
n0=$(psocks)
[ "$n0" -ge 1 ] || fail "no packet socket in vnetd"
ip -n "a$S" link del "ka$S" || fail "del"
wait_port "ka$S" up 50 ||
	fail "port not back: $(jget '.error' port show "ka$S")"
grep -q "cannot leave the switch" "$T/vnetd.log" || fail "the hook did not fire"
n1=$(psocks)
[ "$n1" = "$n0" ] || fail "$n0 packet sockets before, $n1 after: a stale switch port stayed"
addr "a$S" "ka$S" 10.237.$N.11/24
pings "a$S" 10.237.$N.1
vnetctl port del "ka$S" >/dev/null || fail "port del"
n2=$(psocks)
[ "$n2" -lt "$n0" ] || fail "$n2 packet sockets after port del (had $n0)"
ALLOW_LOG='port failed \(No such device\)|cannot leave the switch'
pass
