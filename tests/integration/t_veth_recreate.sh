# A veth port outlives its namespace: deleted, the port shows down with the
# reason and its fast path off; a namespace of that name made again gets a
# new pair (the network's MTU on both ends) and the fast path, and traffic
# flows again with no vnetctl command.  The BPF object failing to load at
# first (VNETD_FAST_FAIL_LOADS, a test hook) is retried: the ports forward
# through vnetd meanwhile, "port show" says why, and the fast path comes on.
# vnet-test: long
. "$(dirname "$0")/lib.sh"
need_root
X=$(printf %02x "$N")
export VNETD_FAST_FAIL_LOADS=2
start_vnetd
unset VNETD_FAST_FAIL_LOADS
ns "a$S"
ns "b$S"
vnetctl network create "r$S" --type internal --mtu 1400 >/dev/null || fail "create"
vnetctl port add "r$S" --veth "va$S" --netns "a$S" \
	--mac 02:00:00:$X:00:0a >/dev/null || fail "veth a"
vnetctl port add "r$S" --veth "vb$S" --netns "b$S" >/dev/null || fail "veth b"

# The first two loads fail: off with the reason, through vnetd meanwhile.
[ "$(jget '.fast_path' port show "va$S")" = off ] || fail "fast path on at once"
why=$(jget '.fast_path_error' port show "va$S")
echo "$why" | grep -q "BPF load failed.*next try" || fail "fast_path_error: $why"
log "first: $why"
addr "a$S" "va$S" 10.244.$N.11/24
addr "b$S" "vb$S" 10.244.$N.12/24
pings "a$S" 10.244.$N.12
# Tries after 1 s and 2 s more: on within 5 s.
for i in $(seq 50); do
	[ "$(jget '.fast_path' port show "va$S")" = on ] && break
	sleep 0.1
done
[ "$(jget '.fast_path' port show "va$S")" = on ] ||
	fail "fast path still off: $(jget '.fast_path_error' port show "va$S")"
[ "$(jget '.fast_path' port show "vb$S")" = on ] || fail "vb fast path off"
pings "a$S" 10.244.$N.12
f0=$(jget '.counters.fast_path.rx_packets' port show "va$S")
[ "$f0" -gt 0 ] || fail "no frame took the fast path after the load"
log "fast path on after the retry, $f0 frames"

# Enough frames from a (40 requests, on the fast path) that the counters
# after the pair is made again, before any new traffic, tell carried
# numbers from the new pair's own few (its IPv6 chatter).
ip netns exec "a$S" ping -c 40 -i 0.01 -W 1 10.244.$N.12 >/dev/null ||
	fail "a -> b, 40 pings"
# And for the backend's own counters: broadcast UDP leaves a's end with a
# partial checksum, which vnetd completes (checksums_completed).
ip netns exec "a$S" $PY -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
for _ in range(20):
    s.sendto(b"x" * 100, (sys.argv[1], 9))' 10.244.$N.255 || fail "broadcast"
completed() { [ "$(jget '.checksums_completed' port show "va$S")" -ge 20 ]; }
wait_for 5 completed
k0=$(jget '.checksums_completed' port show "va$S")
[ "$k0" -ge 20 ] || fail "checksums_completed $k0 for 20 broadcasts"

# The namespace goes: the port is down with a reason, fast path off.
c0=$(jget '.counters.rx_packets' port show "va$S")
f0=$(jget '.counters.fast_path.rx_packets' port show "va$S")
ip netns del "a$S"
wait_port "va$S" down 100
st=$(jget '.state' port show "va$S")
[ "$st" = down ] || fail "state $st after the namespace went"
why=$(jget '.error' port show "va$S")
[ -n "$why" ] && [ "$why" != null ] || fail "down without a reason"
[ "$(jget '.fast_path' port show "va$S")" = off ] || fail "fast path still on"
ip link show "vh-va$S" >/dev/null 2>&1 && fail "vh-va$S outlived the namespace"
log "down: $why"

# It comes back: a new pair, its MAC and MTU, fast path on, traffic flows.
ip netns add "a$S" || fail "ns again"
wait_port "va$S" up
st=$(jget '.state' port show "va$S")
[ "$st" = up ] || fail "state $st after the namespace came back: $(jget '.error' port show "va$S")"
log "up again"
m=$(ip -n "a$S" -o link show "va$S" | grep -o 'mtu [0-9]*' | cut -d' ' -f2)
[ "$m" = 1400 ] || fail "va$S came back with MTU $m"
ip -n "a$S" -o link show "va$S" | grep -q "02:00:00:$X:00:0a" ||
	fail "va$S came back without its MAC"
[ "$(jget '.fast_path' port show "va$S")" = on ] ||
	fail "fast path off after the namespace came back: $(jget '.fast_path_error' port show "va$S")"
