# A guest forging source addresses and MACs cannot take its network's DNS
# relay slots from the others: the per-guest bound (DNS_RELAY_PER_CLIENT,
# 16 waiting queries) counts by the switch port the queries come in on.
# Guest a floods 80 queries, each from another address and MAC, that the
# resolver never answers; guest b still gets its answer.
. "$(dirname "$0")/lib.sh"
need_root
UP=127.214.9.53 # answers honest.example only; the rest wait for their timeout
start_vnetd
NW="rf$S"
vnetctl network create "$NW" --type private --subnet 10.223.0.0/24 \
	--dns-server $UP >/dev/null || fail "create"
for h in a b; do
	ns "$h$S"
	vnetctl port add "$NW" --tap "t$h$S" --netns "$h$S" >/dev/null ||
		fail "port $h"
	ip -n "$h$S" link set "t$h$S" up
done
ip -n "a$S" addr add 10.223.0.11/24 dev "ta$S"
ip -n "b$S" addr add 10.223.0.12/24 dev "tb$S"

"$PY" - $UP >"$T/up.log" 2>&1 <<'PY' &
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
print("ready", flush=True)
while True:
    q, a = s.recvfrom(512)
    end = 12
    while q[end]:
        end += q[end] + 1
    if b"honest" not in q[12:end]:
        continue
    s.sendto(q[:2] + struct.pack(">HHHHH", 0x8180, 1, 1, 0, 0) +
             q[12:end + 5] + b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) +
             socket.inet_aton("198.51.100.9"), a)
    print("answered", flush=True)
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
got=$(ip netns exec "b$S" "$PY" - <<'PY'
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
)
c=$(vnetctl --json network show "$NW" | jq -c '.gateway_counters.dns_relay')
[ "$got" = 198.51.100.9 ] || fail "the honest guest got '$got' ($c)"
# 16 of a's relayed (a full ring may have lost a few of the rest).
echo "$c" | jq -e '.queries == 17 and .drops.client_busy >= 48 and
	(.drops.no_slot // 0) == 0' >/dev/null || fail "counters: $c"
log "80 forged queries from one port: 16 relayed, the rest client_busy; b answered ($c)"
pass
