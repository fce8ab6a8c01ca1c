# The gateway's IPv6 side with real kernels and tools: a namespace on a
# veth port of a network with --subnet6 configures an address in the prefix
# by SLAAC from the gateway's router advertisements; rdisc6 shows the RA's
# prefix, MTU, resolver (RDNSS), search domain (DNSSL) and router lifetime
# 0; the gateway's IPv6 address and its link-local address answer ping;
# dig over IPv6 (UDP and TCP, to gateway6 and to the link-local address)
# gets a name of the network and outside names relayed upstream; hostile
# frames (scapy) are dropped, counted by reason and never answered, and a
# guest's own RA is still stopped by the router guard; bad prefixes and
# gateway addresses are refused with a sentence; an IPv4 subnet added later
# and the prefix removed rebuild the gateway.
. "$(dirname "$0")/lib.sh"
need_root
UP=127.214.66.53 # the upstream resolver, on loopback
# A fixed prefix: it lives only in this test's own namespaces.
P="fd00:76:1::"
start_vnetd
N="g6$S"

refused "must be a /64" network create "x$S" --type internal \
	--subnet6 fd00:76:1::/48
refused "multicast" network create "x$S" --type internal --subnet6 ff05::/64
refused "link-local" network create "x$S" --type internal \
	--subnet6 fe80::/64
refused "::/64" network create "x$S" --type internal --subnet6 ::/64
refused "subnet6: must be an IPv6 prefix" network create "x$S" \
	--type internal --subnet6 10.0.0.0/24
refused "not inside subnet6" network create "x$S" --type internal \
	--subnet6 "${P}/64" --gateway6 fd00:76:2::1
refused "subnet-router anycast" network create "x$S" --type internal \
	--subnet6 "${P}/64" --gateway6 "$P"
refused "gateway6 needs an IPv6 prefix" network create "x$S" \
	--type internal --gateway6 "${P}1"
refused "dhcp needs a subnet (IPv4)" network create "x$S" \
	--type internal --subnet6 "${P}/64" --dhcp

"$PY" "$(dirname "$0")/fake_resolver.py" $UP >"$T/up.log" 2>&1 &
PIDS="$PIDS $!"
up_ready() { grep -q ready "$T/up.log" 2>/dev/null; }
wait_for 5 up_ready || fail "resolver: $(cat "$T/up.log")"

# IPv6 only first: a gateway without any IPv4 subnet.
vnetctl network create "$N" --type internal --subnet6 "${P}/64" \
	--domain v6.vnet --dns-server $UP >/dev/null || fail "create"
[ "$(jget '.gateway6_ip' network show "$N")" = "${P}1" ] ||
	fail "gateway6: $(vnetctl --json network show "$N")"
LL=$(jget '.gateway6_link_local' network show "$N")
case "$LL" in fe80::*) ;; *) fail "link-local: $LL" ;; esac
GWMAC=$(jget '.gateway_mac' network show "$N")
refused "has no NAT" nat forward add "$N" tcp 8080 10.245.0.5:80
refused "nat-via needs a subnet (IPv4)" network set "$N" --nat-via "x$S"
vnetctl network show "$N" | grep -q "router lifetime 0" ||
	fail "network show: $(vnetctl network show "$N")"

ns "c$S"
for k in all default; do
	ip netns exec "c$S" sysctl -qw "net.ipv6.conf.$k.accept_dad=0"
	ip netns exec "c$S" sysctl -qw "net.ipv6.conf.$k.accept_ra=2"
done
vnetctl port add "$N" --veth "vc$S" --netns "c$S" >/dev/null || fail "port"
ip -n "c$S" link set "vc$S" up
t0=$(date +%s%N)

slaac() {
	ip -n "c$S" -6 addr show dev "vc$S" scope global | grep -q "inet6 fd00:76:1:"
}
wait_for 10 slaac || fail "no SLAAC address: $(ip -n "c$S" -6 addr show)"
GA=$(ip -n "c$S" -6 addr show dev "vc$S" scope global |
	sed -n 's/.*inet6 \([^/]*\)\/64.*/\1/p' | head -n 1)
