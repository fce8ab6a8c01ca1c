# After a restart each network's gateway starts once, before "ready", with
# its reservations: a reserved address is the reserved client's from the
# first DHCP answer on (it used to start without them, then again after
# "ready" once the reservations were restored).
. "$(dirname "$0")/lib.sh"
need_root
ALLOW_LOG='NAT is off|NAT not started'
start_vnetd
nat_setup 10.230.0 10.231.0 10.231.0.5
vnetctl network set "$L" --dhcp >/dev/null || fail dhcp
vnetctl network create "gr$S" --type internal --subnet 10.232.0.0/24 --dhcp \
	>/dev/null || fail create
vnetctl dhcp reserve "gr$S" 52:54:00:00:00:0c 10.232.0.7 >/dev/null || fail reserve
vnetctl dhcp reserve "$L" 52:54:00:00:00:0d 10.231.0.8 >/dev/null || fail reserve
stop_vnetd
mv "$T/vnetd.log" "$T/first.log"
start_vnetd
sleep 0.5
for n in "gr$S" "$L"; do
	c=$(grep -c "network $n: gateway up" "$T/vnetd.log")
	[ "$c" = 1 ] || fail "gateway of $n started $c times: $(grep "gateway up\|ready" "$T/vnetd.log")"
	grep -q "network $n: gateway up with DHCP, .*, 1 reservation(s)" "$T/vnetd.log" ||
		fail "gateway of $n started without its reservation: $(grep "gateway up" "$T/vnetd.log")"
done
after=$(sed -n '/vnetd ready/,$p' "$T/vnetd.log" | grep -c "gateway up")
[ "$after" = 0 ] || fail "a gateway started after ready"
[ "$(jget .gateway_counters.dhcp.offers network show "gr$S")" != null ] ||
	fail "no DHCP server after the restart"
log "each gateway started once, before ready"
pass
