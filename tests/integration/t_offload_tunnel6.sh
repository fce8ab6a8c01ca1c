# TCP super-frames inside a VXLAN tunnel over IPv6 through vnetd: as
# t_offload_tunnel, with the outer header IPv6 (whose UDP checksum is not
# optional, so each cut segment's outer UDP checksum is computed over the
# IPv6 pseudo-header) and the inner one IPv4.  One end is a veth port (the
# kernel's super-frames arrive whole through a packet socket), the other a
# tap, which takes no tunnel super-frames: vnetd cuts them.  A file sent
# over TCP inside the tunnel must arrive intact, and the tap's end must
# have counted no bad checksum.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/offload.sh"
need_root
start_vnetd
ns "a$S"
ns "b$S"
vnetctl network create "t6$S" --type internal --mtu 1600 >/dev/null ||
	fail "create"
vnetctl port add "t6$S" --veth "va$S" --netns "a$S" >/dev/null || fail "veth a"
vnetctl port add "t6$S" --tap "tb$S" --netns "b$S" >/dev/null || fail "tap b"
o6=fd00:247:$N
for x in a b; do
	if [ $x = a ]; then l=11 r=12 d="va$S"; else l=12 r=11 d="tb$S"; fi
	ip -n "$x$S" addr add "$o6::$l/64" dev "$d" nodad
	ip -n "$x$S" link set "$d" up
	ip -n "$x$S" link add vx0 type vxlan id 42 dstport 4789 \
		local "$o6::$l" remote "$o6::$r" dev "$d" ||
		skip "no VXLAN devices over IPv6 here"
	ip -n "$x$S" link set vx0 mtu 1500
	addr "$x$S" vx0 192.168.$N.$l/24
done
pings "a$S" "$o6::12"
pings "a$S" 192.168.$N.12
cnt() { jget "$1 // 0" port show "$2"; }

# The receiving end's kernel counts segments whose outer UDP checksum (or
# the inner TCP one) failed.
csum_errs() {
	ip netns exec "b$S" nstat -az Udp6InCsumErrors TcpInCsumErrors |
		awk '/InCsumErrors/ { n += $2 } END { print n + 0 }'
}
head -c 4M /dev/urandom >"$T/file"
s0=$(cnt .superframes_segmented "tb$S")
e0=$(csum_errs)
tcp_copy "a$S" "b$S" 192.168.$N.12 5933 "$T/file" "$T/recv"
seg=$(($(cnt .superframes_segmented "tb$S") - s0))
log "VXLAN-over-IPv6 super-frames cut by vnetd for b: $seg"
[ "$seg" -gt 0 ] || fail "no VXLAN-over-IPv6 super-frame went through vnetd"
[ "$(cnt .counters.drops.gso_unsupported "va$S")" = 0 ] ||
	fail "super-frames dropped as gso_unsupported"
[ "$(cnt .counters.drops.gso_failed "tb$S")" = 0 ] ||
	fail "super-frames could not be cut for b"
e1=$(csum_errs)
[ "$e1" = "$e0" ] || fail "b's kernel counted $((e1 - e0)) bad checksums"
pass
