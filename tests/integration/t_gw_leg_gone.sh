# A switch port that is no vnetd port leaving a network tells the network's
# gateway, as a port deletion does: a NAT's external leg that had a DNS
# query relayed by the external network's gateway, when the NAT stops (its
# network is deleted), has its waiting query forgotten at once
# (dns_relay.drops.port_gone) rather than answered later, to an id the next
# port added may get.
. "$(dirname "$0")/lib.sh"
need_root
UP=127.214.5.53 # nothing answers: the query waits
start_vnetd
X="gx$S" L="gl$S"
vnetctl network create "$X" --type external --subnet 10.223.0.0/24 \
	--dns-server $UP >/dev/null || fail "create $X"
vnetctl network create "$L" --type private --subnet 10.224.0.0/24 \
	--nat-via "$X" --nat-address 10.223.0.9 >/dev/null || fail "create $L"
ns "a$S"
vnetctl port add "$L" --tap "ta$S" --netns "a$S" >/dev/null || fail "port"
addr "a$S" "ta$S" 10.224.0.50/24
ip -n "a$S" route add default via 10.224.0.1 || fail "route"
ip netns exec "a$S" "$PY" - <<'PY' || fail "query"
import socket, struct
n = b"\x06silent\x07example\x00"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(struct.pack(">6H", 0x77, 0x0100, 1, 0, 0, 0) + n + struct.pack(">HH", 1, 1),
         ("10.223.0.1", 53))
PY
relay() { vnetctl --json network show "$X" | jq -c '.gateway_counters.dns_relay'; }
wait_for 3 sh -c "vnetctl --json network show $X | jq -e '.gateway_counters.dns_relay.queries == 1' >/dev/null" ||
	fail "the NAT leg's query was not relayed: $(relay)"
out=$(vnetctl network delete "$L" --force 2>&1) || fail "delete $L: $out"
c=$(relay)
log "after the NAT stopped: $c"
echo "$c" | jq -e '.drops.port_gone == 1' >/dev/null ||
	fail "the leg's waiting query was not forgotten: $c"
pass
