# The IP guard on a network with an IPv6 prefix: a guarded guest may send
# from the address SLAAC makes from its MAC in the prefix the gateway
# advertises (modified EUI-64, the kernel's default), not from another
# address of the prefix it picks itself, but from the address the
# gateway's DHCPv6 server binds through its port.  A namespace on a tap port with
# --ip-guard configures its SLAAC address from the gateway's RA and pings
# the gateway from it; from an address it adds by hand, the pings are
# dropped and counted as ip_spoofed.
. "$(dirname "$0")/lib.sh"
need_root
# A fixed prefix: it lives only in this test's own namespaces.
P="fd00:86:7::"
start_vnetd
NW="i6$S"
vnetctl network create "$NW" --type internal --subnet6 "${P}/64" \
	--dhcp6 stateful >/dev/null || fail "create"
ns "g$S"
for k in all default; do
	ip netns exec "g$S" sysctl -qw "net.ipv6.conf.$k.accept_dad=0"
	ip netns exec "g$S" sysctl -qw "net.ipv6.conf.$k.addr_gen_mode=0"
done
vnetctl port add "$NW" --tap "vg$S" --netns "g$S" --ip-guard \
	--mac 02:86:07:00:00:01 >/dev/null ||
	fail "port"
ip -n "g$S" link set "vg$S" up
MAC=$(ip -n "g$S" -j link show "vg$S" | jq -r '.[0].address')
slaac() { ip -n "g$S" -6 addr show dev "vg$S" scope global | grep -q "inet6 fd00:86:7:.*ff:fe"; }
wait_for 15 slaac || fail "no SLAAC address: $(ip -n "g$S" -6 addr show)"
GA=$(ip -n "g$S" -6 addr show dev "vg$S" scope global |
	sed -n 's/.*inet6 \([^/]*\)\/64.*/\1/p' | head -n 1)
log "SLAAC address $GA (MAC $MAC)"
drops() { jget ".counters.drops.ip_spoofed // 0" port show "vg$S"; }
d0=$(drops)
ip netns exec "g$S" ping -6 -c 2 -i 0.2 -W 2 -I "$GA" "${P}1" >/dev/null ||
	fail "the guarded guest's SLAAC address $GA gets no echo reply: $(drops) dropped as ip_spoofed"
ip -n "g$S" addr add "${P}99/64" dev "vg$S" nodad
ip netns exec "g$S" ping -6 -c 2 -i 0.2 -W 1 -I "${P}99" "${P}1" >/dev/null &&
	fail "an address the guest picked itself (${P}99) got through the IP guard"
d1=$(drops)
[ "$d1" -ge $((d0 + 2)) ] || fail "ip_spoofed $d0 -> $d1 for 2 pings from ${P}99"
log "SLAAC address passes; ${P}99 dropped ($((d1 - d0)) as ip_spoofed)"

# The address the gateway's DHCPv6 server binds through this port passes
# too (the guard follows the server's bindings of the port).
if command -v dhclient >/dev/null; then
	cat >"$T/dh6.sh" <<EOF
#!/bin/sh
[ "\$reason" = BOUND6 ] || exit 0
ip -6 addr add "\$new_ip6_address/128" dev "\$interface" nodad
echo "\$new_ip6_address" >"$T/ip6"
EOF
	chmod +x "$T/dh6.sh"
	ip netns exec "g$S" timeout 10 dhclient -6 -1 -d -sf "$T/dh6.sh" \
		-lf "$T/l6" -pf "$T/p6" "vg$S" >"$T/dh6.log" 2>&1 &
	dh=$!
	bound() { [ -s "$T/ip6" ]; }
	wait_for 10 bound || fail "no DHCPv6 address: $(cat "$T/dh6.log")"
	kill "$dh" 2>/dev/null
	wait "$dh" 2>/dev/null
	D6=$(cat "$T/ip6")
	d2=$(drops)
	# (the guard follows a moment after the REPLY leaves)
	pinged() { ip netns exec "g$S" ping -6 -c 1 -W 1 -I "$D6" "${P}1" >/dev/null; }
	wait_for 5 pinged || fail "the guarded guest's DHCPv6 address $D6 gets no echo reply: ip_spoofed $d2 -> $(drops)"
	log "DHCPv6 address $D6 passes"
else
	skip_part dhclient "dhclient (package isc-dhcp-client) not installed"
fi
pass
