# Persistence: kill -9 vnetd, start it again: the same networks and ports
# come back (taps survive in their namespaces) and traffic flows again.
. "$(dirname "$0")/lib.sh"
need_root
start_vnetd
ns "a$S"
ns "b$S"
vnetctl network create "ps$S" --type internal --mtu 1400 >/dev/null || fail create
vnetctl port add "ps$S" --host "h$S" --addr 10.205.$N.1/24 >/dev/null || fail host
vnetctl port add "ps$S" --tap "ta$S" --netns "a$S" --vlan 7 >/dev/null || fail a
vnetctl port add "ps$S" --tap "tb$S" --netns "b$S" --vlan 7 >/dev/null || fail b
LINKS="$LINKS h$S"
addr "a$S" "ta$S" 10.205.$N.11/24
addr "b$S" "tb$S" 10.205.$N.12/24
pings "a$S" 10.205.$N.12
vnetctl config export "$T/before.json" >/dev/null || fail export
kill9_vnetd
log "vnetd killed with SIGKILL"
if ip netns exec "a$S" ping -c 1 -W 1 10.205.$N.12 >/dev/null 2>&1; then
	fail "traffic flowed with no vnetd"
fi
start_vnetd
vnetctl config export "$T/after.json" >/dev/null || fail export
cmp -s "$T/before.json" "$T/after.json" ||
	fail "configuration changed: $(diff "$T/before.json" "$T/after.json")"
log "same configuration after restart"
[ "$(jget '[.[] | select(.state=="up")] | length' port list)" = 3 ] ||
	fail "not every port is up: $(vnetctl port list)"
pings "a$S" 10.205.$N.12
pings "b$S" 10.205.$N.11
[ "$(ip -n "a$S" -j link show "ta$S" | jq '.[0].mtu')" = 1400 ] ||
	fail "tap MTU not the network's"
# A clean stop keeps the configuration too.
stop_vnetd
start_vnetd
vnetctl config export "$T/again.json" >/dev/null
cmp -s "$T/before.json" "$T/again.json" || fail "lost config on SIGTERM"
pings "a$S" 10.205.$N.12
pass
