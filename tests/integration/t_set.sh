# network set / port set: MTU, MAC aging, VLANs and host vNIC addresses
# change on live objects without stopping traffic or restarting anything,
# are stored, and what cannot change live is refused with a sentence.
# vnet-test: idle
. "$(dirname "$0")/lib.sh"
need_root
start_vnetd
ns "a$S"
ns "b$S"
vnetctl network create "st$S" --type internal >/dev/null || fail create
vnetctl port add "st$S" --host "h$S" --addr 10.211.0.1/24 >/dev/null || fail host
LINKS="$LINKS h$S"
vnetctl port add "st$S" --tap "ta$S" --netns "a$S" >/dev/null || fail a
vnetctl port add "st$S" --tap "tb$S" --netns "b$S" >/dev/null || fail b
addr "a$S" "ta$S" 10.211.0.11/24
addr "b$S" "tb$S" 10.211.0.12/24
pings "a$S" 10.211.0.12
pid=$(jget .pid status)

# MTU: up to 9000 while a ping runs; the taps follow; jumbo frames pass.
ip netns exec "a$S" ping -i 0.05 -c 80 -W 1 10.211.0.12 >"$T/ping1" 2>&1 &
PING=$!
PIDS="$PIDS $PING"
sleep 1
vnetctl network set "st$S" --mtu 9000 | grep -q changed || fail "set mtu"
[ "$(ip -n "a$S" -j link show "ta$S" | jq '.[0].mtu')" = 9000 ] || fail "tap MTU"
[ "$(ip -j link show "h$S" | jq '.[0].mtu')" = 9000 ] || fail "host vNIC MTU"
ip -n "b$S" link set "tb$S" mtu 9000
ip netns exec "a$S" ping -c 2 -i 0.2 -M do -s 8000 -W 2 10.211.0.12 >/dev/null ||
	fail "8000-byte ping after MTU 9000"
wait $PING || true
got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$T/ping1")
lost=$((80 - ${got:-0}))
[ $lost -le 2 ] || fail "ping lost $lost of 80 while the MTU changed"
log "MTU 1500 -> 9000 live, ping lost $lost of 80"

# Aging takes durations; the MAC table grows and shrinks live.
vnetctl network set "st$S" --aging 90s --fdb-size 64 >/dev/null || fail "set aging"
[ "$(jget .aging network show "st$S")" = 90 ] || fail "aging not 90 s"
[ "$(jget .fdb_size network show "st$S")" = 64 ] || fail "fdb_size"
pings "a$S" 10.211.0.12
vnetctl port set "ta$S" --mac-limit 2 >/dev/null || fail "mac-limit"
[ "$(jget .mac_limit port show "ta$S")" = 2 ] || fail "mac_limit"
# What cannot change live says so and changes nothing.
out=$(vnetctl network set "st$S" --type private 2>&1) && fail "type changed"
echo "$out" | grep -q -- "--type cannot change once the network exists" ||
	fail "type refusal: $out"
out=$("$VNETCTL_BIN" --socket "$T/sock" port set "ta$S" --vlan 0 2>&1) &&
	fail "vlan 0 accepted"
out=$(echo '{"jsonrpc":"2.0","id":1,"method":"port.set","params":{"name":"ta'"$S"'","kind":"host"}}' |
	"$PY" -c '
import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read()+b"\n")
print(s.recv(65536).decode())' "$T/sock")
echo "$out" | grep -q "cannot change on an existing port" || fail "kind change: $out"
[ "$(jget .kind port show "ta$S")" = tap ] || fail "kind changed"
out=$(vnetctl port set "ta$S" 2>&1) && fail "empty set accepted"
echo "$out" | grep -q "nothing to change" || fail "empty set: $out"
log "non-live changes refused with a sentence"

# Host vNIC addresses: the new set replaces the old on the device.
vnetctl port set "h$S" --addr 10.211.0.2/24 --addr fd11::2/64 >/dev/null ||
	fail "set addresses"
ip -j addr show "h$S" | jq -e '[.[0].addr_info[].local] | index("10.211.0.2") and
	index("fd11::2") and (index("10.211.0.1") | not)' >/dev/null ||
	fail "addresses on device: $(ip -br addr show "h$S")"
ip netns exec "a$S" ping -c 3 -i 0.2 -W 1 10.211.0.2 >/dev/null ||
	fail "a cannot reach the host vNIC's new address"
log "host vNIC addresses changed live"

# VLANs: put a in VLAN 10: a and b are cut; put b in VLAN 10 too: they talk.
vnetctl port set "ta$S" --vlan 10 >/dev/null || fail "set vlan a"
no_ping "a$S" 10.211.0.12
vnetctl port set "tb$S" --trunk 10,20 --native 30 >/dev/null || fail "set trunk b"
no_ping "a$S" 10.211.0.12
vnetctl port set "tb$S" --vlan 10 >/dev/null || fail "set vlan b"
[ "$(jget .trunk port show "tb$S")" = null ] || fail "trunk not dropped by --vlan"
pings "a$S" 10.211.0.12
vnetctl port set "ta$S" --no-vlan >/dev/null || fail "no-vlan"
[ "$(jget .vlan port show "ta$S")" = null ] || fail "vlan not cleared"
no_ping "a$S" 10.211.0.12
vnetctl port set "ta$S" --vlan 10 >/dev/null || fail "set vlan a again"
pings "a$S" 10.211.0.12
[ "$(jget .pid status)" = "$pid" ] || fail "vnetd restarted"
log "VLAN changes live: access, trunk, none"

# Everything was stored.
vnetctl config export "$T/before.json" >/dev/null
kill9_vnetd
start_vnetd
vnetctl config export "$T/after.json" >/dev/null
cmp -s "$T/before.json" "$T/after.json" ||
	fail "changes not stored: $(diff "$T/before.json" "$T/after.json")"
[ "$(jget .mtu network show "st$S")" = 9000 ] || fail "mtu not stored"
pings "a$S" 10.211.0.12
log "changes survive kill -9"
pass
