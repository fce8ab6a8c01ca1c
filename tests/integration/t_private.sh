# Private network: guests reach each other; the host has no way in.  The
# host is given every chance: a route to the private network's very subnet
# through an internal network on the same vnetd (which it does reach), and
# the host and uplink ports that would let it in are refused.
. "$(dirname "$0")/lib.sh"
need_root
start_vnetd
ns "a$S"
ns "b$S"
ns "c$S"
veth "u$S" "p$S" "c$S"
vnetctl network create "pv$S" --type private >/dev/null || fail "create"
vnetctl port add "pv$S" --tap "ta$S" --netns "a$S" >/dev/null || fail "tap a"
vnetctl port add "pv$S" --tap "tb$S" --netns "b$S" >/dev/null || fail "tap b"
addr "a$S" "ta$S" 10.202.$N.11/24
addr "b$S" "tb$S" 10.202.$N.12/24
pings "a$S" 10.202.$N.12
pings "b$S" 10.202.$N.11
# The host cannot join: a host vNIC is refused with a reason, and so is an
# uplink (which would bridge the network to a host device).
LINKS="$LINKS h$S"
out=$(vnetctl port add "pv$S" --host "h$S" --addr 10.202.$N.1/24 2>&1) &&
	fail "host vNIC accepted on a private network"
echo "$out" | grep -q "private networks join guests only" ||
	fail "unhelpful refusal: $out"
ip link show "h$S" >/dev/null 2>&1 && fail "refused port left a device"
out=$(vnetctl port add "pv$S" --uplink "u$S" 2>&1) &&
	fail "uplink accepted on a private network"
echo "$out" | grep -q "private networks join guests only" ||
	fail "unhelpful refusal: $out"
[ "$(jget '[.[] | select(.network=="pv'"$S"'")] | length' port list)" = 2 ] ||
	fail "private network has other ports than its two guests: $(vnetctl port list)"
# A route is not a way in: the host gets an address in the private
# network's subnet on an internal network of the same switch, and reaches a
# namespace there, but neither guest of the private network.
vnetctl network create "pi$S" --type internal >/dev/null || fail "create internal"
vnetctl port add "pi$S" --host "h$S" --addr 10.202.$N.1/24 >/dev/null ||
	fail "host port on the internal network"
vnetctl port add "pi$S" --tap "tc$S" --netns "c$S" >/dev/null || fail "tap c"
addr "c$S" "tc$S" 10.202.$N.13/24
ip route get 10.202.$N.11 | grep -q "dev h$S" || fail "host has no route: $(ip route get 10.202.$N.11)"
ping -c 2 -i 0.2 -W 2 10.202.$N.13 >/dev/null || fail "host cannot reach the internal network"
log "host -> internal network ok, through h$S"
for g in 10.202.$N.11 10.202.$N.12; do
	if ping -c 2 -i 0.2 -W 1 "$g" >/dev/null 2>&1; then
		fail "host reached $g on the private network"
	fi
done
no_ping "a$S" 10.202.$N.1
no_ping "a$S" 10.202.$N.13
log "host, routed to the private subnet, still cannot reach its guests"
pass
