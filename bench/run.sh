#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/run.sh BUILD - frames per second between two tap ports: vnetd next
# to the Linux bridge, interleaved in one run, for several frame sizes.
#   SIZES="64 512 1518"  SECONDS_PER_RUN=5  ROUNDS=2  JSON=file
#   BASE_BUILD=dir: also a vnetd from another build (switch "vnet-base",
#   its own two taps), in the same rounds
set -u
BUILD=$(readlink -f "${1:-build}")
SIZES=${SIZES:-64 512 1518}
SECS=${SECONDS_PER_RUN:-5}
ROUNDS=${ROUNDS:-2}
T=$(mktemp -d /tmp/vnet-bench.XXXXXX)
cleanup() {
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -n "${bpid:-}" ] && kill "$bpid" 2>/dev/null && wait "$bpid" 2>/dev/null
	for d in vbench0 vbench1 vbench2 vbench3; do
		ip link del "$d" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
[ "$(id -u)" = 0 ] || { echo "bench: run as root"; exit 1; }

. "$(dirname "$0")/lib.sh"
# start BUILD NAME TAP-A TAP-B VAR: a vnetd with a private network of two
# taps; its pid in $VAR.
start() {
	bench_vnetd "$1" "$2" "$5" || exit 1
	bench_ctl "$1" "$2" network create bench --type private &&
		bench_ctl "$1" "$2" port add bench --tap "$3" &&
		bench_ctl "$1" "$2" port add bench --tap "$4" ||
		{ echo "bench: cannot set up $2"; exit 1; }
}
pid= bpid=
start "$BUILD" vnet vbench0 vbench1 pid
[ -z "${BASE_BUILD:-}" ] ||
	start "$(readlink -f "$BASE_BUILD")" base vbench2 vbench3 bpid
sleep 0.5

echo "vnet-bench: tap -> switch -> tap, ${SECS}s per run, $ROUNDS rounds, $(nproc) cores"
echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(date -u +%Y-%m-%dT%H:%MZ), kernel $(uname -r)"
[ -n "$bpid" ] && echo "vnet-base: vnetd of $BASE_BUILD ($(git -C "$BASE_BUILD" rev-parse --short HEAD 2>/dev/null || echo unknown))"
out=${JSON:-$T/results.json}
: >"$out"
for r in $(seq "$ROUNDS"); do
	for s in $SIZES; do
		"$BUILD/vnet-bench" tap --in vbench0 --out vbench1 --pid "$pid" \
			--size "$s" --seconds "$SECS" --json >>"$out"
		"$BUILD/vnet-bench" bridge --size "$s" --seconds "$SECS" \
			--json >>"$out"
		[ -z "$bpid" ] || "$BUILD/vnet-bench" tap --in vbench2 \
			--out vbench3 --pid "$bpid" --size "$s" \
			--seconds "$SECS" --label vnet-base --json >>"$out"
	done
done
# Median of the rounds per switch and size.
python3 - "$out" <<'PY'
import json, sys, statistics
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
keys = sorted({(r['size'], r['switch']) for r in rows})
print(f"{'switch':13} {'size':>5}  {'Mpps':>8}  {'Gbps':>7}  {'switch CPU':>10}  {'machine CPU':>11}  {'ns/frame':>8}")
for size, sw in keys:
    rs = [r for r in rows if r['size'] == size and r['switch'] == sw]
    med = lambda k: statistics.median(r[k] for r in rs)
    print(f"{sw:13} {size:5}  {med('mpps'):8.3f}  {med('gbps'):7.3f}  {100*med('switch_cpu'):9.0f}%  {100*med('machine_cpu'):10.0f}%  {med('ns_per_frame_machine'):8.0f}")
print("every round, Mpps:")
for size, sw in keys:
    rs = [r['mpps'] for r in rows if r['size'] == size and r['switch'] == sw]
    print(f"  {sw:13} {size:5}  " + " ".join(f"{m:.3f}" for m in rs))
for size in sorted({k[0] for k in keys}):
    v = [r['mpps'] for r in rows if r['size'] == size and r['switch'] == 'vnet']
    b = [r['mpps'] for r in rows if r['size'] == size and r['switch'] == 'linux-bridge']
    if v and b and statistics.median(b) > 0:
        print(f"ratio vnet/linux-bridge at {size} B: {statistics.median(v)/statistics.median(b):.2f}x")
    o = [r['mpps'] for r in rows if r['size'] == size and r['switch'] == 'vnet-base']
    if v and o and statistics.median(o) > 0:
        print(f"ratio vnet/vnet-base at {size} B: {statistics.median(v)/statistics.median(o):.2f}x")
PY
