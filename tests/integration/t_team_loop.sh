# Teaming, LACP over a loop: the team's two members are the two ends of one
# veth pair, so each hears the other's LACPDUs, which carry the team's own
# system ID.  IEEE 802.1AX forbids aggregating with ourselves: both members
# drop them (counted as lacpdu_loopback, said once in the log), never take
# the team as their partner, and the team carries nothing: not even once
# the LACP fallback starts (no partner heard), as the members are looped.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/team_lib.sh"
ALLOW_LOG="received the team's own LACPDU"
start_vnetd
veth "ua$S" "ub$S"
ip link set "ua$S" up
ip link set "ub$S" up
vnetctl team create "tm$S" --mode lacp --lacp-rate fast --members "ua$S,ub$S" \
	--lacp-fallback active-backup >/dev/null || fail "team create"
vnetctl network create "ex$S" --type external --uplink-team "tm$S" \
	>/dev/null || fail "network create"
loop_drops() { # MEMBER
	vnetctl --json team show "tm$S" | jq -r --arg m "$1" \
		'.member_list[] | select(.name == $m) | .counters.drops.lacpdu_loopback'
}
both_dropped() { [ "$(loop_drops "ua$S")" -ge 2 ] && [ "$(loop_drops "ub$S")" -ge 2 ]; }
wait_for 8 both_dropped ||
	fail "loopback drops: ua$S $(loop_drops "ua$S"), ub$S $(loop_drops "ub$S")"
# The fallback starts once both members are defaulted (3 s without a
# partner after their short timeout).
fell_back() {
	vnetctl --json team show "tm$S" |
		jq -e '.history | map(select(.reason | test("fallback"))) | length > 0' \
			>/dev/null
}
wait_for 10 fell_back || fail "no fallback: $(vnetctl --json team show "tm$S" | jq -c .history)"
SYS=$(jget .system_mac team show "tm$S")
for m in "ua$S" "ub$S"; do
	vnetctl --json team show "tm$S" | jq -e --arg m "$m" --arg sys "$SYS" \
		'.member_list[] | select(.name == $m) |
		 .lacp.partner.system != $sys and .lacp.mux_state == "detached"
		 and .tx == false and .lacp.loopback >= 2 and .lacp.looped' \
		>/dev/null ||
		fail "$m: $(vnetctl --json team show "tm$S" | jq -c --arg m "$m" \
			'.member_list[] | select(.name == $m) | .lacp')"
done
[ "$(jget .state team show "tm$S")" = down ] ||
	fail "team state $(jget .state team show "tm$S")"
n=$(grep -c "received the team's own LACPDU" "$T/vnetd.log")
[ "$n" = 2 ] || fail "$n log lines about the loop (want one per member)"
log "a looped team: ua$S $(loop_drops "ua$S") and ub$S $(loop_drops "ub$S") of its own LACPDUs dropped, nothing aggregated"
pass
