# A port whose device disappears is marked down (an uplink) or made again
# (a tap), not crashed on; the rest of the network keeps forwarding.
. "$(dirname "$0")/lib.sh"
need_root
start_vnetd
ns "o$S"
ns "a$S"
ns "b$S"
veth "u$S" "p$S" "o$S"
vnetctl network create "dg$S" --type external >/dev/null || fail create
vnetctl port add "dg$S" --uplink "u$S" >/dev/null || fail uplink
vnetctl port add "dg$S" --tap "ta$S" --netns "a$S" >/dev/null || fail a
vnetctl port add "dg$S" --tap "tb$S" --netns "b$S" >/dev/null || fail b
addr "a$S" "ta$S" 10.207.0.11/24
addr "b$S" "tb$S" 10.207.0.12/24
addr "o$S" "p$S" 10.207.0.1/24
pings "a$S" 10.207.0.1
ip link del "u$S"
wait_port "u$S" down 15 ||
	fail "uplink state $(jget .state port show "u$S") after its device left"
log "uplink marked down"
ip -n "b$S" link del "tb$S"
# A tap is made again (t_tap_remake has the details).
wait_for 15 sh -c "ip -n b$S link show tb$S >/dev/null 2>&1 &&
	[ \"\$(\"$VNETCTL_BIN\" --socket \"$T/sock\" --json port show tb$S | jq -r .state)\" = up ]" ||
	fail "tap not made again: $(vnetctl --json port show "tb$S" | jq -c '{state,error}')"
log "tap made again"
ns "c$S"
vnetctl port add "dg$S" --tap "tc$S" --netns "c$S" >/dev/null || fail c
addr "c$S" "tc$S" 10.207.0.13/24
pings "a$S" 10.207.0.13
vnetctl port del "u$S" >/dev/null || fail "cannot delete the dead port"
vnetctl port del "tb$S" >/dev/null || fail "cannot delete the dead tap"
ALLOW_LOG='port (is down|failed)|socket error'
pass
