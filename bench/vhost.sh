#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/vhost.sh BUILD - the reference vhost-user scenario, three switches in
# one run, interleaved round by round:
#   vnet          vnetd --poll, its datapath thread alone on core 1
#   ovs-dpdk      Open vSwitch 3.1 userspace datapath, PMD on core 1,
#                 port-to-port flows (its fastest path, no learning)
#   ovs-normal    the same with the NORMAL action: a learning L2 switch,
#                 the same job vnet does (SWITCHES="... ovs-normal")
#   testpmd-loop  testpmd's vhost PMD looping two ports on core 1: no
#                 switching at all, two copies per packet
#   vnet-base     vnet built from another tree (BASE_BUILD=dir with vnetd
#                 and vnetctl), to compare two versions in one run
# In every case dpdk-testpmd on core 0 drives two net_virtio_user ports in
# io-forward mode after "start tx_first 32": frames loop port0 -> switch ->
# port1 -> testpmd -> switch -> port0.  The figure is the packets per second
# the switch forwards (the sum of both ports' receive rates at testpmd).
#   SIZES="64 1518" ROUNDS=3 SECS=10 JSON=file CHART=file.png
#   QSIZE=1024: the front end's queue size (QEMU's default is 256)
#   STEPS=1: also the rate in each second of every run ("steps")
#   FE_HUGE=1: the driving testpmd's memory (the "guest" memory every switch
#   reads and writes) in 2 MB hugepages instead of 4 KB pages
#   C2C=1: `vnet-bench c2c` beside the runs: CPU 0 <-> 1's cache-line round
#   trip each second, printed with each run ("c2c_ns"), and the rounds split
#   by it in the summary (a virtual machine's vCPUs sharing an L3 or not:
#   the rates of every switch follow it; docs/performance.md)
# A comparison peer that is not installed is installed with apt-get
# (BENCH_INSTALL=0: never); one that still cannot run is left out with the
# missing package named, and a run that fails prints "failed", never 0.
set -u
BUILD=$(readlink -f "${1:-build}")
SIZES=${SIZES:-64 1518}
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-10}
SWITCHES=${SWITCHES:-vnet ovs-dpdk testpmd-loop}
T=$(mktemp -d /tmp/vnet-vbench.XXXXXX)
OUT=${JSON:-$T/results.json}
: >"$OUT"
PIDS=""
export OVS_RUNDIR=$T/ovs OVS_LOGDIR=$T/ovs OVS_DBDIR=$T/ovs
V="ovs-vsctl --db=unix:$T/ovs/db.sock --timeout=20"
# ovs-vswitchd runs in a network namespace of its own: the devices its
# userspace datapath makes (br0, ovs-netdev) go with it, never into the
# host's namespace.
OVS_NS=vbench-ovs-$$

# ovs_stop: stop OVS and remove its namespace (and the devices in it).
ovs_stop() {
	local p pid
	for p in vswitchd ovsdb; do
		pid=$(cat "$T/ovs/$p.pid" 2>/dev/null) || continue
		kill "$pid" 2>/dev/null
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		rm -f "$T/ovs/$p.pid"
	done
	ip netns del "$OVS_NS" 2>/dev/null
}

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	ovs_stop
	sleep 1
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
[ "$(id -u)" = 0 ] || { echo "bench: run as root"; exit 1; }

# peer_install PACKAGE: apt-get install it unless BENCH_INSTALL=0.
peer_install() {
	[ "${BENCH_INSTALL:-1}" != 0 ] || return 1
	echo "bench: installing $1 (a comparison peer; BENCH_INSTALL=0 to skip)" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "$1" >"$T/apt-$1.log" 2>&1 ||
		{ echo "bench: apt-get install $1 failed: $(tail -n 1 "$T/apt-$1.log")" >&2; return 1; }
}
OVS_VSWITCHD=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk
# testpmd drives every scenario: without it nothing can be measured.
command -v dpdk-testpmd >/dev/null || peer_install dpdk ||
	{ echo "bench: needs dpdk-testpmd (Debian package dpdk); nothing measured"; exit 1; }
