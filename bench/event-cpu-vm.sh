#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/event-cpu-vm.sh BUILD - what a VM's traffic costs outside the guest
# in event mode (vnetd's default): CPU-seconds per million 64-byte frames a
# QEMU guest (TCG, one vCPU) sends at a fixed rate out of its virtio-net NIC
# to a sink, across
#   vnet      QEMU -netdev vhost-user (memfd shared memory) on a vnetd
#             port; vnetd serves the guest's ring itself (one wake-up per
#             kick) and hands the frames to the sink's veth port
#   bridge    QEMU -netdev tap,vhost=off on a Linux bridge: QEMU's own
#             virtio-net model reads the ring in its main loop and writes
#             the tap; the bridge forwards inside that write
#   vhostnet  -netdev tap,vhost=on on the same bridge: the kernel's
#             vhost-net thread reads the ring; only where /dev/vhost-net
#             exists (CONFIG_VHOST_NET), else printed as skipped
# The sink is the same on every side: a veth into a namespace of this
# script's own whose stack drops the frames (an ethertype nobody takes);
# frames delivered are the packets the host end of that veth passed in.
# Every side runs the same guest image and generator (tests/guest/
# vm_evgen.c, appended to the test guest's initramfs): it waits on the
# guest's second serial port for "run RATE SECS MAC", says GO, sends a
# 60-byte frame (64 with the FCS) per sendto() paced in 100 us ticks, and
# says DONE with what it sent.  The window measured is GO to DONE.  Each
# side's guest boots once and serves every round and rate; the sides run
# interleaved round by round, the order alternating.
# CPU comes from the scheduler's run time (ns, /proc/PID/task/TID/schedstat):
#   (a) vcpu   the guest's vCPU thread ("CPU 0/TCG")
#   (b) net    everything else the frames cost on the host: QEMU's other
#              threads, vnetd's threads (vnet side), every ksoftirqd; the
#              sink's softirq work runs inside the sender's syscall and so
#              is in the sender's time (no CONFIG_IRQ_TIME_ACCOUNTING: the
#              machine's irq+softirq from /proc/stat, 100 Hz samples, is
#              already inside those task times, shown apart, not added)
#   total  (a) + (b)
#   RATES="10000 100000 500000" ROUNDS=5 SECS=5
#   SIDES="vnet bridge vhostnet" (a subset to run)
#   VNET_GUEST_CACHE=dir: the test guest (default tests/guest/cache)
#   BASE_BUILD=dir: also side "base", the vnet side with that build's
#             vnetd (its own guest, vnetd and sink), to compare two builds
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(readlink -f "${1:-build}")
RATES=${RATES:-10000 100000 500000}
ROUNDS=${ROUNDS:-5}
SECS=${SECS:-5}
SIDES=${SIDES:-vnet bridge vhostnet}
G=${VNET_GUEST_CACHE:-$HERE/../tests/guest/cache}
T=$(mktemp -d /tmp/vnet-ecpuvm.XXXXXX)
NSS="vmcpu-a vmcpu-b"
[ -n "${BASE_BUILD:-}" ] && NSS="$NSS vmcpu-c"
LINKS="vmcbr0 vmcbt0 vmcht0 vmcbv"
vpid='' bpid='' qpids=''
cleanup() {
	for p in $qpids; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	for p in $vpid $bpid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	for d in $LINKS; do ip link del "$d" 2>/dev/null; done
	for n in $NSS; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
die() { echo "bench: $*"; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root"
command -v qemu-system-x86_64 >/dev/null || die "needs qemu-system-x86_64"
command -v python3 >/dev/null || die "needs python3"
[ -x "$BUILD/vnetd" ] || die "no $BUILD/vnetd"

# Which sides run; vhost-net only where the kernel has it.
run_sides=
skipped=
for s in $SIDES; do
	case $s in
	vhostnet)
		if [ ! -c /dev/vhost-net ]; then
			skipped="vhostnet: no /dev/vhost-net on this machine ($(
				zcat /proc/config.gz 2>/dev/null | grep -x '# CONFIG_VHOST_NET is not set' ||
					echo 'vhost_net not loaded'))"
			continue
		fi ;;
	vnet | bridge | base) ;;
	*) die "unknown side $s" ;;
	esac
	run_sides="$run_sides $s"
