# NAT network: VMs on a private network with vnet's DHCP reach an "outside"
# namespace behind an external network through the gateway's NAT; the
# outside sees only the NAT address.  TCP (HTTP, iperf3), UDP, ping,
# traceroute (the gateway is the first hop), a port forward (the VM sees the
# real client), hairpin (a VM reaches another through the external address),
# sessions and flush, and the refusals of bad settings.
# vnet-test: long
. "$(dirname "$0")/lib.sh"
need_root
ALLOW_LOG='external network .* deleted: NAT stops|NAT is off|NAT not started'
D=$(readlink -f "$(dirname "$0")/dhcp")
command -v busybox >/dev/null || skip "busybox (package busybox-static) not installed"
command -v iperf3 >/dev/null || skip "iperf3 not installed"
# Below the ephemeral ports (32768 on), which outgoing connections take.
MPORT=$((20000 + 0x$S % 12000))
start_vnetd --metrics "127.0.0.1:$MPORT"
X="ex$S" L="lb$S"
OUT=10.216.0.1 NATIP=10.216.0.2
ns "o$S"
veth "u$S" "p$S" "o$S"
addr "o$S" "p$S" $OUT/24
ip netns exec "o$S" ethtool -K "p$S" tx off >/dev/null 2>&1
vnetctl network create "$X" --type external >/dev/null || fail "create $X"
vnetctl port add "$X" --uplink "u$S" >/dev/null || fail "uplink"

refused "needs a subnet" network create "n1$S" --type private --nat-via "$X"
mkdir "$T/nat-n3$S.tbl"
refused "NAT table" network create "n3$S" --type private \
	--subnet 10.233.0.0/24 --nat-via "$X"
[ "$(vnetctl --json network list | jq 'map(select(.name == "n3'"$S"'")) | length')" = 0 ] ||
	fail "a refused NAT network was kept"
refused "no network" network create "n2$S" --type private \
	--subnet 10.217.9.0/24 --nat-via "n0$S"
vnetctl network create "pv$S" --type private >/dev/null
refused "needs an external network" network create "n2$S" --type private \
	--subnet 10.217.9.0/24 --nat-via "pv$S"
refused "needs --nat-via" network create "n3$S" --type private \
	--subnet 10.217.9.0/24 --nat-address 10.216.0.9/24
refused "not usable" network create "n4$S" --type private \
	--subnet 10.217.9.0/24 --nat-via "$X" --nat-address 10.217.9.7/24

vnetctl network create "$L" --type private --subnet 10.217.0.0/24 --dhcp \
	--nat-via "$X" --nat-address $NATIP/24 >/dev/null || fail "create $L"
[ "$(jget .nat_via network show "$L")" = "$X" ] || fail "nat_via not shown"
[ "$(jget .nat.address network show "$L")" = $NATIP ] || fail "no address"

vm() { # NAME: a namespace on the NAT network with a lease
	ns "$1$S"
	vnetctl port add "$L" --tap "t$1$S" --netns "$1$S" >/dev/null ||
		fail "port $1"
	DHCP_ENV="$T/$1.env" ip netns exec "$1$S" busybox udhcpc -i "t$1$S" \
		-s "$D/udhcpc.sh" -q -n -t 5 -T 1 >/dev/null 2>&1 ||
		fail "$1 got no lease"
	ip netns exec "$1$S" ethtool -K "t$1$S" tx off >/dev/null 2>&1
	sed -n 's/.* ip=\([^ ]*\) .*/\1/p' "$T/$1.env" | tail -n 1
}
IP1=$(vm a)
IP2=$(vm b)
log "VMs: $IP1 $IP2"

# The outside's servers record who connected.
cat >"$T/srv.py" <<'PY'
import http.server, socketserver, sys, threading, socket
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("peer=%s\n" % self.client_address[0]).encode()
        if self.path == "/big":
            body = b"x" * 3000000
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
socketserver.TCPServer.allow_reuse_address = True
srv = socketserver.ThreadingTCPServer((sys.argv[1], int(sys.argv[2])), H)
def udp():
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((sys.argv[1], int(sys.argv[2])))
    while True:
        d, a = u.recvfrom(2000)
        u.sendto(("peer=%s " % a[0]).encode() + d, a)
threading.Thread(target=udp, daemon=True).start()
print("ready", flush=True)
srv.serve_forever()
PY
ip netns exec "o$S" "$PY" "$T/srv.py" $OUT 8080 >"$T/srv.log" 2>&1 &
PIDS="$PIDS $!"
ip netns exec "o$S" iperf3 -s -B $OUT -p 5201 >/dev/null 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 30); do grep -q ready "$T/srv.log" && break; sleep 0.1; done

