# Receive coalescing (`port add/set --coalesce-us`): vhost-user front ends
# streaming 64-byte frames at 5 kpps lose none, and vnetd wakes up far less
# often per frame than with the same ports notified per frame (set live,
# in the same test); lone frames after pauses still arrive (vnet-vu-peer
# lone: a stalled frame fails it). Two namespaces on coalescing taps ping
# each other, flood-ping without loss. Refused where it cannot apply.
# vnet-test: long
. "$(dirname "$0")/lib.sh"
need_root
PEER=$(readlink -f "$BUILD/vnet-vu-peer")
BENCH=$(readlink -f "$BUILD/vnet-bench")
start_vnetd --threads 1
vnetctl network create "co$S" --type private >/dev/null || fail create
for p in a b; do
	vnetctl port add "co$S" --vhost-user "$T/$p.sock" --coalesce-us 2000 \
		>/dev/null || fail "port $p"
done
[ "$(jget '.coalesce_us' port show a)" = 2000 ] || fail "not shown"
vnetctl port show a | grep -q "coalesce_us.*2000" || fail "not in port show"

# stream: frames sent, received, vnetd's wake-ups per frame (the scheduler's
# count of its threads' switches-in).
stream() {
	"$BENCH" evcpu --vhost-user --in "$T/a.sock" --out "$T/b.sock" \
		--pid "$VNETD_PID" --rate 5000 --seconds 2 --size 64 --json |
		jq -r '"\(.sent) \(.frames) \(.switch_runs_per_frame) \(.lat_p50_us) \(.lat_p99_us)"'
}
set -- $(stream)
[ $# = 5 ] || fail "no bench result"
log "coalescing 2000 us: sent $1, received $2, vnetd wake-ups per frame $3, latency p50 $4 us, p99 $5 us"
[ "$1" -ge 5000 ] && [ "$1" = "$2" ] || fail "coalescing: sent $1, received $2"
held=$3
# Per frame again, live.
for p in a b; do
	vnetctl port set "$p" --coalesce-us 0 >/dev/null || fail "set $p"
done
set -- $(stream)
[ $# = 5 ] || fail "no bench result"
log "per frame: sent $1, received $2, vnetd wake-ups per frame $3, latency p50 $4 us, p99 $5 us"
[ "$1" = "$2" ] || fail "per frame: sent $1, received $2"
awk -v h="$held" -v f="$3" 'BEGIN { exit !(h * 2 < f) }' ||
	fail "coalescing woke vnetd $held times per frame, per frame $3"

# Lone frames, bursts and streams: none is left waiting for a look.
for p in a b; do
	vnetctl port set "$p" --coalesce-us 5000 >/dev/null || fail "set $p"
done
out=$("$PEER" lone "$T/a.sock" "$T/b.sock" 20 2>&1) || fail "lone: $out"
log "lone frames with coalescing: $out"

# Taps (vnetd's, in its namespace): held by leaving their fds unwatched
# between looks; the same stream, the same checks.
for p in 1 2; do
	vnetctl port add "co$S" --tap "ct$p$S" --coalesce-us 2000 >/dev/null ||
		fail "tap ct$p$S"
done
set -- $("$BENCH" evcpu --in "ct1$S" --out "ct2$S" --pid "$VNETD_PID" \
	--rate 5000 --seconds 2 --size 64 --json |
	jq -r '"\(.sent) \(.frames) \(.switch_runs_per_frame) \(.lat_p50_us) \(.lat_p99_us)"')
[ $# = 5 ] || fail "no bench result (taps)"
log "taps, coalescing 2000 us: sent $1, received $2, vnetd wake-ups per frame $3, latency p50 $4 us, p99 $5 us"
[ "$1" -ge 5000 ] && [ "$1" = "$2" ] || fail "taps: sent $1, received $2"
awk -v f="$3" 'BEGIN { exit !(f < 0.5) }' ||
	fail "taps: coalescing woke vnetd $3 times per frame"
# A look takes what waits, not one frame of it (a tap reads lone frames
# one per burst): no frame waits much more than an interval.
[ "$4" -lt 4000 ] || fail "taps: median latency $4 us with 2000 us looks"
for p in 1 2; do vnetctl port del "ct$p$S" >/dev/null || fail "del ct$p$S"; done

# Taps in namespaces.
ns "a$S"
ns "b$S"
vnetctl port add "co$S" --tap "ta$S" --netns "a$S" --coalesce-us 1000 \
	>/dev/null || fail "tap a"
vnetctl port add "co$S" --tap "tb$S" --netns "b$S" --coalesce-us 1000 \
	>/dev/null || fail "tap b"
addr "a$S" "ta$S" 10.77.0.1/24
addr "b$S" "tb$S" 10.77.0.2/24
pings "a$S" 10.77.0.2
out=$(ip netns exec "a$S" ping -q -f -c 2000 -W 2 10.77.0.2 2>&1) ||
	fail "flood ping: $out"
echo "$out" | grep -q " 0% packet loss" || fail "flood ping lost: $out"
log "$(echo "$out" | tail -1)"

refused "applies to vhost-user, tap and host ports" \
	port add "co$S" --veth "vc$S" --netns "a$S" --coalesce-us 100
refused "from 0 to 10000" port set a --coalesce-us 20000
check_logs
pass
