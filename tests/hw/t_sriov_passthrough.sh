# SR-IOV passthrough on real hardware: a VF of the PF named in
# VNET_HW_PF goes from a vnet pool into a vnet-vmm guest
# (--net NET,sriov: VFIO container/group/device, guest memory mapped for
# DMA, BARs, MSI-X through irqfd) and the guest gets a DHCP lease through
# it from a dnsmasq on the PF (the NIC's embedded switch carries VF <-> PF
# traffic, so no cable or outside DHCP server is needed).  Then the port is
# deleted and the VF must be back on its host driver.
#
# Runs only where it can: root, a PF with SR-IOV and a free VF, hardware
# KVM (kvm_intel/kvm_amd), an IOMMU, vfio-pci, dnsmasq, and a vnet-vmm that
# knows ",sriov".  Otherwise it skips saying which is missing.
#   VNET_HW_PF=enp3s0f0 sh tests/integration/run.sh build tests/hw/t_sriov_passthrough.sh
# The PF gets 10.251.0.1/24 for the test (removed afterwards); its VF
# count is set to 1 if it has none (and put back).
# vnet-test: alone
. "$(dirname "$0")/../integration/lib.sh"
need_root
PF=${VNET_HW_PF:-}
[ -n "$PF" ] || skip "no SR-IOV PF named (set VNET_HW_PF=DEV to run on hardware)"
[ -e "/sys/class/net/$PF/device/sriov_totalvfs" ] || skip "$PF is not an SR-IOV physical function"
[ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ] ||
	skip "KVM here is not hardware KVM (no kvm_intel/kvm_amd): VF passthrough needs it"
[ -n "$(ls /sys/kernel/iommu_groups 2>/dev/null)" ] || skip "no IOMMU groups: boot with intel_iommu=on or amd_iommu=on"
modprobe vfio-pci 2>/dev/null
[ -d /sys/bus/pci/drivers/vfio-pci ] || skip "no vfio-pci driver"
command -v dnsmasq >/dev/null || skip "dnsmasq not installed"
VMM=$(readlink -f "$BUILD/vnet-vmm")
"$VMM" --help 2>&1 | grep -q sriov || skip "this vnet-vmm has no --net NETWORK,sriov"
G=/var/cache/vnet-test/guest-sriov
sh "$(dirname "$0")/../guest/build-sriov.sh" "$G" >"$T/guest-build.log" 2>&1 ||
	skip "cannot build the guest: $(tail -1 "$T/guest-build.log")"

start_vnetd
old_numvfs=$(cat /sys/class/net/$PF/device/sriov_numvfs)
[ "$old_numvfs" -gt 0 ] || vnetctl sriov set-numvfs "$PF" 1 >/dev/null || fail "set-numvfs"
ip link set "$PF" up
ip addr add 10.251.0.1/24 dev "$PF" || fail "address on $PF"
dnsmasq --no-daemon --port=0 --interface="$PF" --bind-interfaces \
	--dhcp-range=10.251.0.100,10.251.0.150,1m --pid-file="$T/dnsmasq.pid" \
	>"$T/dnsmasq.log" 2>&1 &
PIDS="$PIDS $!"
N="hw$S"
vnetctl network create "$N" --type private --sriov-pool "$PF" >/dev/null || fail "network"

# the guest: the VF driver of the base image, then udhcpc
R="$T/overlay"
mkdir -p "$R/usr/share/udhcpc"
cat >"$R/usr/share/udhcpc/default.script" <<'S'
#!/bin/sh
[ "$1" = bound ] && echo "VNET-DHCP-BOUND $ip"
exit 0
S
cat >"$R/test.sh" <<'S'
#!/bin/sh
for _ in $(seq 20); do [ -e /sys/class/net/eth0 ] && break; sleep 0.5; done
ip link set eth0 up
udhcpc -i eth0 -q -n -t 10 -T 2
S
chmod +x "$R/test.sh" "$R/usr/share/udhcpc/default.script"
(cd "$R" && find . | cpio -o -H newc --quiet | gzip -1 >"$T/overlay.cpio.gz")
cat "$G/base.cpio.gz" "$T/overlay.cpio.gz" >"$T/initrd.gz"
"$VMM" run --socket "$T/sock" --kernel "$G/vmlinuz" --initrd "$T/initrd.gz" \
	--mem 512M --net "$N,name=vf$S,sriov" --cmdline "console=ttyS0 panic=-1" \
	</dev/null >"$T/guest.log" 2>&1 &
VPID=$!
PIDS="$PIDS $VPID"
for _ in $(seq 120); do grep -q "VNET-DHCP-BOUND\|VNET-RUN-EXIT" "$T/guest.log" && break; sleep 1; done
vnetctl --json port show "vf$S" | jq -c .sriov
grep -q "VNET-DHCP-BOUND 10.251.0" "$T/guest.log" ||
	fail "no lease through the VF: $(tail -10 "$T/guest.log")"
log "the guest got $(grep -o 'VNET-DHCP-BOUND [0-9.]*' "$T/guest.log") through its VF"
pci=$(vnetctl --json port show "vf$S" | jq -r .sriov.pci)
kill "$VPID"
wait "$VPID"
vnetctl port del "vf$S" >/dev/null 2>&1
drv=$(readlink "/sys/bus/pci/devices/$pci/driver" | sed 's|.*/||')
[ -n "$drv" ] && [ "$drv" != vfio-pci ] || fail "$pci not back on its host driver ($drv)"
log "VF $pci back on $drv"
ip addr del 10.251.0.1/24 dev "$PF"
[ "$old_numvfs" -gt 0 ] || echo 0 >"/sys/class/net/$PF/device/sriov_numvfs"
pass