done
[ -n "${BASE_BUILD:-}" ] && run_sides="$run_sides base"

# The guest: the test guest's kernel and initramfs with vm_evgen appended
# as a second cpio archive (the kernel unpacks both).
sh "$HERE/../tests/guest/build.sh" "$G" >"$T/guest-build.log" 2>&1 ||
	die "cannot build the test guest: $(tail -1 "$T/guest-build.log")"
mkdir -p "$T/root/bin"
cc -static -O2 -o "$T/root/bin/vm_evgen" "$HERE/../tests/guest/vm_evgen.c" ||
	die "cannot build vm_evgen (static)"
(cd "$T/root" && find . | cpio -o -H newc --quiet | gzip -1 >"$T/evgen.gz")
cat "$G/initrd.gz" "$T/evgen.gz" >"$T/initrd.gz"

# Sinks: vmcpu-a behind vnetd's veth port, vmcpu-b behind the bridge's veth;
# no IPv6, no addresses: nothing but the measured frames on the links.
for n in $NSS; do
	ip netns add "$n" &&
		ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 ||
		die "cannot make namespace $n"
done
. "$HERE/lib.sh"
# start_vnetd BUILD NAME SINK NS MAC VAR: a vnetd with a private network
# of a vhost-user port ($T/NAME-vu.sock) and a veth port SINK into NS; its
# pid in $VAR.
start_vnetd() {
	bench_vnetd "$1" "$2" "$6" || exit 1
	bench_ctl "$1" "$2" network create ecpuvm --type private &&
		bench_ctl "$1" "$2" port add ecpuvm \
			--vhost-user "$T/$2-vu.sock" &&
		bench_ctl "$1" "$2" port add ecpuvm --veth "$3" \
			--netns "$4" --mac "$5" ||
		die "cannot set up $2's vnetd: $(tail -3 "$T/$2.log")"
	sysctl -qw "net.ipv6.conf.vh-$3.disable_ipv6=1"
	ip -n "$4" link set "$3" up || die "cannot set up $3"
}
start_vnetd "$BUILD" vnet vmcsa vmcpu-a 02:76:6e:00:01:0a vpid
[ -n "${BASE_BUILD:-}" ] &&
	start_vnetd "$(readlink -f "$BASE_BUILD")" base vmcsc vmcpu-c \
		02:76:6e:00:01:0c bpid
ip link add vmcbr0 type bridge &&
	sysctl -qw net.ipv6.conf.vmcbr0.disable_ipv6=1 &&
	ip link add vmcbv type veth peer name vmcsb netns vmcpu-b &&
	ip -n vmcpu-b link set vmcsb address 02:76:6e:00:01:0b &&
	sysctl -qw net.ipv6.conf.vmcbv.disable_ipv6=1 &&
	ip link set vmcbv master vmcbr0 && ip link set vmcbv up &&
	ip -n vmcpu-b link set vmcsb up ||
	die "cannot set up the sinks"
for t in vmcbt0 vmcht0; do
	ip tuntap add dev $t mode tap vnet_hdr &&
		sysctl -qw "net.ipv6.conf.$t.disable_ipv6=1" &&
		ip link set $t master vmcbr0 && ip link set $t up ||
		die "cannot make tap $t"
done
ip link set vmcbr0 up

