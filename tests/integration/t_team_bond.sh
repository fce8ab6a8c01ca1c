# Teaming, LACP against a second real partner: the Linux bonding driver
# (mode 802.3ad, lacp_rate fast) in a Debian guest kernel under QEMU (TCG).
# The guest's two NICs are taps, and those taps are the members of vnet's
# team: the guest's bond aggregates both with vnet's system as partner,
# vnet's team distributes on both, and a VM namespace reaches the guest.
# vnet-test: alone
# vnet-test: no-sanitizer a QEMU guest as LACP partner; LACP runs under the sanitizers in t_team_lacp
. "$(dirname "$0")/lib.sh"
need_root
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 not installed"
[ -x /bin/busybox ] || skip "busybox-static not installed"
G=${VNET_GUEST_CACHE:-$(readlink -f "$(dirname "$0")/../guest")/cache}
sh "$(dirname "$0")/../guest/build.sh" "$G" >"$T/guest-build.log" 2>&1 ||
	skip "cannot build the test guest: $(tail -1 "$T/guest-build.log")"
. "$(dirname "$0")/team_lib.sh"
start_vnetd

# The guest's bond, set up by a script added to the initramfs.
mkdir "$T/ov"
cat >"$T/ov/bond.sh" <<'S'
B=/sys/class/net/bond0/bonding
ip link set eth0 down
ip link set eth1 down
echo 802.3ad >$B/mode
echo fast >$B/lacp_rate
echo 100 >$B/miimon
echo +eth0 >$B/slaves
echo +eth1 >$B/slaves
ip link set bond0 up
ip addr add 10.234.0.2/24 dev bond0
while true; do
	sleep 0.5
	echo BOND-BEGIN
	cat /proc/net/bonding/bond0
	echo BOND-END
done
S
(cd "$T/ov" && echo bond.sh | cpio -o -H newc --quiet | gzip -1 >"$T/ov.gz")
cat "$G/initrd.gz" "$T/ov.gz" >"$T/initrd.gz"
nics=""
for i in 0 1; do
	nics="$nics -netdev tap,id=n$i,ifname=g$i$S,script=no,downscript=no"
	nics="$nics -device virtio-net-pci,netdev=n$i,mac=52:54:00:34:00:0$i,vectors=0,speed=10000,duplex=full"
done
# shellcheck disable=SC2086
qemu-system-x86_64 -machine pc -m 256 -smp 1 -nographic -nodefaults \
	-no-reboot -serial stdio -kernel "$G/vmlinuz" -initrd "$T/initrd.gz" \
	-append "console=ttyS0 quiet panic=-1 vnet.run=sh,/bond.sh" $nics \
	>"$T/guest.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 10 ip link show "g1$S" >/dev/null 2>&1 || fail "QEMU made no taps"
vnetctl team create "tm$S" --mode lacp --members "g0$S,g1$S" \
	--lacp-rate fast >/dev/null || fail "team create"
vnetctl network create "ex$S" --type external --uplink-team "tm$S" \
	>/dev/null || fail "network create"
VM_IP=10.234.0.11/24 team_vm

guest_up() { grep -q VNET-GUEST-UP "$T/guest.log"; }
wait_for 120 guest_up || fail "the guest did not boot: $(tail -5 "$T/guest.log")"
log "Debian guest booted (QEMU TCG)"
sysmac=$(jget .system_mac team show "tm$S")
# The guest's last report: one aggregator of 2 ports, vnet as partner.
bond_ok() {
	awk '/BOND-BEGIN/ { b = "" } { b = b $0 "\n" } /BOND-END/ { last = b }
		END { printf "%s", last }' "$T/guest.log" >"$T/bond"
	grep -q "Number of ports: 2" "$T/bond" &&
		grep -qi "Partner Mac Address: $sysmac" "$T/bond"
}
both() {
	[ "$(vnetctl --json team show "tm$S" | jq '[.member_list[] |
		select(.lacp.mux_state == "collecting_distributing")] | length')" = 2 ]
}
wait_for 40 bond_ok || fail "the guest's bond did not aggregate with vnet: $(cat "$T/bond")"
log "guest bond: one aggregator of 2 ports, partner $sysmac"
wait_for 10 both || fail "vnet's team does not distribute on both: $(vnetctl team show "tm$S")"
partner=$(jget '.member_list[0].lacp.partner.system' team show "tm$S")
log "vnet team: both members collecting/distributing, partner $partner"
ip netns exec "a$S" ping -c 3 -i 0.3 -W 5 10.234.0.2 >/dev/null ||
	fail "the VM cannot reach the guest through the LAG"
log "VM -> guest through the LAG: ok"
pass
