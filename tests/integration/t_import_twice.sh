# config import with one object twice under the same name, in a kind whose
# check takes existing names (an SR-IOV PF, here on a sysfs tree of the
# test's own): refused with a sentence naming it, nothing imported, and
# vnetd keeps running (under ASan: no use of the freed configuration).
. "$(dirname "$0")/lib.sh"
need_root
pf="pf$S"
mkdir -p "$T/sys/class/net/$pf/device" || fail "cannot make the sysfs tree"
echo 4 >"$T/sys/class/net/$pf/device/sriov_totalvfs"
echo 0 >"$T/sys/class/net/$pf/device/sriov_numvfs"
VNETD_SYSFS_ROOT="$T/sys" start_vnetd
cat >"$T/imp.json" <<JSON
{"version": 2, "sriov_pfs": [{"name": "$pf", "numvfs": 0},
                             {"name": "$pf", "numvfs": 1}]}
JSON
out=$(vnetctl config import "$T/imp.json" 2>&1) && fail "imported: $out"
echo "$out" | grep -q "sriov_pfs\[1\]: .* '$pf' appears twice" ||
	fail "import said: $out"
kill -0 "$VNETD_PID" || fail "vnetd died"
vnetctl config export "$T/out.json" >/dev/null || fail "export"
[ "$(jq '.sriov_pfs // [] | length' "$T/out.json")" = 0 ] ||
	fail "something was imported: $(cat "$T/out.json")"
log "a PF given twice is refused by name, nothing imported"
pass
