# The gateway's DNS relay when upstream fails, and what its UDP input takes:
# a query the resolver never answers is sent again after a second and gets
# SERVFAIL (over UDP after the relay timeout, over TCP when the resolver
# closes the connection) instead of silence; an EDNS query padded past 512
# bytes (RFC 7830) is relayed; a
# query with a wrong UDP checksum is dropped and counted, one with a right
# checksum or none answered, as a guest with checksum offload (the tap) is.
# A port deleted while its query waits upstream: a new port with the same
# MAC and address does not get the old port's answer.
. "$(dirname "$0")/lib.sh"
need_root
UP=127.214.2.53 # the upstream resolver, on loopback
start_vnetd
N="sf$S"
vnetctl network create "$N" --type private --subnet 10.217.0.0/24 \
	--domain lab.vnet --dns-server $UP >/dev/null || fail "create"

# A resolver that answers outside.example, slow.example 2 s late, and never
# answers silent.example (over TCP it closes the connection instead).
"$PY" "$(dirname "$0")/fake_resolver.py" $UP >"$T/up.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 30); do grep -q ready "$T/up.log" && break; sleep 0.1; done

ns "g$S"
vnetctl port add "$N" --tap "tg$S" --netns "g$S" >/dev/null || fail "port"
addr "g$S" "tg$S" 10.217.0.50/24

ip netns exec "g$S" "$PY" - <<'PY' >"$T/g.log" 2>&1 || fail "guest: $(cat "$T/g.log")"
import socket, struct, time
def query(i, name, pad=0):
    qn = b"".join(bytes([len(l)]) + l for l in name.split(b".")) + b"\0"
    m = struct.pack(">6H", i, 0x0100, 1, 0, 0, 1 if pad else 0) + qn + \
        struct.pack(">HH", 1, 1)
    if pad: # OPT with a padding option (RFC 7830)
        m += b"\0" + struct.pack(">HHIH", 41, 1232, 0, 4 + pad) + \
            struct.pack(">HH", 12, pad) + b"\0" * pad
    return m, qn
def check_servfail(r, i, qn):
    i2, fl, qd, an, ns, ar = struct.unpack(">6H", r[:12])
    assert i2 == i and fl == 0x8182 and (qd, an, ns, ar) == (1, 0, 0, 0), r
    assert r[12:] == qn + struct.pack(">HH", 1, 1), r
def udp(m, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    s.sendto(m, ("10.217.0.1", 53))
    return s.recv(65535)

# never answered upstream: SERVFAIL after the relay's 4 s, before a stub
# resolver's usual retry at 5 s
m, qn = query(0x6101, b"silent.example")
t = time.time()
r = udp(m, 8)
check_servfail(r, 0x6101, qn)
took = time.time() - t
assert 3.5 < took < 4.8, took
print("udp servfail after %.1f s" % took)

# over TCP: the resolver closes without an answer: SERVFAIL on the connection
m, qn = query(0x6102, b"silent.example")
s = socket.create_connection(("10.217.0.1", 53), timeout=3)
s.sendall(struct.pack(">H", len(m)) + m)
b = b""
while len(b) < 2 or len(b) < 2 + struct.unpack(">H", b[:2])[0]:
    c = s.recv(4096)
    assert c, "closed after %r" % b
    b += c
check_servfail(b[2:], 0x6102, qn)
s.close()
print("tcp servfail")

# padded past 512 bytes: relayed and answered
m, qn = query(0x6103, b"outside.example", pad=900)
assert len(m) > 900
r = udp(m, 3)
assert r[:2] == b"\x61\x03" and r[-4:] == socket.inet_aton("198.51.100.7"), r
print("padded query of %d bytes answered" % len(m))

# raw UDP: a wrong checksum is dropped; the right one, and none, answered
def raw(i, csum):
    m, qn = query(i, b"outside.example")
    src, dst = socket.inet_aton("10.217.0.50"), socket.inet_aton("10.217.0.1")
    u = struct.pack(">4H", 40555, 53, 8 + len(m), 0) + m
    ph = src + dst + struct.pack(">BBH", 0, 17, len(u))
    d = ph + u + (b"\0" if len(u) & 1 else b"")
    x = sum(struct.unpack(">%dH" % (len(d) // 2), d))
    while x >> 16:
        x = (x & 0xffff) + (x >> 16)
    x = ~x & 0xffff or 0xffff
    if csum == "bad":
        x ^= 0x0101
    elif csum == "none":
        x = 0
    u = u[:6] + struct.pack(">H", x) + u[8:]
    rs = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
    rs.sendto(u, ("10.217.0.1", 0))
lis = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
lis.bind(("10.217.0.50", 40555))
lis.settimeout(1)
raw(0x6201, "bad")
try:
    raise SystemExit("answered a bad checksum: %r" % lis.recv(4096))
except socket.timeout:
    pass
for i, c in ((0x6202, "good"), (0x6203, "none")):
    raw(i, c)
    r = lis.recv(4096)
    assert r[:2] == struct.pack(">H", i), (c, r)
print("checksums: bad dropped, good and none answered")
PY
sed 's/^/    /' "$T/g.log"
c=$(vnetctl --json network show "$N" | jq -c '.gateway_counters |
	{dns_servfail, bad: .drops.bad_udp_csum, r: .dns_relay.drops}')
echo "$c" | jq -e '.dns_servfail == 2 and .bad == 1 and .r.timeout == 1 and
	.r.upstream_tcp == 1' >/dev/null || fail "counters $c"
vnetctl network show "$N" | grep -q "relayed, 2 SERVFAIL" ||
	fail "network show: $(vnetctl network show "$N")"
[ "$(grep -c "^udp .*silent" "$T/up.log")" = 2 ] ||
	fail "silent.example not sent upstream twice: $(cat "$T/up.log")"
grep -q "^udp .*outside.* 9[0-9][0-9]$" "$T/up.log" ||
	fail "the padded query did not reach upstream whole: $(cat "$T/up.log")"
log "counters $c"

# The port goes while its query for slow.example waits; a new port with its
# MAC and address listens on the same UDP port: nothing reaches it.
MAC=$(ip -n "g$S" -j link show "tg$S" | jq -r '.[0].address')
ip netns exec "g$S" "$PY" -c '
import socket, struct
qn = b"\4slow\7example\0"
m = struct.pack(">6H", 0x6301, 0x0100, 1, 0, 0, 0) + qn + struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.217.0.50", 40777))
s.sendto(m, ("10.217.0.1", 53))' || fail "slow query"
wait_for 5 grep -q "udp .*slow" "$T/up.log" || fail "slow.example not asked upstream"
vnetctl port del "tg$S" >/dev/null || fail "port del"
ns "h$S"
vnetctl port add "$N" --tap "th$S" --netns "h$S" --mac "$MAC" >/dev/null ||
	fail "port again"
addr "h$S" "th$S" 10.217.0.50/24
ip netns exec "h$S" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.217.0.50", 40777))
s.settimeout(4)
try:
    raise SystemExit("the old port'"'"'s answer reached the new one: %r" % s.recv(4096))
except socket.timeout:
    pass' || fail "port reuse"
c=$(vnetctl --json network show "$N" | jq -c '.gateway_counters.dns_relay.drops')
echo "$c" | jq -e '.port_gone == 1' >/dev/null || fail "relay drops $c"
log "a deleted port's answer does not reach the port made after it; $c"
pass
