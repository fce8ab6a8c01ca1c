# vhost-user: an independent frontend (DPDK testpmd, net_virtio_user)
# exchanges traffic with a namespace through vnetd; our own frontend pings a
# namespace; malformed descriptors and control messages get the offending
# frontend disconnected while another pair of guests keeps forwarding.
# vnet-test: alone
. "$(dirname "$0")/lib.sh"
need_root
start_vnetd
PEER=$(readlink -f "$BUILD/vnet-vu-peer")
BENCH=$(readlink -f "$BUILD/vnet-bench")
ns "a$S"
vnetctl network create "vu$S" --type internal >/dev/null || fail create
vnetctl port add "vu$S" --tap "ta$S" --netns "a$S" >/dev/null || fail tap
addr "a$S" "ta$S" 10.209.0.11/24
vnetctl port add "vu$S" --vhost-user "$T/pmd.sock" >/dev/null || fail "vhost port"
vnetctl port add "vu$S" --vhost-user "$T/own.sock" >/dev/null || fail "vhost port"
[ "$(jget .state port show pmd)" = down ] || fail "unconnected port not down"

# Our frontend: ARP + 10 pings to the namespace.
out=$("$PEER" ping "$T/own.sock" 02:00:00:00:09:14 10.209.0.20 10.209.0.11 10) ||
	fail "own frontend: $out"
log "own vhost-user frontend <-> namespace: $out"

if command -v dpdk-testpmd >/dev/null; then
	dpdk-testpmd --no-huge -m 512 --no-pci --file-prefix="vt$S" -l 0-1 \
		--vdev="net_virtio_user0,path=$T/pmd.sock,queues=1" -- \
		--forward-mode=icmpecho --auto-start --total-num-mbufs=4096 \
		--no-mlockall --stats-period=1 >"$T/testpmd.log" 2>&1 &
	PIDS="$PIDS $!"
	for _ in $(seq 100); do
		[ "$(jget .state port show pmd)" = up ] && break
		sleep 0.1
	done
	[ "$(jget .state port show pmd)" = up ] || fail "testpmd did not connect"
	[ "$(jget '.features | index("version_1") != null' port show pmd)" = true ] ||
		fail "negotiated features not shown"
	[ "$(jget '.queues[0].size' port show pmd)" = 256 ] || fail "ring size"
	rx0=$(jget .counters.rx_packets port show pmd)
	ip netns exec "a$S" ping -c 20 -i 0.05 -W 2 10.209.0.77 >"$T/ping" ||
		fail "no answers from testpmd: $(cat "$T/ping")"
	grep -q "20 received" "$T/ping" || fail "lost pings: $(tail -2 "$T/ping")"
	rx1=$(jget .counters.rx_packets port show pmd)
	tx1=$(jget .counters.tx_packets port show pmd)
	[ $((rx1 - rx0)) -ge 20 ] || fail "vnetd counted $((rx1 - rx0)) frames from testpmd"
	[ "$tx1" -ge 20 ] || fail "vnetd counted $tx1 frames to testpmd"
	log "testpmd (virtio_user) answered 20/20 pings; vnetd rx $((rx1 - rx0)) tx $tx1"
else
	skip_part testpmd "dpdk-testpmd not installed (Debian package dpdk)"
fi

# Two well-behaved guests stream at a fixed rate while a third breaks the
# rules over and over.  The rate leaves the receiving frontend (one thread,
# 256-entry ring, slowed down under ASan) time to repost its buffers: a
# frame is lost only when the guest has none, which vnetd counts as tx_full.
vnetctl port add "vu$S" --vhost-user "$T/ga.sock" >/dev/null || fail ga
vnetctl port add "vu$S" --vhost-user "$T/gb.sock" >/dev/null || fail gb
vnetctl port add "vu$S" --vhost-user "$T/ev.sock" >/dev/null || fail ev
"$BENCH" vhost --in "$T/ga.sock" --out "$T/gb.sock" --size 128 \
	--seconds 6 --rate 10000 --json >"$T/stream.json" &
bench=$!
sleep 1
for k in loop head next addr indirect avail; do
	"$PEER" evil "$T/ev.sock" $k || fail "not disconnected for a bad chain: $k"
done
for k in unknown overlap queue nofd size early; do
	"$PEER" badmsg "$T/ev.sock" $k || fail "not disconnected for a bad message: $k"
done
log "12 kinds of bad descriptors and messages: each got the frontend disconnected"
wait $bench || fail "stream failed"
frames=$(jq .frames "$T/stream.json")
lost=$(jq .lost "$T/stream.json")
vnetctl stats --network "vu$S" >"$T/stats.txt"
# Frames the good pair may lose: only ones vnetd names, and only because
# the receiving frontend left its ring empty (tx_full at port gb: on these
# 2-core machines the receiving frontend, vnetd, the sender and testpmd
# share the CPUs, and a receiver descheduled for a few ms fills its ring).
# Any other loss, or an unnamed one, fails.  Plain builds may lose at most
# 0.5 % this way; VHOST_RELAXED (busy-polling variant) and sanitizer
# builds, where the frontends run several times slower, at most 10 %.
case "$BUILD" in *asan* | *tsan*) VHOST_RELAXED=1 ;; esac
full=$(vnetctl --json stats | jq '[.[] | select(.port == "gb") | .drops.tx_full] | add // 0')
named=$(vnetctl --json stats | jq '[.[] | select(.port == "gb") | .drops | to_entries[] | .value] | add // 0')
# gb may also drop, under a name, frames of the hostile frontend flooded to
# it; so every lost frame must be one counted as tx_full, not the converse.
if [ "$lost" != 0 ]; then
	[ "$lost" -le "$full" ] && [ "$full" -le "$named" ] ||
		fail "the good pair lost $lost frames, $named named, $full as tx_full: $(cat "$T/stream.json" "$T/stats.txt")"
	limit=$((frames / 200))
	[ -n "${VHOST_RELAXED:-}" ] && limit=$((frames / 10))
	[ "$lost" -le "$limit" ] ||
		fail "the good pair lost $lost frames (limit $limit): $(cat "$T/stream.json" "$T/stats.txt")"
fi
min=50000
[ -n "${VHOST_RELAXED:-}" ] && min=20000
[ "$frames" -ge $min ] || fail "the good pair moved only $frames frames"
log "the good pair moved $frames frames at 10 kpps, lost $lost (named)"
[ "$(jget .disconnects port show ev)" -ge 12 ] || fail "disconnects not counted"
jget .last_error port show ev | grep -q . || fail "no last_error shown"
# The broken port is usable again by a good frontend.
out=$("$PEER" ping "$T/ev.sock" 02:00:00:00:09:15 10.209.0.21 10.209.0.11 3) ||
	fail "port unusable after the bad frontend: $out"
ALLOW_LOG='module=vhost'
pass