sws=""
for sw in $SWITCHES; do
	case $sw in
	ovs-dpdk | ovs-normal)
		if [ ! -x $OVS_VSWITCHD ] && ! peer_install openvswitch-switch-dpdk; then
			echo "skip $sw: package openvswitch-switch-dpdk not installed ($OVS_VSWITCHD missing)"
			continue
		fi ;;
	esac
	sws="$sws $sw"
done
SWITCHES=$sws

# OVS-DPDK wants hugepages (and the front end with FE_HUGE=1); the others
# do not use them.
hugepages() {
	local want=$((300 + ${FE_HUGE:-0} * 300))
	[ "$(awk '/HugePages_Total/ {print $2}' /proc/meminfo)" -ge $want ] ||
		echo $want >/proc/sys/vm/nr_hugepages
	mountpoint -q /dev/hugepages || { mkdir -p /dev/hugepages &&
		mount -t hugetlbfs nodev /dev/hugepages; }
}

# With STATS=FILE: how long each polling thread (frontend and switch) ran
# and how long it waited for its core (another task on it) over the
# measured seconds, from the scheduler's own accounting.
sched_snap() {
	local d c
	# Time the hypervisor gave each of our vCPUs to someone else (ticks).
	awk '/^cpu[0-9]+ / { print "steal-" $1, $1, $9 * 10000000, 0 }' /proc/stat
	for d in /proc/[0-9]*/task/[0-9]*; do
		{ read -r c <"$d/comm"; } 2>/dev/null || continue
		case $c in
		vnet-dp* | pmd-c* | rte-worker* | dpdk-worker* | lcore-worker*)
			echo "${d##*/} $c $(cat "$d/schedstat" 2>/dev/null)" ;;
		esac
	done
}
sched_stats() {
	awk 'NR == FNR { run[$1] = $3; wait[$1] = $4; next }
	     ($1 in run) && $1 ~ /^steal-/ { printf "  %s: stolen by the hypervisor %.0f ms\n",
		$2, ($3 - run[$1]) / 1e6; next }
	     ($1 in run) { printf "  %s: ran %.0f ms, waited for its core %.0f ms\n",
		$2, ($3 - run[$1]) / 1e6, ($4 - wait[$1]) / 1e6 }' "$1" "$2"
}

# The front end's memory: 4 KB pages by default; with FE_HUGE=1 one
# hugetlbfs file of 2 MB pages (one vhost-user memory region).
QSIZE=${QSIZE:-1024}
if [ "${FE_HUGE:-0}" = 1 ]; then
	hugepages
	FE_MEM="--single-file-segments -m 512 --huge-dir /dev/hugepages"
else
	FE_MEM="--no-huge -m 1024"
fi

