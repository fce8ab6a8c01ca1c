#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/offload.sh BUILD - offloads, two parts, every round printed:
#  1. iperf3 TCP between two namespaces, through vnet (each namespace on a
#     vnet tap, vnetd in its default event mode), through vnet veth ports
#     (the kernel fast path) and through a Linux bridge (each namespace on a
#     veth), interleaved round by round so all see the same load on a shared
#     machine.
#  2. vnet-bench tso between two vhost-user frontends (vnetd --poll on core
#     1, the frontends on core 0): 64 KB TSO super-frames passed whole,
#     the same cut by vnetd for a receiver without TSO, and MTU-sized TCP
#     segments; TCP payload Gbit/s and Gbit/s per core of vnetd's CPU,
#     interleaved round by round.
#   ROUNDS=5 SECS=10 PARTS="1 2"
set -u
BUILD=$(readlink -f "${1:-build}")
ROUNDS=${ROUNDS:-5}
SECS=${SECS:-10}
PARTS=${PARTS:-1 2}
T=$(mktemp -d /tmp/vnet-obench.XXXXXX)
S=$$
ctl() { "$BUILD/vnetctl" --socket "$T/sock" "$@"; }
cleanup() {
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -n "${ppid_:-}" ] && kill "$ppid_" 2>/dev/null && wait "$ppid_" 2>/dev/null
	for n in va$S vb$S ka$S kb$S fa$S fb$S; do ip netns del "$n" 2>/dev/null; done
	ip link del kbr$S 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
[ "$(id -u)" = 0 ] || { echo "bench: run as root"; exit 1; }
command -v iperf3 >/dev/null || { echo "bench: needs iperf3"; exit 1; }
part1() {
	for n in va$S vb$S ka$S kb$S fa$S fb$S; do
		ip netns add "$n"
		ip -n "$n" link set lo up
	done
	"$BUILD/vnetd" --socket "$T/sock" --state "$T/db" --pidfile "$T/pid" \
		--log-file "$T/log" &
	pid=$!
	for _ in $(seq 50); do ctl status >/dev/null 2>&1 && break; sleep 0.1; done
	ctl network create ob$S --type internal >/dev/null
	ctl port add ob$S --tap ta$S --netns va$S >/dev/null
	ctl port add ob$S --tap tb$S --netns vb$S >/dev/null
	ip -n va$S addr add 10.250.1.1/24 dev ta$S && ip -n va$S link set ta$S up
	ip -n vb$S addr add 10.250.1.2/24 dev tb$S && ip -n vb$S link set tb$S up
	ctl port add ob$S --veth ea$S --netns fa$S >/dev/null
	ctl port add ob$S --veth eb$S --netns fb$S >/dev/null
	ip -n fa$S addr add 10.250.3.1/24 dev ea$S && ip -n fa$S link set ea$S up
	ip -n fb$S addr add 10.250.3.2/24 dev eb$S && ip -n fb$S link set eb$S up
	ip link add kbr$S type bridge && ip link set kbr$S up
	for x in a b; do
		ip link add k$x$S type veth peer name kp$x$S
		ip link set k$x$S netns k$x$S
		ip link set kp$x$S master kbr$S up
	done
	ip -n ka$S addr add 10.250.2.1/24 dev ka$S && ip -n ka$S link set ka$S up
	ip -n kb$S addr add 10.250.2.2/24 dev kb$S && ip -n kb$S link set kb$S up
	ip netns exec va$S ping -c 1 -W 2 10.250.1.2 >/dev/null || echo "vnet: no ping"
	ip netns exec ka$S ping -c 1 -W 2 10.250.2.2 >/dev/null || echo "bridge: no ping"
	ip netns exec fa$S ping -c 1 -W 2 10.250.3.2 >/dev/null || echo "vnet veth: no ping"
	echo "vnet veth fast path: $(ctl --json port show ea$S | jq -r '.fast_path + " " + (.fast_path_error // "")')"

	# run CLIENT-NS SERVER-NS SERVER-ADDR: Gbit/s of one iperf3 run
	run() {
		ip netns exec "$2" iperf3 -s -1 -D -B "$3" -p 5999 >/dev/null
		sleep 0.3
		ip netns exec "$1" iperf3 -c "$3" -p 5999 -t "$SECS" -J 2>/dev/null |
			jq '.end.sum_received.bits_per_second / 1e9 * 100 | floor / 100'
	}
	echo "iperf3 TCP namespace <-> namespace, $SECS s per run, $ROUNDS rounds"
	echo "commit $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null), $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, shared machine"
	echo "round  vnet-taps(Gbit/s)  vnet-veth-fast(Gbit/s)  linux-bridge-veths(Gbit/s)"
	for r in $(seq "$ROUNDS"); do
		v=$(run va$S vb$S 10.250.1.2)
		f=$(run fa$S fb$S 10.250.3.2)
		k=$(run ka$S kb$S 10.250.2.2)
		echo "$r      $v              $f                   $k"
	done
	echo "vnetd: $(ctl --json port show tb$S | jq -c '{superframes_sent_whole, superframes_segmented}')"
	echo "vnetd veth ea$S: $(ctl --json port show ea$S | jq -c '{rx_bytes: .counters.rx_bytes, fast_path: .counters.fast_path}')"
}

part2() {
	taskset -c 1 "$BUILD/vnetd" --poll --socket "$T/psock" \
		--state "$T/pdb" --pidfile "$T/ppid" --log-file "$T/plog" &
	ppid_=$!
	pctl() { "$BUILD/vnetctl" --socket "$T/psock" "$@"; }
	for _ in $(seq 50); do pctl status >/dev/null 2>&1 && break; sleep 0.1; done
	pctl network create tso$S --type private >/dev/null
	pctl port add tso$S --vhost-user "$T/s0.sock" >/dev/null
	pctl port add tso$S --vhost-user "$T/r0.sock" >/dev/null
	echo "vnet-bench tso, vnetd --poll on core 1, frontends on core 0, $SECS s per run"
	echo "commit $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null), $(date -u +%Y-%m-%dT%H:%MZ), shared machine"
	for r in $(seq "$ROUNDS"); do
		for mode in "--size 64000" "--size 64000 --cut" "--size 1460"; do
			printf 'round %s: ' "$r"
			# shellcheck disable=SC2086
			taskset -c 0 "$BUILD/vnet-bench" tso --in "$T/s0.sock" \
				--out "$T/r0.sock" --pid "$ppid_" --seconds "$SECS" $mode
		done
	done
	kill "$ppid_"
	wait "$ppid_" 2>/dev/null
	ppid_=""
}

for p in $PARTS; do
	part$p
done
