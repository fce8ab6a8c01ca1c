# VLAN tags the kernel took off frames an afpacket uplink received go back
# on as they came: an 802.1ad S-tag stays an S-tag (the switch sees a frame
# it does not classify by, for the native VLAN, not a C-tag putting it in
# that VLAN), and a priority tag (TCI 0) stays there, so a frame with a
# VLAN tag behind it is refused as double-tagged instead of hopping into
# the inner tag's VLAN.
. "$(dirname "$0")/lib.sh"
need_root
$PY -c "import scapy.all" 2>/dev/null || skip "python3-scapy not installed"
start_vnetd
for n in o b c; do ns "$n$S"; done
veth "u$S" "p$S" "o$S"
ip -n "o$S" link set "p$S" up
vnetctl network create "tg$S" --type external >/dev/null || fail "create"
vnetctl port add "tg$S" --uplink "u$S" --backend afpacket --trunk 20 \
	>/dev/null || fail "uplink"
vnetctl port add "tg$S" --tap "tb$S" --netns "b$S" --vlan 20 >/dev/null ||
	fail "tap b"
vnetctl port add "tg$S" --tap "tc$S" --netns "c$S" >/dev/null || fail "tap c"
ip -n "b$S" link set "tb$S" up
ip -n "c$S" link set "tc$S" up
wait_port "u$S" up || fail "uplink not up"

# capture NS DEV: tcpdump on DEV, in $T/DEV.txt.
capture() {
	ip netns exec "$1" timeout 8 tcpdump -l -e -nn -i "$2" \
		>"$T/$2.txt" 2>"$T/$2.err" &
	PIDS="$PIDS $!"
	wait_for 5 grep -q "listening on" "$T/$2.err" ||
		fail "tcpdump: $(cat "$T/$2.err")"
}
capture "b$S" "tb$S"
capture "c$S" "tc$S"
drops() { jget ".counters.drops.vlan_double_tag // 0" port show "u$S"; }
d0=$(drops)
# From outside: an S-tag (VID 20) over a C-tag (VID 7), to UDP port 7001;
# a priority tag with TCI 0 over a C-tag for VLAN 20, to UDP port 7002.
ip netns exec "o$S" $PY -c '
import sys
from scapy.all import Ether, Dot1AD, Dot1Q, IP, UDP, sendp
e = Ether(src="02:00:00:00:00:71", dst="ff:ff:ff:ff:ff:ff")
ip = IP(src="10.0.0.1", dst="10.0.0.2")
sendp([e / Dot1AD(vlan=20) / Dot1Q(vlan=7) / ip / UDP(dport=7001) / "s",
       e / Dot1Q(vlan=0) / Dot1Q(vlan=20) / ip / UDP(dport=7002) /
       "p"] * 3, iface=sys.argv[1], verbose=False)' "p$S" || fail "scapy"
wait_for 5 eval '[ $(($(drops) - d0)) -ge 3 ]'
sleep 0.3
d1=$(drops)
[ $((d1 - d0)) -ge 3 ] ||
	fail "vlan_double_tag drops $d0 -> $d1: the priority tag was lost"
grep -q "\.7002:" "$T/tb$S.txt" &&
	fail "a frame behind a priority tag reached VLAN 20: $(cat "$T/tb$S.txt")"
log "priority tag over VLAN 20: refused as double-tagged ($((d1 - d0)) drops)"
grep -q "\.7001:" "$T/tb$S.txt" &&
	fail "an S-tagged frame reached VLAN 20 as C-tagged: $(cat "$T/tb$S.txt")"
grep "\.7001:" "$T/tc$S.txt" | grep -q "0x88a8.*vlan 20.*vlan 7" ||
	fail "the untagged port did not get the S-tagged frame whole: $(cat "$T/tc$S.txt")"
log "S-tagged frame: forwarded on the native VLAN with its S-tag"
pass