# drive SOCK0 SOCK1 SERVER(0|1) SIZE: run the frontend, print Mpps.
drive() {
	local s0=$1 s1=$2 srv=$3 size=$4 fifo=$T/cmd out=$T/testpmd.out
	rm -f "$fifo"
	mkfifo "$fifo"
	# Line-buffered: a counter is never cut by the prompt.
	taskset -c 0 stdbuf -oL dpdk-testpmd $FE_MEM --no-pci --file-prefix=vbfe \
		-l 0,1 --main-lcore=1 \
		--vdev="net_virtio_user0,path=$s0,queues=1,queue_size=$QSIZE,server=$srv" \
		--vdev="net_virtio_user1,path=$s1,queues=1,queue_size=$QSIZE,server=$srv" \
		-- -i --forward-mode=io --nb-cores=1 --burst=32 \
		--txpkts=$((size - 4)) --total-num-mbufs=32768 --no-mlockall \
		<"$fifo" >"$out" 2>&1 &
	local pid=$!
	exec 3>"$fifo"
	sleep 4
	echo "start tx_first 32" >&3
	sleep 3
	local t0 t1
	echo "show port stats all" >&3
	t0=$(date +%s.%N)
	[ -n "${STATS:-}" ] && sched_snap >"$T/sched0"
	[ -n "${SNAP:-}" ] && $SNAP 0
	# PERF=PREFIX: a profile of both cores over 3 s of each run.
	[ -n "${PERF:-}" ] && perf record -q -a -o "$PERF.$(date +%H%M%S)" \
		sleep 3 >/dev/null 2>&1 &
	if [ "${STEPS:-0}" = 1 ]; then
		# The rate in each second of the run as well: a switch that
		# slows down within a run shows a step, one that starts slow
		# does not.
		date +%s.%N >"$T/steptimes"
		for _ in $(seq "$SECS"); do
			sleep 1
			echo "show port stats all" >&3
			date +%s.%N >>"$T/steptimes"
		done
	else
		sleep "$SECS"
		echo "show port stats all" >&3
	fi
	t1=$(date +%s.%N)
	echo "$t0 $t1" >"$T/window"
	[ -n "${STATS:-}" ] && sched_snap >"$T/sched1"
	[ -n "${SNAP:-}" ] && $SNAP 1
	sleep 1
	echo "stop" >&3
	echo "quit" >&3
	exec 3>&-
	wait $pid 2>/dev/null
	[ -n "${STATS:-}" ] && sched_stats "$T/sched0" "$T/sched1" >>"$STATS"
	# FRONT_LOG=PREFIX: keep each run's testpmd output (drops, errors).
	[ -n "${FRONT_LOG:-}" ] && cp "$out" "$FRONT_LOG.$(date +%H%M%S)"
	# The port counters of each "show port stats all", port 0's then
	# port 1's, and nothing else: the forward statistics "stop" prints
	# have RX-packets lines too (RX-dropped, RX-total after them), and
	# the prompt testpmd writes may land anywhere in a line: only a
	# counter followed by RX-missed on its line is taken.
	sed -n 's/.*RX-packets: *\([0-9][0-9]*\) *RX-missed:.*/\1/p' "$out" >"$T/rx"
	[ "${STEPS:-0}" = 1 ] && awk 'NR == FNR { t[NR] = $1; next }
		{ n++; v[n] = $1 }
		END {
			# Stats 1 is the start, then one per step.
			for (i = 2; 2 * i <= n; i++) {
				a = v[2*i-3] + v[2*i-2]; b = v[2*i-1] + v[2*i]
				printf "%s%.2f", (i > 2 ? "," : ""), (b - a) / (t[i] - t[i-1]) / 1e6
			}
		}' "$T/steptimes" "$T/rx" >"$T/steps"
	awk -v t0="$t0" -v t1="$t1" '
		{ n++; v[n] = $1 }
		END {
			# Both ports at the start (the first stats) and the end
			# (the last); a run with a lost line prints nothing.
			if (n < 4 || n % 2) exit
			a = v[1] + v[2]; b = v[n-1] + v[n]
			printf "%.4f\n", (b - a) / (t1 - t0) / 1e6
		}' "$T/rx"
}

# STATS=FILE: vnetd's queue counters over each vnet run's measured seconds
# (bursts, mean burst, empty polls, full guest rings, drops), appended.
vnet_snap() {
	local p
	for p in vn0 vn1; do
		$c --json port show $p >"$T/snap$1.$p"
	done
	$c --json stats >"$T/snap$1.stats"
}
vnet_stats() {
	python3 - "$T" "$1" "$BUILD" <<'PY'
import json, sys
t, size, build = sys.argv[1:4]
def load(n, p):
    return json.load(open(f"{t}/snap{n}.{p}"))
out = [f"vnet {build} {size} B:"]
for p in ("vn0", "vn1"):
    a, b = load(0, p), load(1, p)
    qa = {q["index"]: q for q in a["queues"]}
    for q in b["queues"]:
        o = qa.get(q["index"], {})
        d = {k: q[k] - o.get(k, 0) for k in q if type(q[k]) is int and k not in ("index", "size", "last_avail", "last_used")}
        mean = d["packets"] / d["bursts"] if d["bursts"] else 0
        extra = (f"empty {d['empty_polls']}" if "empty_polls" in d
                 else f"ring_full {d['ring_full']} drops {d['drops']} irq {d['interrupts']}")
        out.append(f"  {p} {q['direction']}: {d['packets']} frames in {d['bursts']} bursts ({mean:.1f}/burst), {extra}")
# Frames lost before the measured seconds leave fewer in the loop.
st = json.load(open(f"{t}/snap0.stats"))
lost = sum(v for p in st for k, v in p["drops"].items())
out.append(f"  dropped before the measured seconds: {lost}")
print("\n".join(out))
PY
}

