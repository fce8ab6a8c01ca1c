# The gateway's names: a reservation gives a MAC its address and hostname;
# clients resolve each other's names (vm1.lab.vnet) and addresses (PTR)
# through the gateway; other names are relayed to the network's resolvers;
# bad gateway settings and reservations are refused with a sentence and
# change nothing.
. "$(dirname "$0")/lib.sh"
need_root
D=$(readlink -f "$(dirname "$0")/dhcp")
command -v busybox >/dev/null || skip "busybox (package busybox-static) not installed"
UP=127.214.0.53 # the upstream resolver, on loopback
start_vnetd
N="dn$S"
vnetctl network create "$N" --type private --subnet 10.215.0.0/24 --dhcp \
	--domain lab.vnet --dns-server $UP >/dev/null || fail "create"

# A small resolver on loopback for the relay, over UDP and TCP: answers
# outside.example; tconly.example (a 3056-byte answer) only over TCP, over
# UDP it says TC.
"$PY" "$(dirname "$0")/fake_resolver.py" $UP >"$T/up.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 30); do grep -q ready "$T/up.log" && break; sleep 0.1; done

host() { # NAME [MAC]: a namespace on the network that took a lease
	ns "$1$S"
	mkdir -p "/etc/netns/$1$S"
	echo "nameserver 10.215.0.1" >"/etc/netns/$1$S/resolv.conf"
	ETCNS="${ETCNS:-} /etc/netns/$1$S"
	vnetctl port add "$N" --tap "t$1$S" --netns "$1$S" ${2:+--mac $2} \
		>/dev/null || fail "port $1"
	DHCP_ENV="$T/$1.env" ip netns exec "$1$S" busybox udhcpc -i "t$1$S" \
		-s "$D/udhcpc.sh" -q -n -t 5 -T 1 -x "hostname:$1" -O hostname \
		>/dev/null 2>&1 || fail "$1 got no lease"
}
trap 'rm -rf ${ETCNS:-}; cleanup' EXIT

# Refusals: each says what is wrong; nothing changes.
refused "not inside subnet" network create "x$S" --type private \
	--subnet 10.216.0.0/24 --dhcp --range 10.216.1.10-10.216.1.20
refused "includes the gateway address" network create "x$S" --type private \
	--subnet 10.216.0.0/24 --dhcp --range 10.216.0.1-10.216.0.20
refused "needs a subnet" network create "x$S" --type private --dhcp
refused "outside subnet" dhcp reserve "$N" 52:54:00:21:50:01 10.99.0.5
vnetctl dhcp reserve "$N" 52:54:00:21:50:01 10.215.0.77 --hostname vm1 \
	>/dev/null || fail "reserve"
refused "already reserved" dhcp reserve "$N" 52:54:00:21:50:02 10.215.0.77
refused "not a unicast\|unicast MAC" dhcp reserve "$N" 01:00:5e:00:00:01 10.215.0.78
[ "$(vnetctl --json config export | jq -c '.reservations | length')" = 1 ] ||
	fail "reservations after refusals"
log "bad settings refused; only the good reservation is there"

# The reserved client gets its address and name; another one a dynamic one.
host vm1 52:54:00:21:50:01
grep -q "ip=10.215.0.77 " "$T/vm1.env" || fail "reservation not honoured: $(cat "$T/vm1.env")"
grep -q "hostname=vm1" "$T/vm1.env" || fail "hostname not sent back: $(cat "$T/vm1.env")"
host vm2
V2=$(sed 's/.* ip=\([^ ]*\).*/\1/' "$T/vm2.env")
log "vm1 has 10.215.0.77 (reserved, hostname vm1), vm2 has $V2"

# Names through the gateway.
got=$(ip netns exec "vm2$S" getent hosts vm1.lab.vnet | awk '{print $1}')
[ "$got" = 10.215.0.77 ] || fail "vm1.lab.vnet resolved to '$got'"
got=$(ip netns exec "vm1$S" getent hosts vm2.lab.vnet | awk '{print $1}')
[ "$got" = "$V2" ] || fail "vm2.lab.vnet (leased name) resolved to '$got'"
got=$(ip netns exec "vm2$S" getent hosts 10.215.0.77 | awk '{print $2}')
[ "$got" = vm1.lab.vnet ] || fail "PTR of 10.215.0.77 is '$got'"
ip netns exec "vm2$S" getent hosts nosuch.lab.vnet >/dev/null &&
	fail "an unknown name in the domain resolved"
