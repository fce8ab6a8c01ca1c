# DHCP guard and conflict detection: a rogue DHCP server (dnsmasq) in a
# guest's namespace is blocked and counted, and clients still get vnet's
# offer; once the rogue's port is marked --dhcp-trusted its offers pass.  A
# host statically configured on an address of the range is found by the ARP
# probe and that address is not handed out.
. "$(dirname "$0")/lib.sh"
need_root
D=$(readlink -f "$(dirname "$0")/dhcp")
command -v busybox >/dev/null || skip "busybox (package busybox-static) not installed"
command -v dnsmasq >/dev/null || skip "dnsmasq (package dnsmasq-base) not installed"
start_vnetd
N="dg$S"
vnetctl network create "$N" --type internal --subnet 10.217.0.0/24 --dhcp \
	--range 10.217.0.10-10.217.0.20 >/dev/null || fail "create"
for h in r c s; do
	ns "$h$S"
	vnetctl port add "$N" --tap "t$h$S" --netns "$h$S" >/dev/null || fail "port $h"
	ip -n "$h$S" link set "t$h$S" up
done

# A static host on the first address of the range.
ip -n "s$S" addr add 10.217.0.10/24 dev "ts$S"

# The rogue server answers with its own router and range.
ip -n "r$S" addr add 10.217.0.250/24 dev "tr$S"
ip netns exec "r$S" dnsmasq --no-daemon --conf-file=/dev/null --port=0 \
	--interface="tr$S" --bind-interfaces --dhcp-authoritative \
	--dhcp-range=10.217.0.200,10.217.0.210,1h --dhcp-option=3,10.217.0.250 \
	--pid-file="$T/dnsmasq.pid" --dhcp-leasefile="$T/dnsmasq.leases" \
	--log-facility=- --log-dhcp --no-ping \
	>"$T/dnsmasq.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 5 eval '[ -n "$(ip netns exec "r$S" ss -Hlun "sport = :67")" ]' ||
	fail "dnsmasq did not start: $(cat "$T/dnsmasq.log")"

take_lease() { # -> ip=... router=... serverid=... of the client's lease
	rm -f "$T/c.env"
	DHCP_ENV="$T/c.env" ip netns exec "c$S" busybox udhcpc -i "tc$S" \
		-s "$D/udhcpc.sh" -q -n -t 5 -T 1 -O router >/dev/null 2>&1 ||
		fail "client got no lease"
	cat "$T/c.env"
}
for round in 1 2 3; do
	got=$(take_lease)
	echo "$got" | grep -q "router=10.217.0.1 " ||
		fail "round $round: client took a rogue offer: $got"
	echo "$got" | grep -q "ip=10.217.0.10 " &&
		fail "round $round: the static host's address was handed out: $got"
	ip netns exec "c$S" busybox udhcpc -i "tc$S" -s "$D/udhcpc.sh" -q -n -R \
		-t 1 >/dev/null 2>&1
done
grep -q "DHCPOFFER" "$T/dnsmasq.log" || fail "the rogue never offered (test premise): $(cat "$T/dnsmasq.log")"
g=$(jget '.[] | select(.port=="tr'"$S"'") | .drops.dhcp_guard' stats)
[ "${g:-0}" -ge 3 ] || fail "dhcp_guard drops on the rogue's port: $g"
conf=$(vnetctl --json network show "$N" | jq .gateway_counters.conflicts)
[ "$conf" -ge 1 ] || fail "probe conflict not counted: $conf"
log "3 leases from vnet (not .10); rogue blocked $g times; $conf probe conflict(s)"

# Trusted, the rogue's offers reach the client.
vnetctl port set "tr$S" --dhcp-trusted >/dev/null || fail "set trusted"
ip netns exec "c$S" timeout 10 tcpdump -n -c 1 -i "tc$S" \
	"udp src port 67 and ether src $(ip -n "r$S" -j link show "tr$S" | jq -r '.[0].address')" \
	>"$T/rogue.pcap.txt" 2>"$T/rogue.err" &
TD=$!
wait_for 5 grep -q "listening on" "$T/rogue.err" || fail "tcpdump: $(cat "$T/rogue.err")"
take_lease >/dev/null
wait $TD
grep -q "BOOTP/DHCP, Reply" "$T/rogue.pcap.txt" ||
	fail "a trusted port's DHCP server was still blocked: $(cat "$T/rogue.pcap.txt")"
log "--dhcp-trusted lets the port's server through"
ALLOW_LOG='conflict|in use'
pass
