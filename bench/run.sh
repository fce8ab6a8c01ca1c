#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/run.sh BUILD - frames per second between two tap ports: vnetd next
# to the Linux bridge, interleaved in one run, for several frame sizes.
#   SIZES="64 512 1518"  SECONDS_PER_RUN=5  ROUNDS=2  JSON=file
set -u
BUILD=$(readlink -f "${1:-build}")
SIZES=${SIZES:-64 512 1518}
SECS=${SECONDS_PER_RUN:-5}
ROUNDS=${ROUNDS:-2}
T=$(mktemp -d /tmp/vnet-bench.XXXXXX)
ctl() { "$BUILD/vnetctl" --socket "$T/sock" "$@"; }
cleanup() {
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	ip link del vbench0 2>/dev/null
	ip link del vbench1 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
[ "$(id -u)" = 0 ] || { echo "bench: run as root"; exit 1; }

"$BUILD/vnetd" --socket "$T/sock" --state "$T/state.db" --pidfile "$T/pid" \
	--log-file "$T/vnetd.log" &
pid=$!
for _ in $(seq 50); do ctl status >/dev/null 2>&1 && break; sleep 0.1; done
ctl network create bench --type private >/dev/null
ctl port add bench --tap vbench0 >/dev/null
ctl port add bench --tap vbench1 >/dev/null
sleep 0.5

echo "vnet-bench: tap -> switch -> tap, ${SECS}s per run, $ROUNDS rounds, $(nproc) cores"
echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(date -u +%Y-%m-%dT%H:%MZ), kernel $(uname -r)"
out=${JSON:-$T/results.json}
: >"$out"
for r in $(seq "$ROUNDS"); do
	for s in $SIZES; do
		"$BUILD/vnet-bench" tap --in vbench0 --out vbench1 --pid "$pid" \
			--size "$s" --seconds "$SECS" --json >>"$out"
		"$BUILD/vnet-bench" bridge --size "$s" --seconds "$SECS" \
			--json >>"$out"
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
for size in sorted({k[0] for k in keys}):
    v = [r['mpps'] for r in rows if r['size'] == size and r['switch'] == 'vnet']
    b = [r['mpps'] for r in rows if r['size'] == size and r['switch'] == 'linux-bridge']
    if v and b and statistics.median(b) > 0:
        print(f"ratio vnet/linux-bridge at {size} B: {statistics.median(v)/statistics.median(b):.2f}x")
PY