run_vnet() {
	local size=$1 BUILD=${2:-$BUILD}
	taskset -c 1 "$BUILD/vnetd" --poll --socket "$T/vnetd.sock" \
		--state "$T/vnetd.db" --pidfile "$T/vnetd.pid" \
		--log-file "$T/vnetd.log" &
	local pid=$!
	for _ in $(seq 50); do
		"$BUILD/vnetctl" -s "$T/vnetd.sock" status >/dev/null 2>&1 && break
		sleep 0.1
	done
	local c="$BUILD/vnetctl -s $T/vnetd.sock"
	$c network create bench --type private >/dev/null
	$c port add bench --vhost-user "$T/vn0.sock" >/dev/null
	$c port add bench --vhost-user "$T/vn1.sock" >/dev/null
	local SNAP=""
	[ -n "${STATS:-}" ] && SNAP=vnet_snap
	drive "$T/vn0.sock" "$T/vn1.sock" 0 "$size"
	[ -n "${STATS:-}" ] && vnet_stats "$size" >>"$STATS"
	kill $pid
	wait $pid 2>/dev/null
	rm -f "$T/vnetd.db"*
}

run_ovs() {
	local size=$1 normal=${2:-}
	hugepages
	rm -rf "$T/ovs"
	mkdir -p "$T/ovs"
	ovsdb-tool create "$T/ovs/conf.db" /usr/share/openvswitch/vswitch.ovsschema
	ovsdb-server --remote=punix:"$T/ovs/db.sock" --pidfile="$T/ovs/ovsdb.pid" \
		--detach --log-file="$T/ovs/ovsdb.log" "$T/ovs/conf.db" 2>/dev/null
	$V --no-wait init
	# --no-pci: never touch the machine's own NICs.
	$V --no-wait set Open_vSwitch . other_config:dpdk-init=true \
		other_config:dpdk-socket-mem=512 other_config:pmd-cpu-mask=0x2 \
		other_config:dpdk-lcore-mask=0x1 other_config:dpdk-extra=--no-pci
	ip netns add "$OVS_NS" || return
	ip netns exec "$OVS_NS" $OVS_VSWITCHD unix:"$T/ovs/db.sock" \
		--pidfile="$T/ovs/vswitchd.pid" --detach \
		--log-file="$T/ovs/vswitchd.log" 2>/dev/null || {
		ovs_stop
		echo "bench: ovs-vswitchd-dpdk did not start: $(tail -n 1 "$T/ovs/vswitchd.log" 2>/dev/null)" >&2
		return; }
	$V add-br br0 -- set bridge br0 datapath_type=netdev
	$V add-port br0 p0 -- set Interface p0 type=dpdkvhostuserclient \
		options:vhost-server-path="$T/ov0.sock" ofport_request=1
	$V add-port br0 p1 -- set Interface p1 type=dpdkvhostuserclient \
		options:vhost-server-path="$T/ov1.sock" ofport_request=2
	ovs-ofctl del-flows br0
	if [ -n "$normal" ]; then
		ovs-ofctl add-flow br0 actions=NORMAL
	else
		ovs-ofctl add-flow br0 in_port=1,actions=output:2
		ovs-ofctl add-flow br0 in_port=2,actions=output:1
	fi
	drive "$T/ov0.sock" "$T/ov1.sock" 1 "$size"
	ovs_stop
	sleep 1
}

run_loop() {
	local size=$1
	# Both of its lcores on CPU 1; the main one only waits for input,
	# which comes from a FIFO that stays open until the run is over.
	rm -f "$T/loopin"
	mkfifo "$T/loopin"
	taskset -c 1 dpdk-testpmd --no-huge -m 1024 --no-pci \
		--file-prefix=vbbe --lcores=0@1,1@1 --main-lcore=0 \
		--vdev="net_vhost0,iface=$T/lp0.sock,queues=1" \
		--vdev="net_vhost1,iface=$T/lp1.sock,queues=1" -- \
		--forward-mode=io --auto-start --total-num-mbufs=32768 \
		--no-mlockall <"$T/loopin" >"$T/loop.out" 2>&1 &
	local pid=$!
	exec 4>"$T/loopin"
	sleep 3
	drive "$T/lp0.sock" "$T/lp1.sock" 0 "$size"
	[ -n "${KEEP_LOG:-}" ] && cp "$T/loop.out" "$KEEP_LOG"
	exec 4>&-
	kill $pid 2>/dev/null
	wait $pid 2>/dev/null
}

