# IP guard and lease expiry: a lease that ends without a word from its
# client (no renewal, no release: the DHCP server lets it run out with no
# commit) leaves the IP guard's set of its MAC's port when its time is up,
# without anything else rebuilding the set.
#  - a (guarded) leases an address for 60 s with udhcpc and reaches b;
#  - udhcpc is killed (SIGKILL: nothing sent), the address stays on a's
#    interface and keeps working while the lease runs;
#  - once the lease has ended, a's frames from the address are dropped
#    (b sees no ping), counted as ip_spoofed.
# vnet-test: no-sanitizer a 60 s lease by design (the shortest vnetd takes); the IP guard's lease index runs under the sanitizers in t_ip_guard
# vnet-test: idle
. "$(dirname "$0")/lib.sh"
need_root
command -v busybox >/dev/null || skip "busybox (package busybox-static) not installed"
MA=52:54:00:1a:00:1e
start_vnetd
N="ie$S"
vnetctl network create "$N" --type private --subnet 10.81.0.0/24 --dhcp \
	--range 10.81.0.100-10.81.0.150 --lease 60s >/dev/null || fail "create"
ns "a$S"
ns "b$S"
vnetctl port add "$N" --tap "ta$S" --netns "a$S" --mac "$MA" --ip-guard \
	>/dev/null || fail "port a"
vnetctl port add "$N" --tap "tb$S" --netns "b$S" >/dev/null || fail "port b"
addr "b$S" "tb$S" 10.81.0.200/24
drops() { jget ".counters.drops.ip_spoofed // 0" port show "ta$S"; }

udhcpc_lease "a$S" "ta$S" "$T/a.env"
UPID=$UDHCPC_PID
IP=$LEASE_IP
t0=$(date +%s)
kill -KILL "$UPID"
wait "$UPID" 2>/dev/null
ip -n "a$S" addr show dev "ta$S" | grep -q "inet $IP/" ||
	fail "udhcpc's address is gone from a"
pings "a$S" 10.81.0.200
log "leased $IP for 60 s; udhcpc killed, the address works while it runs"

# The lease ends 60 s after its ACK (t0 is a little later).
sleep $((t0 + 62 - $(date +%s)))
d0=$(drops)
no_ping "a$S" 10.81.0.200
d1=$(drops)
[ $((d1 - d0)) -ge 2 ] || fail "ip_spoofed: $d0 -> $d1"
log "the lease ended: $IP is blocked ($((d1 - d0)) dropped)"
pass
