# A tap port whose device goes is made again, as a veth port's pair is:
#  - a namespace's tap deleted inside the namespace: the port shows down
#    with the reason, and within seconds the tap is back in the namespace
#    (same name and MAC, the network's MTU), on the switch, and traffic
#    flows once the namespace configures it again;
#  - the namespace deleted: the port waits, down (not in error), and when a
#    namespace of that name is made again the tap is made in it at once;
#  - a host vNIC deleted in vnetd's namespace: made again, with its MAC
#    and addresses.
# Before, such a port stayed down for good, with no error, until deleted,
# and a deleted namespace lived on, held by the tap's fd.
. "$(dirname "$0")/lib.sh"
need_root
ALLOW_LOG='port failed \(No such device|File descriptor in bad state\), marked down'
start_vnetd
NET="tr$S"
vnetctl network create "$NET" --type internal --mtu 1400 >/dev/null || fail "network"
ns "a$S"
ns "b$S"
vnetctl port add "$NET" --tap "ta$S" --netns "a$S" >/dev/null || fail "tap a"
vnetctl port add "$NET" --tap "tb$S" --netns "b$S" >/dev/null || fail "tap b"
addr "a$S" "ta$S" 10.87.$N.1/24
addr "b$S" "tb$S" 10.87.$N.2/24
pings "a$S" 10.87.$N.2
state() { vnetctl --json port show "ta$S" | jq -r .state; }
mac_a() { ip -n "a$S" -j link show "ta$S" | jq -r .[0].address; }
MAC_A=$(mac_a)
up_again() { [ "$(state)" = up ] && ip -n "a$S" link show "ta$S" >/dev/null 2>&1; }

# 1. The tap deleted in its namespace.
ip -n "a$S" link del "ta$S" || fail "cannot delete the tap"
wait_for 3 sh -c "\"$VNETCTL_BIN\" --socket \"$T/sock\" --json port show ta$S |
	jq -e '.error // \"\" | test(\"is gone\")' >/dev/null" || {
	# (it may be back already)
	up_again || fail "the port shows no reason: $(vnetctl --json port show "ta$S" | jq -c '{state,error}')"
}
wait_for 10 up_again || fail "the tap was not made again: $(vnetctl --json port show "ta$S" | jq -c '{state,error,retry_in_ms}')"
mtu=$(ip -n "a$S" -j link show "ta$S" | jq .[0].mtu)
[ "$mtu" = 1400 ] || fail "the tap came back with MTU $mtu, not the network's 1400"
[ "$(mac_a)" = "$MAC_A" ] || fail "the tap came back with MAC $(mac_a), not its $MAC_A"
addr "a$S" "ta$S" 10.87.$N.1/24
pings "a$S" 10.87.$N.2
log "tap deleted in its namespace: made again, traffic flows"

# 2. The namespace deleted, then made again.
ip netns del "a$S"
wait_for 10 sh -c "[ \"\$(\"$VNETCTL_BIN\" --socket \"$T/sock\" --json port show ta$S | jq -r .state)\" = down ]" ||
	fail "the port is not down, waiting: $(vnetctl --json port show "ta$S" | jq -c '{state,error}')"
sleep 1
[ "$(state)" = down ] || fail "the port is $(state) while its namespace is missing, not down"
ip netns add "a$S"
wait_for 10 up_again || fail "the tap was not made in the new namespace: $(vnetctl --json port show "ta$S" | jq -c '{state,error,retry_in_ms}')"
[ "$(mac_a)" = "$MAC_A" ] || fail "the tap came back with MAC $(mac_a), not its $MAC_A"
addr "a$S" "ta$S" 10.87.$N.1/24
pings "a$S" 10.87.$N.2
log "namespace deleted and made again: the tap is back in it"

# 3. A host vNIC deleted: back with its address.
vnetctl port add "$NET" --host "th$S" --addr 10.87.$N.9/24 >/dev/null || fail "host port"
MAC_H=$(ip -j link show "th$S" | jq -r .[0].address)
pings "b$S" 10.87.$N.9
ip link del "th$S" || fail "cannot delete the host vNIC"
wait_for 10 sh -c "ip -4 -o addr show th$S 2>/dev/null | grep -q 10.87.$N.9/24" ||
	fail "the host vNIC was not made again with its address"
[ "$(ip -j link show "th$S" | jq -r .[0].address)" = "$MAC_H" ] ||
	fail "the host vNIC came back with another MAC: b's neighbour cache is wrong"
pings "b$S" 10.87.$N.9
log "host vNIC deleted: made again with its address"
vnetctl port del "th$S" >/dev/null || fail "port del th$S"
ip link show "th$S" >/dev/null 2>&1 && fail "the host vNIC stayed after port del"
pass
