# DHCPv6 from the network's gateway to real clients: on a network with
# --subnet6 and --dhcp6 stateful, the gateway's RAs say "managed" (M and O)
# as rdisc6 reads them, and ISC dhclient -6 in a namespace on a veth port
# gets an address of the prefix (not its SLAAC one) with the gateway as
# its resolver and the network's domain to search; "dhcp leases" shows the
# binding (DUID, IAID, address) and "network show" the server's counters.
# A restart of vnetd keeps the network's key: a new client with the same
# DUID gets the same address again though the binding was not stored.
# With --dhcp6 stateless the RA says "other" only (O), a REQUEST for an
# address gets none, and dhclient -6 -S (INFORMATION-REQUEST) gets the
# resolver and the domain.  Bad settings are refused with a sentence.
# vnet-test: idle
. "$(dirname "$0")/lib.sh"
need_root
command -v dhclient >/dev/null || skip "dhclient (package isc-dhcp-client) not installed"
# A fixed prefix: it lives only in this test's own namespaces.
P="fd00:86:6::"
start_vnetd
NW="d6$S"

refused "dhcp6 needs an IPv6 prefix" network create "x$S" \
	--type internal --subnet 10.86.$N.0/24 --dhcp6 stateful
refused "needs an MTU of 1280" network create "x$S" --type internal \
	--subnet6 "${P}/64" --mtu 1000
refused "dhcp6: must be one of" network create "x$S" --type internal \
	--subnet6 "${P}/64" --dhcp6 always
vnetctl network create "$NW" --type internal --subnet6 "${P}/64" \
	--dhcp6 stateful --domain lab.vnet >/dev/null || fail "create"
key=$(jget .dhcp6_key network show "$NW")
[ "${#key}" = 32 ] || fail "no DHCPv6 key made for the network: '$key'"
ns "c$S"
ip netns exec "c$S" sysctl -qw net.ipv6.conf.default.accept_dad=0
vnetctl port add "$NW" --veth "vc$S" --netns "c$S" >/dev/null || fail "port"
ip -n "c$S" link set "vc$S" up
wait_port "vc$S" up 50 || fail "port not up"
ll_ready() { ip -n "c$S" -6 addr show dev "vc$S" scope link | grep -q "inet6 fe80" &&
	! ip -n "c$S" -6 addr show dev "vc$S" | grep -q tentative; }
wait_for 5 ll_ready || fail "no link-local address: $(ip -n "c$S" -6 addr show)"

# ra_flags M O: the gateway's RA, as rdisc6 reads it, says managed M
# and other O (Yes or No).
ra_flags() {
	command -v rdisc6 >/dev/null || return 0
	# (a loaded machine: a solicitation or two may go before the port
	# is up, or wait behind others; three rounds of three)
	for _ in 1 2 3; do
		ip netns exec "c$S" rdisc6 -1 -w 2000 -r 3 "vc$S" >"$T/ra" 2>&1 &&
			break
	done
	grep -q "Stateful" "$T/ra" ||
		fail "no RA: $(cat "$T/ra"); gateway: $(vnetctl --json network show "$NW" | jq -c '.gateway_counters.ipv6'); port: $(jget .state port show "vc$S")"
	grep -Eq "Stateful address conf\.[ .]*: *$1" "$T/ra" ||
		fail "the RA does not say managed $1: $(cat "$T/ra")"
	grep -Eq "Stateful other conf\.[ .]*: *$2" "$T/ra" ||
		fail "the RA does not say other $2: $(cat "$T/ra")"
	log "RA: managed $1, other $2"
}
command -v rdisc6 >/dev/null ||
	skip_part rdisc6 "rdisc6 (package ndisc6) not installed"
ra_flags Yes Yes
ra() { jget ".router_advertisements | \"\\(.managed) \\(.other)\"" network show "$NW"; }
[ "$(ra)" = "true true" ] || fail "network show: RA managed/other $(ra)"

# dhclient's script records what it got (dhclient clears the
# environment: the script knows its file).
cat >"$T/dh6.sh" <<EOF
#!/bin/sh
case "\$reason" in
BOUND6 | RENEW6 | REBIND6 | REBOOT6 | INFORM6)
	echo "event=\$reason ip6=\${new_ip6_address:-} dns=\${new_dhcp6_name_servers:-} search=\${new_dhcp6_domain_search:-}" >>"$T/c.env" ;;
