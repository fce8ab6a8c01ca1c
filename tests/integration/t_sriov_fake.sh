# SR-IOV refusals vnetd makes from sysfs alone, on the fixture tree
# (tests/data/sriov/tree: eth1 with VF 0 on igbvf, VF 1 on vfio-pci in
# IOMMU group 10) and a dev/ directory of the test's own, so no SR-IOV
# NIC and no QEMU are needed:
#  - while a process holds dev/vfio/10 open (as a VM holds the group of
#    its VF), set-numvfs is refused naming that pid, and nothing is
#    written; the same while VF 1's "enable" reads 1 (vfio-pci enables a
#    device a user has open, whoever that is); then the count changes;
#  - a port asking for a VF by index that is bound to vfio-pci outside
#    vnet, or whose virtfn link is missing, is refused before anything is
#    written.
. "$(dirname "$0")/lib.sh"
need_root
command -v jq >/dev/null || skip "jq not installed"
SRC=$(dirname "$0")/../data/sriov/tree
PFDEV="$T/sys/devices/pci0000:00/0000:01:00.0"
mkdir -p "$T/sys" "$T/dev/vfio" && cp -a "$SRC/." "$T/sys/" ||
	fail "cannot copy the sysfs fixture"
: >"$T/dev/vfio/10"
ALLOW_LOG='sriov: eth1 has 3 VFs'
VNETD_SYSFS_ROOT="$T/sys" VNETD_DEV_ROOT="$T/dev" start_vnetd

# ---- a VF held through VFIO: the count does not change ----
# Without capabilities, so vnetd (which keeps few) may read its fds.
command -v setpriv >/dev/null || skip "setpriv (util-linux) not installed"
setpriv --bounding-set -all --inh-caps -all sleep 600 9<>"$T/dev/vfio/10" &
holder=$!
PIDS="$PIDS $holder"
wait_for 5 sh -c "ls -l /proc/$holder/fd | grep -q dev/vfio/10" ||
	fail "the stand-in VM did not open dev/vfio/10"
refused "VF 0000:01:10.2 (VF 1 of eth1) is in use by pid $holder: stop the VM first" \
	sriov set-numvfs eth1 3
[ "$(cat "$PFDEV/sriov_numvfs")" = 2 ] ||
	fail "sriov_numvfs written while a VF was held: $(cat "$PFDEV/sriov_numvfs")"
kill "$holder"
wait "$holder" 2>/dev/null
VF1="$T/sys/devices/pci0000:00/0000:01:10.2"
echo 1 >"$VF1/enable"
refused "VF 0000:01:10.2 (VF 1 of eth1) is in use by a VM (vfio-pci has it enabled): stop the VM first" \
	sriov set-numvfs eth1 3
echo 0 >"$VF1/enable"
vnetctl sriov set-numvfs eth1 3 >/dev/null || fail "set-numvfs 3 once the VF is free"
[ "$(cat "$PFDEV/sriov_numvfs")" = 3 ] || fail "sriov_numvfs: $(cat "$PFDEV/sriov_numvfs")"
log "set-numvfs refused while pid $holder held VF 1's group, done after"
echo 2 >"$PFDEV/sriov_numvfs"

# ---- a port asking for a VF by index ----
vnetctl network create "lab$S" --type private --sriov-pool eth1 >/dev/null ||
	fail "network with a pool on the fixture's eth1"
imp() { # VF: import a port asking for VF VF of eth1
	cat >"$T/imp.json" <<JSON
{"version": 2, "ports": [{"name": "vq$S", "kind": "sriov",
  "network": "lab$S", "sriov_pf": "eth1", "sriov_vf": $1}]}
JSON
}
imp 1
refused "VF 1 of eth1 (0000:01:10.2) is bound to vfio-pci outside vnet" \
	config import "$T/imp.json"
rm "$PFDEV/virtfn0"
imp 0
refused "eth1 has no VF 0: sysfs has no virtfn0 link" config import "$T/imp.json"
[ "$(jget length port list)" = 0 ] || fail "a port was made: $(vnetctl port list)"
[ "$(cat "$T/sys/bus/pci/drivers/vfio-pci/bind")" = "" ] ||
	fail "vfio-pci bind written: $(cat "$T/sys/bus/pci/drivers/vfio-pci/bind")"

# ---- stored VF settings of a VF a VM holds: not reset, not dropped ----
# (VF 1's settings put in the state file: the fixture's eth1 has no
# netlink side, so vnetd restores the object and logs that it cannot
# write it)
command -v sqlite3 >/dev/null || skip "sqlite3 not installed"
stop_vnetd
sqlite3 "$T/state.db" "INSERT INTO vfs VALUES ('eth1/1',
  '{\"name\": \"eth1/1\", \"pf\": \"eth1\", \"vf\": 1, \"vlan\": 5}')" ||
	fail "cannot store the vf object"
ALLOW_LOG="$ALLOW_LOG|sriov: vf eth1/1: "
VNETD_SYSFS_ROOT="$T/sys" VNETD_DEV_ROOT="$T/dev" start_vnetd
[ "$(jget '.vfs | length' config export)" = 1 ] || fail "vf eth1/1 not restored"
setpriv --bounding-set -all --inh-caps -all sleep 600 9<>"$T/dev/vfio/10" &
holder=$!
PIDS="$PIDS $holder"
wait_for 5 sh -c "ls -l /proc/$holder/fd | grep -q dev/vfio/10" ||
	fail "the stand-in VM did not open dev/vfio/10"
held="VF 0000:01:10.2 (VF 1 of eth1) is in use by pid $holder: stop the VM first"
refused "vf 'eth1/1': $held" sriov vf-reset eth1 1
vnetctl config export | jq '.vfs = []' >"$T/novf.json"
refused "vf 'eth1/1': $held" config import --replace "$T/novf.json"
[ "$(jget '.vfs | length' config export)" = 1 ] ||
	fail "the held VF's settings were dropped: $(vnetctl config export)"
log "vf-reset and import --replace refused while pid $holder held VF 1"
kill "$holder"
wait "$holder" 2>/dev/null
# Free now, but the fixture's eth1 has no netlink side: the VF cannot be
# reset, so its settings stay stored and the request says why.
refused "its settings are kept" sriov vf-reset eth1 1
[ "$(jget '.vfs | length' config export)" = 1 ] ||
	fail "vf eth1/1 dropped though the VF was not reset"
refused "no vf 'eth1/2'" sriov vf-reset eth1 2
pass