log "vm1.lab.vnet, vm2.lab.vnet and the PTR resolve through the gateway"
got=$(ip netns exec "vm2$S" getent hosts outside.example | awk '{print $1}')
[ "$got" = 198.51.100.7 ] || fail "relayed name resolved to '$got' ($(cat "$T/up.log"))"
grep -q answered "$T/up.log" || fail "upstream was not asked"
log "outside.example relayed to $UP and answered"
c=$(vnetctl --json network show "$N" | jq -c '.gateway_counters | {dns_in, dns_out, dns_relayed}')
echo "$c" | jq -e '.dns_relayed >= 1 and .dns_out >= 4' >/dev/null || fail "counters $c"

# An answer larger than the guest takes: whole with EDNS0 room for it, cut
# to a well-formed truncated reply (TC, the question) without.  A forged
# answer (wrong ID) and a repeated one do not reach the guest.
ip netns exec "vm2$S" "$PY" - <<'PY' >"$T/big.log" 2>&1 || fail "relay sizes: $(cat "$T/big.log")"
import socket, struct
def ask(name, edns):
    qn = b"".join(bytes([len(l)]) + l for l in name.split(b".")) + b"\0"
    m = struct.pack(">6H", 0x5151, 0x0100, 1, 0, 0, 1 if edns else 0) + \
        qn + struct.pack(">HH", 16, 1)
    if edns:
        m += b"\0" + struct.pack(">HHIH", 41, edns, 0, 0)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(m, ("10.215.0.1", 53))
    ask.sock = s
    return m, s.recv(65535)
m, r = ask(b"big.example", 0)
i, fl, qd, an, ns, ar = struct.unpack(">6H", r[:12])
assert i == 0x5151 and fl & 0x0200 and (qd, an, ns, ar) == (1, 0, 0, 0) \
    and r[12:] == m[12:], r
m, r = ask(b"big.example", 1232)
i, fl, qd, an = struct.unpack(">4H", r[:8])
assert i == 0x5151 and not fl & 0x0200 and an == 1 and len(r) == 1045, \
    (len(r), r[:12])
m, r = ask(b"twice.example", 0)
assert r[:2] == b"\x51\x51" and struct.unpack(">H", r[6:8])[0] == 1, r
ask.sock.settimeout(0.3)
try:
    raise SystemExit("a second answer: %r" % ask.sock.recv(65535))
except socket.timeout:
    pass
print("ok")
PY
c=$(vnetctl --json network show "$N" | jq -c '.gateway_counters | {r: .dns_relay}')
echo "$c" | jq -e '.r.truncated == 1 and .r.drops.unknown_id >= 1' >/dev/null ||
	fail "relay counters $c"
log "a 1045-byte answer: whole with EDNS0, truncated (TC) without; $c"

# DNS over TCP (RFC 7766), what a resolver falls back to after TC: a
# client's name answered by the gateway, the 1045-byte answer relayed whole
# even without EDNS0; a query split over segments and two pipelined on one
# connection, each answered by its ID.
if command -v dig >/dev/null; then # package bind9-dnsutils
	got=$(ip netns exec "vm2$S" dig +tcp +short +time=3 +tries=1 \
		@10.215.0.1 vm1.lab.vnet A)
	[ "$got" = 10.215.0.77 ] || fail "vm1.lab.vnet over TCP: '$got'"
	# The gateway's own answer to an EDNS query carries an OPT record
	# (RFC 6891 7), with its UDP size; a version it does not speak gets
	# BADVERS.
	got=$(ip netns exec "vm2$S" dig +time=3 +tries=1 @10.215.0.1 \
		vm1.lab.vnet A)
	echo "$got" | grep -q "OPT PSEUDOSECTION" &&
		echo "$got" | grep -q "udp: 512" ||
		fail "no OPT record in the gateway's answer: $got"
	got=$(ip netns exec "vm2$S" dig +edns=1 +noednsnegotiation +time=3 \
		+tries=1 @10.215.0.1 vm1.lab.vnet A)
	echo "$got" | grep -q "status: BADVERS" ||
		fail "EDNS version 1 not answered BADVERS: $got"
	got=$(ip netns exec "vm2$S" dig +tcp +noedns +time=3 +tries=1 \
		@10.215.0.1 big.example TXT)
	echo "$got" | grep -q "MSG SIZE  rcvd: 1045" ||
		fail "big.example over TCP: $got"
	echo "$got" | grep -q "flags: qr rd ra;" ||
		fail "big.example over TCP truncated: $got"
	got=$(ip netns exec "vm2$S" dig +tcp +time=3 +tries=1 \
		@10.215.0.1 tconly.example TXT)
	echo "$got" | grep -q "MSG SIZE  rcvd: 3056" ||
		fail "tconly.example over TCP: $got"
