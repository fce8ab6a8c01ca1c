# Stored leases the DHCP server will not take back (an address outside the
# subnet, a row without a client) are deleted from the state file when the
# gateway starts, as the log says ("deleted"), not kept to be refused again
# at every start; the good ones are restored.
. "$(dirname "$0")/lib.sh"
need_root
command -v sqlite3 >/dev/null || skip "sqlite3 not installed"
ALLOW_LOG='for addresses the network no longer serves'
N="rd$S"
start_vnetd
vnetctl network create "$N" --type internal --subnet 10.241.0.0/24 --dhcp \
	>/dev/null || fail "create"
stop_vnetd
mv "$T/vnetd.log" "$T/first.log"
ip4() { echo $(($1 << 24 | $2 << 16 | $3 << 8 | $4)); }
EXP=$(($(date +%s) + 3600))
# a good bound lease, one outside the subnet, one with no client key
sqlite3 "$T/state.db" "INSERT INTO leases
	(network, ip, state, expires, mac, client, hostname) VALUES
	('$N', $(ip4 10 241 0 50), 0, $EXP, '52:54:00:00:00:51',
	 X'48525400000051', 'good'),
	('$N', $(ip4 10 99 0 5), 0, $EXP, '52:54:00:00:00:52',
	 X'48525400000052', 'away'),
	('$N', $(ip4 10 241 0 60), 0, $EXP, '52:54:00:00:00:53', X'', 'nokey')" ||
	fail "cannot add lease rows"
start_vnetd
grep -q "network $N: gateway up with DHCP, 1 lease(s) restored" "$T/vnetd.log" ||
	fail "restore: $(grep "gateway up" "$T/vnetd.log")"
grep -q "network $N: deleted 2 stored lease(s) for addresses the network no longer serves" \
	"$T/vnetd.log" || fail "no drop line: $(grep -i lease "$T/vnetd.log")"
rows=$(sqlite3 "$T/state.db" "SELECT hostname FROM leases WHERE network = '$N'")
[ "$rows" = good ] || fail "rows left in the state file: $rows"
[ "$(vnetctl --json dhcp leases "$N" | jq -r '.[].hostname')" = good ] ||
	fail "dhcp leases: $(vnetctl dhcp leases)"
log "2 unusable lease rows deleted, the good one restored"
# A second start finds nothing to drop.
stop_vnetd
mv "$T/vnetd.log" "$T/second.log"
start_vnetd
grep -q "no longer serves" "$T/vnetd.log" && fail "rows deleted again"
grep -q "network $N: gateway up with DHCP, 1 lease(s) restored" "$T/vnetd.log" ||
	fail "second restore: $(grep "gateway up" "$T/vnetd.log")"
pass
