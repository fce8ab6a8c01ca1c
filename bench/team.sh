#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/team.sh BUILD - failover time of a vnet team next to an Open vSwitch
# bond, the same failovers in the same run, ROUNDS (20) of each:
#   carrier   the active member's peer goes down; outage = the longest gap
#             between replies of a 1 ms ping from a VM to a host behind the
#             upstream bridge (vnet team active-backup; OVS bond
#             active-backup with bond-primary, carrier detection)
#   arp       the active member's path is cut one hop away (its peer leaves
#             the bridge, carrier stays up); vnet with ARP probing every
#             PROBE_MS (100); OVS bonds have no path probing: not detected
#   lacp      the partner stops sending LACPDUs (its process frozen);
#             detection = time until the member leaves the aggregate, polled
#             every 50 ms; vnet team and OVS bond (balance-tcp, lacp=active,
#             lacp-time=fast) are each other's partner: each is measured
#             while the other is frozen
# Every value is printed, then min/median/max per row.
set -u
BUILD=$(readlink -f "${1:-build}")
ROUNDS=${ROUNDS:-20}
PROBE_MS=${PROBE_MS:-100}
export BUILD
# Freezing and thawing the peers makes vnetd log warnings: expected here.
export ALLOW_LOG=.
cd "$(dirname "$0")/.." || exit 1
. tests/integration/lib.sh
need_root
command -v ovs-vswitchd >/dev/null || skip "openvswitch-switch not installed"

# ---- topology ----
# up$S: Linux bridge br0 with the host h$S (10.233.0.1) and the peers of
# vnet's members (pa, pb) and of OVS's members (qa, qb).
# vnet: team tm$S (ua, ub) -> network ex$S -> VM a$S (10.233.0.11).
# OVS (in namespace ovh$S): br-ab with bond0 (oa, ob) and the VM port vb
# -> VM b$S (10.233.0.12); br-lacp with bond1 (oc, od) <-> vnet team tl$S
# (uc, ud) on network el$S.
start_vnetd
ns "up$S"
ns "h$S"
ns "ovh$S"
ns "a$S"
ns "b$S"
ip -n "up$S" link add br0 type bridge
ip -n "up$S" link set br0 type bridge ageing_time 30000
ip -n "up$S" link set br0 up
for m in a b; do
	veth "u$m$S" "p$m$S" "up$S"
	ip -n "up$S" link set "p$m$S" master br0 up
	ip link add "o$m$S" type veth peer name "q$m$S"
	ip link set "o$m$S" netns "ovh$S"
	ip link set "q$m$S" netns "up$S"
	ip -n "up$S" link set "q$m$S" master br0 up
	ip -n "ovh$S" link set "o$m$S" up
done
for m in c d; do
	veth "u$m$S" "o$m$S" "ovh$S"
	ip -n "ovh$S" link set "o$m$S" up
done
ip link add "hv$S" type veth peer name "hb$S"
ip link set "hv$S" netns "h$S"
ip link set "hb$S" netns "up$S"
ip -n "up$S" link set "hb$S" master br0 up
addr "h$S" "hv$S" 10.233.0.1/24
ip link add "vb$S" type veth peer name "vi$S"
ip link set "vb$S" netns "ovh$S"
ip link set "vi$S" netns "b$S"
ip -n "ovh$S" link set "vb$S" up
addr "b$S" "vi$S" 10.233.0.12/24

O=$T/ovs
mkdir -p "$O"
export OVS_RUNDIR=$O OVS_LOGDIR=$O OVS_DBDIR=$O OVS_SYSCONFDIR=$O
ovsdb-tool create "$O/conf.db" /usr/share/openvswitch/vswitch.ovsschema
ip netns exec "ovh$S" ovsdb-server "$O/conf.db" --remote="punix:$O/db.sock" \
	--pidfile="$O/ovsdb.pid" --unixctl="$O/ovsdb.ctl" --detach --no-chdir \
	--log-file="$O/ovsdb.log"
PIDS="$PIDS $(cat "$O/ovsdb.pid")"
V() { ovs-vsctl --db="unix:$O/db.sock" --timeout=10 "$@"; }
A() { ovs-appctl -t "$O/vswitchd.ctl" "$@"; }
V --no-wait init
ip netns exec "ovh$S" ovs-vswitchd "unix:$O/db.sock" --pidfile="$O/vswitchd.pid" \
	--unixctl="$O/vswitchd.ctl" --detach --no-chdir --log-file="$O/vswitchd.log"
OVS_PID=$(cat "$O/vswitchd.pid")
PIDS="$PIDS $OVS_PID"
V add-br br-ab -- set bridge br-ab datapath_type=netdev
V add-bond br-ab bond0 "oa$S" "ob$S" bond_mode=active-backup \
	other_config:bond-primary="oa$S"
V add-port br-ab "vb$S"
V add-br br-lacp -- set bridge br-lacp datapath_type=netdev
V add-bond br-lacp bond1 "oc$S" "od$S" bond_mode=balance-tcp lacp=active \
	other_config:lacp-time=fast

vnetctl team create "tm$S" --mode active-backup --members "ua$S,ub$S" \
	--primary "ua$S" >/dev/null || fail "team"
