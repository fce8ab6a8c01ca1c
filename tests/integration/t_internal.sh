# Internal network: the host vNIC and two namespaces (each on a tap vnetd
# creates inside it) all reach each other.
. "$(dirname "$0")/lib.sh"
need_root
start_vnetd
ns "a$S"
ns "b$S"
vnetctl network create "in$S" --type internal >/dev/null || fail "create"
vnetctl port add "in$S" --host "h$S" --addr 10.201.$N.1/24 >/dev/null ||
	fail "host port"
vnetctl port add "in$S" --tap "ta$S" --netns "a$S" >/dev/null || fail "tap a"
vnetctl port add "in$S" --tap "tb$S" --netns "b$S" >/dev/null || fail "tap b"
addr "a$S" "ta$S" 10.201.$N.11/24
addr "b$S" "tb$S" 10.201.$N.12/24
pings "a$S" 10.201.$N.12
pings "b$S" 10.201.$N.11
pings "a$S" 10.201.$N.1
pings "b$S" 10.201.$N.1
ping -c 2 -i 0.2 -W 2 10.201.$N.11 >/dev/null || fail "host cannot ping a"
log "host -> a ok"
[ "$(jget '.[] | select(.name=="h'"$S"'") | .state' port list)" = up ] ||
	fail "host port not up"
n=$(jget 'length' mac show "in$S")
[ "$n" -ge 3 ] || fail "MAC table has $n entries, want 3"
vnetctl network delete "in$S" --force >/dev/null || fail "delete"
ip link show "h$S" >/dev/null 2>&1 && fail "host tap left behind"
pass