get() { # NS URL: the body
	ip netns exec "$1" curl -s --max-time 10 "$2"
}
pings "a$S" $OUT
got=$(get "a$S" http://$OUT:8080/)
[ "$got" = "peer=$NATIP" ] || fail "the outside saw '$got', not $NATIP"
log "HTTP: the outside sees $NATIP"
n=$(get "a$S" http://$OUT:8080/big | wc -c)
[ "$n" = 3000000 ] || fail "3 MB download got $n bytes"
log "3 MB over TCP through NAT: ok"
ans=$(ip netns exec "a$S" "$PY" -c "
import socket
s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)
s.sendto(b'hello', ('$OUT', 8080)); print(s.recv(100).decode())")
[ "$ans" = "peer=$NATIP hello" ] || fail "UDP answer '$ans'"
log "UDP through NAT: ok"
hop=$(ip netns exec "a$S" busybox traceroute -n -q 1 -w 1 -m 3 $OUT 2>/dev/null |
	awk '$1 == 1 {print $2}')
[ "$hop" = 10.217.0.1 ] || fail "traceroute's first hop is '$hop'"
log "traceroute: first hop 10.217.0.1, the gateway"
bits=$(ip netns exec "a$S" iperf3 -c $OUT -p 5201 -t 2 -J 2>/dev/null |
	jq '.end.sum_received.bits_per_second | floor')
[ "${bits:-0}" -gt 1000000 ] || fail "iperf3 through NAT: '$bits' bit/s"
log "iperf3 through NAT: $((bits / 1000000)) Mbit/s"

# A port forward: the outside reaches a VM's server; the VM sees who.
ip netns exec "a$S" "$PY" "$T/srv.py" "$IP1" 80 >"$T/vm.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 30); do grep -q ready "$T/vm.log" && break; sleep 0.1; done
vnetctl nat forward add "$L" tcp 8080 "$IP1:80" >/dev/null || fail "forward"
refused "already forwarded" nat forward add "$L" tcp 8080 "$IP2:80"
refused "not a host of network" nat forward add "$L" tcp 8081 10.216.0.5:80
[ "$(vnetctl --json nat forward list "$L" | jq length)" = 1 ] ||
	fail "forward not listed"
got=$(get "o$S" http://$NATIP:8080/)
[ "$got" = "peer=$OUT" ] || fail "forwarded: the VM saw '$got', not $OUT"
log "forward: the VM sees the real client $OUT"
# Hairpin: the other VM reaches it through the external address.
got=$(get "b$S" http://$NATIP:8080/)
[ "$got" = "peer=$NATIP" ] || fail "hairpin: the VM saw '$got'"
log "hairpin through $NATIP: ok"

n=$(vnetctl --json nat sessions "$L" | jq '[.sessions[] | select(.kind == "session")] | length')
[ "$n" -ge 1 ] || fail "no session listed"
[ "$(vnetctl --json nat sessions | jq '.nats[0].translated_out')" -gt 0 ] ||
	fail "no translation counted"
vnetctl nat sessions "$L" >/dev/null || fail "sessions (text)"
# Counters: in stats (a row per NAT) and in the metrics.
[ "$(vnetctl --json stats --network "$L" | jq "[.[] | select(.port == \"nat:$L\")][0].tx_packets")" -gt 0 ] ||
	fail "no NAT row in stats: $(vnetctl stats)"
for k in tx_bytes rx_bytes; do
	[ "$(vnetctl --json stats --network "$L" | jq "[.[] | select(.port == \"nat:$L\")][0].$k")" -gt 0 ] ||
		fail "NAT row $k not counted: $(vnetctl stats)"
done
# What the switch floods to the external leg (multicast, broadcast to other
# ports) is not the NAT's and is not counted as a bad frame.
ip netns exec "o$S" ping -6 -c 2 -i 0.2 -W 1 "ff02::1%p$S" >/dev/null 2>&1
ip netns exec "o$S" ping -b -c 2 -i 0.2 -W 1 10.216.0.255 >/dev/null 2>&1
curl -sf --max-time 5 "http://127.0.0.1:$MPORT/metrics" >"$T/m" || fail "no metrics"
bf=$(grep "^vnet_nat_drops_total{network=\"$L\",reason=\"bad_frame\"} " "$T/m" | awk '{print $2}')
[ "${bf:-0}" = 0 ] || fail "$bf flooded frames counted as bad frames"
v=$(grep "^vnet_nat_translated_out_total{network=\"$L\"} " "$T/m" | awk '{print $2}')
[ "${v:-0}" -gt 0 ] || fail "no NAT translations in the metrics"
grep -q "^vnet_nat_drops_total{network=\"$L\",reason=\"ttl\"} [1-9]" "$T/m" ||
	fail "the traceroute's TTL drops are not in the metrics"
for f in rst_ignored early_drops; do
	grep -q "^vnet_nat_${f}_total{network=\"$L\"} [0-9]" "$T/m" || fail "no vnet_nat_${f}_total for $L"
done
log "counters: $v translations out; stats and metrics agree"
vnetctl nat flush "$L" >/dev/null || fail "flush"
n=$(vnetctl --json nat sessions "$L" | jq '[.sessions[] | select(.kind == "session")] | length')
[ "$n" = 0 ] || fail "$n sessions after flush"
vnetctl nat forward del "$L" tcp 8080 >/dev/null || fail "forward del"
[ "$(vnetctl --json nat forward list | jq length)" = 0 ] || fail "forward kept"
ip netns exec "o$S" curl -s --max-time 2 http://$NATIP:8080/ >/dev/null &&
	fail "forward still open after del"
log "forward deleted: closed"

# Deleting the external network stops the NAT; the gateway serves on.
vnetctl network delete "$X" --force >/dev/null || fail "delete $X"
for _ in $(seq 30); do
	[ "$(jget .nat network show "$L")" = null ] && break
	sleep 0.1
done
[ "$(jget .nat network show "$L")" = null ] || fail "NAT still running"
pings "a$S" 10.217.0.1
log "external network deleted: NAT off, the gateway still answers"

# The external network back (as after a restore that brings it up after
# the networks translating through it): their NAT starts again by itself.
vnetctl network create "$X" --type external >/dev/null || fail "recreate $X"
vnetctl port add "$X" --uplink "u$S" >/dev/null || fail "uplink again"
for _ in $(seq 30); do
	[ "$(jget .nat network show "$L")" != null ] && break
	sleep 0.1
done
[ "$(jget .nat network show "$L")" != null ] || fail "NAT not back"
log "external network recreated: NAT on again"
pass
