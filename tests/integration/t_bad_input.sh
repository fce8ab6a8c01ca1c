# Bad input: runt, oversized, tagged-garbage and multicast-source frames are
# dropped and counted by reason; malformed JSON-RPC gets a JSON-RPC error
# and vnetd keeps serving; bad vnetctl arguments change nothing.
. "$(dirname "$0")/lib.sh"
need_root
$PY -c "import scapy.all" 2>/dev/null || skip "python3-scapy not installed"
start_vnetd
ns "a$S"
ns "b$S"
vnetctl network create "bi$S" --type private >/dev/null || fail create
vnetctl port add "bi$S" --tap "ta$S" --netns "a$S" >/dev/null || fail a
vnetctl port add "bi$S" --tap "tb$S" --netns "b$S" >/dev/null || fail b
addr "a$S" "ta$S" 10.206.0.11/24
addr "b$S" "tb$S" 10.206.0.12/24
ip -n "a$S" link set "ta$S" mtu 9000
ip netns exec "a$S" $PY - "ta$S" <<'PY' || fail "scapy send"
import sys, os
from scapy.all import Ether, Dot1Q, Raw, sendp, conf
conf.verb = 0
i = sys.argv[1]
src = '02:00:00:00:00:0a'
bc = 'ff:ff:ff:ff:ff:ff'
# a tag announced but cut short: a runt
sendp(Raw(bytes.fromhex('ffffffffffff' '02000000000a' '8100')), iface=i)
# a payload of 3000 bytes on a 1500-byte network
sendp(Ether(dst=bc, src=src, type=0x0800) / Raw(b'x' * 3000), iface=i)
# garbage claiming a multicast source
sendp(Raw(bytes.fromhex('ffffffffffff' '010203040506') + os.urandom(80)), iface=i)
# VID 4095 is reserved
sendp(Ether(dst=bc, src=src) / Dot1Q(vlan=4095) / Raw(b'y' * 50), iface=i)
PY
d() { jget ".counters.drops.$1" port show "ta$S"; }
all_counted() {
	for r in runt oversize bad_src_mac vlan_not_allowed; do
		[ "$(jget ".counters.drops.$r // 0" port show "ta$S")" -ge 1 ] ||
			return 1
	done
}
wait_for 5 all_counted
[ "$(d runt)" -ge 1 ] || fail "runt not counted"
[ "$(d oversize)" -ge 1 ] || fail "oversize not counted"
[ "$(d bad_src_mac)" -ge 1 ] || fail "bad source MAC not counted"
[ "$(d vlan_not_allowed)" -ge 1 ] || fail "VID 4095 not counted"
log "drops: runt=$(d runt) oversize=$(d oversize) bad_src_mac=$(d bad_src_mac) vlan_not_allowed=$(d vlan_not_allowed)"
pings "a$S" 10.206.0.12

# JSON-RPC garbage on one connection, then a good request on the same one.
python3 - "$T/sock" <<'PY' || fail "JSON-RPC error handling"
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile('rwb')
def call(line):
    f.write(line + b'\n'); f.flush(); return json.loads(f.readline())
r = call(b'{not json')
assert r['error']['code'] == -32700, r
r = call(b'{"jsonrpc":"2.0","method":"network.list","params":[1],"id":5}')
assert r['error']['code'] == -32600 and r['id'] == 5, r
r = call(b'{"jsonrpc":"2.0","method":"no.such","id":6}')
assert r['error']['code'] == -32601, r
r = call(b'{"jsonrpc":"2.0","method":"network.create","params":{"name":"x","type":"bogus"},"id":7}')
assert r['error']['code'] == -32602, r
r = call(b'{"jsonrpc":"2.0","method":"network.list","id":8}')
assert isinstance(r['result'], list), r
# A line over the limit closes the connection; the daemon stays up.
s2 = socket.socket(socket.AF_UNIX); s2.connect(sys.argv[1])
try:
    s2.sendall(b'x' * (2 << 20))
except OSError:
    pass
PY
vnetctl network list >/dev/null || fail "vnetd stopped serving"
log "malformed JSON-RPC answered with errors; vnetd still serving"

# Wrong vnetctl arguments: a clear message, exit 2 or 1, nothing changed.
vnetctl config export "$T/before.json" >/dev/null
expect_rc() {
	want=$1
	shift
	out=$(vnetctl "$@" 2>&1)
	rc=$?
	[ $rc = "$want" ] || fail "'vnetctl $*' exited $rc, want $want: $out"
	[ -n "$out" ] || fail "'vnetctl $*' said nothing"
}
expect_rc 2 network create
expect_rc 2 network create n1 --type
expect_rc 2 network create n1 --type private --mtu big
expect_rc 2 network frobnicate
expect_rc 2 port add "bi$S" --tap x --bogus 1
expect_rc 1 network create n1 --type bogus
expect_rc 1 network create n1 --type private --mtu 10000
expect_rc 1 network create "bi$S" --type private
expect_rc 1 network delete "bi$S"
expect_rc 1 network show nosuch
expect_rc 1 port add nosuch --tap x
expect_rc 1 port add "bi$S" --tap "ta$S"
expect_rc 1 port add "bi$S" --tap x --vlan 0
expect_rc 1 port add "bi$S" --tap x --trunk 5-1
expect_rc 1 port add "bi$S" --tap x --vlan 5 --trunk 6
expect_rc 1 port add "bi$S" --tap x --mac ff:ff:ff:ff:ff:ff
expect_rc 1 port add "bi$S" --uplink lo
expect_rc 1 port del nosuch
out=$(vnetctl network show nosuch 2>&1)
echo "$out" | grep -q "networks: bi$S" || fail "unknown network not listed: $out"
vnetctl config export "$T/after.json" >/dev/null
cmp -s "$T/before.json" "$T/after.json" || fail "a failed command changed config"
ip -n "a$S" link show x >/dev/null 2>&1 && fail "failed port left a device"
ip link show x >/dev/null 2>&1 && fail "failed port left a device"
log "bad arguments refused, configuration unchanged"
ALLOW_LOG='request longer than'
pass
