#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/vhost-scenarios.sh BUILD - vnet's own vhost-user scenarios, driven by
# vnet-bench's frontends (own shared memory and rings, no VM), vnetd in poll
# mode with its datapath thread on core 1 and the frontends on core 0:
#   VM-to-VM at 64, 512, 1518 B and IMIX; 1-to-3 and 3-to-1;
#   zero-loss rate at 64 B by binary search (RFC 2544 style, 2 s trials);
#   latency percentiles at 100 kpps; CPU cost per frame.
set -u
BUILD=$(readlink -f "${1:-build}")
SECS=${SECS:-5}
T=$(mktemp -d /tmp/vnet-vsc.XXXXXX)
ctl() { "$BUILD/vnetctl" --socket "$T/sock" "$@"; }
cleanup() {
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
[ "$(id -u)" = 0 ] || { echo "bench: run as root"; exit 1; }
taskset -c 1 "$BUILD/vnetd" --poll --socket "$T/sock" --state "$T/db" \
	--pidfile "$T/pid" --log-file "$T/log" &
pid=$!
for _ in $(seq 50); do ctl status >/dev/null 2>&1 && break; sleep 0.1; done
ctl network create bench --type private >/dev/null
for p in s0 s1 s2 r0 r1 r2; do
	ctl port add bench --vhost-user "$T/$p.sock" >/dev/null
done
vb() { taskset -c 0 "$BUILD/vnet-bench" vhost --pid "$pid" --seconds "$SECS" "$@"; }
echo "vnet-bench vhost scenarios (vnetd --poll on core 1, frontends on core 0)"
echo "commit $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null), $(date -u +%Y-%m-%dT%H:%MZ)"
for size in 64 512 1518 imix; do
	vb --in "$T/s0.sock" --out "$T/r0.sock" --size $size
done
vb --in "$T/s0.sock" --out "$T/r0.sock,$T/r1.sock,$T/r2.sock" --size 64
vb --in "$T/s0.sock,$T/s1.sock,$T/s2.sock" --out "$T/r0.sock" --size 64
# Zero-loss throughput: the highest rate with no frame lost in a 2 s trial.
lo=0
hi=$(vb --in "$T/s0.sock" --out "$T/r0.sock" --size 64 --json |
	jq '.mpps * 1000000 * 1.1 | floor')
for _ in 1 2 3 4 5 6 7; do
	mid=$(((lo + hi) / 2))
	lost=$(SECS=2 taskset -c 0 "$BUILD/vnet-bench" vhost --pid "$pid" \
		--seconds 2 --in "$T/s0.sock" --out "$T/r0.sock" --size 64 \
		--rate "$mid" --json | jq .lost)
	if [ "$lost" = 0 ]; then lo=$mid; else hi=$mid; fi
done
echo "zero-loss rate at 64 B: $(echo "$lo" | awk '{printf "%.3f", $1/1e6}') Mpps (binary search, 2 s trials)"
vb --in "$T/s0.sock" --out "$T/r0.sock" --size 64 --rate 100000
