# VLANs: access ports on different VLANs cannot talk; ports on the same VLAN
# can; a trunk port sees both VLANs' frames tagged, and its tagged frames
# reach the right access port.
. "$(dirname "$0")/lib.sh"
need_root
$PY -c "import scapy.all" 2>/dev/null || skip "python3-scapy not installed"
start_vnetd
for n in a b c t; do ns "$n$S"; done
vnetctl network create "vl$S" --type private >/dev/null || fail "create"
vnetctl port add "vl$S" --tap "ta$S" --netns "a$S" --vlan 10 >/dev/null || fail a
vnetctl port add "vl$S" --tap "tb$S" --netns "b$S" --vlan 20 >/dev/null || fail b
vnetctl port add "vl$S" --tap "tc$S" --netns "c$S" --vlan 10 >/dev/null || fail c
vnetctl port add "vl$S" --tap "tt$S" --netns "t$S" --trunk 10,20 >/dev/null ||
	fail trunk
addr "a$S" "ta$S" 10.204.0.11/24
addr "b$S" "tb$S" 10.204.0.12/24
addr "c$S" "tc$S" 10.204.0.13/24
ip -n "t$S" link set "tt$S" up
pings "a$S" 10.204.0.13
no_ping "a$S" 10.204.0.12
no_ping "b$S" 10.204.0.13
# The trunk sees broadcasts from both VLANs, tagged.
ip netns exec "t$S" timeout 8 tcpdump -l -e -nn -i "tt$S" -c 4 vlan \
	>"$T/trunk.txt" 2>"$T/trunk.err" &
dump=$!
wait_for 5 grep -q "listening on" "$T/trunk.err" || fail "tcpdump: $(cat "$T/trunk.err")"
ip netns exec "a$S" ping -c 2 -i 0.2 -W 1 10.204.0.99 >/dev/null 2>&1
ip netns exec "b$S" ping -c 2 -i 0.2 -W 1 10.204.0.98 >/dev/null 2>&1
wait $dump
grep -q "vlan 10" "$T/trunk.txt" || fail "trunk saw no VLAN 10 frame: $(cat "$T/trunk.txt")"
grep -q "vlan 20" "$T/trunk.txt" || fail "trunk saw no VLAN 20 frame"
log "trunk sees VLAN 10 and VLAN 20 tagged"
# A tagged ARP request from the trunk on VLAN 20 is answered by b only.
mac_b=$(ip -n "b$S" -j link show "tb$S" | jq -r '.[0].address')
reply=$(ip netns exec "t$S" $PY -c "
from scapy.all import *
conf.verb=0
p=Ether(dst='ff:ff:ff:ff:ff:ff',src='02:00:00:00:00:77')/Dot1Q(vlan=20)/ARP(op=1,hwsrc='02:00:00:00:00:77',psrc='10.204.0.77',pdst='10.204.0.12')
r=srp1(p, iface='tt$S', timeout=3)
print(r[ARP].hwsrc if r and ARP in r else 'none')")
[ "$reply" = "$mac_b" ] || fail "tagged ARP on VLAN 20 answered by '$reply', want $mac_b"
log "tagged frame from the trunk reached VLAN 20's access port"
pass
