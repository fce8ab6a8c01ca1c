#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/event-cpu.sh BUILD - what forwarding costs in event mode (vnetd's
# default): CPU-seconds per million 64-byte frames at fixed rates, on two
# kinds of endpoint, each through vnetd and through the Linux bridge,
# interleaved round by round (the order alternates; the machine may be
# shared: every side sees the same load):
#   vnet-taps    vnetd between two taps
#   bridge-taps  the Linux bridge between two taps
#   vnet-veths   vnetd between two namespaces on veth ports: the frames are
#                known unicast, so its kernel fast path (BPF at the host
#                ends' TC ingress) moves them; the fast-path packets counted
#                by `vnetctl port show` in that run are printed (fast=N)
#   bridge-veths the Linux bridge between two namespaces on veths
#   vnet-vu-coal vnet-vu on ports with receive coalescing (`port add
#                --coalesce-us $COALESCE_US`, default 500)
#   vnet-tap-coal vnet-taps on ports with receive coalescing
#   vnet-vu      vnetd between two vhost-user ports, the generator and the
#                sink front ends of vnet-bench's own in shared memory, as
#                VMs' virtio-net drivers (kicks and interrupts only when the
#                rings ask for them); the bridge side of a VM's traffic is
#                bridge-taps (a VM's tap, written by QEMU)
# One tool, `vnet-bench evcpu`, drives every side with the same generator (a
# write of header and frame per frame, paced in 100 us ticks) and the same
# sink (poll, then read until EAGAIN; vnet-vu: a tick's frames queued at
# once, the sink asleep on its interrupt eventfd); see
# bench/vnet_bench_evcpu.c for what each side includes.
#   RATES="10000 100000 500000" ROUNDS=5 SECS=5
#   SIDES="vtap btap vveth bveth vvu" (a subset to run; vvuc and vtapc, the
#             coalescing sides, run only when named)
#   COALESCE_US=500: their interval
#   BASE_BUILD=dir: also a vnetd from another build: side base (its taps,
#             with vtap) and basevu (its vhost-user ports, with vvu)
#   TICK_US=100: the generator's period (shorter: shorter gaps between
#             bursts)
set -u
BUILD=$(readlink -f "${1:-build}")
RATES=${RATES:-10000 100000 500000}
ROUNDS=${ROUNDS:-5}
SECS=${SECS:-5}
SIDES=${SIDES:-vtap btap vveth bveth vvu}
T=$(mktemp -d /tmp/vnet-ecpu.XXXXXX)
NSS="vecpu-a vecpu-b vecpu-c vecpu-d"
pid= bpid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -n "$bpid" ] && kill "$bpid" 2>/dev/null && wait "$bpid" 2>/dev/null
	for d in vecpu0 vecpu1 vecpu2 vecpu3 vecpu4 vecpu5 vecbrv; do
		ip link del "$d" 2>/dev/null
	done
	for n in $NSS; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$T"
}
. "$(dirname "$0")/lib.sh"
bench_start cleanup
# start_vnetd BUILD NAME TAP-A TAP-B VAR [OPTION...]: a vnetd with a
# private network of two taps and one of two vhost-user ports
# ($T/NAME-vu0.sock, -vu1.sock); its pid in $VAR.
start_vnetd() {
	_sb=$1 _sn=$2 _sa=$3 _st=$4 _sv=$5
	shift 5
	bench_vnetd "$_sb" "$_sn" "$_sv" "$@" || exit 1
	set -- "$_sb" "$_sn" "$_sa" "$_st"
	bench_ctl "$1" "$2" network create ecpu --type private &&
		bench_ctl "$1" "$2" port add ecpu --tap "$3" &&
		bench_ctl "$1" "$2" port add ecpu --tap "$4" &&
		bench_ctl "$1" "$2" network create ecpuvu --type private &&
		bench_ctl "$1" "$2" port add ecpuvu --vhost-user "$T/$2-vu0.sock" &&
		bench_ctl "$1" "$2" port add ecpuvu --vhost-user "$T/$2-vu1.sock" ||
		{ echo "bench: cannot set up $2"; exit 1; }
}
start_vnetd "$BUILD" vnet vecpu0 vecpu1 pid
COALESCE_US=${COALESCE_US:-500}
bench_ctl "$BUILD" vnet network create ecpuc --type private &&
	bench_ctl "$BUILD" vnet port add ecpuc --tap vecpu4 \
		--coalesce-us "$COALESCE_US" &&
	bench_ctl "$BUILD" vnet port add ecpuc --tap vecpu5 \
		--coalesce-us "$COALESCE_US" &&
	bench_ctl "$BUILD" vnet network create ecpuvuc --type private &&
	bench_ctl "$BUILD" vnet port add ecpuvuc --vhost-user \
		"$T/vnet-vuc0.sock" --coalesce-us "$COALESCE_US" &&
	bench_ctl "$BUILD" vnet port add ecpuvuc --vhost-user \
		"$T/vnet-vuc1.sock" --coalesce-us "$COALESCE_US" ||
	{ echo "bench: cannot set up the coalescing ports"; exit 1; }
[ -n "${BASE_BUILD:-}" ] &&
	start_vnetd "$(readlink -f "$BASE_BUILD")" base vecpu2 vecpu3 bpid

# Namespaces without IPv6 (nothing but the measured frames on their links):
# vecpu-a and -b on vnetd's veth ports, -c and -d on the bridge's veths.
for n in $NSS; do
	ip netns add "$n" &&
		ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 ||
		{ echo "bench: cannot make namespace $n"; exit 1; }
