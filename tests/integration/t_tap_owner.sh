# port del deletes the tap only when vnetd made it: a persistent tap made
# beforehand (ip tuntap add) stays, also after a restart between add and
# del (which tap it was is stored with the port); a tap vnetd made goes.
# The administrator's tap deleted under its port is made again by vnetd:
# that tap is vnetd's, and goes with the port (after a restart too); one
# the administrator makes again before vnetd does stays theirs.
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

# The administrator's tap deleted: vnetd makes it again, and that one is
# vnetd's (stored so: a restart keeps it).
ip tuntap add dev "tk$S" mode tap 2>/dev/null
vnetctl port add "lo$S" --tap "tk$S" >/dev/null || fail "add own tap (3)"
[ "$(jget .device_kept port show "tk$S")" = true ] || fail "not marked kept (3)"
ip link del "tk$S" || fail "cannot delete tk$S"
up_again() { [ "$(jget .state port show "tk$S")" = up ] && ip link show "tk$S" >/dev/null 2>&1; }
made_mine() { [ "$(jget .device_kept port show "tk$S")" = null ]; }
wait_for 10 made_mine || fail "the tap vnetd made again is still taken for the administrator's"
wait_for 10 up_again || fail "the tap was not made again"
stop_vnetd
start_vnetd
vnetctl port del "tk$S" >/dev/null || fail "del tk (3)"
ip link show "tk$S" >/dev/null 2>&1 && fail "port del left the tap vnetd made again"
log "the administrator's tap deleted: the one vnetd makes again is vnetd's"
# The administrator makes it again first (vnetd waits while the
# namespace is missing): it stays theirs.
ns "k$S"
ip -n "k$S" tuntap add dev "tk$S" mode tap || fail "tap in k"
vnetctl port add "lo$S" --tap "tk$S" --netns "k$S" >/dev/null || fail "add own tap (4)"
[ "$(jget .device_kept port show "tk$S")" = true ] || fail "not marked kept (4)"
ip netns del "k$S"
down() { [ "$(jget .state port show "tk$S")" = down ]; }
wait_for 10 down || fail "the port is not down while its namespace is missing"
# The namespace comes back with the tap in it already (made under another
# name, then given k's): vnetd, which opens the port as soon as the name
# appears, cannot be first.
ns "t$S"
ip -n "t$S" tuntap add dev "tk$S" mode tap || fail "tap in t"
touch "/run/netns/k$S" && mount --bind "/run/netns/t$S" "/run/netns/k$S" ||
	fail "cannot name namespace t$S k$S"
wait_for 10 sh -c "[ \"\$(\"$VNETCTL_BIN\" --socket \"$T/sock\" --json port show tk$S | jq -r .state)\" = up ]" ||
	fail "the port did not take the administrator's new tap"
[ "$(jget .device_kept port show "tk$S")" = true ] || fail "the administrator's new tap was taken for vnetd's"
vnetctl port del "tk$S" >/dev/null || fail "del tk (4)"
ip -n "k$S" link show "tk$S" >/dev/null 2>&1 || fail "port del deleted the administrator's new tap"
log "made again by the administrator: it stays theirs"
pass
