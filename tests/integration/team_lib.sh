# team_lib.sh - helpers of the teaming tests (sourced after lib.sh).
#
# team_topology: an "upstream switch" namespace up$S with bridge br0 whose
# ports pa$S/pb$S are the peers of the team members ua$S/ub$S (in vnetd's
# namespace), and a host h$S at 10.231.0.1 on the bridge.
team_topology() {
	start_vnetd
	ns "up$S"
	ns "h$S"
	ip -n "up$S" link add br0 type bridge || fail "bridge"
	ip -n "up$S" link set br0 type bridge ageing_time 30000
	ip -n "up$S" link set br0 up
	for m in a b; do
		veth "u$m$S" "p$m$S" "up$S"
		ip -n "up$S" link set "p$m$S" master br0 up
	done
	ip link add "hv$S" type veth peer name "hb$S" || fail "veth"
	ip link set "hv$S" netns "h$S"
	ip link set "hb$S" netns "up$S"
	ip -n "up$S" link set "hb$S" master br0 up
	addr "h$S" "hv$S" 10.231.0.1/24
}

# team_vm: a VM namespace a$S on network ex$S at 10.231.0.11; VM_MAC.
team_vm() {
	ns "a$S"
	vnetctl port add "ex$S" --tap "ta$S" --netns "a$S" >/dev/null ||
		fail "tap"
	addr "a$S" "ta$S" "${VM_IP:-10.231.0.11/24}"
	VM_MAC=$(ip -n "a$S" -o link show "ta$S" | sed 's/.*ether \([^ ]*\).*/\1/')
}

# member_role DEV: the member's role in team tm$S.
member_role() {
	vnetctl --json team show "tm$S" |
		jq -r --arg m "$1" '.member_list[] | select(.name == $m) | .role'
}

# ping_start COUNT: ping the host every 10 ms in the background.  With a
# deadline (-w) ping waits for COUNT replies (sending more requests if some
# go unanswered) instead of giving up on the last ones 10 ms after sending
# them: a reply that is only late is not counted lost.
ping_start() {
	PING_N=$1
	ip netns exec "a$S" ping -n -c "$1" -i 0.01 -W 1 -w $(($1 / 100 + 10)) \
		10.231.0.1 >"$T/ping.out" 2>&1 &
	PING_PID=$!
	PIDS="$PIDS $PING_PID"
}

# ping_wait: wait for the background ping; LOST is how many of the first
# COUNT requests got no reply (the extra ones -w sends are not counted).
ping_wait() {
	wait "$PING_PID"
	grep -q 'packets transmitted' "$T/ping.out" ||
		fail "ping: $(tail -3 "$T/ping.out")"
	LOST=$((PING_N - $(grep 'bytes from' "$T/ping.out" |
		grep -o 'icmp_seq=[0-9]*' | sort -u |
		awk -F= -v n="$PING_N" '$2 <= n' | wc -l)))
}

# both_sent: each member of team tm$S sent at least 200 frames.
both_sent() {
	[ "$(jget '.member_list[0].counters.tx_packets' team show "tm$S")" -ge 200 ] &&
		[ "$(jget '.member_list[1].counters.tx_packets' team show "tm$S")" -ge 200 ]
}

# fdb_port MAC: the bridge port the upstream switch has MAC on.
fdb_port() {
	bridge -n "up$S" fdb show br br0 | awk -v m="$1" '$1 == m { print $3 }'
}

# role_is DEV ROLE: the member has that role in team tm$S.
role_is() { [ "$(member_role "$1")" = "$2" ]; }