log "SLAAC address $GA from the gateway's RA, $((($(date +%s%N) - t0) / 1000000)) ms after the link came up"
ip -n "c$S" -6 route show default | grep -q . &&
	fail "a default route from an RA with router lifetime 0: $(ip -n "c$S" -6 route)"

if command -v rdisc6 >/dev/null; then
	ip netns exec "c$S" rdisc6 -1 -w 3000 "vc$S" >"$T/rdisc6" 2>&1 ||
		fail "rdisc6: $(cat "$T/rdisc6")"
	for want in "Prefix *: ${P}/64" "MTU *: *1500" \
		"Recursive DNS server *: ${P}1" "DNS search list *: v6.vnet" \
		"Router lifetime *: *0 " "Hop limit *: *64" "Stateful address conf.*: *No" \
		"Source link-layer address: *$(echo "$GWMAC" | tr a-f A-F)"; do
		grep -qi "$want" "$T/rdisc6" || fail "rdisc6 lacks '$want': $(cat "$T/rdisc6")"
	done
	log "rdisc6: prefix, MTU, RDNSS, DNSSL, router lifetime 0"
else
	skip_part rdisc6 "rdisc6 (package ndisc6) not installed"
fi

ip netns exec "c$S" ping -6 -c 2 -i 0.2 -W 2 "${P}1" >/dev/null ||
	fail "no echo reply from ${P}1"
ip netns exec "c$S" ping -6 -c 2 -i 0.2 -W 2 "$LL%vc$S" >/dev/null ||
	fail "no echo reply from $LL"
log "ping ${P}1 and $LL"

if command -v dig >/dev/null; then
	got=$(ip netns exec "c$S" dig -6 +short +tries=2 +time=2 @"${P}1" outside.example A)
	[ "$got" = 198.51.100.7 ] || fail "relayed over IPv6: '$got'"
	got=$(ip netns exec "c$S" dig -6 +tries=2 +time=2 @"${P}1" nohost.v6.vnet A)
	echo "$got" | grep -q "status: NXDOMAIN" || fail "own zone over IPv6: $got"
	got=$(ip netns exec "c$S" dig -6 +tcp +short +tries=2 +time=2 @"${P}1" outside.example A)
	[ "$got" = 198.51.100.7 ] || fail "relayed over TCP/IPv6: '$got'"
	got=$(ip netns exec "c$S" dig -6 +tcp +tries=2 +time=2 @"$LL%vc$S" tconly.example TXT)
	echo "$got" | grep -q "MSG SIZE  rcvd: 3056" ||
		fail "a 3056-byte answer over TCP to the link-local address: $got"
	log "dig -6: outside.example relayed (UDP, TCP), nohost.v6.vnet NXDOMAIN, 3056 bytes over TCP to $LL"
else
	skip_part dig "dig (package bind9-dnsutils) not installed"
fi

c=$(jget '.gateway_counters.ipv6' network show "$N")
echo "$c" | jq -e '.ns_in >= 1 and .na_out >= 1 and .ra_out >= 1 and
	.echo6_replies == 4' >/dev/null || fail "counters: $c"
vnetctl network show "$N" | grep -q "^gateway ipv6" ||
	fail "network show: $(vnetctl network show "$N")"

# Both families: the IPv4 subnet added, a reserved name resolved over IPv6.
vnetctl network set "$N" --subnet 10.245.0.0/24 --dhcp >/dev/null ||
	fail "set subnet"
vnetctl dhcp reserve "$N" 52:54:00:76:00:01 10.245.0.77 --hostname web \
	>/dev/null || fail "reserve"
has_gw() { [ "$(jget '.gateway_counters.ipv6.ra_out // 0' network show "$N")" -ge 1 ]; }
wait_for 5 has_gw || fail "gateway not rebuilt"
if command -v dig >/dev/null; then
	web() {
		[ "$(ip netns exec "c$S" dig -6 +short +tries=1 +time=1 @"${P}1" web.v6.vnet A)" = 10.245.0.77 ]
	}
	wait_for 5 web || fail "web.v6.vnet over IPv6"
	log "dig -6 web.v6.vnet: 10.245.0.77"
fi