if [ "${C2C:-0}" = 1 ]; then
	"$BUILD/vnet-bench" c2c --seconds 0 >"$T/c2c" &
	PIDS="$PIDS $!"
fi
# c2c_of: the round trips measured within the last run's seconds, as JSON.
c2c_of() {
	[ "${C2C:-0}" = 1 ] && [ -s "$T/window" ] || return 0
	awk 'NR == FNR { a = $1; b = $2; next }
	     $1 >= a && $1 <= b { s = s (s == "" ? "" : ",") $2 }
	     END { printf ",\"c2c_ns\":[%s]", s }' "$T/window" "$T/c2c"
	rm -f "$T/window"
}
echo "vnet-bench vhost reference: testpmd io-fwd on core 0, switch on core 1"
echo "commit $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null), $(date -u +%Y-%m-%dT%H:%MZ), ${SECS}s per run, $ROUNDS rounds, front-end memory in $([ "${FE_HUGE:-0}" = 1 ] && echo "2 MB hugepages" || echo "4 KB pages")"
for r in $(seq "$ROUNDS"); do
	for size in $SIZES; do
		for sw in $SWITCHES; do
			case $sw in
			vnet) mpps=$(run_vnet "$size") ;;
			vnet-base) mpps=$(run_vnet "$size" "$BASE_BUILD") ;;
			ovs-dpdk) mpps=$(run_ovs "$size") ;;
			ovs-normal) mpps=$(run_ovs "$size" normal) ;;
			testpmd-loop) mpps=$(run_loop "$size") ;;
			esac
			# No figure is null (printed as "failed"), not 0.
			steps=
			[ -s "$T/steps" ] && steps=",\"steps\":[$(cat "$T/steps")]"
			rm -f "$T/steps"
			echo "{\"round\":$r,\"switch\":\"$sw\",\"size\":$size,\"mpps\":${mpps:-null}$steps$(c2c_of)}" |
				tee -a "$OUT"
		done
	done
done
if command -v gnuplot >/dev/null && [ -n "${CHART:-}" ]; then
	sh "$(dirname "$0")/chart.sh" "$OUT" "$CHART"
fi
python3 - "$OUT" <<'PY'
import json, sys, statistics
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
sizes = sorted({r['size'] for r in rows})
sws = ['vnet', 'vnet-base', 'ovs-dpdk', 'testpmd-loop', 'ovs-normal']
sws = [s for s in sws if any(r['switch'] == s for r in rows)]
print(f"{'size':>5} " + " ".join(f"{s:>14}" for s in sws))
for size in sizes:
    med = {}
    for s in sws:
        v = [r['mpps'] for r in rows if r['size'] == size and r['switch'] == s
             and r['mpps'] is not None]
        med[s] = statistics.median(v) if v else None
    ratios = []
    for other in ('vnet-base', 'ovs-dpdk', 'ovs-normal', 'testpmd-loop'):
        if med.get(other) and med.get('vnet'):
            ratios.append(f"vnet/{other} {med['vnet'] / med[other]:.2f}x")
    cell = lambda m: f"{m:9.3f} Mpps" if m is not None else f"{'failed':>14}"
    print(f"{size:5} " + " ".join(cell(med[s]) for s in sws) + "   " + "  ".join(ratios))
# With C2C=1: each run is "near" when most of its seconds saw a round trip
# under 150 ns (the vCPUs share an L3), "far" when most saw more.
# A run without readings (one that failed) is left out of this table.
far = lambda r: sum(v > 150 for v in r['c2c_ns']) * 2 > len(r['c2c_ns'])
rows = [r for r in rows if r.get('c2c_ns')]
if rows:
    print("by placement (median Mpps, runs):")
    for size in sizes:
        for name, want in (("near", False), ("far", True)):
            line = []
            for s in sws:
                v = [r['mpps'] for r in rows if r['size'] == size and r['switch'] == s
                     and r['mpps'] is not None and far(r) == want]
                line.append(f"{s} {statistics.median(v):.3f} ({len(v)})" if v else f"{s} - (0)")
            print(f"{size:5} {name:4}  " + "   ".join(line))
PY
