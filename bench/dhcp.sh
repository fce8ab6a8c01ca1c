#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/dhcp.sh [BUILD] - DHCP leases per second: vnet's gateway next to
# dnsmasq (lease file on disk) and Kea (kea-dhcp4, memfile backend), each
# loaded by perfdhcp (package kea-admin; it speaks as a relay, so each server
# answers relayed DORA exchanges) from a namespace, interleaved, ROUNDS
# rounds (default 5), every round printed beside the median.
#   RATE=N     exchanges per second perfdhcp offers (default 8000)
#   SECS=N     seconds per run (default 10)
#   ROUNDS=N   rounds (default 5)
# vnet commits every lease to SQLite (WAL, synchronous=FULL: fsync) before
# its ACK leaves; dnsmasq writes its lease file without fsync; Kea's memfile
# appends to a CSV without fsync.  After each vnet run the bound leases in
# the state file are counted against the ACKs perfdhcp received.
set -u
BUILD=${1:-build}
RATE=${RATE:-8000}
SECS=${SECS:-10}
ROUNDS=${ROUNDS:-5}
cd "$(dirname "$0")/.."
VNETD=$(readlink -f "$BUILD/vnetd")
VNETCTL=$(readlink -f "$BUILD/vnetctl")
[ -x "$VNETD" ] || { echo "dhcp bench: build vnet first (make)"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "dhcp bench: needs root (namespaces)"; exit 1; }
missing=""
command -v perfdhcp >/dev/null || missing="$missing kea-admin"
command -v dnsmasq >/dev/null || missing="$missing dnsmasq-base"
command -v kea-dhcp4 >/dev/null || missing="$missing kea-dhcp4-server"
if [ -n "$missing" ]; then
	echo "dhcp bench: installing$missing"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $missing >/dev/null 2>&1 ||
		echo "dhcp bench: could not install$missing"
fi
HAVE_DNSMASQ=1 HAVE_KEA=1
command -v perfdhcp >/dev/null || { echo "dhcp bench: SKIP: perfdhcp (kea-admin) missing"; exit 0; }
command -v dnsmasq >/dev/null || { HAVE_DNSMASQ=0; echo "dhcp bench: no dnsmasq column (package dnsmasq-base missing)"; }
command -v kea-dhcp4 >/dev/null || { HAVE_KEA=0; echo "dhcp bench: no Kea column (package kea-dhcp4-server missing)"; }
# Kea's package may start its own service; this benchmark runs its own.
systemctl stop kea-dhcp4-server >/dev/null 2>&1

T=$(mktemp -d /tmp/vnet-bench-dhcp.XXXXXX)
S=$(od -An -N2 -tx2 /dev/urandom | tr -d ' ')
PIDS="" NS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for n in $NS; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
mkns() { ip netns add "$1" && NS="$NS $1" && ip -n "$1" link set lo up; }

# perfdhcp NS -> "rate acks p50ish(avg) max drops%" of one run
perf() {
	ip netns exec "$1" perfdhcp -4 -l 10.219.0.2 -r "$RATE" -R 40000 \
		-p "$SECS" 10.219.0.1 >"$T/perf.out" 2>&1
	awk '/^Rate:/ {rate=$2}
	     /received packets:/ {n++; if (n==2) acks=$3}
	     /avg delay:/ {m++; if (m==2) avg=$3}
	     /max delay:/ {k++; if (k==2) max=$3}
	     /drops ratio:/ {d++; if (d==2) dr=$3}
	     END {printf "%s %s %s %s %s\n", rate+0, acks+0, avg+0, max+0, dr+0}' \
		"$T/perf.out"
}

run_vnet() {
	rm -f "$T/state.db"*
	"$VNETD" --socket "$T/sock" --state "$T/state.db" --pidfile "$T/pid" \
		--log-file "$T/vnetd.log" &
	local pid=$!
	for _ in $(seq 50); do "$VNETCTL" --socket "$T/sock" status >/dev/null 2>&1 && break; sleep 0.1; done
	"$VNETCTL" --socket "$T/sock" network create bd --type internal \
		--subnet 10.219.0.0/16 --dhcp --range 10.219.1.0-10.219.200.255 >/dev/null
	# perfdhcp is a relay: only a trusted port's relayed messages are served
	"$VNETCTL" --socket "$T/sock" port add bd --tap "bv$S" --netns "bv$S" \
		--dhcp-trusted >/dev/null
	ip -n "bv$S" addr add 10.219.0.2/16 dev "bv$S"
	ip -n "bv$S" link set "bv$S" up
	ip netns exec "bv$S" ping -c 1 -W 2 10.219.0.1 >/dev/null
	local r
	r=$(perf "bv$S")
	local stored
	stored=$(sqlite3 "$T/state.db" "SELECT count(*) FROM leases WHERE state = 0" 2>/dev/null)
	local cpu
	cpu=$(awk '{print $14 + $15}' /proc/$pid/stat)
	kill "$pid"; wait "$pid" 2>/dev/null
	ip -n "bv$S" link del "bv$S" 2>/dev/null
	echo "$r $stored $cpu"
}