# Hostile frames: dropped by reason, never answered.
c0=$(vnetctl --json network show "$N" | jq -c '.gateway_counters')
rg0=$(jget '.counters.drops.router_guard // 0' port show "vc$S")
ip netns exec "c$S" "$PY" - "$GWMAC" "${P}1" "$GA" "vc$S" <<'PY' >"$T/h.log" 2>&1 || fail "scapy: $(cat "$T/h.log")"
import sys
from scapy.all import Ether, IPv6, ICMPv6ND_NS, ICMPv6NDOptSrcLLAddr, \
    ICMPv6EchoRequest, IPv6ExtHdrHopByHop, UDP, Raw, sendp, get_if_hwaddr, \
    ICMPv6ND_RA, ICMPv6NDOptPrefixInfo
gw_mac, gw, me, dev = sys.argv[1:5]
mac = get_if_hwaddr(dev)
e = Ether(src=mac, dst=gw_mac)
ns = ICMPv6ND_NS(tgt=gw)
frames = [
    e / IPv6(src=me, dst=gw, hlim=64) / ns / ICMPv6NDOptSrcLLAddr(lladdr=mac),
    e / IPv6(src=me, dst=gw, hlim=255) / ns / Raw(b"\x01\x00" + b"\0" * 6),
    e / IPv6(src=me, dst=gw, hlim=255) / ns / Raw(b"\x01\x04" + b"\0" * 6),
    e / IPv6(src="::", dst="ff02::1:ff00:1", hlim=255) / ns /
        ICMPv6NDOptSrcLLAddr(lladdr=mac),
    e / IPv6(src=me, dst=gw) / ICMPv6EchoRequest(cksum=0x1234, data=b"x"),
    e / IPv6(src=me, dst=gw) / IPv6ExtHdrHopByHop() / ICMPv6EchoRequest(),
    e / IPv6(src=me, dst=gw, plen=200) / ICMPv6EchoRequest(),
    e / IPv6(src=me, dst=gw) / UDP(sport=4000, dport=53, chksum=0) / Raw(b"\0" * 12),
    # a guest posing as a router: the switch's router guard stops it
    Ether(src=mac, dst="33:33:00:00:00:01") /
        IPv6(src="fe80::bad", dst="ff02::1", hlim=255) / ICMPv6ND_RA() /
        ICMPv6NDOptPrefixInfo(prefix="fd00:bad::", prefixlen=64),
]
sendp(frames, iface=dev, verbose=False)
PY
c1=$(vnetctl --json network show "$N" | jq -c '.gateway_counters')
d() { echo "$(($(echo "$c1" | jq ".$1 // 0") - $(echo "$c0" | jq ".$1 // 0")))"; }
wait_drops() {
	c1=$(vnetctl --json network show "$N" | jq -c '.gateway_counters')
	[ "$(d drops.bad_ndp)" -ge 4 ] && [ "$(d drops.bad_udp_csum)" -ge 1 ]
}
wait_for 3 wait_drops || true
[ "$(d drops.bad_ndp)" = 4 ] && [ "$(d drops.bad_icmp6)" = 1 ] &&
	[ "$(d drops.ip6_ext)" = 1 ] && [ "$(d drops.bad_ip6)" = 1 ] &&
	[ "$(d drops.bad_udp_csum)" = 1 ] && [ "$(d ipv6.echo6_replies)" = 0 ] &&
	[ "$(d dns_in)" = 0 ] ||
	fail "hostile frames: before $c0 after $c1"
log "hostile frames dropped: bad_ndp 4, bad_icmp6 1, ip6_ext 1, bad_ip6 1, bad_udp_csum 1"
rg1=$(jget '.counters.drops.router_guard // 0' port show "vc$S")
[ $((rg1 - rg0)) = 1 ] || fail "the guest's RA: router_guard $rg0 -> $rg1"
log "the guest's own RA stopped by the router guard, the gateway's reach it"


# --no-subnet6: the gateway keeps serving IPv4, and sends no more RAs.
vnetctl network set "$N" --no-subnet6 >/dev/null || fail "no-subnet6"
no6() { [ "$(jget '.gateway_counters.ipv6 // "none"' network show "$N")" = none ]; }
wait_for 5 no6 || fail "IPv6 still on: $(vnetctl --json network show "$N")"
[ "$(jget '.gateway_ip' network show "$N")" = 10.245.0.1 ] || fail "IPv4 gone"
pass
