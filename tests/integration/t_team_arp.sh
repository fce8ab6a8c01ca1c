# Teaming, active-backup with ARP probing: the active member's path is cut
# one hop away (its peer leaves the upstream bridge, its carrier stays up).
# A 10 ms ping loses at most the probe window's worth (2 intervals of 50 ms,
# checked every interval: 150 ms, so 15 replies, plus 2); failback when the
# path heals loses none; right after a quiet failover the upstream bridge
# has the VM's MAC on the new member.  When the probe target dies, turning
# probing off brings the team back at once.  The team, its members and
# settings survive a restart of vnetd.
# vnet-test: alone
# vnet-test: no-sanitizer counts pings lost at 10 ms intervals; ARP probing runs under the sanitizers in test_team_select and fuzz_lacp
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/team_lib.sh"
team_topology
vnetctl team create "tm$S" --mode active-backup --members "ua$S,ub$S" \
	--primary "ua$S" --probe arp:10.231.0.1 --probe-interval 50 \
	>/dev/null || fail "team create"
vnetctl network create "ex$S" --type external --uplink-team "tm$S" \
	>/dev/null || fail "network create"
team_vm
pings "a$S" 10.231.0.1
replied() {
	[ "$(vnetctl --json team show "tm$S" |
		jq '[.member_list[].probes.replies] | min')" -ge 3 ]
}
wait_for 3 replied || fail "no ARP probe replies: $(jget .member_list team show "tm$S")"
role_is "ua$S" active || fail "ua$S is not active: $(member_role ua$S)"

ping_start 250
sleep 1
ip -n "up$S" link set "pa$S" nomaster
ping_wait
log "path cut one hop away: $LOST of 250 lost (probe every 50 ms)"
[ "$LOST" -le 17 ] || fail "lost $LOST packets (at most 17)"
[ "$(member_role ua$S)" = path-down ] || fail "ua$S: $(member_role ua$S)"
[ "$(member_role ub$S)" = active ] || fail "ub$S did not take over"
jget '.history[-1].reason' team show "tm$S" | grep -q "ARP probe replies lost" ||
	fail "history: $(jget '.history[-1]' team show "tm$S")"

ping_start 300
sleep 1
ip -n "up$S" link set "pa$S" master br0
ping_wait
log "path healed, failback: $LOST of 300 lost"
[ "$LOST" = 0 ] || fail "failback lost $LOST packets"
[ "$(member_role ua$S)" = active ] || fail "no failback to ua$S"

# Quiet path failure: the VM sends nothing, yet right after the probes
# move traffic to ub the bridge has its MAC on pb (the team announced it;
# pa's entries went with pa leaving the bridge).
sleep 0.5
ip -n "up$S" link set "pa$S" nomaster
wait_for 2 role_is "ub$S" active || fail "no failover on a quiet path cut"
fdb_port "$VM_MAC" | grep -q "pb$S" ||
	fail "bridge FDB after the ARP-probe failover: '$(fdb_port "$VM_MAC")', want pb$S"
log "bridge FDB has $VM_MAC on pb$S right after the ARP-probe failover"
ip -n "up$S" link set "pa$S" master br0
wait_for 2 role_is "ua$S" active || fail "no failback after the quiet cut"

# The probe target dies: every member path-down, the team down.  Probing
# turned off live, carrier alone decides: the team carries at once.
ip -n "h$S" link set "hv$S" down
both_down() { role_is "ua$S" path-down && role_is "ub$S" path-down; }
wait_for 3 both_down || fail "target gone: ua$S $(member_role ua$S), ub$S $(member_role ub$S)"
[ "$(jget .state team show "tm$S")" = down ] || fail "team $(jget .state team show "tm$S")"
vnetctl team set "tm$S" --no-probe >/dev/null || fail "team set --no-probe"
role_is "ua$S" active && [ "$(jget .state team show "tm$S")" = up ] ||
	fail "probing off, still: ua$S $(member_role ua$S), team $(jget .state team show "tm$S")"
ip -n "h$S" link set "hv$S" up
pings "a$S" 10.231.0.1
log "target gone, both members path-down; --no-probe: ua$S active at once"

# Live change: carrier only, then persisted across a restart.
vnetctl team set "tm$S" --no-probe --updelay 100 >/dev/null || fail "team set"
stop_vnetd
start_vnetd
[ "$(jget .probe team show "tm$S")" = null ] || fail "probe came back"
[ "$(jget .updelay team show "tm$S")" = 100 ] || fail "updelay lost"
wait_for 3 role_is "ua$S" active || fail "team not up after restart"
pings "a$S" 10.231.0.1
pass