else
	log "dig not installed (package bind9-dnsutils): DNS over TCP with python only"
fi
ip netns exec "vm2$S" "$PY" - <<'PY' >"$T/tcp.log" 2>&1 || fail "DNS over TCP: $(cat "$T/tcp.log")"
import socket, struct, time
def q(i, name, qtype=1):
    qn = b"".join(bytes([len(l)]) + l for l in name.split(b".")) + b"\0"
    m = struct.pack(">6H", i, 0x0100, 1, 0, 0, 0) + qn + struct.pack(">HH", qtype, 1)
    return struct.pack(">H", len(m)) + m
def read(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        assert c, "closed after %d of %d bytes" % (len(b), n)
        b += c
    return b
def answer(s):
    return read(s, struct.unpack(">H", read(s, 2))[0])
s = socket.create_connection(("10.215.0.1", 53), timeout=3)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
m = q(0x7001, b"vm1.lab.vnet")
for part in (m[:1], m[1:9], m[9:]): # split, the length prefix too
    s.sendall(part)
    time.sleep(0.05)
r = answer(s)
assert r[:2] == b"\x70\x01" and r[-4:] == socket.inet_aton("10.215.0.77"), r
s.sendall(q(0x7002, b"outside.example") + q(0x7003, b"vm1.lab.vnet"))
got = {}
for _ in range(2):
    r = answer(s)
    got[r[:2]] = r
assert got[b"\x70\x02"][-4:] == socket.inet_aton("198.51.100.7"), got
assert got[b"\x70\x03"][-4:] == socket.inet_aton("10.215.0.77"), got
s.sendall(q(0x7004, b"tconly.example", 16))
r = answer(s)
assert r[:2] == b"\x70\x04" and len(r) == 3056 and not r[2] & 2, r[:12]
s.shutdown(socket.SHUT_WR)
assert s.recv(10) == b"", "no FIN after the client's"
s.close()
print("ok")
PY
sleep 0.2
c=$(vnetctl --json network show "$N" | jq -c '.gateway_counters.dns_tcp')
echo "$c" | jq -e '.accepted >= 3 and .queries >= 5 and .open == 0 and
	.closed >= 1' >/dev/null || fail "TCP counters $c"
vnetctl network show "$N" | grep -q "^dns tcp .* connections (0 open)" ||
	fail "network show has no DNS over TCP line"
grep -q "answered over TCP .*tconly" "$T/up.log" ||
	fail "tconly.example was not asked over TCP: $(cat "$T/up.log")"
log "DNS over TCP: local and relayed names (upstream over TCP: 3056 bytes"\
" whole), split and pipelined queries; $c"
# Each relayed query leaves from a port of its own (the kernel's random
# pick), not one port for all.
p=$(awk '/answered/ {print $NF}' "$T/up.log" | sort -u | wc -l)
[ "$p" -ge 3 ] || fail "relayed queries came from $p port(s): $(cat "$T/up.log")"

# Unreserve: the reservation goes, the export shows it.
vnetctl dhcp unreserve "$N" 52:54:00:21:50:01 >/dev/null || fail unreserve
[ "$(vnetctl --json config export | jq -c '.reservations | length')" = 0 ] ||
	fail "unreserve"
pass
