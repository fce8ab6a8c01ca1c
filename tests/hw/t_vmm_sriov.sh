# SPDX-License-Identifier: GPL-2.0-or-later
# Hardware test: an SR-IOV virtual function passed through to a vnet-vmm
# guest (VFIO), which gets a DHCP lease through it.  Needs a real SR-IOV
# NIC named in VNET_HW_PF, hardware KVM (kvm_intel or kvm_amd), an IOMMU
# that is on (intel_iommu=on / amd_iommu) and the vfio-pci module; skips,
# saying which is missing, otherwise.  Run it with
#   VNET_HW_PF=enp3s0f0 sh tests/integration/run.sh build tests/hw/t_vmm_sriov.sh
#
# vnetd creates one VF on the PF and pools it on a network; vnet-vmm asks
# for it (--net NET,sriov), vnetd sets its MAC and binds it to vfio-pci,
# vnet-vmm passes it through.  The guest is the Debian kernel with the test
# initramfs (tests/guest/build.sh) plus the VF drivers (igbvf, ixgbevf,
# iavf, mlx5_core, ...) of the same kernel package.  The DHCP server is
# busybox udhcpd on a macvlan of the PF in a namespace this test owns: the
# NIC's embedded switch carries the VF's frames to it (the DISCOVER, a
# broadcast, also leaves on the PF's wire).  At the end the VF is back on
# its host driver.
# vnet-test: alone
. "$(dirname "$0")/../integration/lib.sh"
need_root
PF=${VNET_HW_PF:-}
[ -n "$PF" ] || skip "VNET_HW_PF names no SR-IOV PF (e.g. VNET_HW_PF=enp3s0f0)"
[ -e "/sys/class/net/$PF/device/sriov_totalvfs" ] ||
	skip "$PF is not an SR-IOV physical function (no sriov_totalvfs)"
[ -c /dev/kvm ] || skip "no /dev/kvm"
[ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ] ||
	skip "KVM here is not hardware KVM (no kvm_intel/kvm_amd): a passed-through device needs it"
[ -n "$(ls /sys/kernel/iommu_groups 2>/dev/null)" ] ||
	skip "no IOMMU groups: the IOMMU is off (intel_iommu=on or amd_iommu=on)"
modprobe vfio-pci 2>/dev/null
[ -d /sys/bus/pci/drivers/vfio-pci ] || skip "no vfio-pci driver"
command -v busybox >/dev/null && busybox --list | grep -qx udhcpd ||
	skip "busybox (with udhcpd) is needed for the DHCP server"
VMM=$(readlink -f "$BUILD/vnet-vmm")
[ -x "$VMM" ] || fail "vnet-vmm is not built"
G=${VNET_GUEST_CACHE:-$(readlink -f "$(dirname "$0")/../guest")/cache}
sh "$(dirname "$0")/../guest/build.sh" "$G" >"$T/guest-build.log" 2>&1 ||
	skip "cannot get the Debian kernel: $(tail -1 "$T/guest-build.log")"

# The VF drivers of the guest's kernel, with what they depend on, as a
# second initramfs archive the kernel unpacks over the first: its
# lib/modules/order loads them after the virtio ones.
pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
(cd "$T" && apt-get download "$pkg" >/dev/null 2>&1) ||
	skip "cannot download $pkg"
dpkg-deb -x "$T"/"$pkg"_*.deb "$T/k"
kver=$(ls "$T/k/lib/modules")
depmod -b "$T/k" "$kver" || fail "depmod on $pkg"
mkdir -p "$T/r/lib/modules"
zcat "$G/initrd.gz" | (cd "$T/r" && cpio -i --quiet lib/modules/order)
for drv in igbvf ixgbevf iavf mlx5_core bnxt_en; do
	modprobe -d "$T/k" -S "$kver" --show-depends "$drv" 2>/dev/null |
		awk '$1 == "insmod" {print $2}'
