# Tunnel super-frames on the veth fast path: a VXLAN device in each
# namespace, over its veth end raised to MTU 9000 (so the kernel's tunnel
# path-MTU check does not shrink the inner TCP segments).  The fast path
# judges a VXLAN super-frame by its segments as they leave, outer headers,
# VXLAN and inner headers included, not by its outer headers alone: with
# the VXLAN devices at MTU 1450 each segment fills the network's 1500 bytes
# and the super-frames cross on the fast path; at MTU 1500 each would be
# 1550 bytes, and none may cross there: vnetd gets them, and counts them
# as oversize (t_offload_tunnel.sh: through vnetd where they fit).
. "$(dirname "$0")/lib.sh"
need_root
start_vnetd
veth_pair "vt$S" 10.246.$N
for x in a b; do
	if [ $x = a ]; then l=11 r=12; else l=12 r=11; fi
	ip -n "$x$S" link set "v$x$S" mtu 9000
	ip -n "$x$S" link add vx0 type vxlan id 42 dstport 4789 \
		local 10.246.$N.$l remote 10.246.$N.$r dev "v$x$S" ||
		skip "no VXLAN devices here"
	addr "$x$S" vx0 192.168.$N.$l/24
done
supers() { jget '.counters.fast_path.superframes // 0' port show "va$S"; }

# tcp_over_vxlan MTU: both VXLAN devices at MTU, then a sends 1 MB over
# TCP to b through them (for at most 3 s); prints the bytes b got.
tcp_over_vxlan() {
	ip -n "a$S" link set vx0 mtu "$1"
	ip -n "b$S" link set vx0 mtu "$1"
	ip netns exec "b$S" timeout 4 $PY -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5998))
s.listen(1)
s.settimeout(3)
n = 0
try:
    c, _ = s.accept()
    c.settimeout(3)
    while True:
        d = c.recv(65536)
        if not d:
            break
        n += len(d)
except OSError:
    pass
print(n)' 192.168.$N.12 >"$T/got" &
	srv=$!
	wait_for 5 eval '[ -n "$(ip netns exec "b$S" ss -Hltn "sport = :5998")" ]' ||
		fail "no listener in b"
	ip netns exec "a$S" timeout 3 $PY -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 5998), timeout=3)
s.sendall(bytes(1 << 20))' 192.168.$N.12 2>/dev/null
	wait "$srv"
	cat "$T/got"
}

pings "a$S" 192.168.$N.12
s0=$(supers)
got=$(tcp_over_vxlan 1450)
s1=$(supers)
log "VXLAN at MTU 1450: $got bytes arrived, $((s1 - s0)) super-frames on the fast path"
[ "$got" = $((1 << 20)) ] || fail "only $got bytes crossed VXLAN at MTU 1450"
[ $((s1 - s0)) -gt 0 ] || fail "no VXLAN super-frame took the fast path"
o1=$(jget '.counters.drops.oversize // 0' port show "va$S")
got=$(tcp_over_vxlan 1500)
s2=$(supers)
o2=$(jget '.counters.drops.oversize // 0' port show "va$S")
log "VXLAN at MTU 1500: $got bytes arrived, $((s2 - s1)) super-frames on the fast path, $((o2 - o1)) oversize in vnetd"
[ "$s2" = "$s1" ] ||
	fail "$((s2 - s1)) VXLAN super-frames of 1550-byte segments took the fast path"
# vnetd takes them as tunnel super-frames and counts them as oversize.
[ $((o2 - o1)) -gt 0 ] || fail "vnetd counted no VXLAN super-frame as oversize"
[ "$(jget '.counters.drops.gso_unsupported // 0' port show "va$S")" = 0 ] ||
	fail "VXLAN super-frames dropped as gso_unsupported"

# A frame that is not a super-frame, 3028 bytes from a's end at MTU 9000:
# the host end takes it (the veth would drop it uncounted at the network's
# MTU) and vnetd counts it as oversize.
o2=$(jget '.counters.drops.oversize // 0' port show "va$S")
ip netns exec "a$S" ping -c 3 -i 0.2 -W 1 -M do -s 3000 10.246.$N.12 \
	>/dev/null 2>&1 && fail "a 3028-byte datagram crossed a 1500 MTU network"
o3=$(jget '.counters.drops.oversize // 0' port show "va$S")
log "3028-byte datagrams: $((o3 - o2)) dropped as oversize"
[ $((o3 - o2)) -ge 3 ] || fail "only $((o3 - o2)) of 3 oversize frames counted"
pass
