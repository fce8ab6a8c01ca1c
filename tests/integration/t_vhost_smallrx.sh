# vhost-user mergeable receive buffers too small for a frame: a guest whose
# 256 receive buffers are 16 bytes each (64 of them, the most one frame may
# take, hold 1024 bytes) is sent a 1400-byte frame, then a 60-byte one.  The
# big one is dropped as tx_error (it can never fit), not as a full ring
# (which would also drop the rest of its burst); the small one arrives.
. "$(dirname "$0")/lib.sh"
need_root
PEER=$(readlink -f "$BUILD/vnet-vu-peer")
start_vnetd
ns "a$S"
ip netns exec "a$S" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip netns exec "a$S" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
vnetctl network create "sr$S" --type private >/dev/null || fail create
vnetctl port add "sr$S" --vhost-user "$T/v.sock" >/dev/null || fail vhost
vnetctl port add "sr$S" --tap "ta$S" --netns "a$S" >/dev/null || fail tap
ip -n "a$S" link set "ta$S" up
"$PEER" smallrx "$T/v.sock" 3 >"$T/peer" 2>&1 &
PPID_=$!
PIDS="$PIDS $PPID_"
wait_port v up 50 || fail "the peer did not connect: $(cat "$T/peer")"
ip netns exec "a$S" $PY -c "
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(('ta$S', 0))
h = b'\xff' * 6 + b'\x02\x00\x00\x00\x00\x07' + b'\x88\xb5'
s.send(h + b'x' * (1400 - 14))
s.send(h + b'y' * (60 - 14))" || fail "send"
wait "$PPID_" || fail "peer: $(cat "$T/peer")"
log "peer: $(cat "$T/peer")"
grep -q '^frames 1 bytes 60$' "$T/peer" ||
	fail "the small frame did not arrive alone: $(cat "$T/peer")"
err=$(jget '.counters.drops.tx_error' port show v)
full=$(jget '.counters.drops.tx_full' port show v)
[ "$err" = 1 ] && { [ "$full" = null ] || [ "$full" = 0 ]; } ||
	fail "the big frame counted as tx_error=$err tx_full=$full"
log "1400-byte frame dropped as tx_error, the 60-byte one delivered"
pass
