# vnet-vmm's VFIO side against a real vfio-pci device: QEMU 10's emulated
# igb (82576) with a virtual IOMMU, under TCG, one VF created by the
# guest's igb driver and bound to vfio-pci, and `vnet-vmm vfio-check VF`
# run inside the guest: container and group, the device, its configuration
# space as vnet-vmm virtualizes it (igbvf 8086:10ca, MSI-X with its table
# in BAR3), both BARs mmapped (BAR3 around the table), memory decoding and
# bus mastering through the virtualized command register reaching the
# device, BAR0 reading the same mapped and through VFIO, 64 MiB mapped for
# DMA, an eventfd per MSI-X vector attached through VFIO_DEVICE_SET_IRQS,
# the reset: once on a VF vnetd (running in the guest) hands out of a
# network's pool and takes back (`vfio-check --net lab`, as `run --net
# lab,sriov` does it), once on a VF bound by hand.  The PF, on its igb
# driver, is refused in one sentence.
# Passing the VF into a running guest needs KVM, which a TCG guest lacks:
# that is tests/hw/t_vmm_sriov.sh.  QEMU 10 and the guest base are the
# SR-IOV test's (tests/deps.sh, tests/guest/build-sriov.sh).
# vnet-test: alone
# vnet-test: no-sanitizer a QEMU 10 guest; vnet-vmm's VFIO code runs under the sanitizers in test_vmm_vfio and fuzz_vmm_vfio, SR-IOV in t_sriov
. "$(dirname "$0")/lib.sh"
need_root
VMM=$(readlink -f "$BUILD/vnet-vmm")
[ -x "$VMM" ] || fail "vnet-vmm is not built"
Q=${VNET_QEMU10:-/var/cache/vnet-test/qemu10}
[ -x "$Q/usr/bin/qemu-system-x86_64" ] ||
	skip "QEMU 10 is not available (tests/deps.sh unpacks it from bookworm-backports into $Q)"
qv=$("$Q/usr/bin/qemu-system-x86_64" --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
[ "${qv:-0}" -ge 8 ] || skip "QEMU $qv in $Q has no igb (8.0 and later do)"
[ -f "$(dirname "$0")/../guest/build-sriov.sh" ] ||
	skip "no SR-IOV test guest (tests/guest/build-sriov.sh)"
G=${VNET_SRIOV_GUEST_CACHE:-/var/cache/vnet-test/guest-sriov}
sh "$(dirname "$0")/../guest/build-sriov.sh" "$G" >"$T/guest-build.log" 2>&1 ||
	skip "cannot build the SR-IOV test guest: $(tail -1 "$T/guest-build.log")"

R="$T/overlay"
. "$(dirname "$0")/../guest/copy_bins.sh"
copy_bins "$R" "$VMM" "$VNETD" "$VNETCTL_BIN" || fail "cannot copy the programs"
cat >"$R/test.sh" <<'S'
#!/bin/sh
PF=""
for n in /sys/class/net/*; do [ -e "$n/device/sriov_totalvfs" ] && PF=${n##*/}; done
[ -n "$PF" ] || { echo "VMMV-FAIL no SR-IOV PF"; exit 1; }
ip link set "$PF" up
for _ in $(seq 50); do [ "$(cat "/sys/class/net/$PF/carrier" 2>/dev/null)" = 1 ] && break; sleep 0.1; done
# 1. as run --net lab,sriov: vnetd hands out a VF of the pool, vfio-check
# opens it, the port is deleted and the VF goes back to igbvf.
S=/run/vnet
mkdir -p $S
vnetd --socket $S/sock --state $S/state.db --pidfile $S/pid --log-file $S/vnetd.log &
for _ in $(seq 50); do vnetctl --socket $S/sock status >/dev/null 2>&1 && break; sleep 0.1; done
vnetctl --socket $S/sock sriov set-numvfs "$PF" 2 >/dev/null || echo "VMMV-FAIL set-numvfs"
vnetctl --socket $S/sock network create lab --type private --sriov-pool "$PF:1-1" >/dev/null ||
	echo "VMMV-FAIL network with a pool"