done | awk '!seen[$0]++' >"$T/mods"
[ -s "$T/mods" ] || fail "found no VF driver in $pkg"
while read -r f; do
	m=$(basename "$f" | sed 's/\.ko.*//')
	case $f in
	*.xz) xz -dc "$f" >"$T/r/lib/modules/$m.ko" ;;
	*.zst) zstd -qdc "$f" >"$T/r/lib/modules/$m.ko" ;;
	*) cp "$f" "$T/r/lib/modules/$m.ko" ;;
	esac
	echo "$m" >>"$T/r/lib/modules/order"
done <"$T/mods"
(cd "$T/r" && find . | cpio -o -H newc --quiet | gzip -1) >"$T/vf.gz"
cat "$G/initrd.gz" "$T/vf.gz" >"$T/initrd.gz"
log "guest: kernel $kver with $(wc -l <"$T/mods") VF driver modules"

# DHCP on the PF's side: a macvlan in a namespace.
ns "d$S"
ip link add link "$PF" name "mv$S" type macvlan mode bridge ||
	skip "cannot add a macvlan on $PF"
LINKS="$LINKS mv$S"
ip link set "$PF" up
ip link set "mv$S" netns "d$S"
SUB=10.$((200 + N % 50)).$N
addr "d$S" "mv$S" "$SUB.1/24"
cat >"$T/udhcpd.conf" <<EOF
start $SUB.100
end $SUB.150
interface mv$S
lease_file $T/leases
option subnet 255.255.255.0
option router $SUB.1
EOF
touch "$T/leases"
ip netns exec "d$S" busybox udhcpd -f "$T/udhcpd.conf" >"$T/udhcpd.log" 2>&1 &
PIDS="$PIDS $!"

start_vnetd
NUMVFS=$(cat "/sys/class/net/$PF/device/sriov_numvfs")
[ "$NUMVFS" -ge 1 ] || vnetctl sriov set-numvfs "$PF" 1 >/dev/null ||
	fail "vnetctl sriov set-numvfs $PF 1"
vnetctl network create "hw$S" --type private --sriov-pool "$PF" >/dev/null ||
	fail "a network with $PF's VFs as its pool"

"$VMM" run --kernel "$G/vmlinuz" --initrd "$T/initrd.gz" --mem 512M \
	--net "hw$S,sriov,name=vf$S" --socket "$T/sock" \
	--cmdline "console=ttyS0 panic=-1 vnet.run=udhcpc,-i,eth0,-n,-q,-t,20,-s,/usr/share/udhcpc/default.script" \
	</dev/null >"$T/vm.out" 2>"$T/vm.err" &
VM=$!
PIDS="$PIDS $VM"
for _ in $(seq 240); do
	grep -q "VNET-DHCP-BOUND\|VNET-RUN-EXIT" "$T/vm.out" && break
	kill -0 $VM 2>/dev/null || break
	sleep 0.5
done
cat "$T/vm.err"
tail -20 "$T/vm.out" | tr -d '\r' | sed 's/^/    /'
grep -q "SR-IOV VF .* passed through" "$T/vm.err" ||
	fail "vnet-vmm did not pass a VF through"
VF=$(sed -n 's/.*SR-IOV VF \([0-9a-f:.]*\) of.*/\1/p' "$T/vm.err")
IP=$(tr -d '\r' <"$T/vm.out" | sed -n 's/.*VNET-DHCP-BOUND \([0-9.]*\).*/\1/p')
case $IP in
"$SUB".*) log "the guest leased $IP through VF $VF" ;;
*) fail "the guest got no lease from the test's server through VF $VF (got '$IP')" ;;
esac
ip netns exec "d$S" ping -c 2 -W 2 "$IP" >/dev/null ||
	fail "the guest does not answer ping through its VF"
log "the guest answers ping through its VF"
kill -TERM $VM
wait $VM
# The VF is reset, the port deleted, the VF back on its host driver.
vnetctl port list | grep -q "vf$S" && fail "the sriov port outlived the VM"
drv=$(basename "$(readlink "/sys/bus/pci/devices/$VF/driver")")
[ "$drv" != vfio-pci ] || fail "VF $VF is still bound to vfio-pci"
log "VF $VF back on $drv"
vnetctl network delete "hw$S" >/dev/null
[ "$NUMVFS" -ge 1 ] || vnetctl sriov set-numvfs "$PF" 0 >/dev/null
pass
