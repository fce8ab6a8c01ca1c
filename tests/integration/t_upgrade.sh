# Upgrade: a state file written by schema 1 (tests/data/state-v1.db: three
# networks; tap, host vNIC, vhost-user, trunk and uplink ports) opens in
# today's vnetd, is copied aside, upgraded in place, and every object comes
# back with its settings; tables of the new schema exist; a second start does
# not upgrade again; a schema 2 file gains the leases' port column (schema
# 3) with its lease rows kept; a file from a newer schema is refused
# untouched.
. "$(dirname "$0")/lib.sh"
need_root
command -v sqlite3 >/dev/null || skip "sqlite3 (package sqlite3) not installed"
FIX=$(dirname "$0")/../data/state-v1.db
[ -f "$FIX" ] || fail "fixture $FIX missing"
for l in v1tap0 v1tap1 v1host0; do
	ip link show "$l" >/dev/null 2>&1 && skip "device $l exists already (another run?)"
done
LINKS="$LINKS v1tap0 v1tap1 v1host0"
cp "$FIX" "$T/state.db"
[ "$(sqlite3 "$T/state.db" 'PRAGMA user_version')" = 1 ] || fail "fixture is not schema 1"
mkdir -p /tmp/vnet-v1-fixture
trap 'rm -rf /tmp/vnet-v1-fixture; cleanup' EXIT
# The uplink's NIC (v1nic0) does not exist here: that port comes up in the
# error state and vnetd says so; that is the one warning allowed.
ALLOW_LOG='port v1nic0 restored but inactive'
start_vnetd
[ "$(jget .schema status)" = 3 ] || fail "schema not upgraded: $(vnetctl status)"
[ -f "$T/state.db.schema1.bak" ] || fail "no backup copy before the upgrade"
[ "$(sqlite3 "$T/state.db.schema1.bak" 'PRAGMA user_version')" = 1 ] ||
	fail "backup is not the schema 1 file"
grep -q "upgraded from schema 1 to 3" "$T/vnetd.log" || fail "upgrade not logged"
log "schema 1 file upgraded to 3, backup kept"
# Every object, with its settings.
[ "$(jget '[.[].name] | join(",")' network list)" = "lab,priv,wan" ] ||
	fail "networks: $(vnetctl network list)"
[ "$(jget .mtu network show lab)" = 9000 ] || fail "lab mtu"
[ "$(jget .aging network show priv)" = 60 ] || fail "priv aging"
[ "$(jget .fdb_size network show wan)" = 1024 ] || fail "wan fdb_size"
[ "$(jget '[.[].name] | join(",")' port list)" = "v1tap0,v1host0,vm1,v1tap1,v1nic0" ] ||
	fail "ports: $(vnetctl port list)"
[ "$(jget .vlan port show v1tap0)" = 10 ] || fail "v1tap0 vlan"
[ "$(jget .trunk port show v1tap1)" = "10,20-30" ] || fail "v1tap1 trunk"
[ "$(jget .native port show v1tap1)" = 5 ] || fail "v1tap1 native"
[ "$(jget '.ports[] | select(.name=="vm1") | .queues' config export)" = 2 ] ||
	fail "vm1 queues"
[ "$(jget .state port show v1tap0)" = up ] || fail "v1tap0 not up"
[ "$(jget .mac port show v1host0)" = 52:54:00:00:99:01 ] || fail "host vNIC mac"
ip -j addr show v1host0 | jq -e '.[0].addr_info[] | select(.local=="10.99.0.1")' \
	>/dev/null || fail "host vNIC address not restored"
[ -S /tmp/vnet-v1-fixture/vm1.sock ] || fail "vhost-user socket not listening"
[ "$(jget .state port show v1nic0)" = error ] || fail "missing uplink not in error state"
log "3 networks and 5 ports restored with their settings"
# Tables of the new schema exist; rows were brought up to today's options.
sqlite3 "$T/state.db" .tables | grep -qw leases || fail "state table leases missing"
sqlite3 "$T/state.db" "SELECT port FROM leases LIMIT 0" ||
	fail "leases have no port column"
sqlite3 "$T/state.db" "SELECT value FROM meta WHERE key='upgraded_from'" | grep -qx 1 ||
	fail "upgrade not recorded"
vnetctl config export "$T/a.json" >/dev/null || fail export
jq -e '.version == 2 and (.ports | length) == 5' "$T/a.json" >/dev/null || fail "export"
# A second start opens schema 3 as it is.
stop_vnetd
start_vnetd
[ "$(grep -c "upgraded from schema" "$T/vnetd.log")" = 1 ] || fail "upgraded twice"
vnetctl config export "$T/b.json" >/dev/null
cmp -s "$T/a.json" "$T/b.json" || fail "configuration changed on restart"
stop_vnetd
# A schema 2 file (leases without their port) gains the column; its lease
# rows stay and name no port.
sqlite3 "$T/state.db" "ALTER TABLE leases DROP COLUMN port; PRAGMA user_version=2;
INSERT INTO leases (network, ip, state, expires, mac, client, hostname)
VALUES ('lab', 167772260, 0, 4102444800, '52:54:00:00:00:01', x'48525400000001', '')" ||
	fail "cannot make a schema 2 file"
start_vnetd
[ "$(jget .schema status)" = 3 ] || fail "schema 2 not upgraded: $(vnetctl status)"
grep -q "upgraded from schema 2 to 3" "$T/vnetd.log" || fail "upgrade 2 to 3 not logged"
[ "$(sqlite3 "$T/state.db" "SELECT count(*) FROM leases WHERE network = 'lab' AND port IS NULL")" = 1 ] ||
	fail "the schema 2 lease row: $(sqlite3 "$T/state.db" 'SELECT * FROM leases')"
log "schema 2 file upgraded to 3, its lease kept"
stop_vnetd
# A file from a newer vnetd is refused and left as it was.
sqlite3 "$T/state.db" 'PRAGMA user_version=99'
sum=$(md5sum <"$T/state.db")
if "$VNETD" --socket "$T/sock2" --state "$T/state.db" --pidfile "$T/pid2" \
	--log-file "$T/newer.log" 2>/dev/null; then
	fail "vnetd started on a schema 99 file"
fi
grep -q "newer vnetd" "$T/newer.log" || fail "refusal not explained"
[ "$(md5sum <"$T/state.db")" = "$sum" ] || fail "newer file was modified"
log "a schema 99 file is refused untouched"
pass
