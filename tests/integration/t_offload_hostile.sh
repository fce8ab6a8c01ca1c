# Hostile virtio-net headers from a vhost-user frontend: a GSO type it did
# not negotiate, a checksum start outside the frame, a gso_size of 0 or
# under TCP's smallest MSS, a super-frame larger than 64 KB, headers that
# do not match the GSO type, an IPv4 total length one short or one long, an
# IPv6 payload length or a UDP length that is not the frame's, a wrong IPv4
# header checksum.  Every frame is otherwise right (lengths, IPv4 header
# checksum, partial checksum), so each is dropped under exactly its own
# named reason; two receiving frontends on the network, one taking TSO and
# USO and one taking no offload, get nothing of it; the queue keeps working
# (no fault, no disconnect) and vnetd lives on.  Good frames between them
# still flow: a TCPv4 and a UDPv4 super-frame reach the first receiver
# whole (same bytes, same GSO header) and the second as segments with
# finished lengths and checksums; a TCP frame with a GSO header and less
# payload than its gso_size is a plain frame, cut for no one.
. "$(dirname "$0")/lib.sh"
need_root
PEER=$(readlink -f "$BUILD/vnet-vu-peer")
start_vnetd
vnetctl network create "oh$S" --type private >/dev/null || fail create
for p in v w c; do
	vnetctl port add "oh$S" --vhost-user "$T/$p.sock" >/dev/null ||
		fail "vhost-user port $p"
done
REASONS="offload_not_negotiated csum_out_of_frame bad_gso_size gso_too_big
	gso_bad_frame gso_bad_length gso_bad_ip_csum"
# counts: v's drops under each reason and frames in; then for w and for c
# super-frames sent whole, super-frames segmented, frames out.
counts() {
	vnetctl --json port show v | jq -r --arg r "$(echo $REASONS)" \
		'[($r | split(" "))[] as $k | .counters.drops[$k]] +
		 [.counters.rx_packets] | map(tostring) | join(" ")'
	for p in w c; do
		jget '"\(.superframes_sent_whole) \(.superframes_segmented) \(.counters.tx_packets)"' \
			port show $p
	done
}
# want REASON | whole SEGMENTS | plain: the changes counts must show.
want() {
	out=""
	for r in $REASONS; do
		[ "$r" = "$1" ] && out="$out 1" || out="$out 0"
	done
	case $1 in
	whole) echo $out 1 1 0 1 0 1 "$2" ;;
	plain) echo $out 1 0 0 1 0 0 1 ;;
	*) echo $out 0 0 0 0 0 0 0 ;;
	esac
}
# delta BEFORE AFTER: the change of each count.
delta() {
	echo $1 $2 | awk '{ n = NF / 2; s = "";
		for (i = 1; i <= n; i++) s = s (i > 1 ? " " : "") $(i + n) - $i;
		print s }'
}
for k in tso4:whole:14 nonego:offload_not_negotiated \
	csum:csum_out_of_frame gso0:bad_gso_size gsotiny:bad_gso_size \
	toobig:gso_too_big mismatch:gso_bad_frame ip4short:gso_bad_length \
	ip4long:gso_bad_length ip6len:gso_bad_length udplen:gso_bad_length \
	ipcsum:gso_bad_ip_csum uso:whole:6 onesegment:plain tso4:whole:14; do
	kind=${k%%:*} rest=${k#*:}
	w=$(want ${rest%%:*} ${rest#*:})
	before=$(counts)
	out=$("$PEER" badhdr "$T/v.sock" "$kind" "$T/w.sock" "$T/c.sock" 2>&1) ||
		fail "$kind: $out"
	# Counters are summed from the datapath threads a moment later.
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		d=$(delta "$(echo $before)" "$(echo $(counts))")
		[ "$d" = "$w" ] && break
		sleep 0.1
	done
	[ "$d" = "$w" ] ||
		fail "$kind: counters (v: drops by reason, rx; w and c: whole, segmented, tx) changed by $d, want $w"
	log "$kind: ${out:-dropped as ${rest%%:*}, nothing reached w or c}"
done
# Still a working port: a well-behaved frontend gets through the handshake.
"$PEER" handshake "$T/v.sock" >/dev/null || fail "port dead after bad headers"
pass
