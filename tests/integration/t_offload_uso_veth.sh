# UDP super-frames (USO) between two namespaces on veth ports: a sender
# with UDP_SEGMENT puts one UDP super-frame on its veth per send, and the
# kernel fast path (BPF at the host ends) must move it to the other
# namespace whole, where every datagram arrives intact and once.  The
# counters must show the bytes crossing the fast path as super-frames, and
# vnetd's own receive path must see none of them (no second copy, nothing
# cut on the way).
# vnet-test: alone
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/offload.sh"
need_root
command -v ethtool >/dev/null || skip "ethtool not installed"
start_vnetd
ns "a$S"
ns "b$S"
vnetctl network create "in$S" --type internal >/dev/null || fail "create"
vnetctl port add "in$S" --veth "va$S" --netns "a$S" >/dev/null || fail "veth a"
vnetctl port add "in$S" --veth "vb$S" --netns "b$S" >/dev/null || fail "veth b"
fast=$(jget '.fast_path' port show "va$S")
[ "$fast" = on ] || skip "no fast path here: $(jget '.fast_path_error' port show "va$S")"
addr "a$S" "va$S" 10.216.$N.11/24
addr "b$S" "vb$S" 10.216.$N.12/24
pings "a$S" 10.216.$N.12
pings "b$S" 10.216.$N.11
ip netns exec "a$S" ethtool -k "va$S" |
	grep -q '^tx-udp-segmentation: on' ||
	skip "the veth in a does not pass UDP super-frames whole on this kernel"

cnt() { v=$(jget "$1" port show "va$S"); [ "$v" = null ] && v=0; echo "$v"; }
U=20 SEG=1400 PER=40
fb0=$(cnt .counters.fast_path.rx_bytes)
fs0=$(cnt .counters.fast_path.superframes)
rx0=$(cnt .counters.rx_bytes)
fr0=$(cnt .counters.fast_path.rx_packets)
udp_gso_copy "a$S" "b$S" 10.216.$N.12 5917 $U $SEG $PER
fb=$(($(cnt .counters.fast_path.rx_bytes) - fb0))
fs=$(($(cnt .counters.fast_path.superframes) - fs0))
fr=$(($(cnt .counters.fast_path.rx_packets) - fr0))
rx=$(($(cnt .counters.rx_bytes) - rx0))
log "fast path from a: $fb bytes in $fr frames, $fs super-frames; rx counted $rx bytes"
# Payload alone: U sends of PER datagrams of SEG bytes.
[ "$fb" -ge $((U * PER * SEG)) ] ||
	fail "only $fb bytes of $((U * PER * SEG)) took the fast path"
[ "$fs" -ge "$U" ] || fail "$fs super-frames on the fast path for $U sends"
# Whole: one frame a send (ARP may add a few), not one a datagram.
[ "$fr" -lt $((U + 10)) ] || fail "$fr frames on the fast path for $U sends: cut on the way"
[ "$(cnt .superframes_cut)" = 0 ] || fail "vnetd cut UDP super-frames it should never have seen"
[ "$(cnt .counters.drops.gso_unsupported)" = 0 ] ||
	fail "UDP super-frames dropped as gso_unsupported"
# vnetd itself received only the rest (ARP), not a second copy.
[ $((rx - fb)) -lt 65536 ] ||
	fail "vnetd received $((rx - fb)) bytes the fast path forwarded too"
pass
