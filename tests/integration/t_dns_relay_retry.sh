# One relayed UDP query lost upstream must not fail the guest's lookup: the
# gateway sends a query unanswered for a second again, and gives one up
# (SERVFAIL) before the guest's own retry.  A resolver on loopback drops the
# first query for each name and answers every later one 300 ms late; the
# guest runs glibc with its defaults (timeout 5 s, attempts 2) and the
# gateway as its only nameserver: it must have its answer well before its
# own retry.  A guest's own resend of a query still waiting goes out
# from the first one's slot (one upstream query ID for both).  A guest over
# its own share of waiting queries gets no SERVFAIL.
. "$(dirname "$0")/lib.sh"
need_root
UP=127.214.3.53
start_vnetd
N="rr$S"
vnetctl network create "$N" --type private --subnet 10.218.0.0/24 \
	--domain lab.vnet --dns-server $UP >/dev/null || fail "create"
"$PY" - $UP >"$T/up.log" 2>&1 <<'PY' &
import socket, struct, sys, threading
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
print("ready", flush=True)
seen = {}
while True:
    q, a = s.recvfrom(65535)
    end = 12
    while q[end]:
        end += q[end] + 1
    qname = q[12:end + 1]
    n = seen[qname] = seen.get(qname, 0) + 1
    print("query", qname, n, q[:2].hex(), a[1], flush=True)
    # the first is lost; "twice" loses its first two
    if n == 1 or (b"twice" in qname and n == 2):
        continue
    hdr = q[:2] + struct.pack(">HHHHH", 0x8180, 1, 1, 0, 0)
    r = hdr + q[12:end + 5] + b"\xc0\x0c" + \
        struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton("198.51.100.9")
    # answered after 300 ms, as a recursive resolver may be
    threading.Timer(0.3, s.sendto, (r, a)).start()
PY
PIDS="$PIDS $!"
for _ in $(seq 30); do grep -q ready "$T/up.log" && break; sleep 0.1; done
ns "g$S"
vnetctl port add "$N" --tap "tg$S" --netns "g$S" >/dev/null || fail "port"
addr "g$S" "tg$S" 10.218.0.50/24
printf 'nameserver 10.218.0.1\n' >"$T/resolv.conf"

start=$(date +%s.%N)
out=$(ip netns exec "g$S" unshare -m sh -c "mount --bind $T/resolv.conf /etc/resolv.conf && getent ahostsv4 lossy.example"; echo "rc=$?")
end=$(date +%s.%N)
log "getent: $(echo "$out" | tr '\n' ' ') after $(echo "$end - $start" | bc) s"
log "upstream: $(tr '\n' ' ' <"$T/up.log")"
echo "$out" | grep -q 198.51.100.9 || fail "lookup failed although the resend was answered"
[ "$(echo "$end - $start < 3" | bc)" = 1 ] || fail "the lookup waited for the guest's retry"

# The guest resends a waiting query itself (same ID and question, same
# socket) before the gateway does: it goes upstream from the same slot, with
# the same upstream ID, and the guest gets one answer.
ip netns exec "g$S" "$PY" - <<'PY' >"$T/g.log" 2>&1 || fail "guest: $(cat "$T/g.log")"
import socket, struct, time
qn = b"\x05twice\x07example\x00"
m = struct.pack(">6H", 0x4242, 0x0100, 1, 0, 0, 0) + qn + struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(4)
s.sendto(m, ("10.218.0.1", 53))
time.sleep(0.3)
s.sendto(m, ("10.218.0.1", 53))
r = s.recv(512)
assert r[:2] == b"\x42\x42" and r[3] & 0xf == 0, r
assert r.endswith(socket.inet_aton("198.51.100.9")), r
s.settimeout(1.5)
try:
    r = s.recv(512)
    raise SystemExit("a second answer: %r" % r)
except socket.timeout:
    pass
print("resend answered once")
PY
ids=$(grep "twice" "$T/up.log" | awk '{print $4}' | sort -u | wc -l)
[ "$(grep -c twice "$T/up.log")" -eq 3 ] || fail "twice: $(grep twice "$T/up.log")"
[ "$ids" -eq 1 ] || fail "the guest's resend got a second slot: $(grep twice "$T/up.log")"

# A guest over its own share of waiting queries (16): the 17th is dropped,
# not answered SERVFAIL (a forwarder in the guest would cache that, RFC
# 2308 7.1); the 16 are answered once resent.
ip netns exec "g$S" "$PY" - <<'PY' >"$T/g2.log" 2>&1 || fail "guest: $(cat "$T/g2.log")"
import socket, struct, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(17):
    n = ("busy%d" % i).encode()
    s.sendto(struct.pack(">6H", 0x500 + i, 0x0100, 1, 0, 0, 0) +
             bytes([len(n)]) + n + b"\x07example\0" + struct.pack(">HH", 1, 1),
             ("10.218.0.1", 53))
got = {}
end = time.time() + 3
while time.time() < end:
    s.settimeout(max(0.01, end - time.time()))
    try:
        r = s.recv(512)
    except socket.timeout:
        break
    got[struct.unpack(">H", r[:2])[0] - 0x500] = r[3] & 0xf
assert 16 not in got, "the 17th answered: rcode %d" % got[16]
assert sorted(got) == list(range(16)) and set(got.values()) == {0}, got
print("16 answered, the 17th dropped")
PY
c=$(vnetctl --json network show "$N" | jq -c '.gateway_counters')
[ "$(echo "$c" | jq '.dns_relay.drops.client_busy')" = 1 ] || fail "client_busy: $c"
log "counters: $(echo "$c" | jq -c '{dns_servfail, r: .dns_relay}')"
[ "$(echo "$c" | jq '.dns_servfail')" = 0 ] || fail "SERVFAIL sent"
[ "$(echo "$c" | jq '.dns_relay.resent')" -ge 3 ] || fail "resent counter"
pass
