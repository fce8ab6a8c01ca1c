#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/event-sched.sh BUILD - event mode at a low rate: what the scheduling
# of vnetd's datapath thread changes in CPU per frame, and in latency when
# every CPU is busy.  An experiment, not a setting vnetd offers: each round
# runs `vnet-bench evcpu` (see event-cpu.sh) through one vnetd with its
# datapath threads set, in turn, to each policy of POLICIES:
#   normal  SCHED_OTHER, nice 0 (what vnetd runs with)
#   batch   SCHED_BATCH: a woken thread does not preempt the running one
#   nice    SCHED_OTHER at nice -10 (as ovs-ctl starts ovs-vswitchd)
#   pin0, pin1  SCHED_OTHER, bound to CPU 0 or 1
# then, with LAT=1, the round-trip time of pings between two namespaces on
# that vnetd's taps, per policy, with no other load and with one busy loop
# per CPU (killed at the end of each part).
#   RATE=10000 ROUNDS=3 SECS=4 SIDES="vvu vtap" POLICIES="normal batch"
#   LAT=1 PINGS=300
set -u
BUILD=$(readlink -f "${1:-build}")
RATE=${RATE:-10000}
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-4}
SIDES=${SIDES:-vvu vtap}
POLICIES=${POLICIES:-normal batch}
T=$(mktemp -d /tmp/vnet-esched.XXXXXX)
pid='' hogs=''
cleanup() {
	for h in $hogs; do kill "$h" 2>/dev/null; done
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	ip link del vesch0 2>/dev/null
	ip link del vesch1 2>/dev/null
	ip netns del vesch-a 2>/dev/null
	ip netns del vesch-b 2>/dev/null
	rm -rf "$T"
}
. "$(dirname "$0")/lib.sh"
bench_start cleanup
bench_vnetd "$BUILD" vnet pid || exit 1
ctl() { bench_ctl "$BUILD" vnet "$@"; }
ctl network create esch --type private &&
	ctl port add esch --tap vesch0 && ctl port add esch --tap vesch1 &&
	ctl network create eschvu --type private &&
	ctl port add eschvu --vhost-user "$T/vu0.sock" &&
	ctl port add eschvu --vhost-user "$T/vu1.sock" &&
	ip netns add vesch-a && ip netns add vesch-b &&
	ctl network create eschl --type private &&
	ctl port add eschl --tap vescha --netns vesch-a &&
	ctl port add eschl --tap veschb --netns vesch-b &&
	ip -n vesch-a addr add 198.18.7.1/24 dev vescha &&
	ip -n vesch-b addr add 198.18.7.2/24 dev veschb &&
	ip -n vesch-a link set vescha up && ip -n vesch-b link set veschb up ||
	{ echo "bench: cannot set up vnetd's ports"; exit 1; }

# policy NAME: set every datapath thread of vnetd to it.
policy() {
	for c in /proc/"$pid"/task/*/comm; do
		grep -q '^vnet-dp' "$c" || continue
		t=$(basename "$(dirname "$c")")
		case $1 in
		batch) chrt -b -p 0 "$t" ;;
		*) chrt -o -p 0 "$t" ;;
		esac
		case $1 in
		nice) renice -n -10 -p "$t" ;;
		*) renice -n 0 -p "$t" ;;
		esac >/dev/null
		case $1 in
		pin*) taskset -p -c "${1#pin}" "$t" ;;
		*) taskset -p -c "0-$(($(nproc) - 1))" "$t" ;;
		esac >/dev/null
	done
}

J='"\(.total_s_per_mpkt) (\(.switch_s_per_mpkt) \(.gen_s_per_mpkt)) \(.switch_runs_per_frame)"'
echo "event mode, datapath thread scheduling: CPU-s per Mpkt at $RATE fps, 64 B frames, ${SECS}s per run"
echo "commit $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null), $(date -u +%Y-%m-%dT%H:%MZ), kernel $(uname -r), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "each: total (switch gen/sink) switch wake-ups per frame"
for r in $(seq "$ROUNDS"); do
	for s in $SIDES; do
		case $s in
		vvu) a="--vhost-user --in $T/vu0.sock --out $T/vu1.sock" ;;
		*) a="--in vesch0 --out vesch1" ;;
		esac
		line="$r $s"
		for p in $POLICIES; do
			policy "$p"
			# shellcheck disable=SC2086
			o=$("$BUILD/vnet-bench" evcpu $a --pid "$pid" --label "$p" \
				--size 64 --seconds "$SECS" --rate "$RATE" --json)
			line="$line | $p: $(printf '%s' "$o" | jq -j "$J")"
		done
		echo "$line"
	done
done
[ "${LAT:-1}" = 1 ] || exit 0
echo "ping round trips through vnetd's taps, ${PINGS:-300} pings 5 ms apart: min/avg/max/mdev ms"
ip netns exec vesch-a ping -c 20 -i 0.01 -q 198.18.7.2 >/dev/null
for load in none busy; do
	if [ "$load" = busy ]; then
		for _ in $(seq "$(nproc)"); do
			sh -c 'while :; do :; done' &
			hogs="$hogs $!"
		done
	fi
	for p in $POLICIES; do
		policy "$p"
		rtt=$(ip netns exec vesch-a ping -c "${PINGS:-300}" -i 0.005 -q \
			198.18.7.2 | sed -n 's/.* = //p')
		echo "load $load | $p: $rtt"
	done
	for h in $hogs; do kill "$h"; done
	hogs=
done
policy normal
echo "load at the end $(cut -d' ' -f1-3 /proc/loadavg)"
