#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/event-cpu.sh BUILD - what forwarding costs in event mode (vnetd's
# default): CPU-seconds per million 64-byte frames at fixed rates, vnetd
# between two taps next to the Linux bridge between two taps, interleaved
# round by round (the order alternates; the machine may be shared: both see
# the same load).  One tool, `vnet-bench evcpu`, drives both sides with the
# same generator (a write of header and frame per frame, paced in 100 us
# ticks) and the same sink (poll, then read until EAGAIN); see
# bench/vnet_bench_evcpu.c for what each side includes.
#   RATES="10000 100000 500000" ROUNDS=5 SECS=5
#   BASE_BUILD=dir: also a vnetd from another build (vnet-base), same rounds
set -u
BUILD=$(readlink -f "${1:-build}")
RATES=${RATES:-10000 100000 500000}
ROUNDS=${ROUNDS:-5}
SECS=${SECS:-5}
T=$(mktemp -d /tmp/vnet-ecpu.XXXXXX)
pid= bpid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -n "$bpid" ] && kill "$bpid" 2>/dev/null && wait "$bpid" 2>/dev/null
	for d in vecpu0 vecpu1 vecpu2 vecpu3; do ip link del "$d" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
[ "$(id -u)" = 0 ] || { echo "bench: run as root"; exit 1; }
command -v jq >/dev/null || { echo "bench: needs jq"; exit 1; }

# start_vnetd BUILD NAME TAP-A TAP-B VAR: a vnetd with a private network of
# two taps; its pid in $VAR.
start_vnetd() {
	"$1/vnetd" --socket "$T/$2.sock" --state "$T/$2.db" \
		--pidfile "$T/$2.pid" --log-file "$T/$2.log" </dev/null \
		>/dev/null 2>&1 &
	eval "$5=$!"
	for _ in $(seq 50); do
		"$1/vnetctl" --socket "$T/$2.sock" status >/dev/null 2>&1 && break
		sleep 0.1
	done
	"$1/vnetctl" --socket "$T/$2.sock" network create ecpu --type private \
		>/dev/null &&
		"$1/vnetctl" --socket "$T/$2.sock" port add ecpu --tap "$3" \
			>/dev/null &&
		"$1/vnetctl" --socket "$T/$2.sock" port add ecpu --tap "$4" \
			>/dev/null || { echo "bench: cannot set up $2"; exit 1; }
}
start_vnetd "$BUILD" vnet vecpu0 vecpu1 pid
[ -n "${BASE_BUILD:-}" ] &&
	start_vnetd "$(readlink -f "$BASE_BUILD")" base vecpu2 vecpu3 bpid
sleep 0.5

# One run; prints "through-Mpps total (switch gen ksoftirqd) [irq] runs".
J='"\(.mpps) \(.total_s_per_mpkt) (\(.switch_s_per_mpkt) \(.gen_s_per_mpkt) \(.ksoftirqd_s_per_mpkt)) [\(.machine_irq_s_per_mpkt)] \(.switch_runs_per_frame)"'
run() {
	case $1 in
	vnet) a="--in vecpu0 --out vecpu1 --pid $pid" ;;
	base) a="--in vecpu2 --out vecpu3 --pid $bpid" ;;
	*) a="" ;;
	esac
	# shellcheck disable=SC2086
	"$BUILD/vnet-bench" evcpu $a --label "$1" --size 64 --seconds "$SECS" \
		--rate "$2" --json | jq -r "$J"
}

echo "event-mode CPU per Mpkt, 64 B frames, ${SECS}s per run, $ROUNDS rounds, $(nproc) cores"
echo "commit $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null), $(date -u +%Y-%m-%dT%H:%MZ), kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "each side: Mpps through, CPU-s per Mpkt total = (switch gen/sink ksoftirqd),"
echo "  [machine irq+softirq, sampled, not in total], switch wake-ups per frame"
sides="vnet bridge"
[ -n "$bpid" ] && sides="vnet base bridge"
for r in $(seq "$ROUNDS"); do
	# Alternate who goes first: a trend in the machine's load then
	# favours neither side.
	order=$sides
	[ $((r % 2)) = 0 ] && order=$(echo "$sides" | tr ' ' '\n' | tac | tr '\n' ' ')
	for rate in $RATES; do
		line="$r $rate"
		for s in $order; do
			eval "res_$s=\"\$(run $s $rate)\""
		done
		for s in $sides; do
			eval "line=\"\$line | $s: \$res_$s\""
		done
		echo "$line"
	done
done
echo "load at the end $(cut -d' ' -f1-3 /proc/loadavg)"