# guest SIDE N QEMU-ARGS...: boot the side's guest (MAC ...:0N) with the
# netdev n0 the arguments make; ttyS0 to a log, ttyS1 to the pipes
# $T/cmd-SIDE.in/.out that carry vm_evgen's commands and replies.
guest() {
	s=$1 n=$2
	shift 2
	mkfifo "$T/cmd-$s.in" "$T/cmd-$s.out"
	qemu-system-x86_64 -name "vmcpu-$s,debug-threads=on" \
		-machine pc -m 256 -smp 1 -nographic -nodefaults \
		-no-reboot -kernel "$G/vmlinuz" -initrd "$T/initrd.gz" \
		-append "console=ttyS0 quiet panic=-1 vnet.run=/bin/vm_evgen,serve,/dev/ttyS1,eth0" \
		-serial "file:$T/con-$s.log" -serial "pipe:$T/cmd-$s" \
		-object memory-backend-memfd,id=mem,size=256M,share=on \
		-numa node,memdev=mem "$@" \
		-device "virtio-net-pci,netdev=n0,mac=52:54:00:76:00:0$n,vectors=0" \
		</dev/null >"$T/qemu-$s.log" 2>&1 &
	qpids="$qpids $!"
	echo "$s $!" >>"$T/guests"
}
: >"$T/guests"
for s in $run_sides; do
	case $s in
	vnet) guest vnet 1 -chardev "socket,id=c0,path=$T/vnet-vu.sock,reconnect=1" \
		-netdev vhost-user,id=n0,chardev=c0 ;;
	base) guest base 4 -chardev "socket,id=c0,path=$T/base-vu.sock,reconnect=1" \
		-netdev vhost-user,id=n0,chardev=c0 ;;
	bridge) guest bridge 2 -netdev \
		tap,id=n0,ifname=vmcbt0,script=no,downscript=no,vhost=off ;;
	vhostnet) guest vhostnet 3 -netdev \
		tap,id=n0,ifname=vmcht0,script=no,downscript=no,vhost=on ;;
	esac
done

echo "event-mode CPU per Mpkt for a VM's traffic, 64 B frames, ${SECS}s per run, $ROUNDS rounds, $(nproc) cores"
echo "commit $(git -C "$HERE" rev-parse --short HEAD 2>/dev/null), $(date -u +%Y-%m-%dT%H:%MZ), kernel $(uname -r), $(qemu-system-x86_64 --version | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
[ -n "$skipped" ] && echo "skipped: $skipped"
[ -n "$bpid" ] && echo "base: the vnet side with the vnetd of $BASE_BUILD ($(git -C "$BASE_BUILD/.." rev-parse --short HEAD 2>/dev/null))"
python3 - "$T" "$vpid:$bpid" "$ROUNDS" "$SECS" "$RATES" <<'PY'
import os, select, statistics, subprocess, sys, time

T, vpid, rounds, secs, rates = sys.argv[1:6]
side_vnetd = dict(zip(('vnet', 'base'), vpid.split(':')))
rounds, secs = int(rounds), float(secs)
rates = [int(r) for r in rates.split()]
guests = [l.split() for l in open(T + '/guests')]
side_pid = {s: int(p) for s, p in guests}
sides = [s for s, _ in guests]
# the sink each side delivers to: (namespace, its end, host end, its MAC)
SINK = {'vnet': ('vmcpu-a', 'vmcsa', 'vh-vmcsa', '02:76:6e:00:01:0a'),
        'bridge': ('vmcpu-b', 'vmcsb', 'vmcbv', '02:76:6e:00:01:0b'),
        'vhostnet': ('vmcpu-b', 'vmcsb', 'vmcbv', '02:76:6e:00:01:0b'),
        'base': ('vmcpu-c', 'vmcsc', 'vh-vmcsc', '02:76:6e:00:01:0c')}
KSOFT = [int(p) for p in os.listdir('/proc') if p.isdigit() and
         open('/proc/%s/comm' % p).read().startswith('ksoftirqd/')]


class Guest:
    def __init__(self, side):
        self.side = side
        self.w = os.open('%s/cmd-%s.in' % (T, side), os.O_WRONLY)
        self.r = os.open('%s/cmd-%s.out' % (T, side), os.O_RDONLY)
        self.buf = b''

    def line(self, deadline):
        while b'\n' not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.r], [], [], left)[0]:
                raise TimeoutError(self.side)
            self.buf += os.read(self.r, 4096)
        l, self.buf = self.buf.split(b'\n', 1)
        return l.decode(errors='replace').strip()

    def expect(self, word, deadline):
        while True:
            l = self.line(deadline)
            if l.startswith(word):
                return l


