# Offloads on an uplink: TCP super-frames from a namespace on a vnet tap
# leave through the packet socket whole (PACKET_VNET_HDR on transmit, the
# kernel or NIC segments them), and arrive intact outside; with the uplink's
# offloads turned off the kernel cuts them into MTU-sized frames with
# finished checksums, and the data still arrives intact.  The other way,
# super-frames the uplink receives enter the switch whole and reach the tap
# whole.  UDP super-frames (USO) from the tap leave through the uplink whole
# too, on kernels whose packet sockets take them (6.2 on), and arrive outside
# as the datagrams they were sent as, and enter from outside whole.
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
if ! kernel_uso; then
	skip_part uplink-uso "kernel $(uname -r): packet sockets take UDP super-frames from 6.2 on"
else
	w0=$(jget .superframes_sent_whole port show "u$S")
	c0=$(jget .superframes_segmented port show "u$S")
	udp_gso_copy "a$S" "o$S" 10.204.$N.1 5906 $U $SEG $PER
	w1=$(jget .superframes_sent_whole port show "u$S")
	c1=$(jget .superframes_segmented port show "u$S")
	log "uplink: $((w1 - w0)) UDP super-frames whole, $((c1 - c0)) cut"
	[ "$((c1 - c0))" = 0 ] ||
		fail "vnetd cut $((c1 - c0)) UDP super-frames for an uplink whose kernel takes them"
	[ "$((w1 - w0))" -ge "$U" ] ||
		fail "only $((w1 - w0)) of $U UDP super-frames left through the uplink whole"
fi
# The outside without offloads on the link: the kernel segments for it.
ethtool -K "u$S" tso off gso off tx off >/dev/null 2>&1 ||
	fail "cannot turn the uplink's offloads off"
ip netns exec "o$S" tcpdump -c 2000 -nn -i "p$S" -w "$T/cap" tcp port 5904 \
	>/dev/null 2>"$T/cap.err" &
TPID=$!
PIDS="$PIDS $TPID"
if command -v tcpdump >/dev/null; then
	wait_for 10 grep -q "listening on" "$T/cap.err" ||
		fail "tcpdump did not start: $(cat "$T/cap.err")"
fi
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
# UDP super-frames from outside (UDP_SEGMENT in o: the veth carries each
# send whole) enter the switch whole too, where the kernel's packet socket
# hands them over with their header, and reach the tap whole.
if kernel_uso; then
	w0=$(jget .superframes_sent_whole port show "ta$S")
	c0=$(jget .superframes_cut port show "u$S")
	udp_gso_copy "o$S" "a$S" 10.204.$N.11 5907 $U $SEG $PER
	w1=$(jget .superframes_sent_whole port show "ta$S")
	c1=$(jget .superframes_cut port show "u$S")
	log "outside -> tap: $((w1 - w0)) UDP super-frames passed whole, $((c1 - c0)) cut on receive"
	[ "$(jget .counters.drops.gso_unsupported port show "u$S")" = 0 ] ||
		fail "the uplink dropped UDP super-frames as gso_unsupported"
	[ "$((c1 - c0))" = 0 ] && [ "$((w1 - w0))" -ge "$U" ] ||
		fail "UDP super-frames from outside: $((w1 - w0)) reached the tap whole, $((c1 - c0)) cut on receive"
fi
pass
