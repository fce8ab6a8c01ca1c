# What the veth fast path must not do: let a namespace take the gateway's
# (pinned) MAC once the gateway has been quiet, forward frames from an
# all-zero source MAC or a DHCP server message sent to port 68, replace a device that is not its own veth, leave the
# namespace's end at the old MTU, or make a port's counters go back when
# its VLAN changes.
. "$(dirname "$0")/lib.sh"
need_root
X=$(printf %02x "$N")
start_vnetd
ns "a$S"
ns "b$S"
vnetctl network create "g$S" --type internal \
	--subnet 10.243.$N.0/24 >/dev/null || fail "create"
vnetctl port add "g$S" --veth "va$S" --netns "a$S" >/dev/null || fail "veth a"
vnetctl port add "g$S" --veth "vb$S" --netns "b$S" \
	--mac 02:00:00:$X:00:0b >/dev/null || fail "veth b"
[ "$(jget '.fast_path' port show "va$S")" = on ] || fail "no fast path"
addr "a$S" "va$S" 10.243.$N.11/24
addr "b$S" "vb$S" 10.243.$N.12/24
pings "b$S" 10.243.$N.1
pings "a$S" 10.243.$N.12
pings "b$S" 10.243.$N.11
gw=$(ip -n "b$S" neigh show 10.243.$N.1 | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2)
[ -n "$gw" ] || fail "b has no ARP entry for the gateway"

# spoof A S N: a sends N UDP frames from source MAC S to b's MAC.
spoof() {
	ip netns exec "a$S" $PY -c '
import sys
from scapy.all import Ether, IP, UDP, sendp
sendp([Ether(src=sys.argv[2], dst=sys.argv[3]) /
       IP(src="10.243.0.99", dst="10.243.0.12") /
       UDP(sport=5000, dport=9) / ("x" * 20)] * int(sys.argv[4]),
      iface=sys.argv[1], verbose=False)' "va$S" "$1" 02:00:00:$X:00:0b "$2"
}
drops() { jget ".counters.drops.$1 // 0" port show "va$S"; }
# grown REASON FROM N: a's drops for REASON are at least FROM + N.
grown() { [ $(($(drops "$1") - $2)) -ge "$3" ]; }

# The gateway quiet for longer than a fast-path mark lasts (2 s), then a
# takes its MAC as source: the fast path must not learn it (vnetd drops
# the frames as mac_pinned) and b must still reach the gateway.
sleep 3
p0=$(drops mac_pinned)
spoof "$gw" 3 || fail "scapy"
wait_for 5 grown mac_pinned "$p0" 3
ip netns exec "b$S" ping -c 3 -i 0.2 -W 1 10.243.$N.1 >/dev/null ||
	fail "b lost the gateway after a sent from its MAC"
p1=$(drops mac_pinned)
[ $((p1 - p0)) -ge 3 ] || fail "mac_pinned drops $p0 -> $p1, want 3 more"

# An all-zero source MAC goes to vnetd, which drops it (a frame the fast
# path took would be hidden from vnetd, and not counted).
z0=$(drops bad_src_mac)
spoof 00:00:00:00:00:00 5 || fail "scapy"
wait_for 5 grown bad_src_mac "$z0" 5
z1=$(drops bad_src_mac)
[ $((z1 - z0)) -ge 5 ] || fail "bad_src_mac drops $z0 -> $z1, want 5 more"

