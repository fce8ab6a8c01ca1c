# Teaming, active-backup with carrier: a team of two veth members (read
# with $BACKEND: afpacket by default, pcap works too) whose peers are ports
# of a Linux bridge in an "upstream switch" namespace with a host behind it.
# A VM namespace pings the host every 10 ms through the team: taking the
# active member's peer down loses at most 2 replies, failback to the
# primary loses none, and right after a failover (with no traffic of its
# own) the bridge already has the VM's MAC on the new member: the team
# announced it, with the address the network's DHCP server leased to the
# VM (not the source of a packet the VM routed) and, by an unsolicited
# neighbour advertisement, the IPv6 address it resolved a neighbour from.
# vnet-test: alone
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/team_lib.sh"
team_topology
# shellcheck disable=SC2086
vnetctl team create "tm$S" --mode active-backup --members "ua$S,ub$S" \
	--primary "ua$S" ${BACKEND:+--backend $BACKEND} >/dev/null ||
	fail "team create"
vnetctl network create "ex$S" --type external --uplink-team "tm$S" \
	>/dev/null || fail "network create"
team_vm
pings "a$S" 10.231.0.1
[ "$(member_role ua$S)" = active ] || fail "ua$S is not active: $(member_role ua$S)"

# Carrier failover under a 10 ms ping.
ping_start 250
sleep 1
ip -n "up$S" link set "pa$S" down
ping_wait
log "carrier failover: $LOST of 250 lost"
[ "$LOST" -le 2 ] || fail "carrier failover lost $LOST packets (at most 2)"
[ "$(member_role ub$S)" = active ] || fail "ub$S did not take over"
jget '.history[-1].reason' team show "tm$S" | grep -q "carrier down" ||
	fail "history: $(jget '.history[-1]' team show "tm$S")"

# Failback to the primary: nothing lost.
ping_start 300
sleep 1
ip -n "up$S" link set "pa$S" up
ping_wait
log "failback: $LOST of 300 lost"
[ "$LOST" = 0 ] || fail "failback lost $LOST packets"
[ "$(member_role ua$S)" = active ] || fail "no failback to ua$S"

# Quiet failover: the bridge learns the VM's MAC on the new member from the
# team's announcement alone.
sleep 0.5
ip -n "up$S" link set "pa$S" down
sleep 0.2
fdb_port "$VM_MAC" | grep -q "pb$S" ||
	fail "bridge FDB after failover: '$(fdb_port "$VM_MAC")', want pb$S"
log "bridge FDB has $VM_MAC on pb$S right after failover"
[ "$(jget '.announcements' team show "tm$S")" -ge 1 ] || fail "no announcement"
vnetctl team show "tm$S"

# What a failover announces: the address the network's DHCP server leased
# to the VM's MAC, never the source of a packet the VM routes (or spoofs).
announce_lease() {
	ip -n "up$S" link set "pa$S" up
	wait_for 3 role_is "ua$S" active || fail "no failback to ua$S"
	vnetctl network set "ex$S" --subnet 10.231.0.0/24 --gateway 10.231.0.254 \
		--dhcp --range 10.231.0.100-10.231.0.120 >/dev/null || fail "network set"
	ip netns exec "a$S" busybox udhcpc -i "ta$S" -s /bin/true -q -n -t 5 -T 1 \
		>"$T/udhcpc.log" 2>&1 || fail "no lease: $(cat "$T/udhcpc.log")"
	LEASE=$(vnetctl --json dhcp leases "ex$S" | jq -r --arg m "$VM_MAC" \
		'.[] | select(.mac == $m and .state == "bound") | .ip')
	[ -n "$LEASE" ] || fail "no bound lease for $VM_MAC"
	HOST_MAC=$(ip -n "h$S" -o link show "hv$S" | sed 's/.*ether \([^ ]*\).*/\1/')
	# The VM forwards a packet of 10.231.0.99's (no ARP of its own after it).
	ip netns exec "a$S" python3 -c "
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(('ta$S', 0))
ip = bytes([0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 231, 0, 99,
            10, 231, 0, 1]) + bytes(8)
s.send(bytes.fromhex('$HOST_MAC$VM_MAC'.replace(':', '')) + b'\x08\x00' + ip)
" || fail "routed frame"
	# Its IPv6 link-local address, proved by a neighbour solicitation.
	HOST_LL=$(ip -n "h$S" -6 -o addr show dev "hv$S" scope link |
		awk '{print $4}' | cut -d/ -f1)
	VM_LL=$(ip -n "a$S" -6 -o addr show dev "ta$S" scope link |
		awk '{print $4}' | cut -d/ -f1)
	ip -n "a$S" neigh flush dev "ta$S"
	ip netns exec "a$S" ping -6 -c 1 -W 2 "$HOST_LL%ta$S" >/dev/null ||
		fail "no IPv6 ping to $HOST_LL"
	ip netns exec "h$S" timeout 10 tcpdump -nli "hv$S" "arp or icmp6" \
		>"$T/garp" 2>"$T/garp.err" &
	td=$!
	PIDS="$PIDS $td"
	wait_for 10 grep -q "listening on" "$T/garp.err" ||
		fail "tcpdump did not start: $(cat "$T/garp.err")"
	ip -n "up$S" link set "pa$S" down
	announced() {
		grep -qE "(who-has|Announcement) $LEASE( tell $LEASE)?," "$T/garp" &&
			grep -q "$VM_LL > ff02::1: ICMP6, neighbor advertisement" "$T/garp"
	}
	# Then a moment more for anything else the failover announces.
	wait_for 5 announced && sleep 0.3
	kill "$td" 2>/dev/null
	wait "$td" 2>/dev/null
	grep -E "(who-has|Announcement) $LEASE( tell $LEASE)?," "$T/garp" | grep -q . ||
		fail "no gratuitous ARP for the lease $LEASE: $(cat "$T/garp")"
	! grep -q "10.231.0.99" "$T/garp" ||
		fail "the team announced a routed address: $(cat "$T/garp")"
	grep -E "$VM_LL > ff02::1: ICMP6, neighbor advertisement, tgt is $VM_LL" \
		"$T/garp" | grep -q . ||
		fail "no unsolicited neighbour advertisement of $VM_LL: $(cat "$T/garp")"
	log "failover announced the leased $LEASE and $VM_LL, not the routed 10.231.0.99"
	ip -n "up$S" link set "pa$S" up
}
if command -v busybox >/dev/null; then
	announce_lease
