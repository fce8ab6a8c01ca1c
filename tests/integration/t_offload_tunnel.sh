# TCP super-frames inside a UDP tunnel through vnetd: a VXLAN device in
# each namespace, one over a veth port (read through a packet socket, whose
# virtio-net header calls such a frame plain TCPV4 with its checksum at
# the inner TCP header), the other over a tap, which takes no tunnel
# super-frames, so vnetd (not the kernel fast path) must cut them: outer
# IPv4 and UDP lengths and checksums per segment, inner IP ids, lengths,
# TCP sequence numbers and checksums.  A file sent over TCP inside the
# tunnel must arrive intact.  The network's MTU (1600) fits the 1550-byte
# segments of a VXLAN MTU of 1500; at the network MTU of 1500 the same
# super-frames are counted as oversize, not lost unnamed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/offload.sh"
need_root
start_vnetd
ns "a$S"
ns "b$S"
vnetctl network create "tn$S" --type internal --mtu 1600 >/dev/null ||
	fail "create"
vnetctl port add "tn$S" --veth "va$S" --netns "a$S" >/dev/null || fail "veth a"
vnetctl port add "tn$S" --tap "tb$S" --netns "b$S" >/dev/null || fail "tap b"
addr "a$S" "va$S" 10.247.$N.11/24
addr "b$S" "tb$S" 10.247.$N.12/24
for x in a b; do
	if [ $x = a ]; then l=11 r=12 d="va$S"; else l=12 r=11 d="tb$S"; fi
	ip -n "$x$S" link add vx0 type vxlan id 42 dstport 4789 \
		local 10.247.$N.$l remote 10.247.$N.$r dev "$d" ||
		skip "no VXLAN devices here"
	ip -n "$x$S" link set vx0 mtu 1500
	addr "$x$S" vx0 192.168.$N.$l/24
done
pings "a$S" 192.168.$N.12
cnt() { jget "$1 // 0" port show "$2"; }

head -c 4M /dev/urandom >"$T/file"
c0=$(cnt .superframes_cut "va$S")
s0=$(cnt .superframes_segmented "tb$S")
tcp_copy "a$S" "b$S" 192.168.$N.12 5931 "$T/file" "$T/recv"
seg=$(($(cnt .superframes_segmented "tb$S") - s0))
log "VXLAN super-frames cut by vnetd for b: $seg"
[ "$seg" -gt 0 ] || fail "no VXLAN super-frame went through vnetd"
[ "$(cnt .counters.drops.gso_unsupported "va$S")" = 0 ] ||
	fail "VXLAN super-frames dropped as gso_unsupported"
[ "$(cnt .counters.drops.gso_failed "tb$S")" = 0 ] ||
	fail "VXLAN super-frames could not be cut for b"

# At MTU 1500 every super-frame vnetd takes is counted as oversize; a's
# end goes to MTU 9000, or the kernel's tunnel path-MTU check would shrink
# the inner segments itself.
vnetctl network set "tn$S" --mtu 1500 >/dev/null || fail "set mtu"
ip -n "a$S" link set "va$S" mtu 9000
o0=$(cnt .counters.drops.oversize "va$S")
r0=$(cnt .counters.rx_packets "va$S")
# The listener first (a connection refused sends no super-frame).
ip netns exec "b$S" timeout 5 $PY -c '
import socket, sys
s = socket.socket()
s.bind((sys.argv[1], 5932)); s.listen(1); s.settimeout(4)
try:
    c, _ = s.accept(); c.settimeout(1)
    while c.recv(65536): pass
except OSError:
    pass' 192.168.$N.12 &
srv=$!
PIDS="$PIDS $srv"
listening() { ip netns exec "b$S" ss -Hltn "sport = :5932" | grep -q .; }
wait_for 5 listening || fail "the listener in b$S did not start"
ip netns exec "a$S" timeout 3 $PY -c '
import socket, sys
try:
    s = socket.create_connection((sys.argv[1], 5932), timeout=1)
    s.sendall(bytes(1 << 18))
except OSError:
    pass' 192.168.$N.12
wait "$srv" 2>/dev/null
over=$(($(cnt .counters.drops.oversize "va$S") - o0))
log "at MTU 1500: $over super-frames counted as oversize"
[ "$over" -gt 0 ] || fail "no oversize drop for 1550-byte VXLAN segments"
pass