def runtime(pid, only=None):
    """Run time (ns) and times run of PID's threads: {comm: [ns, runs]}."""
    out = {}
    d = '/proc/%d/task' % pid
    for tid in os.listdir(d):
        try:
            comm = open('%s/%s/comm' % (d, tid)).read().strip()
            st = open('%s/%s/schedstat' % (d, tid)).read().split()
        except OSError:
            continue
        o = out.setdefault(comm, [0, 0])
        o[0] += int(st[0])
        o[1] += int(st[2])
    return out


def is_vcpu(comm):
    return comm.startswith('CPU ') and comm.endswith(('/TCG', '/KVM'))


def snap(side):
    q = runtime(side_pid[side])
    v = runtime(int(side_vnetd[side])) if side_vnetd.get(side) else {}
    f = open('/proc/stat').readline().split()
    ksoft = 0
    for p in KSOFT:
        ksoft += int(open('/proc/%d/schedstat' % p).read().split()[0])
    return {'t': time.monotonic(),
            'vcpu': sum(x[0] for k, x in q.items() if is_vcpu(k)),
            'qemu': sum(x[0] for k, x in q.items() if not is_vcpu(k)),
            'qruns': sum(x[1] for k, x in q.items() if not is_vcpu(k)),
            'vnetd': sum(x[0] for x in v.values()),
            'vruns': sum(x[1] for x in v.values()),
            'ksoft': ksoft,
            'irq': (int(f[6]) + int(f[7])) / os.sysconf('SC_CLK_TCK'),
            'sink': sink(side)}


def sink(side):
    return int(open('/sys/class/net/%s/statistics/tx_packets' % SINK[side][2]).read())


g = {}
deadline = time.monotonic() + 600
for s in sides:
    g[s] = Guest(s)
for s in sides:
    g[s].expect('READY', deadline)
print('guests up: %s' % ' '.join(sides), flush=True)


def run(side, rate):
    """One run at RATE (0: the generator only ticks) on SIDE: CPU-s per
    million delivered frames (per second for RATE 0) and what they were."""
    ns, dev, _, mac = SINK[side]
    subprocess.run(['ip', 'netns', 'exec', ns, T + '/root/bin/vm_evgen',
                    'learn', dev], check=True)
    time.sleep(0.2)
    gu = g[side]
    os.write(gu.w, ('run %d %g %s\n' % (rate, secs, mac)).encode())
    gu.expect('GO', time.monotonic() + 30)
    a = snap(side)
    done = gu.expect('DONE', time.monotonic() + secs + 60)
    b = snap(side)
    time.sleep(0.05)
    got = sink(side) - a['sink']
    kv = dict(w.split('=') for w in done.split()[1:])
    d = {k: b[k] - a[k] for k in a}
    dt = d['t']
    per = dt if rate == 0 else (got / 1e6 if got else float('nan'))
    n = max(got, 1)
    r = {'pps': got / dt, 'sent': int(kv['sent']), 'failed': int(kv['failed']),
         'vcpu': d['vcpu'] / 1e9 / per, 'qemu': d['qemu'] / 1e9 / per,
         'vnetd': d['vnetd'] / 1e9 / per, 'ksoft': d['ksoft'] / 1e9 / per,
         'irq': d['irq'] / per, 'got': got, 'dt': dt,
         'girq': int(kv['irqs']) / n, 'qruns': d['qruns'] / n,
         'vruns': d['vruns'] / n}
    if rate == 0:
        r.update(girq=int(kv['irqs']) / dt, qruns=d['qruns'] / dt,
                 vruns=d['vruns'] / dt)
    r['net'] = r['qemu'] + r['vnetd'] + r['ksoft']
    r['total'] = r['vcpu'] + r['net']
    return r