else
	skip_part "lease announcement" "busybox (udhcpc) not installed"
fi

# Refusals, nothing half-applied.
vnetctl team delete "tm$S" 2>&1 | grep -q "uplink of network" ||
	fail "team delete must be refused while a network uses it"
ip link add "uc$S" type veth peer name "pc$S" && LINKS="$LINKS uc$S"
vnetctl team create "tn$S" --mode active-backup --members "ub$S,uc$S" 2>&1 |
	grep -q "already a member of team" || fail "member of two teams"
vnetctl team create "tn$S" --mode static --members "uc$S" --lacp-rate fast \
	2>&1 | grep -q "apply to LACP teams" || fail "lacp-rate on static"
vnetctl team create "tn$S" --mode lacp --members "lo" 2>&1 |
	grep -q "not an Ethernet device" || fail "lacp on a non-Ethernet member"
vnetctl port add "ex$S" --uplink "uc$S" 2>&1 | grep -q "already has team" ||
	fail "second uplink beside a team"
[ "$(vnetctl --json team list | jq length)" = 1 ] || fail "half-made team"
# A team whose member vanished cannot become an uplink: no network made.
ip link add "ud$S" type veth peer name "pd$S" && LINKS="$LINKS ud$S"
vnetctl team create "tn$S" --mode active-backup --members "ud$S" >/dev/null ||
	fail "team tn$S"
ip link del "ud$S"
vnetctl network create "en$S" --type external --uplink-team "tn$S" 2>&1 |
	grep -q "team 'tn$S'" || fail "network on a broken team"
vnetctl network list | grep -q "en$S" && fail "half-made network"
vnetctl team delete "tn$S" >/dev/null || fail "team tn$S delete"

# Live members: add one, remove one.
vnetctl team add-member "tm$S" "uc$S" >/dev/null || fail "add-member"
[ "$(jget '.member_list | length' team show "tm$S")" = 3 ] || fail "not 3 members"
vnetctl team del-member "tm$S" "uc$S" >/dev/null || fail "del-member"
[ "$(jget '.members' team show "tm$S")" = "ua$S,ub$S" ] || fail "members"

# Export and import: the team comes back before the network that uses it.
vnetctl config export "$T/cfg.json" >/dev/null || fail "export"
[ "$(jq -r '.teams[0].name' "$T/cfg.json")" = "tm$S" ] || fail "no team exported"
vnetctl network delete "ex$S" --force >/dev/null || fail "network delete"
vnetctl team delete "tm$S" >/dev/null || fail "team delete"
vnetctl config import "$T/cfg.json" >/dev/null || fail "import"
ns "a2$S"
vnetctl port add "ex$S" --tap "tc$S" --netns "a2$S" >/dev/null || fail "tap"
addr "a2$S" "tc$S" 10.231.0.12/24
pings "a2$S" 10.231.0.1
pass