run_dnsmasq() {
	rm -f "$T/dnsmasq.leases"
	ip netns exec "bd$S" dnsmasq --no-daemon --conf-file=/dev/null --port=0 \
		--interface=sd --bind-interfaces --dhcp-authoritative --no-ping \
		--quiet-dhcp --dhcp-range=10.219.1.0,10.219.200.255,255.255.0.0,1h \
		--dhcp-lease-max=60000 --dhcp-leasefile="$T/dnsmasq.leases" \
		--pid-file="$T/dnsmasq.pid" --log-facility=/dev/null \
		>"$T/dnsmasq.out" 2>&1 &
	local pid=$!
	sleep 0.5
	local r
	r=$(perf "bp$S")
	local cpu
	cpu=$(awk '{print $14 + $15}' /proc/$pid/stat)
	kill "$pid"; wait "$pid" 2>/dev/null
	echo "$r - $cpu"
}

run_kea() {
	rm -f "$T/kea.leases"*
	cat >"$T/kea.json" <<JSON
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["sk"], "dhcp-socket-type": "udp"},
  "lease-database": {"type": "memfile", "persist": true,
                     "name": "$T/kea.leases", "lfc-interval": 0},
  "authoritative": true, "valid-lifetime": 3600,
  "subnet4": [{"subnet": "10.219.0.0/16", "id": 1,
               "pools": [{"pool": "10.219.1.0 - 10.219.200.255"}],
               "relay": {"ip-addresses": ["10.219.0.2"]}}],
  "loggers": [{"name": "kea-dhcp4", "severity": "FATAL",
               "output_options": [{"output": "$T/kea.log"}]}]}}
JSON
	KEA_PIDFILE_DIR=$T KEA_LOCKFILE_DIR=$T ip netns exec "bk$S" kea-dhcp4 -c "$T/kea.json" \
		>"$T/kea.out" 2>&1 &
	local pid=$!
	sleep 1
	local r
	r=$(perf "bq$S")
	local cpu
	cpu=$(awk '{print $14 + $15}' /proc/$pid/stat 2>/dev/null)
	kill "$pid"; wait "$pid" 2>/dev/null
	echo "$r - ${cpu:-0}"
}

# Namespaces: perfdhcp in bv (vnet), bp (dnsmasq), bq (Kea).
mkns "bv$S"
if [ $HAVE_DNSMASQ = 1 ]; then
	mkns "bd$S"; mkns "bp$S"
	ip link add sd netns "bd$S" type veth peer name cd netns "bp$S"
	ip -n "bd$S" addr add 10.219.0.1/16 dev sd; ip -n "bd$S" link set sd up
	ip -n "bp$S" addr add 10.219.0.2/16 dev cd; ip -n "bp$S" link set cd up
fi
if [ $HAVE_KEA = 1 ]; then
	mkns "bk$S"; mkns "bq$S"
	ip link add sk netns "bk$S" type veth peer name ck netns "bq$S"
	ip -n "bk$S" addr add 10.219.0.1/16 dev sk; ip -n "bk$S" link set sk up
	ip -n "bq$S" addr add 10.219.0.2/16 dev ck; ip -n "bq$S" link set ck up
fi

echo "DHCP exchanges per second (perfdhcp -r $RATE, $SECS s, 40000 clients, relayed DORA)"
echo "columns: rate/s  acks  avg-ms  max-ms  drop%  [leases durable in the state file]  cpu-ticks"
declare -a V D K
for r in $(seq "$ROUNDS"); do
	v=$(run_vnet)
	V+=("$(echo "$v" | cut -d' ' -f1)")
	echo "round $r vnet    $v"
	if [ $HAVE_DNSMASQ = 1 ]; then
		d=$(run_dnsmasq)
		D+=("$(echo "$d" | cut -d' ' -f1)")
		echo "round $r dnsmasq $d"
	fi
	if [ $HAVE_KEA = 1 ]; then
		k=$(run_kea)
		K+=("$(echo "$k" | cut -d' ' -f1)")
		echo "round $r kea     $k"
	fi
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
mv=$(median "${V[@]}")
echo "median vnet    $mv exchanges/s"
[ $HAVE_DNSMASQ = 1 ] && { md=$(median "${D[@]}"); echo "median dnsmasq $md exchanges/s  (vnet/dnsmasq $(awk -v a="$mv" -v b="$md" 'BEGIN {printf "%.2f", a/b}')x)"; }
[ $HAVE_KEA = 1 ] && { mk=$(median "${K[@]}"); echo "median kea     $mk exchanges/s  (vnet/kea $(awk -v a="$mv" -v b="$mk" 'BEGIN {printf "%.2f", a/b}')x)"; }
exit 0
