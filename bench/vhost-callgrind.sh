#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/vhost-callgrind.sh BUILD [poll|event] [SECS] - instructions per frame
# of the vhost-user datapath, counted by callgrind: independent of the
# machine's load, unlike wall-clock figures.  vnetd runs under
# valgrind --tool=callgrind with two vhost-user ports on one network;
# vnet-bench vhost sends 64 B frames from one port to the other as fast as
# the (slowed) switch takes them, so bursts are full (32 frames).  Prints
# the inclusive instructions per frame of the datapath functions; in poll
# mode the receive side is split into the frame path and the cost of one
# empty poll (their number depends on scheduling, not on the code).
# FRONT=testpmd: the frames come from the reference scenario's frontend
# instead (bench/vhost.sh: dpdk-testpmd io-forwarding two virtio-user
# ports on core 0 after "start tx_first 32", vnetd on core 1), so every
# frame is flooded and the sources never move; frames are counted by the
# ports' queues.  Runs testpmd busy-polling: take the bench lock.
# CG_OUT=FILE keeps the callgrind profile for a line-by-line look.
# PORT0_ARGS: more port add options for the sending port vn0 (its guards:
# "--mac 02:76:6e:00:00:01 --mac-guard --ip-guard", vnet-bench's source).
# BENCH_ARGS: more vnet-bench vhost options ("--ipv4": IPv4/UDP frames from
# 198.18.0.1, for the IP guard's paths).
set -u
B=$(readlink -f "${1:-build}")
MODE=${2:-event}
SECS=${3:-5}
command -v valgrind >/dev/null || { echo "bench: needs valgrind"; exit 1; }
T=$(mktemp -d /tmp/vnet-cg.XXXXXX)
trap 'rm -rf "$T"' EXIT
P=""
[ "$MODE" = poll ] && P=--poll
PIN=""
[ "${FRONT:-}" = testpmd ] && PIN="taskset -c 1"
$PIN valgrind --tool=callgrind --callgrind-out-file="$T/cg" "$B/vnetd" $P \
	--socket "$T/vnetd.sock" --state "$T/vnetd.db" \
	--log-file "$T/vnetd.log" >"$T/vg.log" 2>&1 &
pid=$!
for _ in $(seq 300); do
	"$B/vnetctl" -s "$T/vnetd.sock" status >/dev/null 2>&1 && break
	sleep 0.1
done
c="$B/vnetctl -s $T/vnetd.sock"
$c network create bench --type private >/dev/null
# shellcheck disable=SC2086
$c port add bench --vhost-user "$T/vn0.sock" ${PORT0_ARGS:-} >/dev/null
$c port add bench --vhost-user "$T/vn1.sock" >/dev/null
sleep 1
if [ "${FRONT:-}" = testpmd ]; then
	mkfifo "$T/cmd"
	taskset -c 0 dpdk-testpmd --no-huge -m 1024 --no-pci --file-prefix=vbcg \
		-l 0,1 --main-lcore=1 \
		--vdev="net_virtio_user0,path=$T/vn0.sock,queues=1,queue_size=1024,server=0" \
		--vdev="net_virtio_user1,path=$T/vn1.sock,queues=1,queue_size=1024,server=0" \
		-- -i --forward-mode=io --nb-cores=1 --burst=32 --txpkts=60 \
		--total-num-mbufs=32768 --no-mlockall <"$T/cmd" >"$T/testpmd.out" 2>&1 &
	tp=$!
	exec 3>"$T/cmd"
	sleep 8
	echo "start tx_first 32" >&3
	sleep "$SECS"
	echo "stop" >&3
	echo "quit" >&3
	exec 3>&-
	wait $tp
	sleep 1
	# Every frame vnetd forwarded left or entered through vn0.
	frames=$($c --json port show vn0 | python3 -c '
import json, sys
print(sum(q["packets"] for q in json.load(sys.stdin)["queues"]))')
	echo "testpmd: $frames frames through vn0"
	kill -INT $pid
	wait $pid
else
	# shellcheck disable=SC2086
	"$B/vnet-bench" vhost --in "$T/vn0.sock" --out "$T/vn1.sock" --size 64 \
		--seconds "$SECS" --pid $pid ${BENCH_ARGS:-} | tee "$T/bench"
	kill -INT $pid
	wait $pid
	frames=$(sed -n 's/.* sent \([0-9]*\) lost .*/\1/p' "$T/bench")
fi
callgrind_annotate --inclusive=yes --tree=caller "$T/cg" >"$T/tree" 2>/dev/null
# CG_OUT=FILE: keep the profile (callgrind_annotate --auto=yes FILE).
[ -n "${CG_OUT:-}" ] && cp "$T/cg" "$CG_OUT"
ir() { grep -E "\* .*:$1(\.[a-z0-9.]*)? " "$T/tree" | head -1 | awk '{gsub(",", "", $1); print $1}'; }
calls() { grep -E "< .*:$1 \(" "$T/tree" | grep -B0 "" | head -1 | sed 's/.*(\([0-9,]*\)x).*/\1/' | tr -d ,; }
bursts=$(awk '/< .*:poll_key \(/ {c = $0} /\* .*:vsw_process_burst / {print c; exit}' "$T/tree" |
	sed 's/.*(\([0-9,]*\)x).*/\1/' | tr -d ,)
echo "mode $MODE: $frames frames in $bursts bursts"
for fn in poll_key vh_rx_burst vh_rx_queue vsw_process_burst flood_members vh_tx_burst vnic_rx_done; do
	v=$(ir $fn)
	[ -n "$v" ] && awk -v f=$fn -v v="$v" -v n="$frames" \
		'BEGIN { printf "  %-18s %8.1f instructions/frame\n", f, v / n }'
done
if [ "$MODE" = poll ]; then
	polls=$(calls vnic_rx_burst)
	awk -v rb="$(ir vh_rx_burst)" -v rq="$(ir vh_rx_queue)" -v p="$polls" -v b="$bursts" \
		'BEGIN { printf "  empty poll         %8.1f instructions (%d polls)\n", (rb - rq) / p, p }'
fi
