# Teaming, balance by originating port (switch-independent): two VMs behind
# a team of two members on a Linux bridge.  A broadcast from the host,
# flooded to both members, reaches a VM once; a VM's broadcast that the
# bridge floods back on the other member is not delivered back; when the
# member carrying a VM goes down its port is re-pinned, the VM's MAC is
# announced on the survivor (the bridge's FDB shows it at once), and a
# 10 ms ping loses at most 2.
# vnet-test: alone
# vnet-test: no-sanitizer counts pings lost at 10 ms intervals; balancing runs under the sanitizers in t_team_lag and test_team_select
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/team_lib.sh"
team_topology
vnetctl team create "tm$S" --mode balance-port --members "ua$S,ub$S" \
	>/dev/null || fail "team create"
vnetctl network create "ex$S" --type external --uplink-team "tm$S" \
	>/dev/null || fail "network create"
team_vm
ns "b$S"
vnetctl port add "ex$S" --tap "tb$S" --netns "b$S" >/dev/null || fail "tap b"
addr "b$S" "tb$S" 10.231.0.12/24
pings "a$S" 10.231.0.1
pings "b$S" 10.231.0.1
vnetctl mac show "ex$S" | grep -q "tm$S" || fail "mac show: no MAC on the team"

# count NS FILTER SECONDS CMD...: frames matching FILTER that NS receives
# while CMD runs.
count() {
	n=$1 f=$2 secs=$3
	shift 3
	ip netns exec "$n" timeout "$secs" tcpdump -Q in -nli any "$f" \
		>"$T/cap" 2>"$T/cap.err" &
	cp=$!
	wait_for 2 grep -q "listening on" "$T/cap.err"
	"$@" >/dev/null 2>&1
	# A copy the command's last frame made is captured by then.
	sleep 0.3
	kill "$cp" 2>/dev/null
	wait "$cp"
	cat "$T/cap" >>"$T/caps"
	grep -c "echo request" "$T/cap"
}
drops() {
	vnetctl --json team show "tm$S" | jq "[.member_list[].counters.drops.$1] | add"
}

# No duplicates: 5 broadcasts from the host, flooded on both members.
got=$(count "a$S" "icmp[icmptype] == icmp-echo" 3 \
	ip netns exec "h$S" timeout 1.5 ping -b -c 5 -i 0.2 10.231.0.255)
log "host broadcasts: VM got $got of 5"
[ "$got" = 5 ] || fail "VM received $got copies of 5 broadcasts: $(cat $T/caps)"
[ "$(drops not_bcast_member)" -ge 5 ] || fail "no broadcast dropped on the other member"

# No loops: the VM's own broadcasts come back on the other member.
before=$(($(drops loop) + $(drops not_bcast_member)))
got=$(count "a$S" "icmp[icmptype] == icmp-echo" 3 \
	ip netns exec "a$S" timeout 1.5 ping -b -c 5 -i 0.2 10.231.0.255)
after=$(($(drops loop) + $(drops not_bcast_member)))
log "VM broadcasts: $got came back, $((after - before)) dropped by the team"
[ "$got" = 0 ] || fail "the VM's broadcasts came back ($got)"
[ $((after - before)) -ge 5 ] || fail "looped broadcasts not dropped"

# Failover of the member that carries VM a.
sleep 0.3
case $(fdb_port "$VM_MAC") in
"pa$S") dead=a live=b ;;
"pb$S") dead=b live=a ;;
*) fail "VM MAC not on a member in the bridge: '$(fdb_port "$VM_MAC")'" ;;
esac
ping_start 300
sleep 1
ip -n "up$S" link set "p$dead$S" down
ping_wait
log "member p$dead$S down under VM a's 10 ms ping: $LOST of 300 lost"
[ "$LOST" -le 2 ] || fail "lost $LOST"
[ "$(fdb_port "$VM_MAC")" = "p$live$S" ] || fail "FDB: $(fdb_port "$VM_MAC")"
ip -n "up$S" link set "p$dead$S" up
# Quiet re-pin: announced, the bridge knows it without the VM speaking.
sleep 0.5
case $(fdb_port "$VM_MAC") in
"pa$S") dead=a live=b ;;
*) dead=b live=a ;;
esac
ip -n "up$S" link set "p$dead$S" down
sleep 0.2
[ "$(fdb_port "$VM_MAC")" = "p$live$S" ] ||
	fail "after a quiet re-pin the bridge has $VM_MAC on '$(fdb_port "$VM_MAC")'"
log "re-pinned VM announced on p$live$S"
pass