/bin/vnet-vmm vfio-check --net lab,name=vf1 --socket $S/sock
echo "VMMV-NET-RC $?"
VF1=$(basename "$(readlink "/sys/class/net/$PF/device/virtfn1")")
echo "VMMV-VF1 $VF1 on $(basename "$(readlink "/sys/bus/pci/devices/$VF1/driver")")"
vnetctl --socket $S/sock port list | grep -q vf1 && echo "VMMV-FAIL port vf1 left"
# 2. a VF bound to vfio-pci by hand
VF=$(basename "$(readlink "/sys/class/net/$PF/device/virtfn0")")
PFPCI=$(basename "$(readlink "/sys/class/net/$PF/device")")
echo vfio-pci >"/sys/bus/pci/devices/$VF/driver_override"
[ -e "/sys/bus/pci/devices/$VF/driver" ] && echo "$VF" >"/sys/bus/pci/devices/$VF/driver/unbind"
echo "$VF" >/sys/bus/pci/drivers_probe
echo "VMMV-VF $VF on $(basename "$(readlink "/sys/bus/pci/devices/$VF/driver")")"
/bin/vnet-vmm vfio-check "$VF"
echo "VMMV-RC $?"
/bin/vnet-vmm vfio-check "$PFPCI" 2>&1
echo "VMMV-PF-RC $?"
S
chmod +x "$R/test.sh"
run_igb_guest 240 "$R"
tr -d '\r' <"$T/guest.log" | grep -E "^(vfio-check|VMMV|vnet-vmm)" | sed 's/^/    /'
grep -q VNET-GUEST-UP "$T/guest.log" ||
	fail "guest did not boot: $(tail -5 "$T/guest.log")"
grep -q "VMMV-FAIL" "$T/guest.log" && fail "$(grep VMMV-FAIL "$T/guest.log")"
grep -q "vfio-check: vnetd's port vf1: VF [0-9a-f:.]* of " "$T/guest.log" &&
	grep -q "VMMV-NET-RC 0" "$T/guest.log" &&
	grep -q "vfio-check: port vf1 deleted, VF .* given back" "$T/guest.log" ||
	fail "vfio-check --net lab did not get, check and give back vnetd's VF"
grep -q "VMMV-VF1 .* on igbvf" "$T/guest.log" ||
	fail "the VF vnetd handed out is not back on igbvf"
log "vfio-check --net lab: vnetd's VF (its pool: VF 1) opened, port deleted, VF back on igbvf"
grep -q "VMMV-VF .* on vfio-pci" "$T/guest.log" ||
	fail "the VF was not bound to vfio-pci"
for want in "container: VFIO API 0, type1 IOMMU, group [0-9]* viable" \
	"device: .* regions, .* interrupt types, reset supported" \
	"config: vendor 8086 device 10ca class 020000" \
	"capability 0x[0-9a-f]*: MSI-X, 3 vectors offered, table BAR3+0, PBA BAR3+0x2000" \
	"BAR0: memory 16 KiB .*, mmapped" \
	"BAR3: memory 16 KiB .*, mmapped around the MSI-X table" \
	"command: memory and bus master reach the device" \
	"BAR0: offset 0 reads 0x[0-9a-f]* mapped and through VFIO alike" \
	"DMA: 64 MiB of memfd mapped at IOVA 0" \
	"MSI-X: 3 eventfds attached" "reset: done" "vfio-check: OK"; do
	[ "$(grep -c "$want" "$T/guest.log")" -ge 2 ] ||
		fail "vfio-check did not say (twice): $want"
done
grep -q "VMMV-RC 0" "$T/guest.log" || fail "vfio-check of the VF exited non-zero"
log "vfio-check on the igbvf VF: container, group, device, config space, command register, BARs mmapped, DMA, MSI-X eventfds, reset"
grep -q "VMMV-PF-RC 1" "$T/guest.log" &&
	grep -q "vnet-vmm: vfio-check .*bound to vfio-pci" "$T/guest.log" ||
	fail "the PF on its igb driver was not refused in one sentence"
log "refused: $(tr -d '\r' <"$T/guest.log" | grep "vnet-vmm: vfio-check")"
pass
