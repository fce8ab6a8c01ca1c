# IP guard: a guest port with --ip-guard sends only from the addresses its
# MAC leased from vnet's DHCP server and those given with --allow-ip.
# Namespaces on taps of a private network with DHCP: a (guarded, its MAC
# given) and b (a static address outside the range).
#  - a on an address it was not given: nothing gets through (b sees no
#    ping), counted as ip_spoofed, and so is an ARP claiming it;
#  - a real DHCP client (busybox udhcpc) gets a lease through the guard
#    (its DISCOVER and REQUEST come from 0.0.0.0) and its address works at
#    once (the guard follows the lease before the ACK leaves);
#  - the address a had before does not; after a release (the lease is no
#    longer bound) the leased address stops working too;
#  - --allow-ip lets a static address through; --no-ip-guard lifts it.
. "$(dirname "$0")/lib.sh"
need_root
command -v busybox >/dev/null || skip "busybox (package busybox-static) not installed"
$PY -c "import scapy.all" 2>/dev/null || skip "python3-scapy not installed"
MA=52:54:00:1a:00:0a
start_vnetd
N="ig$S"
vnetctl network create "$N" --type private --subnet 10.79.0.0/24 --dhcp \
	--range 10.79.0.100-10.79.0.150 >/dev/null || fail "create"
ns "a$S"
ns "b$S"
vnetctl port add "$N" --tap "ta$S" --netns "a$S" --mac "$MA" --ip-guard \
	>/dev/null || fail "port a"
vnetctl port add "$N" --tap "tb$S" --netns "b$S" >/dev/null || fail "port b"
[ "$(jget '.ip_guard' port show "ta$S")" = true ] || fail "port show: no ip_guard"
addr "b$S" "tb$S" 10.79.0.200/24
drops() { jget ".counters.drops.ip_spoofed // 0" port show "ta$S"; }

# Not given: a static address of a's own choosing.
addr "a$S" "ta$S" 10.79.0.77/24
d0=$(drops)
no_ping "a$S" 10.79.0.200
ip netns exec "a$S" $PY - "ta$S" "$MA" <<'PY' || fail "scapy send"
import sys
from scapy.all import ARP, Ether, conf, sendp
conf.verb = 0
dev, mac = sys.argv[1:3]
sendp(Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") /
      ARP(op=2, hwsrc=mac, psrc="10.79.0.200", pdst="10.79.0.200"), iface=dev)
PY
d1=$(drops)
[ $((d1 - d0)) -ge 2 ] || fail "ip_spoofed: $d0 -> $d1"
log "a's own choice of address blocked ($((d1 - d0)) dropped)"
ip -n "a$S" addr flush dev "ta$S"

# Leased: udhcpc through the guard.
udhcpc_lease "a$S" "ta$S" "$T/a.env"
UPID=$UDHCPC_PID
IP=$LEASE_IP
case "$IP" in 10.79.0.1[0-4][0-9] | 10.79.0.150) ;; *) fail "lease $IP" ;; esac
pings "a$S" 10.79.0.200
log "udhcpc got $IP through the guard, and it works"
ip -n "a$S" addr add 10.79.0.77/24 dev "ta$S"
ip netns exec "a$S" ping -c 2 -i 0.2 -W 1 -I 10.79.0.77 10.79.0.200 >/dev/null 2>&1 &&
	fail "a reached b from 10.79.0.77 beside its lease"
ip -n "a$S" addr del 10.79.0.77/24 dev "ta$S"

# Released: the lease is no longer a's.
ip netns exec "a$S" ping -c 1 -W 1 10.79.0.1 >/dev/null
kill -USR2 "$UPID"
released() {
	[ "$(vnetctl --json dhcp leases "$N" | jq -r --arg m "$MA" \
		'[.[] | select(.mac == $m)] | .[0].state // "none"')" != bound ]
}
wait_for 5 released || fail "the lease stayed bound: $(vnetctl dhcp leases "$N")"
kill "$UPID"
wait "$UPID" 2>/dev/null
ip -n "a$S" addr add "$IP/24" dev "ta$S"
no_ping "a$S" 10.79.0.200
log "after the release $IP is blocked again"

# Allowed by configuration, then no guard.
vnetctl port set "ta$S" --allow-ip 10.79.0.77/32 >/dev/null || fail "--allow-ip"
ip -n "a$S" addr flush dev "ta$S"
ip -n "a$S" addr add 10.79.0.77/24 dev "ta$S"
pings "a$S" 10.79.0.200
vnetctl port set "ta$S" --no-allow-ip >/dev/null || fail "--no-allow-ip"
no_ping "a$S" 10.79.0.200
vnetctl port set "ta$S" --no-ip-guard >/dev/null || fail "--no-ip-guard"
pings "a$S" 10.79.0.200
log "--allow-ip and --no-ip-guard"
refused "ip-guard applies to tap and vhost-user guest ports only" \
	port add "$N" --veth "vv$S" --netns "b$S" --ip-guard
pass
