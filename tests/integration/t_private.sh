# Private network: guests reach each other; the host has no way in.
. "$(dirname "$0")/lib.sh"
need_root
start_vnetd
ns "a$S"
ns "b$S"
vnetctl network create "pv$S" --type private >/dev/null || fail "create"
vnetctl port add "pv$S" --tap "ta$S" --netns "a$S" >/dev/null || fail "tap a"
vnetctl port add "pv$S" --tap "tb$S" --netns "b$S" >/dev/null || fail "tap b"
addr "a$S" "ta$S" 10.202.0.11/24
addr "b$S" "tb$S" 10.202.0.12/24
pings "a$S" 10.202.0.12
pings "b$S" 10.202.0.11
# The host cannot join: a host vNIC is refused with a reason.
out=$(vnetctl port add "pv$S" --host "h$S" --addr 10.202.0.1/24 2>&1) &&
	fail "host vNIC accepted on a private network"
echo "$out" | grep -q "private networks join guests only" ||
	fail "unhelpful refusal: $out"
ip link show "h$S" >/dev/null 2>&1 && fail "refused port left a device"
# And it has no route into the network.
if ping -c 1 -W 1 10.202.0.11 >/dev/null 2>&1; then
	fail "host reached a private network"
fi
log "host cannot reach the private network"
pass
