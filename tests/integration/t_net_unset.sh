# network set --no-nat turns NAT off, live and stored, with the options
# that belong to it (nat_address, nat_gateway, nat_sessions);
# --no-subnet takes the gateway's options with it (range, domain, lease,
# dhcp, ...), but is refused while DHCP reservations would be lost, with
# a message that says how to remove them; both are refused while NAT
# forwards would be left behind.
. "$(dirname "$0")/lib.sh"
need_root
ALLOW_LOG='NAT is off|NAT not started'
start_vnetd
nat_setup 10.226.0 10.227.0 10.227.0.5
pings "a$S" 10.226.0.1
vnetctl network set "$L" --nat-gateway 10.226.0.1 \
	>/dev/null || fail "nat options"
# A forward needs NAT: turning NAT off under it is refused, saying how to
# remove it (it would be applied to whatever NAT the network got next).
vnetctl nat forward add "$L" tcp 8080 10.227.0.5:80 >/dev/null ||
	fail "forward add"
for o in --no-nat --no-subnet; do
	out=$(vnetctl network set "$L" $o 2>&1) && fail "$o left a forward behind"
	echo "$out" | grep -q "1 NAT forward.*nat forward del" ||
		fail "unclear refusal of $o: $out"
done
[ "$(jget .nat_via network show "$L")" != null ] || fail "NAT off after a refusal"
vnetctl nat forward del "$L" tcp 8080 >/dev/null || fail "forward del"
out=$(vnetctl network set "$L" --no-nat 2>&1) || fail "--no-nat refused: $out"
for k in nat_via nat_address nat_gateway nat_sessions; do
	[ "$(jget ".$k" network show "$L")" = null ] || fail "$k left after --no-nat"
done
no_ping "a$S" 10.226.0.1
pings "a$S" 10.227.0.1
log "--no-nat: NAT off live, its options gone"

vnetctl network set "$L" --dhcp --range 10.227.0.100-10.227.0.150 \
	--domain lab.test --lease 2h >/dev/null || fail "gateway options"
vnetctl network set "$L" --gateway 10.227.0.254 >/dev/null || fail "gateway"
vnetctl network set "$L" --no-range --no-domain --no-lease --no-gateway \
	>/dev/null || fail "--no-range --no-domain --no-lease --no-gateway"
for k in range domain lease gateway; do
	[ "$(jget ".$k" network show "$L")" = null ] || fail "$k left after --no-$k"
done
[ "$(jget .gateway_ip network show "$L")" = 10.227.0.1 ] || fail "gateway not back to the first"
log "--no-range, --no-domain, --no-lease, --no-gateway: defaults again"
vnetctl network set "$L" --dhcp --range 10.227.0.100-10.227.0.150 \
	--domain lab.test --lease 2h >/dev/null || fail "gateway options"
vnetctl dhcp reserve "$L" 52:54:00:00:00:0a 10.227.0.120 >/dev/null ||
	fail reserve
out=$(vnetctl network set "$L" --no-subnet 2>&1) && fail "reservation lost"
echo "$out" | grep -q "1 DHCP reservation.*dhcp unreserve" ||
	fail "unclear refusal: $out"
out=$(vnetctl network set "$L" --no-dhcp 2>&1) && fail "reservation lost"
log "refused: $out"
vnetctl dhcp unreserve "$L" 52:54:00:00:00:0a >/dev/null || fail unreserve
out=$(vnetctl network set "$L" --no-subnet 2>&1) || fail "--no-subnet: $out"
for k in subnet dhcp range domain lease; do
	[ "$(jget ".$k" network show "$L")" = null ] || fail "$k left after --no-subnet"
done
no_ping "a$S" 10.227.0.1
log "--no-subnet: gateway and its options gone"

stop_vnetd
start_vnetd
for k in subnet nat_via nat_address range; do
	[ "$(jget ".$k" network show "$L")" = null ] || fail "$k back after restart"
done
log "stored: still no subnet, no NAT after a restart"
pass
