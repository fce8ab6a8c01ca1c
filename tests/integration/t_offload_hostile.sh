# Hostile virtio-net headers from a vhost-user frontend: a GSO type it did
# not negotiate, a checksum start outside the frame, a gso_size of 0 or
# larger than the frame, a super-frame larger than 64 KB, headers that do
# not match the GSO type.  Each frame is dropped under its own named reason,
# the queue keeps working (no fault, no disconnect), vnetd lives on.
. "$(dirname "$0")/lib.sh"
need_root
PEER=$(readlink -f "$BUILD/vnet-vu-peer")
start_vnetd
vnetctl network create "oh$S" --type private >/dev/null || fail create
vnetctl port add "oh$S" --vhost-user "$T/v.sock" >/dev/null || fail vhost
d() { jget ".counters.drops.$1" port show v; }
for k in nonego:offload_not_negotiated csum:csum_out_of_frame \
	gso0:bad_gso_size gsobig:bad_gso_size toobig:gso_too_big \
	mismatch:gso_bad_frame; do
	kind=${k%%:*} reason=${k#*:}
	before=$(d "$reason")
	"$PEER" badhdr "$T/v.sock" "$kind" ||
		fail "$kind: the frame was not taken or the queue broke"
	after=$(d "$reason")
	[ "$after" = $((before + 1)) ] ||
		fail "$kind: drop $reason went $before -> $after, want +1"
	log "$kind: dropped as $reason"
done
[ "$(jget '.counters.rx_packets' port show v)" = 0 ] ||
	fail "a hostile frame entered the switch"
# Still a working port: a well-behaved frontend gets through the handshake.
"$PEER" handshake "$T/v.sock" >/dev/null || fail "port dead after bad headers"
pass
