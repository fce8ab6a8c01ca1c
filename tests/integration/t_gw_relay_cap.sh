# Relayed DNS queries hold a socket each while they wait: vnetd raises its
# descriptor limit to the hard one at start (and says so), and caps the
# relay sockets of all networks together at a quarter of it, so waiting
# queries cannot take the descriptors its control socket, guests and taps
# need.  A query over the cap is dropped as no_socket; once the waiting ones
# time out, queries are relayed again.
# vnet-test: long
. "$(dirname "$0")/lib.sh"
need_root
UP=127.214.7.53 # nothing listens: relayed queries wait for their timeout
# Soft limit 32, hard 64: vnetd raises the soft one to 64, the cap is 16.
ulimit -Sn 32 && ulimit -Hn 64 || skip "cannot lower the descriptor limit"
start_vnetd
grep -q "file descriptor limit 64" "$T/vnetd.log" ||
	fail "limit not raised: $(grep -i descriptor "$T/vnetd.log")"
ulimit -Sn 64
NW="rc$S"
vnetctl network create "$NW" --type private --subnet 10.222.0.0/24 \
	--dns-server $UP >/dev/null || fail "create"
for h in a b; do
	ns "$h$S"
	vnetctl port add "$NW" --tap "t$h$S" --netns "$h$S" >/dev/null ||
		fail "port $h"
	ip -n "$h$S" link set "t$h$S" up
done
ip -n "a$S" addr add 10.222.0.11/24 dev "ta$S"
ip -n "b$S" addr add 10.222.0.12/24 dev "tb$S"

# ask NS COUNT TAG: COUNT queries for distinct names, not waiting.
ask() {
	ip netns exec "$1" "$PY" - "$2" "$3" <<'PY' || fail "queries from $1"
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[1])):
    n = ("q%d%s" % (i, sys.argv[2])).encode()
    s.sendto(struct.pack(">6H", 0x100 + i, 0x0100, 1, 0, 0, 0) +
             bytes([len(n)]) + n + b"\x07example\0" + struct.pack(">HH", 1, 1),
             ("10.222.0.1", 53))
PY
}
relay() { vnetctl --json network show "$NW" | jq -c '.gateway_counters.dns_relay'; }

# 24 queries from two guests (12 each, under every per-guest and per-network
# bound): 16 go out, 8 find no socket.
ask "a$S" 12 a
ask "b$S" 12 b
sleep 1
c=$(relay)
echo "$c" | jq -e '.queries == 16 and .drops.no_socket == 8' >/dev/null ||
	fail "with the cap at 16: $c"
grep -q "at most 16 queries wait at once" "$T/vnetd.log" || fail "no cap line"
vnetctl status >/dev/null || fail "control socket after the flood"
log "24 waiting queries: 16 relayed, 8 dropped as no_socket ($c)"

# The waiting ones time out (4 s) and give their sockets back.
sleep 5
ask "a$S" 4 c
sleep 1
c=$(relay)
echo "$c" | jq -e '.queries == 20 and .drops.no_socket == 8 and
	.drops.timeout == 16' >/dev/null || fail "after the timeout: $c"
log "after the timeout, relayed again: $c"
pass
