# SR-IOV against a real SR-IOV device model: QEMU 10's emulated igb (82576)
# in a q35 guest with a virtual IOMMU, the guest's own igb, igbvf and
# vfio-pci drivers, and vnetd + vnetctl running inside the guest
# (tests/guest/sriov-test.sh does the checks there).  Covers: VF creation,
# every VF attribute igb takes set and read back (vnet and iproute2), the
# per-setting refusals of min rate, link state and 802.1ad with nothing
# left half-applied, a pool of two VFs under four concurrent requests,
# vfio-pci binding and a VFIO container/group/device opened with its config
# space read, kill -9 of vnetd with the assignments intact, settings
# applied again after the PF link changes, and release (host driver, MAC,
# VLAN).  QEMU 10 comes from bookworm-backports, unpacked privately
# (tests/deps.sh); the system QEMU is not touched.
# vnet-test: alone
# vnet-test: no-sanitizer a QEMU 10 guest running vnetd inside it; SR-IOV's sysfs and netlink code runs under the sanitizers in test_sriov_sysfs, test_sriov_nl and fuzz_sriov_nl
. "$(dirname "$0")/lib.sh"
need_root
Q=${VNET_QEMU10:-/var/cache/vnet-test/qemu10}
[ -x "$Q/usr/bin/qemu-system-x86_64" ] ||
	skip "QEMU 10 is not available (tests/deps.sh unpacks it from bookworm-backports into $Q)"
# (not "-device help": it loads every module, and this QEMU would find
# the system QEMU's modules)
qv=$("$Q/usr/bin/qemu-system-x86_64" --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
[ "${qv:-0}" -ge 8 ] || skip "QEMU $qv in $Q has no igb (8.0 and later do)"
command -v jq >/dev/null || skip "jq not installed"
[ -x /bin/busybox ] || skip "busybox-static not installed"
G=${VNET_SRIOV_GUEST_CACHE:-/var/cache/vnet-test/guest-sriov}
sh "$(dirname "$0")/../guest/build-sriov.sh" "$G" >"$T/guest-build.log" 2>&1 ||
	skip "cannot build the SR-IOV test guest: $(tail -1 "$T/guest-build.log")"

for b in "$VNETD" "$VNETCTL_BIN" "$(readlink -f "$BUILD/vnet-vmm")"; do
	[ -x "$b" ] || fail "no $b (build it first)"
done
# The run's own cpio: vnetd, vnetctl, jq, their libraries, the script.
R="$T/overlay"
VMM=$(readlink -f "$BUILD/vnet-vmm")
. "$(dirname "$0")/../guest/copy_bins.sh"
copy_bins "$R" "$VNETD" "$VNETCTL_BIN" "$(command -v jq)" "$VMM" ||
	fail "cannot copy the programs"
# The probe as this checkout has it (the cached base may hold an older one).
cc -static -O2 -o "$R/bin/sriov_probe" "$(dirname "$0")/../guest/sriov_probe.c" ||
	fail "cannot build sriov_probe"
cp "$(dirname "$0")/../guest/sriov-test.sh" "$R/test.sh"
chmod +x "$R/test.sh"
run_igb_guest 300 "$R"
grep -q VNET-GUEST-UP "$T/guest.log" ||
	fail "guest did not boot: $(tail -5 "$T/guest.log")"
grep -q VNET-MODULE-FAIL "$T/guest.log" &&
	fail "guest modules: $(grep VNET-MODULE-FAIL "$T/guest.log")"
grep "^SRIOV-OK" "$T/guest.log" | sed 's/^SRIOV-OK /ok: /; s/\r$//' | while read -r l; do log "$l"; done
if grep -q "^SRIOV-FAIL" "$T/guest.log"; then
	grep -B2 -A2 "^SRIOV-FAIL" "$T/guest.log" | tr -d '\r'
	fail "$(grep -c '^SRIOV-FAIL' "$T/guest.log") check(s) failed in the guest"
fi
grep -q "^SRIOV-RESULT 0 failed" "$T/guest.log" ||
	fail "the guest did not finish: $(tail -15 "$T/guest.log")"
[ "$(grep -c '^SRIOV-OK' "$T/guest.log")" -ge 40 ] ||
	fail "only $(grep -c '^SRIOV-OK' "$T/guest.log") checks passed"
pass
