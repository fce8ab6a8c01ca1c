# The NAT gateway on a routed path: a router namespace on the external
# network (the NAT's next hop, --nat-gateway) and a server behind it, on a
# far link whose router side has an MTU of 1280.  traceroute from a VM
# shows the gateway, then the outside router (its ICMP time exceeded,
# addressed to the NAT address, translated back to the VM), then the
# server; path-MTU discovery works through the NAT: the router's
# "fragmentation needed" reaches the VM, which lowers its path MTU, and a
# TCP upload with DF set gets through.  The private network's MTU is 4000:
# packets without DF larger than the external MTU are sent on in fragments.
. "$(dirname "$0")/lib.sh"
need_root
command -v busybox >/dev/null || skip "busybox (package busybox-static) not installed"
start_vnetd
X="ex$S" L="lb$S"
RTR=10.233.0.1 NATIP=10.233.0.2 FAR=10.234.0.1 SRV=10.234.0.2 VM=10.235.0.10
ns "r$S"
ns "s$S"
ns "a$S"
veth "u$S" "p$S" "r$S"
addr "r$S" "p$S" $RTR/24
veth "f$S" "g$S" "r$S"
ip link set "f$S" netns "s$S"
addr "r$S" "g$S" $FAR/24
addr "s$S" "f$S" $SRV/24
ip -n "r$S" link set "g$S" mtu 1280 # the far link, router side
ip -n "s$S" route add default via $FAR
ip netns exec "r$S" sysctl -qw net.ipv4.ip_forward=1
for d in "r$S p$S" "r$S g$S" "s$S f$S"; do
	set -- $d
	ip netns exec "$1" ethtool -K "$2" tx off tso off gso off >/dev/null 2>&1
done
vnetctl network create "$X" --type external >/dev/null || fail "create $X"
vnetctl port add "$X" --uplink "u$S" >/dev/null || fail "uplink"
vnetctl network create "$L" --type private --subnet 10.235.0.0/24 --mtu 4000 \
	--nat-via "$X" --nat-address $NATIP/24 --nat-gateway $RTR >/dev/null ||
	fail "create $L"
vnetctl port add "$L" --tap "ta$S" --netns "a$S" >/dev/null || fail "port"
addr "a$S" "ta$S" $VM/24
ip netns exec "a$S" ethtool -K "ta$S" tx off tso off gso off >/dev/null 2>&1
ip -n "a$S" link set "ta$S" mtu 4000
ip -n "a$S" route add default via 10.235.0.1
pings "a$S" $SRV

# Without DF, a packet larger than the external MTU goes on in fragments
# (the router reassembles and answers); a VM's own fragments are cut again.
for size in 3000 5000; do
	ip netns exec "a$S" ping -M dont -s $size -c 2 -i 0.3 -W 2 $RTR \
		>/dev/null || fail "a $size-byte ping without DF does not get through"
done
n=$(jget .nat.fragmented network show "$L")
[ "${n:-0}" -ge 4 ] || fail "fragmented counted $n packets, not 4 or more"
log "packets without DF over the external MTU: fragmented ($n)"

# traceroute: the gateway, the outside router, the server.
hops=$(ip netns exec "a$S" busybox traceroute -n -q 1 -w 2 -m 5 $SRV 2>/dev/null |
	awk '$1 ~ /^[0-9]+$/ {printf "%s ", $2}')
log "traceroute: $hops"
[ "$hops" = "10.235.0.1 $RTR $SRV " ] ||
	fail "traceroute went '$hops', not the gateway, $RTR, $SRV"
log "traceroute: gateway, outside router, server"

# Path MTU: a DF ping larger than the far link is refused by the router;
# its "fragmentation needed" comes back through the NAT to the VM.
ip netns exec "a$S" ping -M do -s 1400 -c 2 -i 0.3 -W 1 $SRV >"$T/ping" 2>&1
mtu=
for _ in $(seq 20); do
	mtu=$(ip -n "a$S" route get $SRV | sed -n 's/.* mtu \([0-9]*\).*/\1/p')
	[ -n "$mtu" ] && break
	sleep 0.1
done
[ "$mtu" = 1280 ] || fail "the VM's path MTU to $SRV is '$mtu', not 1280: $(cat "$T/ping")"
log "frag needed translated back: the VM's path MTU is $mtu"
ip netns exec "a$S" ping -M do -s 1200 -c 2 -i 0.3 -W 2 $SRV >/dev/null ||
	fail "a DF ping under the path MTU does not get through"
# A TCP upload: full-sized DF segments, lowered to the path MTU.
cat >"$T/sink.py" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 7002)); s.listen(1)
print("ready", flush=True)
c, a = s.accept()
n = 0
while True:
    d = c.recv(65536)
    if not d:
        break
    n += len(d)
c.sendall(b"%d %s\n" % (n, a[0].encode()))
PY
ip netns exec "s$S" "$PY" "$T/sink.py" $SRV >"$T/sink.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 30); do grep -q ready "$T/sink.log" && break; sleep 0.1; done
ip -n "a$S" route flush cache
got=$(ip netns exec "a$S" "$PY" -c "
import socket
c = socket.create_connection(('$SRV', 7002), timeout=10)
c.sendall(b'y' * 400000)
c.shutdown(socket.SHUT_WR)
print(c.makefile().readline().strip())")
[ "$got" = "400000 $NATIP" ] || fail "TCP upload through the 1280 link: '$got'"
log "TCP upload of 400000 bytes with DF through the 1280-byte link: ok"
pass