done
vnetctl() { "$BUILD/vnetctl" --socket "$T/vnet.sock" "$@"; }
# fast_rx: fast-path packets received so far on vnetd's veth port vecpva.
fast_rx() {
	vnetctl --json port show vecpva | jq -r '.counters.fast_path.rx_packets'
}
vnetctl network create ecpuv --type private >/dev/null &&
	vnetctl port add ecpuv --veth vecpva --netns vecpu-a >/dev/null &&
	vnetctl port add ecpuv --veth vecpvb --netns vecpu-b >/dev/null ||
	{ echo "bench: cannot add vnetd's veth ports"; exit 1; }
for p in vecpva vecpvb; do
	f=$(vnetctl --json port show "$p" | jq -r '.fast_path')
	[ "$f" = on ] || { echo "bench: $p fast path $f"; exit 1; }
	sysctl -qw "net.ipv6.conf.vh-$p.disable_ipv6=1"
done
ip -n vecpu-a link set vecpva up && ip -n vecpu-b link set vecpvb up &&
	ip link add vecbrv type bridge &&
	sysctl -qw net.ipv6.conf.vecbrv.disable_ipv6=1 &&
	ip link add vecbvc type veth peer name vecpvc netns vecpu-c &&
	ip link add vecbvd type veth peer name vecpvd netns vecpu-d &&
	sysctl -qw net.ipv6.conf.vecbvc.disable_ipv6=1 \
		net.ipv6.conf.vecbvd.disable_ipv6=1 &&
	ip link set vecbvc master vecbrv && ip link set vecbvd master vecbrv &&
	ip link set vecbvc up && ip link set vecbvd up &&
	ip link set vecbrv up && ip -n vecpu-c link set vecpvc up &&
	ip -n vecpu-d link set vecpvd up ||
	{ echo "bench: cannot set up the veths"; exit 1; }
sleep 0.5

# One run; prints "through-Mpps total (switch gen ksoftirqd) [irq] runs".
J='"\(.mpps) \(.total_s_per_mpkt) (\(.switch_s_per_mpkt) \(.gen_s_per_mpkt) \(.ksoftirqd_s_per_mpkt)) [\(.machine_irq_s_per_mpkt)] \(.switch_runs_per_frame) lat \(.lat_p50_us)/\(.lat_p99_us)"'
run() {
	case $1 in
	vtap) a="--in vecpu0 --out vecpu1 --pid $pid" ;;
	vtapc) a="--in vecpu4 --out vecpu5 --pid $pid" ;;
	vvuc) a="--vhost-user --in $T/vnet-vuc0.sock --out $T/vnet-vuc1.sock --pid $pid" ;;
	base) a="--in vecpu2 --out vecpu3 --pid $bpid" ;;
	vveth) a="--in vecpu-a/vecpva --out vecpu-b/vecpvb --pid $pid" ;;
	bveth) a="--in vecpu-c/vecpvc --out vecpu-d/vecpvd" ;;
	vvu) a="--vhost-user --in $T/vnet-vu0.sock --out $T/vnet-vu1.sock --pid $pid" ;;
	basevu) a="--vhost-user --in $T/base-vu0.sock --out $T/base-vu1.sock --pid $bpid" ;;
	*) a="" ;;
	esac
	[ "$1" = vveth ] && f0=$(fast_rx)
	# shellcheck disable=SC2086
	o=$("$BUILD/vnet-bench" evcpu $a --label "$1" --size 64 \
		--seconds "$SECS" --rate "$2" --tick-us "${TICK_US:-100}" --json)
	printf '%s' "$o" | jq -j "$J"
	if [ "$1" = vveth ]; then
		n=$(($(fast_rx) - f0)) sent=$(printf '%s' "$o" | jq -r .sent)
		printf ' fast=%s/%s' "$n" "$sent"
		[ "$n" = "$sent" ] || printf ' (NOT ALL BY THE FAST PATH)'
	fi
	echo
}

echo "event-mode CPU per Mpkt, 64 B frames, ${SECS}s per run, $ROUNDS rounds, $(nproc) cores"
echo "commit $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null), $(date -u +%Y-%m-%dT%H:%MZ), kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "each side: Mpps through, CPU-s per Mpkt total = (switch gen/sink ksoftirqd),"
echo "  [machine irq+softirq, sampled, not in total], switch wake-ups per frame,"
echo "  latency p50/p99 us (generator's send to the sink's read);"
echo "  vveth: fast=frames vnetd's fast path took/frames sent"
echo "sides: vtap = vnet-taps, btap = bridge-taps, vveth = vnet-veths (fast path),"
echo "  bveth = bridge-veths, vvu = vnet-vu (vhost-user front ends),"
echo "  vvuc, vtapc = vnet-vu, vnet-taps with --coalesce-us $COALESCE_US"
[ -n "$bpid" ] && echo "  base, basevu = vnet-taps, vnet-vu with the vnetd of $BASE_BUILD ($(cat "$BASE_BUILD/COMMIT" 2>/dev/null || git -C "$BASE_BUILD/.." rev-parse --short HEAD 2>/dev/null))"
sides=$SIDES
case " $SIDES " in *" vtap "*) [ -n "$bpid" ] && sides="$sides base" ;; esac
case " $SIDES " in *" vvu "*) [ -n "$bpid" ] && sides="$sides basevu" ;; esac
echo "generator period ${TICK_US:-100} us"
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