# A DHCP server message to a client's port 68 from another port than 67,
# unicast between two known MACs: vnetd's guard must see it, not the fast
# path forward it.
amac=$(ip -n "a$S" -o link show "va$S" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
g0=$(drops dhcp_guard)
ip netns exec "a$S" $PY -c '
import sys
from scapy.all import Ether, IP, UDP, sendp
sendp([Ether(src=sys.argv[3], dst=sys.argv[2]) / IP(src="10.243.0.11", dst="10.243.0.12") /
       UDP(sport=1234, dport=68) / (b"\x02" + bytes(299))] * 3,
      iface=sys.argv[1], verbose=False)' "va$S" 02:00:00:$X:00:0b "$amac" ||
	fail "scapy"
wait_for 5 grown dhcp_guard "$g0" 3
g1=$(drops dhcp_guard)
[ $((g1 - g0)) -ge 3 ] || fail "dhcp_guard drops $g0 -> $g1, want 3 more: $(vnetctl --json port show "va$S" | jq -c .counters) $(vnetctl --json port show "vb$S" | jq -c .counters)"

# A DHCP server message the guard drops teaches nothing: a sending one
# from b's MAC must not move b's MAC to a's port in the fast path's table
# (c's pings to b, its ARP entry already there, would go to a).
ns "c$S"
vnetctl port add "g$S" --veth "vc$S" --netns "c$S" >/dev/null || fail "veth c"
addr "c$S" "vc$S" 10.243.$N.13/24
pings "c$S" 10.243.$N.12
g0=$(drops dhcp_guard)
ip netns exec "a$S" $PY -c '
import sys
from scapy.all import Ether, IP, UDP, sendp
sendp([Ether(src=sys.argv[2], dst="ff:ff:ff:ff:ff:ff") /
       IP(src="10.243.0.12", dst="255.255.255.255") /
       UDP(sport=67, dport=68) / (b"\x02" + bytes(299))] * 3,
      iface=sys.argv[1], verbose=False)' "va$S" 02:00:00:$X:00:0b || fail "scapy"
wait_for 5 grown dhcp_guard "$g0" 3
ip netns exec "c$S" ping -c 3 -i 0.2 -W 1 10.243.$N.12 >/dev/null ||
	fail "c lost b after a sent DHCP server messages from b's MAC"
log "a guard-dropped frame did not move its source MAC"

# A device named like a veth port's host end that is not a veth is not
# replaced: the port is refused and the device keeps working.
vnetctl port add "g$S" --tap "vh-x$S" >/dev/null || fail "tap vh-x$S"
LINKS="$LINKS vh-x$S" # a tap in this namespace: it outlives vnetd
out=$(vnetctl port add "g$S" --veth "x$S" --netns "a$S" 2>&1)
vnetctl port show "x$S" >/dev/null 2>&1 && [ -z "$(jget '.error // empty' port show "x$S")" ] &&
	fail "a veth port replaced device vh-x$S: $out"
ip -d link show "vh-x$S" | grep -q tun || fail "vh-x$S is no longer the tap"
[ "$(jget '.state' port show "vh-x$S")" = up ] ||
	fail "tap vh-x$S went $(jget '.state' port show "vh-x$S")"
vnetctl port del "x$S" >/dev/null 2>&1

# The network's MTU reaches the namespaces' ends.
vnetctl network set "g$S" --mtu 1400 >/dev/null || fail "set mtu"
for e in "a$S va$S" "b$S vb$S"; do
	set -- $e
	m=$(ip -n "$1" -o link show "$2" | grep -o 'mtu [0-9]*' | cut -d' ' -f2)
	[ "$m" = 1400 ] || fail "$2 in $1 has MTU $m after network set --mtu 1400"
done
pings "a$S" 10.243.$N.12

# Counters do not go back when a VLAN change puts the port on the fast
# path anew.
r0=$(jget '.counters.rx_packets' port show "va$S")
vnetctl port set "va$S" --vlan 5 >/dev/null || fail "set vlan"
vnetctl port set "vb$S" --vlan 5 >/dev/null || fail "set vlan b"
r1=$(jget '.counters.rx_packets' port show "va$S")
[ "$r1" -ge "$r0" ] || fail "rx_packets went from $r0 to $r1 on a VLAN change"
pings "a$S" 10.243.$N.12
ALLOW_LOG='pinned to another port'
pass
