# Fragments and pings the NAT gateway must not pass or answer naively,
# with the external MTU at 1280 (the gateway cuts what it forwards):
#   - a VM sends a first fragment (a real UDP header, MF) and then a
#     fragment of the same datagram at offset 64280 carrying 1400 bytes:
#     it ends past 65535, so it is dropped (frag_too_long); cut by the
#     gateway, its second piece's offset would have run into the flag bits
#     and left as an offset-0 fragment whose "UDP header" (53 -> 53) the
#     VM chose;
#   - an echo request to the external address with a loose source route
#     option is answered from a 20-byte header (the route not echoed), and
#     the first fragment of one is not answered at all (host_frag).
. "$(dirname "$0")/lib.sh"
need_root
start_vnetd
VM=10.249.0.10
nat_setup 10.248.0 10.249.0 $VM
pings "a$S" $OUT
vnetctl network set "$X" --mtu 1280 >/dev/null || fail "set --mtu 1280"
ip -n "o$S" link set "p$S" mtu 1280
pings "a$S" $OUT

# Capture on the outside for 2 s: fragments at offset 0 with MF whose first
# L4 bytes read as UDP 53 -> 53, and ICMP echo replies (their header
# lengths).
ip netns exec "o$S" python3 -c "
import socket, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind(('p$S', 0x0800))
s.settimeout(0.1)
forged = 0
replies = []
end = time.monotonic() + 2
while time.monotonic() < end:
    try:
        f, a = s.recvfrom(4096)
    except socket.timeout:
        continue
    if a[2] == socket.PACKET_OUTGOING:
        continue
    ip = f[14:]
    hl = (ip[0] & 15) * 4
    if ip[9] == 17 and int.from_bytes(ip[6:8], 'big') == 0x2000 and ip[hl:hl + 4] == bytes([0, 53, 0, 53]):
        forged += 1
    if ip[9] == 1 and ip[hl] == 0:
        replies.append(hl)
print(forged, ' '.join(map(str, replies)) or '-')
" >"$T/cap" 2>&1 &
CAP=$!
PIDS="$PIDS $CAP"
sleep 0.3
# The VM's two fragments (raw IPv4, header included).
ip netns exec "a$S" python3 -c "
import socket, struct
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def ip(frag, payload):
    h = bytearray(struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), 7,
        frag, 64, 17, 0, socket.inet_aton('$VM'), socket.inet_aton('$OUT')))
    struct.pack_into('!H', h, 10, csum(bytes(h)))
    return bytes(h) + payload
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
first = struct.pack('!HHHH', 5000, 9, 1000, 0) + b'x' * 16
later = bytearray(1400)
later[1256:1260] = bytes([0, 53, 0, 53])
s.sendto(ip(0x2000, first), ('$OUT', 0))
s.sendto(ip(8035, bytes(later)), ('$OUT', 0))
" || fail "fragments"
# Echo requests to the external address from the outside: with an LSRR
# option (route done: pointer past the end), and a first fragment.
ip netns exec "o$S" python3 -c "
import socket, struct
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
icmp = bytearray(struct.pack('!BBHHH', 8, 0, 0, 77, 1) + bytes(range(16)))
struct.pack_into('!H', icmp, 2, csum(bytes(icmp)))
def ip(frag, opts):
    hl = 5 + len(opts) // 4
    h = bytearray(struct.pack('!BBHHHBBH4s4s', 0x40 | hl, 0, hl * 4 + len(icmp),
        9, frag, 64, 1, 0, socket.inet_aton('$OUT'), socket.inet_aton('$NATIP')) + opts)
    struct.pack_into('!H', h, 10, csum(bytes(h)))
    return bytes(h) + bytes(icmp)
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
lsrr = bytes([131, 7, 8]) + socket.inet_aton('$OUT') + bytes([0])
s.sendto(ip(0, lsrr), ('$NATIP', 0))
s.sendto(ip(0x2000, b''), ('$NATIP', 0))
" || fail "echo requests"
wait "$CAP"
read -r forged replies <"$T/cap" || fail "capture: $(cat "$T/cap")"
log "outside: $forged forged offset-0 fragments, echo replies with header lengths: $replies"
[ "$forged" = 0 ] || fail "$forged offset-0 fragments with the VM's bytes left the gateway"
[ "$replies" = 20 ] || fail "echo replies' header lengths '$replies' (want one, of 20)"
drop() { vnetctl --json network show "$L" | jq ".nat.drops.$1 // 0"; }
[ "$(drop frag_too_long)" = 1 ] || fail "frag_too_long $(drop frag_too_long)"
[ "$(drop host_frag)" = 1 ] || fail "host_frag $(drop host_frag)"
log "dropped: frag_too_long $(drop frag_too_long), host_frag $(drop host_frag)"
pings "a$S" $OUT
pass
