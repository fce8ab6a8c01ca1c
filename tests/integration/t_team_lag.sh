# Teaming, the hashing modes and LACP fallback on the same two members,
# whose peers are ports of a plain Linux bridge (no LACP there):
#   - balance-mac: frames from 16 source MACs leave on both members
#     (per-member counters);
#   - lacp with --lacp-fallback active-backup: the partner never answers
#     (a Linux bridge drops LACPDUs), so the team falls back to one active
#     member, says so (state, history), and the VM reaches the host; the
#     other member's carrier coming back does not interrupt it;
#   - static LAG with the L3/L4 hash: 64 UDP flows from one VM leave on
#     both members; the metrics endpoint shows the team's state and the
#     same per-member counters.
# vnet-test: alone
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/team_lib.sh"
VNETD_EXTRA="--metrics $T/metrics.sock"
team_topology
ns "a$S"

# team_up MODE ARGS...: team tm$S and network ex$S with the VM's tap on it.
team_up() {
	vnetctl team create "tm$S" --members "ua$S,ub$S" --mode "$@" \
		>/dev/null || fail "team create $*"
	vnetctl network create "ex$S" --type external --uplink-team "tm$S" \
		>/dev/null || fail "network create ($1)"
	vnetctl port add "ex$S" --tap "ta$S" --netns "a$S" >/dev/null ||
		fail "tap ($1)"
	addr "a$S" "ta$S" 10.231.0.11/24
}
team_down() {
	vnetctl network delete "ex$S" --force >/dev/null || fail "network delete"
	vnetctl team delete "tm$S" >/dev/null || fail "team delete"
}
# tx_both WHAT: both members sent at least 200 frames (given up to 5 s to
# count them).
tx_both() {
	wait_for 5 both_sent
	txa=$(jget '.member_list[0].counters.tx_packets' team show "tm$S")
	txb=$(jget '.member_list[1].counters.tx_packets' team show "tm$S")
	log "$1: ua$S sent $txa frames, ub$S $txb"
	[ "$txa" -ge 200 ] && [ "$txb" -ge 200 ] ||
		fail "$1 did not use both members ($txa, $txb)"
}

# Balance by source MAC: 16 MACs, 40 frames each, to the host's MAC.
team_up balance-mac
pings "a$S" 10.231.0.1
HOST_MAC=$(ip -n "h$S" -o link show "hv$S" | sed 's/.*ether \([^ ]*\).*/\1/')
ip netns exec "a$S" python3 -c "
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(('ta$S', 0))
dst = bytes.fromhex('$HOST_MAC'.replace(':', ''))
for m in range(16):
    src = bytes([0x02, 0x54, 0, 0, 0x10, m])
    for _ in range(40):
        s.send(dst + src + b'\x88\xb6' + b'x' * 50)" || fail "MACs"
tx_both "balance-mac, 16 source MACs"
team_down

# LACP whose partner never answers: active-backup fallback.
team_up lacp --lacp-rate fast --lacp-fallback active-backup --primary "ua$S"
fell_back() { [ "$(jget .state team show "tm$S")" = fallback ]; }
wait_for 10 fell_back || fail "no fallback: $(jget .state team show "tm$S")"
jget '.history[].reason' team show "tm$S" |
	grep -q "no LACP partner: active-backup fallback" ||
	fail "history: $(jget .history team show "tm$S")"
role_is "ua$S" active || fail "ua$S is not active in fallback: $(member_role "ua$S")"
pings "a$S" 10.231.0.1
log "LACP without a partner fell back to active-backup on ua$S"
# ub's carrier goes and comes back: ub waits 3 s for a partner it never
# heard, and the fallback goes on carrying on ua all the while.
ub_down() { [ "$(member_role "ub$S")" = down ]; }
ip -n "up$S" link set "pb$S" down
wait_for 5 ub_down || fail "ub$S still $(member_role "ub$S")"
ping_start 500
sleep 0.5
ip -n "up$S" link set "pb$S" up
ping_wait
fell_back && role_is "ua$S" active ||
	fail "fallback left: $(jget .state team show "tm$S"), ua$S $(member_role "ua$S")"
[ "$LOST" -le 2 ] || fail "$LOST of 500 pings lost while ub$S came up in fallback"
log "fallback: ub$S came up, ua$S kept carrying ($LOST of 500 pings lost)"
# Members that take super-frames (packet sockets): the team does, so the
# VM's 64 KB TCP frames leave whole and the kernel cuts them for the wire.
. "$(dirname "$0")/offload.sh"
head -c 8000000 /dev/urandom >"$T/file"
tcp_copy "a$S" "h$S" 10.231.0.1 5907 "$T/file" "$T/out"
w=$(jget .superframes_sent_whole team show "tm$S")
[ "${w:-0}" -gt 0 ] && [ "$(jget .superframes_segmented team show "tm$S")" = 0 ] ||
	fail "the team did not take super-frames whole: $(vnetctl --json team show "tm$S")"
log "team: $w super-frames passed whole, the copy intact"
team_down

# Static LAG, L3/L4 hash: 64 flows.  A plain bridge is no LAG partner (it
# floods a VM's broadcast back on the other member, where a static LAG
# takes it in), so the VM sends no broadcast: the host's MAC is a
# permanent neighbour, and only what leaves on each member is counted.
team_up static --hash l34
ip -n "a$S" neigh replace 10.231.0.1 lladdr "$HOST_MAC" dev "ta$S" \
	nud permanent || fail "neighbour"
ip netns exec "a$S" python3 -c "
import socket
for p in range(40000, 40064):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('10.231.0.11', p))
    for _ in range(20):
        s.sendto(b'x' * 100, ('10.231.0.1', 9))
    s.close()" || fail "flows"
tx_both "static l34, 64 flows"

# The metrics endpoint has the team's state and per-member counters, the
# same as team show; a Prometheus parser takes them when there is one.
if command -v curl >/dev/null; then
	curl -sf --max-time 5 --unix-socket "$T/metrics.sock" http://x/metrics \
		>"$T/m" || fail "no metrics"
	metric() { grep -F "$1 " "$T/m" | awk '{print $NF}'; }
	[ "$(metric "vnet_team_state{team=\"tm$S\",state=\"up\"}")" = 1 ] ||
		fail "team state: $(grep vnet_team_state "$T/m")"
	for m in "ua$S" "ub$S"; do
		got=$(metric "vnet_team_member_tx_packets_total{team=\"tm$S\",member=\"$m\"}")
		want=$(vnetctl --json team show "tm$S" | jq --arg m "$m" \
			'.member_list[] | select(.name == $m) | .counters.tx_packets')
		[ -n "$got" ] && [ "$got" -ge 200 ] && [ "$got" -le "$want" ] ||
			fail "$m: metrics say $got frames sent, team show $want"
		[ "$(metric "vnet_team_member_carrying{team=\"tm$S\",member=\"$m\"}")" = 1 ] ||
			fail "$m not carrying in the metrics"
	done
	grep -q "^vnet_team_member_drops_total{team=\"tm$S\",member=\"ua$S\",reason=\"loop\"} " "$T/m" ||
		fail "no drops by reason"
	if $PY -c 'import prometheus_client' 2>/dev/null; then
		$PY -c "
import sys
from prometheus_client.parser import text_string_to_metric_families
for fam in text_string_to_metric_families(open('$T/m').read()):
    pass" || fail "the Python client's parser refused the text"
	fi
	log "metrics: team state and per-member counters"
else
	skip_part metrics "curl not installed"
fi
pass