# The port's counters go on across the new pair (a new switch port): at
# once, before any traffic of a's, they are at least what they were.
f1=$(jget '.counters.fast_path.rx_packets' port show "va$S")
c1=$(jget '.counters.rx_packets' port show "va$S")
[ "$f1" -ge "$f0" ] || fail "fast path: $f1 frames once the pair was made again, $f0 before"
[ "$c1" -ge "$c0" ] || fail "rx_packets $c1 once the pair was made again, $c0 before"
k1=$(jget '.checksums_completed' port show "va$S")
[ "$k1" -ge "$k0" ] || fail "checksums_completed $k1 once the pair was made again, $k0 before"
ip -n "a$S" link set lo up
addr "a$S" "va$S" 10.244.$N.11/24
pings "a$S" 10.244.$N.12
pings "b$S" 10.244.$N.11
# Then they grow by what a sends: 10 requests, on the fast path.
f1=$(jget '.counters.fast_path.rx_packets' port show "va$S")
c1=$(jget '.counters.rx_packets' port show "va$S")
ip netns exec "a$S" ping -c 10 -i 0.01 -W 1 10.244.$N.12 >/dev/null ||
	fail "a -> b, 10 pings"
f2=$(jget '.counters.fast_path.rx_packets' port show "va$S")
c2=$(jget '.counters.rx_packets' port show "va$S")
[ $((f2 - f1)) -ge 10 ] || fail "fast path: $((f2 - f1)) more frames for 10 requests"
[ $((c2 - c1)) -ge 10 ] || fail "rx_packets: $((c2 - c1)) more for 10 requests"
log "counters went on: rx $c0 -> $c1 -> $c2, fast path $f0 -> $f1 -> $f2, checksums completed $k0 -> $k1"

# Deleted and made again at once (before the kernel has removed the old
# pair): the pair is made again all the same.
ip netns del "a$S"
ip netns add "a$S" || fail "ns again"
ok=0
for i in $(seq 30); do
	if ip -n "a$S" link show "va$S" >/dev/null 2>&1 &&
		[ "$(jget '.state' port show "va$S")" = up ]; then
		ok=1
		break
	fi
	sleep 0.1
done
[ $ok = 1 ] || fail "no pair after a quick delete and add: $(jget '.error' port show "va$S")"
ip -n "a$S" link set lo up
addr "a$S" "va$S" 10.244.$N.11/24
pings "a$S" 10.244.$N.12
log "quick delete and add: up again"

# The end deleted and, at once, another device of its name in the
# namespace: the retry cannot make the pair (EEXIST), and the port is in
# error, no longer down waiting; once that device goes, a later retry
# makes the pair again.
printf 'link del va%s\nlink add va%s type veth peer name vz%s\n' "$S" "$S" "$S" |
	ip -n "a$S" -batch - || fail "replace va$S by another veth"
wait_port "va$S" error
st=$(jget '.state' port show "va$S")
why=$(jget '.error' port show "va$S")
[ "$st" = error ] || fail "state $st with another device named va$S: $why"
echo "$why" | grep -q "another device" || fail "error: $why"
log "another device named va$S: $st: $why"
ip -n "a$S" link del "va$S"
wait_port "va$S" up 80
st=$(jget '.state' port show "va$S")
[ "$st" = up ] || fail "state $st once the other device went: $(jget '.error' port show "va$S")"
addr "a$S" "va$S" 10.244.$N.11/24
pings "a$S" 10.244.$N.12

# vnetd restarted while a port's namespace is missing: the port it
# restores is down with the reason a running vnetd gives (not in error),
# and comes up by itself when the namespace is made.
ip netns del "b$S"
wait_port "vb$S" down 100
sleep 0.5 # a retry or two: the reason as it stays
why=$(jget '.error' port show "vb$S")
stop_vnetd
start_vnetd
st=$(jget '.state' port show "vb$S")
[ "$st" = down ] || fail "restored without its namespace: state $st: $(jget '.error' port show "vb$S")"
why2=$(jget '.error' port show "vb$S")
[ "$why2" = "$why" ] || fail "restored: '$why2', running: '$why'"
log "restored without its namespace: down: $why2"
ip netns add "b$S" || fail "ns b again"
wait_port "vb$S" up
st=$(jget '.state' port show "vb$S")
[ "$st" = up ] || fail "restored port $st after its namespace came: $(jget '.error' port show "vb$S")"
ip -n "b$S" link set lo up
addr "b$S" "vb$S" 10.244.$N.12/24
pings "b$S" 10.244.$N.11 # a's neighbour entry has vb's old MAC
log "up when the namespace came"

# Deleting the port while its namespace is gone leaves nothing behind.
ip netns del "a$S"
sleep 0.5
vnetctl port del "va$S" >/dev/null || fail "port del"
ip netns add "a$S" || fail "ns again"
sleep 0.3
ip -n "a$S" link show "va$S" >/dev/null 2>&1 && fail "a deleted port made its pair"
# A device gone: logged once, when vnetd's housekeeping (a 1 s tick) sees
# the port failed before it is replaced.
ALLOW_LOG='fast path loads|port failed \(No such device\)'
pass
