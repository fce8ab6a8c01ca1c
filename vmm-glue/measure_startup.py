#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""measure_startup.py BUILD [ROUNDS] - vnet-vmm next to QEMU on the same
freestanding guest (BUILD/guest-min.elf, "halt" on its command line):

  first output  exec of the VMM -> the guest's first serial byte (ms)
  first exit    exec -> the first vCPU exit to vnet-vmm (the guest's first
                instruction is an OUT; vnet-vmm --timing reports it)
  RSS           the VMM's resident memory once the guest has halted (KiB),
                with the guest's own RAM (32 MiB, mostly untouched) in it

With a vnetd beside it (started here in a temporary directory, with an
internal network "mnet"), vnet-vmm is measured a second time with a NIC
(--net mnet): the port.add call and the vhost-user handshake are part of
its start-up then.  Rounds are interleaved (vnet-vmm, vnet-vmm --net,
QEMU/KVM, QEMU/TCG, ...); medians and every round are printed."""
import os, re, select, signal, statistics, subprocess, sys, tempfile, time

build = sys.argv[1] if len(sys.argv) > 1 else "build"
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
guest = os.path.join(build, "guest-min.elf")
vmm = os.path.join(build, "vnet-vmm")

def rss_kib(pid):
    """(total, shmem) resident KiB: vnet-vmm's guest RAM is its memfd, so
    RssShmem is the guest's share and the rest is the VMM's own."""
    v = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, rest = line.partition(":")
            if k in ("VmRSS", "RssShmem"):
                v[k] = int(rest.split()[0])
    return v.get("VmRSS", -1), v.get("RssShmem", 0)

def run(cmd):
    t0 = time.time_ns()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    out, first = b"", None
    deadline = time.time() + 120
    while b"halting" not in out and time.time() < deadline:
        r, _, _ = select.select([p.stdout], [], [], 1)
        if r:
            chunk = os.read(p.stdout.fileno(), 4096)
            if not chunk:
                break
            if first is None:
                first = time.time_ns()
            out += chunk
    time.sleep(0.3)
    rss = rss_kib(p.pid)
    p.send_signal(signal.SIGTERM)
    try:
        _, err = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
    m = re.search(rb"first_exit_ns=(\d+)", err)
    fx = (int(m.group(1)) - t0) / 1e6 if m and int(m.group(1)) else None
    ok = b"halting" in out
    return ((first - t0) / 1e6 if first and ok else None), fx, rss, ok

qemu = ["qemu-system-x86_64", "-M", "pc", "-m", "32M", "-nodefaults",
        "-nographic", "-serial", "stdio", "-kernel", guest, "-append", "halt"]
tmp = tempfile.mkdtemp(prefix="vnet-measure.")
sock = os.path.join(tmp, "sock")
vnetd = subprocess.Popen([os.path.join(build, "vnetd"), "--socket", sock,
                          "--state", os.path.join(tmp, "state.db"),
                          "--pidfile", os.path.join(tmp, "pid"),
                          "--log-file", os.path.join(tmp, "vnetd.log")])
for _ in range(50):
    if subprocess.run([os.path.join(build, "vnetctl"), "--socket", sock,
                       "status"], capture_output=True).returncode == 0:
        break
    time.sleep(0.1)
subprocess.run([os.path.join(build, "vnetctl"), "--socket", sock, "network",
                "create", "mnet", "--type", "internal", "--subnet",
                "10.99.0.0/24"], check=True, capture_output=True)
base = [vmm, "run", "--kernel", guest, "--mem", "32M", "--cmdline", "halt",
        "--timing"]
cases = [
    ("vnet-vmm (KVM)", base),
    ("vnet-vmm --net (KVM)", base + ["--net", "mnet", "--socket", sock]),
    ("QEMU -M pc (KVM)", qemu + ["-accel", "kvm"]),
    ("QEMU -M pc (TCG)", qemu + ["-accel", "tcg"]),
]
res = {name: [] for name, _ in cases}
try:
    for r in range(rounds):
        for name, cmd in cases:
            res[name].append(run(cmd))
finally:
    vnetd.terminate()
    vnetd.wait()
    subprocess.run(["rm", "-rf", tmp])
for name, _ in cases:
    rs = res[name]
    fo = [x[0] for x in rs if x[0] is not None]
    fx = [x[1] for x in rs if x[1] is not None]
    rss = [x[2][0] for x in rs if x[3]]
    own = [x[2][0] - x[2][1] for x in rs if x[3]]
    print(f"{name}: first output ms rounds={[round(x, 1) for x in fo]} "
          f"median={round(statistics.median(fo), 1) if fo else '-'}; "
          f"first exit ms median={round(statistics.median(fx), 1) if fx else '-'} "
          f"rounds={[round(x, 1) for x in fx]}; "
          f"RSS KiB rounds={rss} median={statistics.median(rss) if rss else '-'}; "
          f"RSS without shared guest RAM median={statistics.median(own) if own else '-'}; "
          f"ok {sum(1 for x in rs if x[3])}/{len(rs)}")
