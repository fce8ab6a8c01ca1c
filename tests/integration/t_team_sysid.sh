# Teaming, system IDs: a team keeps its system ID (its first member's MAC)
# while it runs, even when that member leaves, so its partner does not
# renegotiate every member.  A team started later with that device as its
# first member must not present the same ID (a switch would bundle both
# teams' ports into one LAG): it takes another and says so in the log.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/team_lib.sh"
team_topology
mac_of() { ip -o link show "$1" | sed 's/.*ether \([^ ]*\).*/\1/'; }
vnetctl team create "ta$S" --mode static --members "ua$S,ub$S" >/dev/null ||
	fail "team create"
vnetctl network create "ea$S" --type external --uplink-team "ta$S" \
	>/dev/null || fail "network create"
SYS_A=$(jget .system_mac team show "ta$S")
[ "$SYS_A" = "$(mac_of "ua$S")" ] ||
	fail "system ID $SYS_A, not ua$S's $(mac_of "ua$S")"
vnetctl team set "ta$S" --members "ub$S" >/dev/null || fail "team set"
[ "$(jget .system_mac team show "ta$S")" = "$SYS_A" ] ||
	fail "ta$S changed its system ID when ua$S left"
vnetctl team create "tb$S" --mode static --members "ua$S" >/dev/null ||
	fail "team create tb"
vnetctl network create "eb$S" --type external --uplink-team "tb$S" \
	>/dev/null || fail "network create eb"
SYS_B=$(jget .system_mac team show "tb$S")
[ -n "$SYS_B" ] && [ "$SYS_B" != null ] && [ "$SYS_B" != "$SYS_A" ] ||
	fail "tb$S presents ta$S's system ID $SYS_A"
grep -q "team tb$S: system ID $SYS_A is already team ta$S's" "$T/vnetd.log" ||
	fail "not logged: $(grep "system ID" "$T/vnetd.log")"
log "ta$S keeps $SYS_A after ua$S left; tb$S (ua$S) presents $SYS_B"
pass
