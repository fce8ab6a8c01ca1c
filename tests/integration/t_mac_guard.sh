# MAC guard: a guest port with --mac-guard sends only from its own MAC.
# Three namespaces on taps: a (guarded, its MAC given), b and c.
#  - a sending from b's MAC (scapy) does not take b's traffic: the MAC
#    table keeps b's MAC on b's port and c still reaches b; a's ARP reply
#    naming b's MAC as the sender and a neighbour advertisement carrying
#    b's MAC are dropped too, each counted as mac_spoofed;
#  - a's own traffic passes (ping both ways);
#  - b sending from a's MAC is dropped as mac_pinned (the guard pins a's
#    MAC to its port);
#  - --no-mac-guard lets a send from any MAC again;
#  - refused: a second port guarding the same MAC on the network, the
#    guard on a veth port (its kernel fast path does not check it), on a
#    tap without --mac.
. "$(dirname "$0")/lib.sh"
need_root
$PY -c "import scapy.all" 2>/dev/null || skip "python3-scapy not installed"
MA=52:54:00:4d:00:0a
MB=52:54:00:4d:00:0b
MC=52:54:00:4d:00:0c
ALLOW_LOG="frames from $MA dropped: that MAC is pinned to another port"
start_vnetd
vnetctl network create "mg$S" --type private >/dev/null || fail "create"
for h in a b c; do
	ns "$h$S"
	eval "m=\$M$(echo $h | tr a-c A-C)"
	vnetctl port add "mg$S" --tap "t$h$S" --netns "$h$S" --mac "$m" >/dev/null ||
		fail "port $h"
done
vnetctl port set "ta$S" --mac-guard >/dev/null || fail "port set --mac-guard"
[ "$(jget '.mac_guard' port show "ta$S")" = true ] || fail "port show: no mac_guard"
n=1
for h in a b c; do
	addr "$h$S" "t$h$S" "10.77.0.$n/24"
	n=$((n + 1))
done
pings "a$S" 10.77.0.2
pings "c$S" 10.77.0.2

drops() { jget ".counters.drops.$1 // 0" port show "$2"; }
owner() { # MAC: the port the MAC table has it on
	vnetctl --json mac show "mg$S" | jq -r ".[] | select(.mac == \"$1\") | .port"
}
# forge FROM-NS DEV KIND: send forged frames as b's MAC (from a), or as
# a's (from b).
forge() {
	ip netns exec "$1" $PY - "$2" "$3" "$MA" "$MB" <<'PY' || fail "scapy send"
import sys
from scapy.all import (ARP, Ether, ICMPv6ND_NA, ICMPv6NDOptDstLLAddr, IPv6,
                       Raw, conf, sendp)
conf.verb = 0
dev, kind, ma, mb = sys.argv[1:5]
if kind == "src":      # a frame from b's MAC
    sendp(Ether(src=mb, dst="ff:ff:ff:ff:ff:ff", type=0x88b5) / Raw(b"x" * 50),
          iface=dev, count=3)
elif kind == "arp":    # ARP reply claiming 10.77.0.3 is at b's MAC
    sendp(Ether(src=ma, dst="ff:ff:ff:ff:ff:ff") /
          ARP(op=2, hwsrc=mb, psrc="10.77.0.3", hwdst="ff:ff:ff:ff:ff:ff",
              pdst="10.77.0.2"), iface=dev)
elif kind == "na":     # neighbour advertisement with b's MAC as target's
    sendp(Ether(src=ma, dst="33:33:00:00:00:01") /
          IPv6(src="fe80::1", dst="ff02::1", hlim=255) /
          ICMPv6ND_NA(tgt="fe80::3", R=0, S=0, O=1) /
          ICMPv6NDOptDstLLAddr(lladdr=mb), iface=dev)
elif kind == "pinned": # from a's MAC, sent by b
    sendp(Ether(src=ma, dst="ff:ff:ff:ff:ff:ff", type=0x88b5) / Raw(b"x" * 50),
          iface=dev, count=2)
PY
}

s0=$(drops mac_spoofed "ta$S")
forge "a$S" "ta$S" src
forge "a$S" "ta$S" arp
forge "a$S" "ta$S" na
spoofed() { [ $(($(drops mac_spoofed "ta$S") - s0)) -ge 5 ]; }
wait_for 5 spoofed || fail "mac_spoofed on a: $s0 -> $(drops mac_spoofed "ta$S"), want 5 more"
[ "$(owner $MB)" = "tb$S" ] || fail "b's MAC moved to $(owner $MB)"
ip -n "b$S" neigh show 10.77.0.3 | grep -qi "$MB" &&
	fail "b took a's forged ARP: $(ip -n "b$S" neigh show 10.77.0.3)"
pings "c$S" 10.77.0.2
log "a's forged frames dropped ($(($(drops mac_spoofed "ta$S") - s0))), b's MAC stays on tb$S"

p0=$(drops mac_pinned "tb$S")
forge "b$S" "tb$S" pinned
pinned() { [ $(($(drops mac_pinned "tb$S") - p0)) -ge 2 ]; }
wait_for 5 pinned || fail "mac_pinned on b: $p0 -> $(drops mac_pinned "tb$S")"
[ "$(owner $MA)" = "ta$S" ] || fail "a's MAC moved to $(owner $MA)"
pings "c$S" 10.77.0.1
log "b sending from a's MAC dropped as mac_pinned"

vnetctl port set "ta$S" --no-mac-guard >/dev/null || fail "--no-mac-guard"
[ "$(jget '.mac_guard // false' port show "ta$S")" = false ] || fail "still guarded"
s1=$(drops mac_spoofed "ta$S")
forge "a$S" "ta$S" src
moved() { [ "$(owner $MB)" = "ta$S" ]; }
wait_for 5 moved || fail "unguarded: b's MAC on $(owner $MB), not ta$S"
[ "$(drops mac_spoofed "ta$S")" = "$s1" ] || fail "unguarded port still drops"
log "--no-mac-guard: a may send from any MAC again"

vnetctl port set "ta$S" --mac-guard >/dev/null || fail "--mac-guard again"
refused "port 'ta$S' already guards MAC $MA on network 'mg$S'" \
	port add "mg$S" --tap "td$S" --netns "c$S" --mac "$MA" --mac-guard
vnetctl network create "mv$S" --type private >/dev/null || fail "create mv"
ns "v$S"
refused "mac-guard applies to tap and vhost-user guest ports only" \
	port add "mv$S" --veth "vv$S" --netns "v$S" --mac-guard
refused "the MAC and IP guards need the MAC the guest sends from" \
	port add "mv$S" --tap "tn$S" --netns "v$S" --mac-guard
pass
