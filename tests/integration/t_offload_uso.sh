# UDP super-frames (USO) the kernel hands vnetd: a namespace on a veth port
# sends with UDP_SEGMENT (QUIC servers do), and each send crosses the veth
# as one UDP super-frame that vnetd's packet socket receives with a
# VIRTIO_NET_HDR_GSO_UDP_L4 header.  It must enter the switch whole, reach a
# tap (which takes USO) whole, and be cut into its datagrams for a libpcap
# uplink (which takes no offload); every datagram arrives intact and once.
# Neither egress is a veth, so the fast path (veth to veth in the kernel)
# forwards none of it: every frame passes vnetd.
# vnet-test: alone
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/offload.sh"
need_root
command -v ethtool >/dev/null || skip "ethtool not installed"
kernel_uso || skip "kernel $(uname -r): packet sockets carry UDP super-frames from 6.2 on"
start_vnetd
ns "a$S"
ns "b$S"
ns "o$S"
veth "u$S" "p$S" "o$S"
addr "o$S" "p$S" 10.215.$N.1/24
vnetctl network create "ex$S" --type external >/dev/null || fail "create"
vnetctl port add "ex$S" --uplink "u$S" --backend pcap >/dev/null ||
	fail "pcap uplink"
vnetctl port add "ex$S" --veth "va$S" --netns "a$S" >/dev/null || fail "veth"
vnetctl port add "ex$S" --tap "tb$S" --netns "b$S" >/dev/null || fail "tap"
addr "a$S" "va$S" 10.215.$N.11/24
addr "b$S" "tb$S" 10.215.$N.12/24
pings "a$S" 10.215.$N.12
pings "a$S" 10.215.$N.1
ip netns exec "a$S" ethtool -k "va$S" |
	grep -q '^tx-udp-segmentation: on' ||
	fail "the veth in a does not pass UDP super-frames whole"

U=20 SEG=1400 PER=40
cnt() { jget "$1" port show "$2"; }
# uso_run TO-NS TO-ADDR PORT EGRESS: send, then the ingress counters.
uso_run() {
	r0=$(cnt .counters.rx_packets "va$S")
	w0=$(cnt .superframes_sent_whole "$4")
	c0=$(cnt .superframes_segmented "$4")
	udp_gso_copy "a$S" "$1" "$2" "$3" $U $SEG $PER
	rx=$(($(cnt .counters.rx_packets "va$S") - r0))
	whole=$(($(cnt .superframes_sent_whole "$4") - w0))
	cut=$(($(cnt .superframes_segmented "$4") - c0))
	log "veth in: $rx frames for $U sends; $4 out: $whole whole, $cut cut"
	[ "$(cnt .counters.drops.gso_unsupported "va$S")" = 0 ] ||
		fail "vnetd dropped UDP super-frames from the veth as gso_unsupported"
	[ "$(cnt .superframes_cut "va$S")" = 0 ] ||
		fail "vnetd cut UDP super-frames on receive instead of taking them whole"
	# Whole: one frame a send (ARP may add a few), not one a datagram.
	[ "$rx" -lt $((U + 10)) ] ||
		fail "$rx frames entered from the veth for $U UDP super-frames"
}
uso_run "b$S" 10.215.$N.12 5915 "tb$S"
[ "$whole" -ge "$U" ] && [ "$cut" = 0 ] ||
	fail "the tap got $whole UDP super-frames whole and $cut cut, not $U whole"
uso_run "o$S" 10.215.$N.1 5916 "u$S"
[ "$cut" -ge "$U" ] && [ "$whole" = 0 ] ||
	fail "the pcap uplink got $cut UDP super-frames cut and $whole whole, not $U cut"
fb=$(cnt .counters.fast_path.rx_bytes "va$S")
[ "${fb:-0}" = null ] && fb=0
[ "$fb" -lt 100000 ] || fail "the fast path carried $fb bytes: vnetd was bypassed"
pass
