#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/threads.sh BUILD - one vs two datapath threads: two vnet-bench
# frontends with 4 queue pairs each stream both ways through a private
# network; each round starts a fresh vnetd with 1 and then 2 threads.
#   ROUNDS=5 SECS=5 SIZE=64 QUEUES=4 VNETD_ARGS="--poll"
set -u
BUILD=$(readlink -f "${1:-build}")
ROUNDS=${ROUNDS:-5}
SECS=${SECS:-5}
SIZE=${SIZE:-64}
QUEUES=${QUEUES:-4}
VNETD_ARGS=${VNETD_ARGS:-}
T=$(mktemp -d /tmp/vnet-threads.XXXXXX)
ctl() { "$BUILD/vnetctl" --socket "$T/sock" "$@"; }
cleanup() {
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
[ "$(id -u)" = 0 ] || { echo "bench: run as root"; exit 1; }

run() { # run THREADS: one measurement, a JSON line on stdout
	rm -f "$T"/*.sock "$T/state.db"
	# shellcheck disable=SC2086
	"$BUILD/vnetd" --socket "$T/sock" --state "$T/state.db" \
		--pidfile "$T/pid" --log-file "$T/vnetd.log" --threads "$1" \
		$VNETD_ARGS &
	pid=$!
	for _ in $(seq 50); do ctl status >/dev/null 2>&1 && break; sleep 0.1; done
	ctl network create bench --type private >/dev/null
	ctl port add bench --vhost-user "$T/a.sock" --queues "$QUEUES" >/dev/null
	ctl port add bench --vhost-user "$T/b.sock" --queues "$QUEUES" >/dev/null
	"$BUILD/vnet-bench" vhost --in "$T/a.sock,$T/b.sock" \
		--out "$T/b.sock,$T/a.sock" --queues "$QUEUES" --size "$SIZE" \
		--seconds "$SECS" --pid "$pid" --label "threads=$1" --json
	kill "$pid"
	wait "$pid" 2>/dev/null
	pid=""
}

echo "vnet-bench: 2 frontends x $QUEUES queue pairs, both ways, ${SIZE} B, ${SECS}s per run, $ROUNDS rounds, $(nproc) cores${VNETD_ARGS:+, vnetd $VNETD_ARGS}"
echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(date -u +%Y-%m-%dT%H:%MZ), kernel $(uname -r)"
out=${JSON:-$T/results.json}
: >"$out"
for r in $(seq "$ROUNDS"); do
	run 1 >>"$out"
	run 2 >>"$out"
done
python3 - "$out" <<'PY'
import json, sys, statistics
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for label in sorted({r['switch'] for r in rows}):
    rs = [r for r in rows if r['switch'] == label]
    mp = [r['mpps'] for r in rs]
    cpu = [r['switch_cpu'] for r in rs]
    ns = [r['switch_ns_per_frame'] for r in rs]
    print(f"{label}: Mpps " + " / ".join(f"{v:.3f}" for v in mp) +
          f"  median {statistics.median(mp):.3f}")
    print(f"{' ' * len(label)}  vnetd CPU " + " / ".join(f"{100*v:.0f}%" for v in cpu) +
          f"  median {100*statistics.median(cpu):.0f}%, "
          f"{statistics.median(ns):.0f} ns of vnetd CPU per frame")
    q = [statistics.median(r['rx_queue_mpps'][i] for r in rs) for i in range(len(rs[0].get('rx_queue_mpps', [])))]
    if q:
        print(f"{' ' * len(label)}  per receive queue (median) " + " / ".join(f"{v:.3f}" for v in q) + " Mpps")
PY