esac
exit 0
EOF
chmod +x "$T/dh6.sh"
got_or_gone() { [ -s "$T/c.env" ] || ! kill -0 "$_dh" 2>/dev/null; }
# dh6 LEASEFILE [-S]: dhclient -6 until it has an answer or 8 s pass;
# prints the recorded line.
dh6() {
	rm -f "$T/c.env"
	echo "timeout 8; retry 1;" >"$T/dh6.conf"
	ip netns exec "c$S" timeout 10 dhclient -6 -1 -d -v ${2:-} \
		-cf "$T/dh6.conf" -sf "$T/dh6.sh" -lf "$1" -pf "$T/c.pid" \
		"vc$S" >>"$T/dhclient.log" 2>&1 &
	_dh=$!
	wait_for 10 got_or_gone
	kill "$_dh" 2>/dev/null
	wait "$_dh" 2>/dev/null
	[ -f "$T/c.env" ] && head -n 1 "$T/c.env"
}
ev=$(dh6 "$T/l1")
ip6=$(echo "$ev" | sed -n 's/.*ip6=\([^ ]*\).*/\1/p')
case "$ip6" in
"${P%::}":*) ;;
*) fail "dhclient -6 got no address of the prefix: '$ev' $(tail -n 20 "$T/dhclient.log")" ;;
esac
echo "$ev" | grep -q "dns=${P}1" || fail "the resolver is not the gateway: $ev"
echo "$ev" | grep -q "search=lab.vnet" || fail "no search domain: $ev"
log "dhclient -6: $ev"
rows=$(vnetctl --json dhcp leases "$NW" | jq -c "[.[] | select(.ip == \"$ip6\")]")
[ "$(echo "$rows" | jq length)" = 1 ] || fail "dhcp leases has no binding for $ip6: $(vnetctl --json dhcp leases "$NW")"
[ "$(echo "$rows" | jq -r '.[0].state')" = bound ] || fail "binding not bound: $rows"
[ -n "$(echo "$rows" | jq -r '.[0].duid')" ] || fail "binding without DUID: $rows"
replies=$(jget .gateway_counters.dhcp6.replies network show "$NW")
[ "$replies" -ge 1 ] || fail "network show counts $replies DHCPv6 replies"
vnetctl dhcp leases "$NW" | grep -q "$ip6" || fail "the table of leases lacks $ip6"
log "dhcp leases: $rows"

# A restart: no binding is stored, the key is; the same client (its DUID
# is in its lease file, which is dropped here) gets the same address.
stop_vnetd
start_vnetd
wait_port "vc$S" up || fail "port not up after the restart"
ip -n "c$S" link set "vc$S" up
duid=$(grep -o 'default-duid "[^"]*"' "$T/l1" | head -n 1)
[ -n "$duid" ] || fail "no DUID in dhclient's lease file"
echo "$duid;" >"$T/l2"
ev=$(dh6 "$T/l2")
again=$(echo "$ev" | sed -n 's/.*ip6=\([^ ]*\).*/\1/p')
[ "$again" = "$ip6" ] || fail "after a restart the client got '$again', not $ip6: $ev"
log "after a restart: the same address $again"

# Stateless: settings only.
vnetctl network set "$NW" --dhcp6 stateless >/dev/null || fail "set stateless"
stateless() { [ "$(jget .gateway_counters.dhcp6.mode network show "$NW")" = stateless ]; }
wait_for 5 stateless || fail "the gateway did not turn stateless"
ra_flags No Yes
[ "$(ra)" = "false true" ] || fail "network show: RA managed/other $(ra), stateless"
ev=$(dh6 "$T/l3")
case "$ev" in *BOUND6*) fail "a stateless server gave an address: $ev" ;; esac
ev=$(dh6 "$T/l4" -S)
echo "$ev" | grep -q "dns=${P}1" || fail "dhclient -6 -S got no resolver: '$ev' $(tail -n 20 "$T/dhclient.log")"
echo "$ev" | grep -q "search=lab.vnet" || fail "dhclient -6 -S got no domain: $ev"
log "stateless: $ev"

vnetctl network set "$NW" --no-dhcp6 >/dev/null || fail "no-dhcp6"
gone() { [ "$(jget .gateway_counters.dhcp6 network show "$NW")" = null ]; }
wait_for 5 gone || fail "DHCPv6 still served after --no-dhcp6"
pass
