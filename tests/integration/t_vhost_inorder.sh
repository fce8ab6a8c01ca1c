# vhost-user VIRTIO_F_IN_ORDER: vnetd offers it, and a frontend that
# negotiates it gets its transmit chains back in the order it made them
# available, a chain dropped for a bad header included (a frame, a chain too
# short for a header, a frame: used entries 0, 1, 2).
. "$(dirname "$0")/lib.sh"
need_root
PEER=$(readlink -f "$BUILD/vnet-vu-peer")
start_vnetd
vnetctl network create "io$S" --type private >/dev/null || fail create
vnetctl port add "io$S" --vhost-user "$T/v.sock" >/dev/null || fail vhost
"$PEER" inorder "$T/v.sock" || fail "chains given back out of order"
[ "$(jget '.counters.drops.bad_vnet_hdr' port show v)" = 1 ] ||
	fail "the short chain was not dropped as bad_vnet_hdr"
[ "$(jget '.counters.rx_packets' port show v)" = 2 ] ||
	fail "the two frames did not reach the switch"
pass