def fmt(r):
    return ('%.1f kpps (sent %d%s) vcpu %.2f net %.2f (qemu %.2f vnetd %.2f '
            'ksoftirqd %.2f) total %.2f [irq %.2f] runs/frame qemu %.2f '
            'vnetd %.2f, guest irqs/frame %.2f' % (
                r['pps'] / 1e3, r['sent'],
                ' failed %d' % r['failed'] if r['failed'] else '',
                r['vcpu'], r['net'], r['qemu'], r['vnetd'], r['ksoft'],
                r['total'], r['irq'], r['qruns'], r['vruns'], r['girq']))


def fmt0(r):
    return ('vcpu %.3f net %.3f (qemu %.3f vnetd %.3f ksoftirqd %.3f) '
            'runs/s qemu %.0f vnetd %.0f, guest irqs/s %.0f' % (
                r['vcpu'], r['net'], r['qemu'], r['vnetd'], r['ksoft'],
                r['qruns'], r['vruns'], r['girq']))


print('each side: frames delivered/s (frames the guest sent), CPU-s per '
      'million delivered frames:\n  vcpu = (a) the guest\'s vCPU thread, '
      'net = (b) QEMU\'s other threads + vnetd + ksoftirqd,\n  total = '
      '(a) + (b); [irq] = machine irq+softirq from /proc/stat, inside (b) '
      'already, not added;\n  runs/frame = times QEMU\'s other threads and '
      'vnetd\'s threads were switched in, per frame;\n  guest irqs = virtio '
      'interrupts the guest took.\n"tick": the generator ticking every '
      '100 us without sending, CPU-s per second\n  (the pacing\'s own cost, '
      'inside every figure above it)', flush=True)
res = {}
for rnd in range(1, rounds + 1):
    order = sides if rnd % 2 else sides[::-1]
    for rate in [0] + rates:
        out = {}
        for s in order:
            out[s] = run(s, rate)
            res.setdefault((s, rate), []).append(out[s])
        print('%d %s | %s' % (rnd, rate or 'tick', ' | '.join(
            '%s: %s' % (s, (fmt if rate else fmt0)(out[s])) for s in sides)),
            flush=True)
med = {}
for k, rs in res.items():
    med[k] = {f: statistics.median(x[f] for x in rs) for f in rs[0]}
print('medians over %d rounds (CPU-s per Mpkt; tick: per second):' % rounds)
for rate in [0] + rates:
    line = []
    for s in sides:
        m = med[(s, rate)]
        if rate == 0:
            line.append('%s: vcpu %.3f net %.3f' % (s, m['vcpu'], m['net']))
            continue
        line.append('%s: %.1f kpps vcpu %.2f net %.2f total %.2f' % (
            s, m['pps'] / 1e3, m['vcpu'], m['net'], m['total']))
        # Where the guest kept the rate, its vCPU idled between ticks as
        # in the tick run: take what the ticking alone cost (tick median,
        # per second) off, spread over a second's frames.  A guest that
        # could not keep the rate never idled: nothing comparable to take.
        if m['pps'] >= 0.95 * rate:
            x = med[(s, 0)]['net'] * 1e6 / m['pps']
            line[-1] += ' (net beyond the tick %.2f)' % (m['net'] - x)
    print('%s | %s' % (rate or 'tick', ' | '.join(line)))
    if rate and 'vnet' in sides and 'bridge' in sides:
        v, b = med[('vnet', rate)], med[('bridge', rate)]
        print('   vnet/bridge: net (b) %.2fx, total %.2fx' % (
            v['net'] / b['net'], v['total'] / b['total']))
    if rate and 'base' in sides and 'bridge' in sides:
        v, b = med[('base', rate)], med[('bridge', rate)]
        print('   base/bridge: net (b) %.2fx, total %.2fx' % (
            v['net'] / b['net'], v['total'] / b['total']))
for gu in g.values():
    os.write(gu.w, b'quit\n')
PY