vnetctl network create "ex$S" --type external --uplink-team "tm$S" >/dev/null
vnetctl port add "ex$S" --tap "ta$S" --netns "a$S" >/dev/null
addr "a$S" "ta$S" 10.233.0.11/24
vnetctl team create "tl$S" --mode lacp --members "uc$S,ud$S" \
	--lacp-rate fast >/dev/null || fail "lacp team"
vnetctl network create "el$S" --type external --uplink-team "tl$S" >/dev/null
sleep 2
pings "a$S" 10.233.0.1
pings "b$S" 10.233.0.1

# ---- measurements ----
# gap NS: start a 1 ms ping; outage (ms) printed by gap_end.
gap_start() {
	ip netns exec "$1" ping -n -D -i 0.001 -W 1 10.233.0.1 >"$T/ping" 2>&1 &
	GAP_PID=$!
	sleep 0.5
}
gap_end() {
	kill -INT "$GAP_PID"
	wait "$GAP_PID" 2>/dev/null
	awk -F'[][]' '/bytes from/ { t = $2 * 1000; if (p && t - p > m) m = t - p; p = t }
		END { printf "%.0f\n", m }' "$T/ping"
}
wait_until() { # SECONDS COMMAND...
	n=$(($1 * 20))
	shift
	while [ $n -gt 0 ]; do
		"$@" && return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}
vnet_role() {
	vnetctl --json team show "$1" |
		jq -r --arg m "$2" '.member_list[] | select(.name == $m) | .role'
}
vnet_active_is() { [ "$(vnet_role "tm$S" "$1")" = active ]; }
ovs_active_is() { A bond/show bond0 | grep -q "active member mac.*($1)"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

declare -A R
record() { R[$1]="${R[$1]:-} $2"; }

for r in $(seq "$ROUNDS"); do
	# carrier, vnet
	gap_start "a$S"
	ip -n "up$S" link set "pa$S" down
	sleep 0.5
	record vnet_carrier "$(gap_end)"
	ip -n "up$S" link set "pa$S" up
	wait_until 5 vnet_active_is "ua$S" || echo "round $r: vnet no failback"
	sleep 1.2
	# carrier, OVS
	gap_start "b$S"
	ip -n "up$S" link set "qa$S" down
	sleep 0.5
	record ovs_carrier "$(gap_end)"
	ip -n "up$S" link set "qa$S" up
	wait_until 5 ovs_active_is "oa$S" || echo "round $r: OVS no failback"
	sleep 1.2
done

vnetctl team set "tm$S" --probe "arp:10.233.0.1" --probe-interval "$PROBE_MS" \
	>/dev/null
sleep 1
for r in $(seq "$ROUNDS"); do
	gap_start "a$S"
	ip -n "up$S" link set "pa$S" nomaster
	sleep 1
	record vnet_arp "$(gap_end)"
	ip -n "up$S" link set "pa$S" master br0
	wait_until 5 vnet_active_is "ua$S" || echo "round $r: vnet no failback"
	sleep 1.2
done

vnet_in_sync() {
	[ "$(vnetctl --json team show "tl$S" | jq '[.member_list[] |
		select(.lacp.mux_state == "collecting_distributing")] | length')" = 2 ]
}
vnet_detached() {
	[ "$(vnetctl --json team show "tl$S" | jq '[.member_list[] |
		select(.lacp.mux_state == "collecting_distributing")] | length')" = 0 ]
}
ovs_in_sync() { [ "$(A lacp/show bond1 | grep -c 'current attached')" = 2 ]; }
ovs_detected() { ! A lacp/show bond1 | grep -q "current attached"; }
for r in $(seq "$ROUNDS"); do
	wait_until 10 vnet_in_sync || echo "round $r: vnet not in sync"
	wait_until 10 ovs_in_sync || echo "round $r: OVS not in sync"
	# vnet detects a frozen OVS
	kill -STOP "$OVS_PID"
	t0=$(now_ms)
	wait_until 10 vnet_detached
	record vnet_lacp $(($(now_ms) - t0))
	kill -CONT "$OVS_PID"
	wait_until 10 vnet_in_sync || echo "round $r: vnet not in sync"
	wait_until 10 ovs_in_sync || echo "round $r: OVS not in sync"
	# OVS detects a frozen vnetd
	kill -STOP "$VNETD_PID"
	t0=$(now_ms)
	wait_until 10 ovs_detected
	record ovs_lacp $(($(now_ms) - t0))
	kill -CONT "$VNETD_PID"
done

stats() { # values -> "min median max"
	echo "$@" | tr ' ' '\n' | grep . | sort -n |
		awk '{ v[NR] = $1 } END { printf "%d %d %d", v[1], v[int((NR + 1) / 2)], v[NR] }'
}
echo "team failover, ms: $ROUNDS rounds, $(date -u +%FT%TZ), commit $(git rev-parse --short HEAD)"
printf "%-14s %6s %6s %6s  %s\n" ROW MIN MEDIAN MAX VALUES
for k in vnet_carrier ovs_carrier vnet_arp vnet_lacp ovs_lacp; do
	# shellcheck disable=SC2086
	set -- $(stats ${R[$k]})
	printf "%-14s %6s %6s %6s %s\n" "$k" "$1" "$2" "$3" "${R[$k]}"
done
echo "ovs_arp        (OVS bonds detect carrier and LACP only: a path cut one hop away is never detected)"
A exit 2>/dev/null
ovs-appctl -t "$O/ovsdb.ctl" exit 2>/dev/null
pass
