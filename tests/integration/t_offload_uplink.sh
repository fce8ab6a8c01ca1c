# Offloads on an uplink: TCP super-frames from a namespace on a vnet tap
# leave through the packet socket whole (PACKET_VNET_HDR on transmit, the
# kernel or NIC segments them), and arrive intact outside; with the uplink's
# offloads turned off the kernel cuts them into MTU-sized frames with
# finished checksums, and the data still arrives intact.  The other way,
# super-frames the uplink receives enter the switch whole and reach the tap
# whole.  UDP super-frames (USO) from the tap leave through the uplink whole
# too, on kernels whose packet sockets take them (6.2 on), and arrive outside
# as the datagrams they were sent as.
# vnet-test: alone
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/offload.sh"
need_root
command -v ethtool >/dev/null || skip "ethtool not installed"
start_vnetd
ns "o$S"
ns "a$S"
veth "u$S" "p$S" "o$S"
addr "o$S" "p$S" 10.204.$N.1/24
vnetctl network create "ex$S" --type external >/dev/null || fail "create"
vnetctl port add "ex$S" --uplink "u$S" >/dev/null || fail "uplink"
vnetctl port add "ex$S" --tap "ta$S" --netns "a$S" >/dev/null || fail "tap"
addr "a$S" "ta$S" 10.204.$N.11/24
pings "a$S" 10.204.$N.1
head -c 32M /dev/urandom >"$T/file"
tcp_copy "a$S" "o$S" 10.204.$N.1 5903 "$T/file" "$T/out1"
w=$(jget .superframes_sent_whole port show "u$S")
[ "$w" -gt 0 ] || fail "no super-frame left through the uplink whole"
[ "$(jget .superframes_segmented port show "u$S")" = 0 ] ||
	fail "vnetd cut super-frames for an uplink that takes them"
log "uplink: $w super-frames sent whole"

# UDP super-frames: a socket in a with UDP_SEGMENT sends $PER datagrams of
# $SEG bytes per send, the tap gives vnetd each send as one super-frame, and
# vnetd hands it to the uplink's packet socket whole; the kernel cuts it for
# the socket in o, which must get every datagram, intact, once.
U=20 SEG=1400 PER=40
kv=$(uname -r | awk -F. '{print $1 * 1000 + $2}')
if [ "$kv" -lt 6002 ]; then
	skip_part uplink-uso "kernel $(uname -r): packet sockets take UDP super-frames from 6.2 on"
else
	w0=$(jget .superframes_sent_whole port show "u$S")
	c0=$(jget .superframes_segmented port show "u$S")
	ip netns exec "o$S" $PY -c '
import socket, sys
n, seg, per = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
pat = bytes((k * 7) & 255 for k in range(2048))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE
s.bind((sys.argv[1], int(sys.argv[2])))
open(sys.argv[6], "w").close()
s.settimeout(5)
got, bad = set(), 0
try:
    while len(got) < n * per:
        d = s.recv(65536)
        i, j = int.from_bytes(d[:2], "big"), int.from_bytes(d[2:4], "big")
        o = (i * 31 + j) & 255
        if len(d) != seg or d[4:] != pat[o:o + seg - 4] or (i, j) in got:
            bad += 1
        else:
            got.add((i, j))
except socket.timeout:
    pass
print(len(got), bad)' 10.204.$N.1 5906 $U $SEG $PER "$T/uready" >"$T/uout" &
	rpid=$!
	PIDS="$PIDS $rpid"
	for _ in $(seq 50); do [ -e "$T/uready" ] && break; sleep 0.1; done
	ip netns exec "a$S" $PY -c '
import socket, sys, time
n, seg, per = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
pat = bytes((k * 7) & 255 for k in range(2048))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_UDP, 103, seg)  # UDP_SEGMENT
s.connect((sys.argv[1], int(sys.argv[2])))
for i in range(n):
    s.send(b"".join(i.to_bytes(2, "big") + j.to_bytes(2, "big") +
                    pat[(i * 31 + j) & 255:][:seg - 4] for j in range(per)))
    time.sleep(0.01)' 10.204.$N.1 5906 $U $SEG $PER ||
		fail "sending UDP super-frames from a failed"
	wait "$rpid"
	read -r got bad <"$T/uout"
	w1=$(jget .superframes_sent_whole port show "u$S")
	c1=$(jget .superframes_segmented port show "u$S")
	log "UDP: $got of $((U * PER)) datagrams arrived intact ($bad bad); uplink: $((w1 - w0)) super-frames whole, $((c1 - c0)) cut"
	[ "$((c1 - c0))" = 0 ] ||
		fail "vnetd cut $((c1 - c0)) UDP super-frames for an uplink whose kernel takes them"
	[ "$((w1 - w0))" -ge "$U" ] ||
		fail "only $((w1 - w0)) of $U UDP super-frames left through the uplink whole"
	[ "$bad" = 0 ] || fail "$bad UDP datagrams arrived damaged or twice"
	[ "$got" = $((U * PER)) ] ||
		fail "$got of $((U * PER)) UDP datagrams arrived"
fi
# The outside without offloads on the link: the kernel segments for it.
ethtool -K "u$S" tso off gso off tx off >/dev/null 2>&1 ||
	fail "cannot turn the uplink's offloads off"
ip netns exec "o$S" tcpdump -c 2000 -nn -i "p$S" -w "$T/cap" tcp port 5904 \
	>/dev/null 2>&1 &
TPID=$!
PIDS="$PIDS $TPID"
sleep 0.5
tcp_copy "a$S" "o$S" 10.204.$N.1 5904 "$T/file" "$T/out2"
kill "$TPID" 2>/dev/null
wait "$TPID" 2>/dev/null
if ! command -v tcpdump >/dev/null; then
	skip_part uplink-sizes "tcpdump not installed: the outside's frame sizes are not checked"
else
	[ -s "$T/cap" ] || fail "tcpdump captured nothing on the outside"
	big=$($PY -c '
import struct, sys
d = open(sys.argv[1], "rb").read()
big = 0; o = 24
while o + 16 <= len(d):
    incl, orig = struct.unpack("<II", d[o + 8:o + 16])
    big += orig > 1514
    o += 16 + incl
print(big)' "$T/cap")
	[ "$big" = 0 ] || fail "$big frames larger than the MTU reached outside"
	log "outside without offloads saw only MTU-sized frames"
fi
# And back: super-frames from outside enter the switch whole and reach the
# tap (which takes them) whole.
ethtool -K "u$S" tso on gso on tx on >/dev/null 2>&1
w0=$(jget .superframes_sent_whole port show "ta$S")
tcp_copy "o$S" "a$S" 10.204.$N.11 5905 "$T/file" "$T/back"
w1=$(jget .superframes_sent_whole port show "ta$S")
log "outside -> tap: $((w1 - w0)) super-frames passed whole, $(jget .superframes_cut port show "u$S") cut on receive"
[ "$w1" -gt "$w0" ] || fail "no super-frame from outside reached the tap whole"
pass
