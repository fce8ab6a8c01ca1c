# A veth port touches only its own pair.  vnetd marks the host end it makes
# with the ifalias "vnet:PORT"; a device named like the host end that is
# neither marked nor provably the other end of the port's device (another
# tool's veth) is never deleted: not by the port's retries while its
# namespace is gone, not when the namespace is back, not by "port del".
# An unmarked pair that is the port's (made by a vnetd before marks) is
# taken and marked.
. "$(dirname "$0")/lib.sh"
need_root
start_vnetd
ns "a$S"
vnetctl network create "o$S" --type internal >/dev/null || fail "create"
vnetctl port add "o$S" --veth "w$S" --netns "a$S" >/dev/null || fail "veth w"
ip -d link show "vh-w$S" | grep -q "alias vnet:w$S" ||
	fail "vh-w$S without its mark: $(ip -d link show "vh-w$S")"

# The namespace goes; another tool makes a veth named vh-wS.
ip netns del "a$S"
wait_port "w$S" down 100 || fail "port not down"
veth "vh-w$S" "x$S"
idx=$(cat /sys/class/net/vh-w$S/ifindex)
# The port's retries (50 ms doubling) run meanwhile.
sleep 1.6
[ "$(cat /sys/class/net/vh-w$S/ifindex 2>/dev/null)" = "$idx" ] ||
	fail "the port's retry deleted another tool's vh-w$S"
log "vh-w$S of another tool kept while the namespace is gone"

# The namespace is back: the port does not take the device, and says why.
ip netns add "a$S" || fail "ns again"
NETNS="$NETNS a$S"
sleep 1
[ "$(cat /sys/class/net/vh-w$S/ifindex 2>/dev/null)" = "$idx" ] ||
	fail "the port replaced another tool's vh-w$S once its namespace was back"
ip -d link show "vh-w$S" | grep -q "alias" && fail "vh-w$S got an alias"
why=$(jget '.error' port show "w$S")
echo "$why" | grep -q "not this port's veth.*left alone" || fail "error: $why"
log "down: $why"

# port del leaves it alone too.
vnetctl port del "w$S" >/dev/null || fail "port del"
[ "$(cat /sys/class/net/vh-w$S/ifindex 2>/dev/null)" = "$idx" ] ||
	fail "port del deleted another tool's vh-w$S"
ip link show "x$S" >/dev/null 2>&1 || fail "x$S went"
log "port del left vh-w$S alone"

# An unmarked pair that is the port's (an older vnetd's) is taken, marked,
# and deleted with the port.
ip link add "vh-u$S" type veth peer name "u$S" netns "a$S" || fail "pair u"
LINKS="$LINKS vh-u$S"
uidx=$(cat /sys/class/net/vh-u$S/ifindex)
vnetctl port add "o$S" --veth "u$S" --netns "a$S" >/dev/null ||
	fail "an older vnetd's pair refused"
[ "$(cat /sys/class/net/vh-u$S/ifindex)" = "$uidx" ] || fail "vh-u$S made anew"
ip -d link show "vh-u$S" | grep -q "alias vnet:u$S" || fail "vh-u$S not marked"
[ "$(jget '.state' port show "u$S")" = up ] || fail "u not up"
vnetctl port del "u$S" >/dev/null || fail "port del u"
ip link show "vh-u$S" >/dev/null 2>&1 && fail "vh-u$S outlived its port"
log "an older vnetd's pair taken, marked and deleted with its port"
ALLOW_LOG='port failed \(No such device\)'
pass
