# DHCPv6 guard: a rogue DHCPv6 server (dnsmasq, stateful) in a guest's
# namespace on an untrusted veth port is blocked and counted as dhcp_guard
# (its ADVERTISE, multicast or unicast to the client's link-local address,
# neither forwarded by vnetd nor by the veth fast path in the kernel), and
# a real client (ISC dhclient -6) gets no address; once the port is
# --dhcp-trusted the client gets one of the server's addresses.
. "$(dirname "$0")/lib.sh"
need_root
command -v dnsmasq >/dev/null || skip "dnsmasq (package dnsmasq-base) not installed"
command -v dhclient >/dev/null || skip "dhclient (package isc-dhcp-client) not installed"
# A fixed prefix (it lives only in this test's own namespaces), in the
# canonical form addresses come back in.
P="fd00:6:1::"
start_vnetd
vnetctl network create "d6$S" --type internal >/dev/null || fail "create"
for h in r c; do
	ns "$h$S"
	# No duplicate address detection: the link-local address (the
	# client's source) is usable at once.
	ip netns exec "$h$S" sysctl -qw net.ipv6.conf.default.accept_dad=0
	vnetctl port add "d6$S" --veth "v$h$S" --netns "$h$S" >/dev/null ||
		fail "port $h"
	ip -n "$h$S" link set "v$h$S" up
done
[ "$(jget '.fast_path' port show "vr$S")" = on ] || fail "no fast path"
ip -n "r$S" addr add "${P}1/64" dev "vr$S" nodad

ip netns exec "r$S" dnsmasq --no-daemon --conf-file=/dev/null --port=0 \
	--interface="vr$S" --bind-interfaces --dhcp-authoritative \
	--dhcp-range="${P}100,${P}1ff,64,1h" \
	--pid-file="$T/dnsmasq.pid" --dhcp-leasefile="$T/dnsmasq.leases" \
	--log-facility=- --log-dhcp >"$T/dnsmasq.log" 2>&1 &
PIDS="$PIDS $!"

# dhclient clears the environment: the script knows its file.
cat >"$T/dhclient6.sh" <<EOF
#!/bin/sh
case "\$reason" in
BOUND6 | RENEW6 | REBIND6 | REBOOT6)
	echo "event=\$reason ip6=\${new_ip6_address:-}" >>"$T/c.env" ;;
esac
exit 0
EOF
chmod +x "$T/dhclient6.sh"
lease_or_gone() { [ -s "$T/c.env" ] || ! kill -0 "$_dh" 2>/dev/null; }
# lease SECONDS: dhclient -6 in the client's namespace until it has a
# lease or gives up after SECONDS (its own timeout: without a lease it
# exits then); prints the lease's address, nothing when none came.  With
# -d dhclient stays in the foreground after its lease: it is ended then.
lease() {
	rm -f "$T/c.env" "$T/c.leases"
	echo "timeout $1; retry 1;" >"$T/dhclient6.conf"
	ip netns exec "c$S" timeout "$(($1 + 2))" \
		dhclient -6 -1 -d -v -cf "$T/dhclient6.conf" \
		-sf "$T/dhclient6.sh" -lf "$T/c.leases" -pf "$T/c.pid" \
		"vc$S" >>"$T/dhclient.log" 2>&1 &
	_dh=$!
	wait_for $(($1 + 2)) lease_or_gone
	kill "$_dh" 2>/dev/null
	wait "$_dh" 2>/dev/null
	[ -f "$T/c.env" ] && sed -n 's/.*ip6=\([^ ]*\).*/\1/p' "$T/c.env" | head -n 1
}
drops() { jget '.counters.drops.dhcp_guard // 0' port show "vr$S"; }

# Untrusted: the server advertises, the switch drops every ADVERTISE.
g0=$(drops)
got=$(lease 4)
[ -z "$got" ] || fail "a rogue DHCPv6 server's address reached the client: $got"
grep -q "DHCPADVERTISE" "$T/dnsmasq.log" ||
	fail "the rogue never advertised (test premise): $(cat "$T/dnsmasq.log")"
g1=$(drops)
[ $((g1 - g0)) -ge 2 ] ||
	fail "dhcp_guard drops on the rogue's port $g0 -> $g1, want 2 more"
log "rogue DHCPv6 server blocked: no address, $((g1 - g0)) ADVERTISE dropped"

# Trusted: the client gets the server's address.
vnetctl port set "vr$S" --dhcp-trusted >/dev/null || fail "set trusted"
got=$(lease 8)
case "$got" in
"${P}"1[0-9a-f][0-9a-f]) ;;
*) fail "no DHCPv6 address through a trusted port: '$got' $(tail -n 20 "$T/dhclient.log")" ;;
esac
g2=$(drops)
[ "$g2" = "$g1" ] || fail "a trusted port's messages counted as dhcp_guard: $g1 -> $g2"
log "--dhcp-trusted: the client took $got"
pass
