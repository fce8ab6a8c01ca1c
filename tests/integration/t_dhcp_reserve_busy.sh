# dhcp reserve refuses an address another client holds (a bound lease in
# the state file), naming the holder and how to free it; the holder's own
# MAC may reserve it, and a released address may be reserved.
. "$(dirname "$0")/lib.sh"
need_root
command -v sqlite3 >/dev/null || skip "sqlite3 not installed"
start_vnetd
N="rb$S"
vnetctl network create "$N" --type internal --subnet 10.233.0.0/24 --dhcp \
	>/dev/null || fail create
# 10.233.0.3 leased to ...:0b for 12 h, as the gateway would have stored it.
ip3=$(((10 << 24) + (233 << 16) + 3))
sqlite3 "$T/state.db" "INSERT INTO leases
	(network, ip, state, expires, mac, client, hostname) VALUES ('$N', $ip3, 0,
	$(($(date +%s) + 43200)), '52:54:00:00:00:0b',
	X'485254000000000b', 'other')" || fail "cannot write a lease"
[ "$(jget '.[0].state' dhcp leases "$N")" = bound ] || fail "lease not seen"
out=$(vnetctl dhcp reserve "$N" 52:54:00:00:00:0a 10.233.0.3 2>&1) &&
	fail "reserved an address another client holds"
echo "$out" | grep -q "10.233.0.3 is leased to 52:54:00:00:00:0b for 1[12]h[0-9]*m more: release it first (vnetctl dhcp release $N 52:54:00:00:00:0b)" ||
	fail "unclear refusal: $out"
log "refused: $out"
vnetctl dhcp reserve "$N" 52:54:00:00:00:0b 10.233.0.3 >/dev/null ||
	fail "the holder cannot reserve its own address"
vnetctl dhcp unreserve "$N" 52:54:00:00:00:0b >/dev/null || fail unreserve
vnetctl dhcp release "$N" 52:54:00:00:00:0b >/dev/null || fail release
vnetctl dhcp reserve "$N" 52:54:00:00:00:0a 10.233.0.3 >/dev/null ||
	fail "a released address cannot be reserved"
log "own and released addresses reservable"
pass
