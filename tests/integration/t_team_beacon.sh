# Teaming, beacon probing: three members on the upstream bridge hear each
# other's beacons; when one member's path is cut one hop away (its peer
# leaves the bridge, carrier stays up) it hears no one and no one hears it:
# it is taken out (path-down) and the VM's traffic moves; when the path
# heals it is back.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/team_lib.sh"
team_topology
veth "uc$S" "pc$S" "up$S"
ip -n "up$S" link set "pc$S" master br0 up
vnetctl team create "tm$S" --mode active-backup --members "ua$S,ub$S,uc$S" \
	--primary "ua$S" --probe beacon --probe-interval 50 >/dev/null ||
	fail "team create"
vnetctl network create "ex$S" --type external --uplink-team "tm$S" \
	>/dev/null || fail "network create"
team_vm
pings "a$S" 10.231.0.1
heard() {
	[ "$(vnetctl --json team show "tm$S" |
		jq '[.member_list[].beacons.heard] | min')" -ge 5 ]
}
wait_for 3 heard || fail "members do not hear each other: $(jget .member_list team show "tm$S")"
ip -n "up$S" link set "pa$S" nomaster
wait_for 2 role_is "ua$S" path-down || fail "ua$S: $(member_role "ua$S")"
role_is "ub$S" active || fail "ub$S did not take over: $(member_role "ub$S")"
role_is "uc$S" backup || fail "uc$S: $(member_role "uc$S")"
jget '.history[].reason' team show "tm$S" | grep -q "beacons lost" ||
	fail "history: $(jget .history team show "tm$S")"
pings "a$S" 10.231.0.1
log "a member whose path is cut is found by beacons"
ip -n "up$S" link set "pa$S" master br0
wait_for 2 role_is "ua$S" active || fail "no failback: $(member_role "ua$S")"
pings "a$S" 10.231.0.1
pass
