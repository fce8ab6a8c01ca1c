# A veth port given no --mac keeps the MAC its pair got first: the pair
# made again when its namespace is made again, and again after a restart,
# has the same MAC in the namespace (guests' neighbours stay right).
. "$(dirname "$0")/lib.sh"
need_root
ALLOW_LOG='port failed \(No such device\)|fast path'
start_vnetd
ns "m$S"
vnetctl network create "vm$S" --type internal >/dev/null || fail create
vnetctl port add "vm$S" --veth "vv$S" --netns "m$S" >/dev/null || fail veth
mac() { ip -n "m$S" -o link show "vv$S" 2>/dev/null | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }
m0=$(mac)
[ -n "$m0" ] || fail "no veth end in the namespace"
[ "$(jget .mac port show "vv$S")" = "$m0" ] || fail "MAC not stored: $(jget .mac port show "vv$S") vs $m0"
again() { # WHAT
	ip netns del "m$S"
	ip netns add "m$S" || fail "namespace again"
	for _ in $(seq 100); do
		[ "$(jget .state port show "vv$S")" = up ] && [ -n "$(mac)" ] && break
		sleep 0.1
	done
	[ "$(mac)" = "$m0" ] || fail "$1: MAC $(mac), was $m0"
	log "$1: same MAC $m0"
}
again "namespace made again"
stop_vnetd
start_vnetd
again "after a restart, namespace made again"
# A port an older vnetd stored without a MAC gets the one its pair has at
# the next start, and keeps it from then on.
if command -v sqlite3 >/dev/null; then
	stop_vnetd
	sqlite3 "$T/state.db" "UPDATE ports SET conf = json_remove(conf, '$.mac') WHERE name = 'vv$S'" ||
		fail "cannot edit the state file"
	start_vnetd
	[ "$(jget .mac port show "vv$S")" = "$m0" ] || fail "restored port's MAC not taken: $(jget .mac port show "vv$S")"
	stop_vnetd
	[ "$(sqlite3 "$T/state.db" "SELECT json_extract(conf, '$.mac') FROM ports WHERE name = 'vv$S'")" = "$m0" ] ||
		fail "restored port's MAC not stored"
	start_vnetd
	again "stored without a MAC, restarted, namespace made again"
	# One whose namespace is missing at that start stores the MAC its
	# pair is made with once the namespace appears.
	stop_vnetd
	sqlite3 "$T/state.db" "UPDATE ports SET conf = json_remove(conf, '$.mac') WHERE name = 'vv$S'" ||
		fail "cannot edit the state file"
	ip netns del "m$S"
	start_vnetd
	ip netns add "m$S" || fail "namespace again"
	for _ in $(seq 100); do
		[ "$(jget .state port show "vv$S")" = up ] && [ -n "$(mac)" ] && break
		sleep 0.1
	done
	m0=$(mac)
	[ -n "$m0" ] || fail "no pair once the namespace appeared"
	[ "$(sqlite3 "$T/state.db" "SELECT json_extract(conf, '$.mac') FROM ports WHERE name = 'vv$S'")" = "$m0" ] ||
		fail "MAC of a port restored without its namespace not stored"
	stop_vnetd
	start_vnetd
	again "namespace missing at start, restarted, namespace made again"
else
	skip_part "stored without a MAC" "sqlite3 not installed"
fi
pass
