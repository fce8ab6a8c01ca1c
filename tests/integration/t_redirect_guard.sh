# Router guard, IPv4: an ICMP Redirect a guest sends (here from the
# address of the other guest's default gateway, with the header of a
# datagram that guest sent, as a router would) is dropped on an untrusted
# veth port and counted as router_guard, and the other guest's kernel,
# which takes redirects from its gateway, keeps its route; from a
# --router-trusted port the same redirect reaches it and moves the route
# to 10.99.0.5 to the gateway it names.  Echoes between them still take the
# kernel fast path (only redirects and ICMP fragments go to vnetd).
. "$(dirname "$0")/lib.sh"
need_root
start_vnetd
vnetctl network create "rd$S" --type internal >/dev/null || fail "create"
for h in r c; do
	ns "$h$S"
	vnetctl port add "rd$S" --veth "v$h$S" --netns "$h$S" >/dev/null ||
		fail "port $h"
done
addr "r$S" "vr$S" 10.247.$N.11/24
addr "c$S" "vc$S" 10.247.$N.12/24
ip -n "c$S" route add default via 10.247.$N.11 || fail "default route"
ip netns exec "c$S" sysctl -qw net.ipv4.conf.all.accept_redirects=1 \
	net.ipv4.conf.vc$S.accept_redirects=1
# The gateway the redirect names, known to the host (a redirect to a
# gateway it has no neighbour entry for waits for ARP).
ip -n "c$S" neigh add 10.247.$N.13 lladdr 02:00:00:00:00:13 dev "vc$S" nud permanent
pings "c$S" 10.247.$N.11
f0=$(jget '.counters.fast_path.rx_packets' port show "vc$S")
[ "$f0" -gt 0 ] || fail "echoes did not take the fast path"

via() { ip -n "c$S" route get 10.99.0.5 | grep -o 'via [0-9.]*' | cut -d' ' -f2; }
drops() { jget ".counters.drops.router_guard // 0" port show "vr$S"; }
# redirect: r sends c an ICMP Redirect (host, code 1) for 10.99.0.5 to
# 10.247.N.13, from 10.247.N.11, quoting an echo reply c's kernel sent
# there (what a kernel applies a redirect for without a socket).
redirect() {
	mac=$(ip -n "c$S" -o link show "vc$S" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
	ip netns exec "r$S" $PY - "vr$S" "$mac" "$N" <<'PY' || fail "cannot send the redirect"
import socket, struct, sys
dev, mac, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff
def ip4(src, dst, proto, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0, 64,
                    proto, 0, socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload
net = "10.247.%d." % n
echo = struct.pack("!BBHHH", 0, 0, 0, 1, 1)
echo = echo[:2] + struct.pack("!H", csum(echo)) + echo[4:]
inner = ip4(net + "12", "10.99.0.5", 1, echo)
icmp = struct.pack("!BBH4s", 5, 1, 0, socket.inet_aton(net + "13")) + inner
icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
tx.bind((dev, 0))
src = tx.getsockname()[4]
tx.send(bytes.fromhex(mac.replace(":", "")) + src + b"\x08\x00" +
        ip4(net + "11", net + "12", 1, icmp))
PY
}

[ "$(via)" = 10.247.$N.11 ] || fail "route to 10.99.0.5 via $(via) at first"
g0=$(drops)
redirect
counted() { [ "$(drops)" -gt "$g0" ]; }
# Exactly one: once it is counted, a moment more for a second count.
wait_for 5 counted && sleep 0.2
g1=$(drops)
[ $((g1 - g0)) = 1 ] || fail "router_guard drops $g0 -> $g1 for one redirect"
[ "$(via)" = 10.247.$N.11 ] || fail "an untrusted guest's redirect moved the route to $(via)"
log "untrusted: the redirect dropped ($g0 -> $g1), the route stays"

vnetctl port set "vr$S" --router-trusted >/dev/null || fail "set trusted"
redirect
for i in $(seq 20); do
	[ "$(via)" = 10.247.$N.13 ] && break
	sleep 0.1
done
[ "$(via)" = 10.247.$N.13 ] || fail "a trusted router's redirect did not reach the host: via $(via)"
[ "$(drops)" = "$g1" ] || fail "a trusted port's redirect counted as router_guard"
log "trusted: the route moved to 10.247.$N.13"
pass
