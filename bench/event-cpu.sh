#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/event-cpu.sh BUILD - what forwarding costs in event mode (vnetd's
# default): CPU-seconds per million 64-byte frames at fixed rates, vnetd
# between two taps next to the Linux bridge between two taps, interleaved
# round by round (the machine may be shared: both see the same load).
# Cost = the switch's CPU + the generator's and sink's + interrupt time
# (where the kernel forwards for the bridge and receives for a tap).
#   RATES="10000 100000 500000" ROUNDS=3 SECS=5
#   BASE_BUILD=dir: also a vnetd from another build (vnet-base), same rounds
set -u
BUILD=$(readlink -f "${1:-build}")
RATES=${RATES:-10000 100000 500000}
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-5}
T=$(mktemp -d /tmp/vnet-ecpu.XXXXXX)
ctl() { "$BUILD/vnetctl" --socket "$T/sock" "$@"; }
cleanup() {
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	ip link del vecpu0 2>/dev/null
	ip link del vecpu1 2>/dev/null
	[ -n "${bpid:-}" ] && kill "$bpid" 2>/dev/null && wait "$bpid" 2>/dev/null
	ip link del vecpu2 2>/dev/null
	ip link del vecpu3 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
[ "$(id -u)" = 0 ] || { echo "bench: run as root"; exit 1; }
"$BUILD/vnetd" --socket "$T/sock" --state "$T/state.db" --pidfile "$T/pid" \
	--log-file "$T/vnetd.log" &
pid=$!
for _ in $(seq 50); do ctl status >/dev/null 2>&1 && break; sleep 0.1; done
ctl network create ecpu --type private >/dev/null
ctl port add ecpu --tap vecpu0 >/dev/null
ctl port add ecpu --tap vecpu1 >/dev/null
if [ -n "${BASE_BUILD:-}" ]; then
	bctl() { "$BASE_BUILD/vnetctl" --socket "$T/bsock" "$@"; }
	"$BASE_BUILD/vnetd" --socket "$T/bsock" --state "$T/bstate.db" \
		--pidfile "$T/bpid" --log-file "$T/bvnetd.log" &
	bpid=$!
	for _ in $(seq 50); do bctl status >/dev/null 2>&1 && break; sleep 0.1; done
	bctl network create ecpu --type private >/dev/null
	bctl port add ecpu --tap vecpu2 >/dev/null
	bctl port add ecpu --tap vecpu3 >/dev/null
fi
sleep 0.5
echo "event-mode CPU per Mpkt, 64 B frames, ${SECS}s per run, $ROUNDS rounds, $(nproc) cores, shared machine"
echo "commit $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null), $(date -u +%Y-%m-%dT%H:%MZ), kernel $(uname -r)"
echo "CPU-s per Mpkt: total = switch process + generator/sink + interrupts"
echo "round  rate(pps)  vnet: Mpps total (switch gen irq)  |  linux-bridge: Mpps total (switch gen irq)"
J='"\(.mpps) \(.cpu_s_per_mpkt) (\(.switch_s_per_mpkt) \(.gen_s_per_mpkt) \(.irq_s_per_mpkt))"'
for r in $(seq "$ROUNDS"); do
	for rate in $RATES; do
		v=$("$BUILD/vnet-bench" tap --in vecpu0 --out vecpu1 --pid "$pid" \
			--size 64 --seconds "$SECS" --rate "$rate" --json |
			jq -r "$J")
		b=$("$BUILD/vnet-bench" bridge --size 64 --seconds "$SECS" \
			--rate "$rate" --json | jq -r "$J")
		echo "$r  $rate  $v  |  $b"
		if [ -n "${bpid:-}" ]; then
			x=$("$BUILD/vnet-bench" tap --in vecpu2 --out vecpu3 \
				--pid "$bpid" --size 64 --seconds "$SECS" \
				--rate "$rate" --json | jq -r "$J")
			echo "$r  $rate  vnet-base: $x"
		fi
	done
done
