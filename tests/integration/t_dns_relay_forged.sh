# A guest forging source addresses and MACs cannot take its network's DNS
# relay slots from the others: the per-guest bound (DNS_RELAY_PER_CLIENT,
# 16 waiting queries) counts by the switch port the queries come in on.
# Guest a floods 80 queries, each from another address and MAC, that the
# resolver never answers; guest b still gets its answer.  Then the network
# changes resolvers: the sockets of the queries waiting for the old one are
# closed at once, and queries go to the new one.
. "$(dirname "$0")/lib.sh"
need_root
UP=127.214.9.53 # answers honest.example only; the rest wait for their timeout
UP2=127.214.9.54 # the same resolver, the network's second choice
start_vnetd
NW="rf$S"
vnetctl network create "$NW" --type private --subnet 10.223.0.0/24 \
	--dns-server $UP >/dev/null || fail "create"
for g in a:11 b:12; do # guest a at 10.223.0.11, b at .12, each on a tap
	h=${g%:*}
	ns "$h$S"
	vnetctl port add "$NW" --tap "t$h$S" --netns "$h$S" >/dev/null ||
		fail "port $h"
	addr "$h$S" "t$h$S" "10.223.0.${g#*:}/24"
done

"$PY" - $UP $UP2 >"$T/up.log" 2>&1 <<'PY' &
import select, socket, struct, sys
socks = []
for ip in sys.argv[1:]:
    socks.append(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
    socks[-1].bind((ip, 53))
print("ready", flush=True)
while True:
    s = select.select(socks, [], [])[0][0]
    q, a = s.recvfrom(512)
    end = 12
    while q[end]:
        end += q[end] + 1
    if b"honest" not in q[12:end]:
        continue
    s.sendto(q[:2] + struct.pack(">HHHHH", 0x8180, 1, 1, 0, 0) +
             q[12:end + 5] + b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) +
             socket.inet_aton("198.51.100.9"), a)
    print("answered at", s.getsockname()[0], flush=True)
PY
PIDS="$PIDS $!"
for _ in $(seq 30); do grep -q ready "$T/up.log" && break; sleep 0.1; done
pings "a$S" 10.223.0.1
GWMAC=$(ip -n "a$S" neigh show 10.223.0.1 | sed -n 's/.*lladdr \([^ ]*\).*/\1/p')
[ -n "$GWMAC" ] || fail "no ARP entry for the gateway"

# 80 queries on the tap itself, each from 10.223.0.(100+i) and its own MAC.
ip netns exec "a$S" "$PY" - "ta$S" "$GWMAC" <<'PY' || fail "forged flood"
import socket, struct, sys, time
def csum(b):
    s = sum(struct.unpack(">%dH" % (len(b) // 2), b))
    s = (s & 0xffff) + (s >> 16)
    return ~((s & 0xffff) + (s >> 16)) & 0xffff
gw = bytes.fromhex(sys.argv[2].replace(":", ""))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
for i in range(80):
    n = b"f%d" % i
    dns = struct.pack(">6H", 0x200 + i, 0x0100, 1, 0, 0, 0) + \
        bytes([len(n)]) + n + b"\x07example\0" + struct.pack(">HH", 1, 1)
    udp = struct.pack(">4H", 30000 + i, 53, 8 + len(dns), 0) + dns
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i, 0, 64, 17,
                     0, bytes([10, 223, 0, 100 + i]), bytes([10, 223, 0, 1]))
    ip = ip[:10] + struct.pack(">H", csum(ip)) + ip[12:]
    s.send(gw + bytes([2, 0x66, 0, 0, 0, i]) + b"\x08\x00" + ip + udp)
    time.sleep(0.002) # the gateway's ring to the relay holds 64
PY
sleep 0.5
honest() {
	ip netns exec "b$S" "$PY" - <<'PY'
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(struct.pack(">6H", 0x4242, 0x0100, 1, 0, 0, 0) +
         b"\x06honest\x07example\0" + struct.pack(">HH", 1, 1),
         ("10.223.0.1", 53))
try:
    a = s.recv(512)
    print(socket.inet_ntoa(a[-4:]))
except socket.timeout:
    print("timeout")
PY
}
# relay_socks: the UDP sockets vnetd has open (one per waiting query).
relay_socks() { ss -uanp | grep -c "pid=$VNETD_PID,"; }
got=$(honest)
c=$(vnetctl --json network show "$NW" | jq -c '.gateway_counters.dns_relay')
[ "$got" = 198.51.100.9 ] || fail "the honest guest got '$got' ($c)"
# 16 of a's relayed (a full ring may have lost a few of the rest).
echo "$c" | jq -e '.queries == 17 and .drops.client_busy >= 48 and
	(.drops.no_slot // 0) == 0' >/dev/null || fail "counters: $c"
log "80 forged queries from one port: 16 relayed, the rest client_busy; b answered ($c)"

n=$(relay_socks)
[ "$n" = 16 ] || fail "$n relay sockets open while 16 queries wait"
vnetctl network set "$NW" --dns-server $UP2 >/dev/null || fail "set"
no_socks() { [ "$(relay_socks)" = 0 ]; }
wait_for 3 no_socks ||
	fail "$(relay_socks) relay sockets still open after the resolver change"
got=$(honest)
[ "$got" = 198.51.100.9 ] || fail "after the change: '$got'"
grep -q "answered at $UP2" "$T/up.log" || fail "not asked at $UP2: $(cat "$T/up.log")"
log "new resolver: the 16 waiting sockets closed, $UP2 answers"
pass
