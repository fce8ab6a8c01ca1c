# MAC flooding by a hostile guest: its port learns at most its MAC limit, the
# rest of its new source MACs are dropped and counted under "mac_limit",
# vnetd says so in one line naming the port, and a host that joins afterwards
# is learned, so its unicast reaches only its destination.  Frames to the
# IEEE reserved group (LLDP here) are dropped, never flooded.
# vnet-test: alone
. "$(dirname "$0")/lib.sh"
need_root
[ -x "$PY" ] || skip "needs $PY"
FRAMES=${FRAMES:-100000}
ALLOW_LOG="ta$S: MAC limit 1024 reached"
start_vnetd
for n in a b c; do
	ns "$n$S"
	# No IPv6 chatter (ND, MLD): every multicast frame here is ours.
	ip netns exec "$n$S" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
done
vnetctl network create "fl$S" --type private >/dev/null || fail "create"
vnetctl port add "fl$S" --tap "ta$S" --netns "a$S" >/dev/null || fail "tap a"
vnetctl port add "fl$S" --tap "tb$S" --netns "b$S" >/dev/null || fail "tap b"
ip -n "a$S" link set "ta$S" up
addr "b$S" "tb$S" 10.203.0.12/24

# counter PORT JQ-PATH: one of a port's counters.
counter() { jget ".[0].$2" stats --port "$1"; }

# send NS DEV COUNT DST [ETHERTYPE]: COUNT frames to DST, each from a new
# random unicast source MAC; prints how many the kernel took.
send() {
	ip netns exec "$1" "$PY" - "$2" "$3" "$4" "${5:-0800}" <<'EOF'
import errno, os, socket, sys, time
dev, n, dst, etype = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((dev, 0))
head = bytes.fromhex(dst.replace(":", ""))
tail = bytes.fromhex(etype) + bytes(46)
rnd = os.urandom(6 * n)
sent = 0
for i in range(n):
    src = bytearray(rnd[6 * i:6 * i + 6])
    src[0] = (src[0] & 0xfc) | 0x02  # unicast, locally administered
    while True:
        try:
            s.send(head + bytes(src) + tail)
            break
        except OSError as e:  # queue full: let vnetd catch up
            if e.errno not in (errno.ENOBUFS, errno.EAGAIN):
                raise
            time.sleep(0.001)
    sent += 1
print(sent)
EOF
}

t0=$(date +%s.%N)
sent=$(send "a$S" "ta$S" "$FRAMES" 52:54:00:ee:ee:ee) || fail "sender"
sleep 1
rx=$(counter "ta$S" rx_packets)
limit=$(counter "ta$S" drops.mac_limit)
learned=$(jget '[.[] | select(.port=="ta'"$S"'")] | length' mac show "fl$S")
log "sent $sent frames in $(echo "$(date +%s.%N) - $t0" | bc) s;" \
	"vnetd took $rx, learned $learned, dropped $limit as mac_limit"
[ "$rx" -ge $((sent / 2)) ] || fail "vnetd saw only $rx of $sent frames"
[ "$learned" -le 1024 ] || fail "flooding port learned $learned MACs"
[ "$learned" -ge 1000 ] || fail "flooding port learned only $learned MACs"
# Every frame that was not learned was dropped under the named reason.
[ "$limit" -ge $((rx - learned - 16)) ] ||
	fail "only $limit of $rx frames dropped as mac_limit"
n=$(grep -c "ta$S: MAC limit 1024 reached" "$T/vnetd.log")
[ "$n" = 1 ] || fail "$n log lines about the flooding port, want 1"
log "one log line names the port"

# A host that joins afterwards is learned and reached by unicast only.
vnetctl port add "fl$S" --tap "tc$S" --netns "c$S" >/dev/null || fail "tap c"
addr "c$S" "tc$S" 10.203.0.13/24
pings "c$S" 10.203.0.12
pings "b$S" 10.203.0.13
cmac=$(ip -n "c$S" -j link show "tc$S" | jq -r '.[0].address')
[ "$(jget '.[] | select(.mac=="'"$cmac"'") | .port' mac show "fl$S")" = \
	"tc$S" ] || fail "the new host's MAC $cmac was not learned"
before=$(counter "ta$S" tx_packets)
ip netns exec "b$S" ping -c 20 -i 0.05 -W 2 10.203.0.13 >/dev/null ||
	fail "b cannot ping c"
# LLDP to 01:80:c2:00:00:0e: never flooded, counted on its ingress port.
send "b$S" "tb$S" 3 01:80:c2:00:00:0e 88cc >/dev/null || fail "lldp sender"
# Once the switch has counted the LLDP frames, a flood of them or of the
# unicast before them would have reached a.
wait_for 2 eval '[ "$(counter "tb$S" drops.reserved_mcast)" = 3 ]'
after=$(counter "ta$S" tx_packets)
[ "$after" = "$before" ] ||
	fail "$((after - before)) frames between b and c flooded to a"
log "b <-> c unicast and LLDP did not reach the flooding port"
[ "$(counter "tb$S" drops.reserved_mcast)" = 3 ] ||
	fail "LLDP frames not counted as reserved_mcast"
pass
