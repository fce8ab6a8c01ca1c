# port del deletes the tap only when vnetd made it: a persistent tap made
# beforehand (ip tuntap add) stays, also after a restart between add and
# del (which tap it was is stored with the port); a tap vnetd made goes.
. "$(dirname "$0")/lib.sh"
need_root
ip tuntap add dev "tk$S" mode tap || skip "cannot make a tap"
LINKS="$LINKS tk$S"
start_vnetd
vnetctl network create "lo$S" --type internal >/dev/null || fail create
vnetctl port add "lo$S" --tap "tk$S" >/dev/null || fail "add own tap"
vnetctl port add "lo$S" --tap "tm$S" >/dev/null || fail "add new tap"
vnetctl port add "lo$S" --tap "tr$S" >/dev/null || fail "add new tap 2"
[ "$(jget .device_kept port show "tk$S")" = true ] || fail "not marked kept"
[ "$(jget .device_kept port show "tm$S")" = null ] || fail "marked kept"
vnetctl port del "tk$S" >/dev/null || fail "del own tap's port"
ip link show "tk$S" >/dev/null 2>&1 || fail "port del deleted a tap it did not make"
vnetctl port del "tm$S" >/dev/null || fail "del new tap's port"
ip link show "tm$S" >/dev/null 2>&1 && fail "port del left the tap it made"
log "port del: the administrator's tap stays, vnetd's goes"
vnetctl port add "lo$S" --tap "tk$S" >/dev/null || fail "add own tap again"
stop_vnetd
start_vnetd
vnetctl port del "tk$S" >/dev/null || fail "del own tap's port"
ip link show "tk$S" >/dev/null 2>&1 || fail "after a restart, port del deleted a tap it did not make"
vnetctl port del "tr$S" >/dev/null || fail "del new tap's port"
ip link show "tr$S" >/dev/null 2>&1 && fail "after a restart, port del left the tap it made"
log "the same after a restart"
# An import that replaces a port whose tap vnetd made does not take that
# tap for the administrator's.
vnetctl port add "lo$S" --tap "ti$S" --mac-limit 10 >/dev/null || fail "add ti"
vnetctl config export "$T/c.json" >/dev/null || fail export
jq '(.ports[] | select(.name == "ti'"$S"'") | .mac_limit) = 20' "$T/c.json" >"$T/c2.json" ||
	fail "jq"
vnetctl config import "$T/c2.json" --replace >/dev/null || fail import
[ "$(jget .mac_limit port show "ti$S")" = 20 ] || fail "port not replaced"
[ "$(jget .device_kept port show "ti$S")" = null ] || fail "import took vnetd's tap for a kept one"
vnetctl port del "ti$S" >/dev/null || fail "del ti"
ip link show "ti$S" >/dev/null 2>&1 && fail "port del left the tap it made (after an import)"
log "a port replaced by an import: its tap is still vnetd's"
pass
