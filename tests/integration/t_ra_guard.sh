# Router guard (RFC 6105 RA-Guard): a real router advertisement sender
# (dnsmasq --enable-ra, announcing a SLAAC prefix) in a guest's namespace
# on an untrusted veth port is blocked and counted as router_guard, and a
# host that takes RAs (accept_ra=2) gets neither a default route nor a
# SLAAC address from it; once the port is --router-trusted (the DHCP guard
# untouched: a router need not be a DHCP server) the host gets both, also
# after vnetd restarts; --no-router-trusted guards it again.
. "$(dirname "$0")/lib.sh"
need_root
command -v dnsmasq >/dev/null || skip "dnsmasq (package dnsmasq-base) not installed"
# A fixed prefix: it lives only in this test's own namespaces.  (One made
# of $S would print as "fd00:7::" when $S is 0000.)
P="fd00:7:1::"
# How ip shows the prefix (no "::" before the host part).
Q="fd00:7:1:"
start_vnetd
vnetctl network create "ra$S" --type internal >/dev/null || fail "create"
for h in r c; do
	ns "$h$S"
	ip netns exec "$h$S" sysctl -qw net.ipv6.conf.default.accept_dad=0
	ip netns exec "$h$S" sysctl -qw net.ipv6.conf.default.accept_ra=2
	vnetctl port add "ra$S" --veth "v$h$S" --netns "$h$S" >/dev/null ||
		fail "port $h"
	ip -n "$h$S" link set "v$h$S" up
done
[ "$(jget '.router_trusted // false' port show "vr$S")" = false ] ||
	fail "a new guest port is router-trusted"
ip -n "r$S" addr add "${P}1/64" dev "vr$S" nodad
# The rogue router: RAs every few seconds and on every solicitation,
# advertising a default route and the prefix for SLAAC.
ip netns exec "r$S" dnsmasq --no-daemon --conf-file=/dev/null --port=0 \
	--interface="vr$S" --bind-interfaces --enable-ra \
	--dhcp-range="${P},ra-only,64,1h" --ra-param="vr$S,3,1800" \
	--pid-file="$T/dnsmasq.pid" --dhcp-leasefile="$T/dnsmasq.leases" \
	--log-facility=- --log-dhcp >"$T/dnsmasq.log" 2>&1 &
PIDS="$PIDS $!"

drops() { jget ".counters.drops.$1 // 0" port show "vr$S"; }
# took: what the host took from RAs (its default route, its SLAAC address)
took() {
	ip -n "c$S" -6 route show default dev "vc$S"
	ip -n "c$S" -6 addr show dev "vc$S" | grep "$Q"
}
# solicit: the host asks for routers again (link down and up).
solicit() {
	ip -n "c$S" link set "vc$S" down
	ip -n "c$S" link set "vc$S" up
}

# Untrusted: the rogue advertises, the switch drops every RA.
g0=$(drops router_guard)
d0=$(drops dhcp_guard)
solicit
# ras: how many RAs the rogue has sent.
ras() { grep -c "RTR-ADVERT" "$T/dnsmasq.log"; }
two_dropped() { [ "$(ras)" -ge 2 ] && [ $(($(drops router_guard) - g0)) -ge 2 ]; }
wait_for 10 two_dropped
# An RA the switch let through beside them would be taken by now; a moment
# more for the host's kernel.
sleep 0.3
n=$(ras)
[ "$n" -ge 2 ] ||
	fail "the rogue sent $n RAs (test premise): $(cat "$T/dnsmasq.log")"
[ -z "$(took)" ] || fail "a rogue router's RA reached the host: $(took)"
g1=$(drops router_guard)
[ $((g1 - g0)) -ge 2 ] ||
	fail "router_guard drops on the rogue's port $g0 -> $g1, want 2 more"
[ "$(drops dhcp_guard)" = "$d0" ] || fail "RAs counted as dhcp_guard"
log "rogue router blocked: no route, $((g1 - g0)) RAs dropped"

# Trusted for routing only: the host takes the route and an address.
vnetctl port set "vr$S" --router-trusted >/dev/null || fail "set trusted"
[ "$(jget '.router_trusted' port show "vr$S")" = true ] ||
	fail "port show: not router-trusted"
[ "$(jget '.dhcp_trusted // false' port show "vr$S")" = false ] ||
	fail "--router-trusted made it DHCP-trusted"
# The count from here: the rogue's RAs go on (every 3 s, and on each of
# the host's solicitations), one may have been dropped since g1.
g1=$(drops router_guard)
solicit
for i in $(seq 40); do
	ip -n "c$S" -6 route show default dev "vc$S" | grep -q fe80 &&
		ip -n "c$S" -6 addr show dev "vc$S" | grep -q "$Q" && break
	sleep 0.25
done
ip -n "c$S" -6 route show default dev "vc$S" | grep -q fe80 ||
	fail "no default route through a trusted router: $(ip -n "c$S" -6 route)"
ip -n "c$S" -6 addr show dev "vc$S" | grep -q "$Q" ||
	fail "no SLAAC address from a trusted router: $(ip -n "c$S" -6 addr)"
g2=$(drops router_guard)
[ "$g2" = "$g1" ] || fail "a trusted port's RAs counted as router_guard: $g1 -> $g2"
log "--router-trusted: the host took $(took | tr -s ' \n' ' ')"

# The trust is kept in the state file: after a restart RAs still pass.
stop_vnetd
start_vnetd
[ "$(jget '.router_trusted' port show "vr$S")" = true ] ||
	fail "router_trusted lost over a restart"
n0=$(ras)
solicit
# The next RA the rogue sends reaches the host (its route is back).
routed_again() { [ "$(ras)" -gt "$n0" ] && [ -n "$(took)" ]; }
wait_for 10 routed_again || fail "restarted: no RA through a trusted port: $(took)"
[ "$(drops router_guard)" = 0 ] || fail "restarted: a trusted port's RAs dropped"

# Guarded again: the RAs are dropped again.
vnetctl port set "vr$S" --no-router-trusted >/dev/null || fail "unset trusted"
[ "$(jget '.router_trusted // false' port show "vr$S")" = false ] ||
	fail "port show: still router-trusted"
solicit
wait_for 10 eval '[ "$(drops router_guard)" -gt 0 ]' || fail "--no-router-trusted: RAs pass"
pass
