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
pass
