# A new MTU on the external network reaches the NAT networks that translate
# through it: after "network set EXT --mtu 1280" a VM's 1400-byte ping with
# DF gets fragmentation needed (mtu 1280) from the gateway, and a TCP SYN
# leaving has its MSS clamped (the gateway restarts with the new MTU, its
# table kept).
. "$(dirname "$0")/lib.sh"
need_root
start_vnetd
VM=10.247.0.10
nat_setup 10.246.0 10.247.0 $VM
pings "a$S" $OUT
mss() { vnetctl --json network show "$L" | jq '.nat.mss_clamped // 0'; }
[ "$(mss)" = 0 ] || fail "MSS clamped before any SYN: $(mss)"

vnetctl network set "$X" --mtu 1280 >/dev/null || fail "set --mtu 1280"
ip -n "o$S" link set "p$S" mtu 1280
# A SYN out (nobody listens: the RST is enough) has its MSS (1460, from
# the VM's MTU) clamped; before the path MTU is lowered, which would lower
# the MSS the VM offers.
syn() {
	ip netns exec "a$S" timeout 2 bash -c "exec 3<>/dev/tcp/$OUT/9" 2>/dev/null
	[ "$(mss)" -ge 1 ]
}
for _ in 1 2 3 4 5; do syn && break; sleep 0.3; done
[ "$(mss)" -ge 1 ] || fail "no MSS clamped at the new MTU"
log "MSS clamped to the new external MTU ($(mss) SYNs)"
# pmtu: the VM's path MTU to the outside once frag-needed has come back
pmtu() {
	ip netns exec "a$S" ping -M do -s 1400 -c 1 -W 1 $OUT >"$T/ping" 2>&1
	ip -n "a$S" route get $OUT | sed -n 's/.* mtu \([0-9]*\).*/\1/p'
}
got=
for _ in 1 2 3 4 5 6 7 8; do
	got=$(pmtu)
	[ "$got" = 1280 ] && break
	sleep 0.5
done
[ "$got" = 1280 ] ||
	fail "no frag-needed for 1280 after the external MTU changed: path MTU '$got', $(cat "$T/ping")"
log "frag needed at the new external MTU: the VM's path MTU is 1280"
pings "a$S" $OUT
pass
