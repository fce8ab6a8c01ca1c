# A veth port whose namespace takes its end down leaves the kernel fast
# path at once: frames to its MAC stop taking the fast path within 100 ms
# of the link change (vnetd floods them to the ports still up instead), not
# at the next run of the fast path's once-a-second job.
. "$(dirname "$0")/lib.sh"
need_root
start_vnetd
veth_pair "fd$S" 10.244.$N
mac_b=$(ip -n "b$S" -j link show "vb$S" | jq -r '.[0].address')
fast() { jget '.counters.fast_path.rx_packets // 0' port show "va$S"; }

# a sends a UDP frame to b's MAC every 2 ms until $T/stop exists.
ip netns exec "a$S" $PY -c '
import os, socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
src = open("/sys/class/net/%s/address" % sys.argv[1]).read().strip()
mac = lambda m: bytes(int(x, 16) for x in m.split(":"))
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 0, 0, 64, 17, 0,
                 socket.inet_aton("10.244.0.11"), socket.inet_aton("10.244.0.12"))
frame = mac(sys.argv[2]) + mac(src) + b"\x08\x00" + ip + \
    struct.pack("!HHHH", 5000, 9, 8, 0) + bytes(18)
while not os.path.exists(sys.argv[3]):
    s.send(frame)
    time.sleep(0.002)' "va$S" "$mac_b" "$T/stop" &
PIDS="$PIDS $!"

# Two rounds: the once-a-second job alone would pass a round only when it
# happened to run within 100 ms of the change.
for round in 1 2; do
	ip netns exec "b$S" ping -c 1 -W 1 10.244.$N.11 >/dev/null ||
		fail "round $round: b cannot reach a"
	f0=$(fast)
	wait_for 5 eval '[ $(($(fast) - f0)) -ge 50 ]' ||
		fail "round $round: a's frames to b do not take the fast path"
	ip -n "b$S" link set "vb$S" down
	sleep 0.1
	f1=$(fast)
	sleep 0.6
	f2=$(fast)
	log "round $round: $((f2 - f1)) frames took the fast path 0.1-0.7 s after b's link went down"
	[ "$f2" = "$f1" ] ||
		fail "round $round: the fast path kept forwarding to a port that is down"
	ip -n "b$S" link set "vb$S" up
	wait_port "vb$S" up || fail "round $round: vb$S not up again"
done
touch "$T/stop"
pass
