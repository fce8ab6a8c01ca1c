# network delete without --force names what blocks it, each kind with its
# own count (ports, forwards, reservations), and deletes nothing.
. "$(dirname "$0")/lib.sh"
need_root
ALLOW_LOG='NAT is off|NAT not started|NAT stops'
start_vnetd
nat_setup 10.228.0 10.229.0 10.229.0.5
vnetctl nat forward add "$L" tcp 8080 10.229.0.5:80 >/dev/null || fail forward
out=$(vnetctl network delete "$L" 2>&1) && fail "deleted with children"
echo "$out" | grep -q "has 1 port(s) and 1 forward(s);" || fail "miscounted: $out"
log "refused: $out"
vnetctl network set "$L" --dhcp >/dev/null || fail dhcp
vnetctl dhcp reserve "$L" 52:54:00:00:00:0b 10.229.0.9 >/dev/null || fail reserve
vnetctl nat forward add "$L" udp 5353 10.229.0.5:53 >/dev/null || fail forward2
out=$(vnetctl network delete "$L" 2>&1) && fail "deleted with children"
echo "$out" | grep -q "has 1 port(s), 1 reservation(s) and 2 forward(s);" ||
	fail "miscounted: $out"
log "refused: $out"
[ "$(jget .name network show "$L")" = "$L" ] || fail "network gone"
vnetctl network delete "$L" --force >/dev/null || fail "--force"
pass
