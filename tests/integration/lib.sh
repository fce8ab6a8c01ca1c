# SPDX-License-Identifier: GPL-2.0-or-later
# lib.sh - helpers for integration tests: a private vnetd, namespaces as
# hosts, assertions, and clean-up of everything a test made (by PID/name).
#
# A test sources this file, calls start_vnetd, and ends with "pass".  Exit
# codes: 0 pass, 1 fail, 77 skip (with the reason on stdout).
#
# run.sh runs tests side by side: every name a test gives a namespace, a
# device, a network or a port ends in the random suffix $S, files go to $T,
# and addresses the host namespace gets are 10.2xx.$N.0/24, with a 10.2xx
# no other test uses.  A test that must run
# with no other beside it (QEMU guests, rate or timing assertions, CPU-heavy
# peers) carries the line "# vnet-test: alone".

set -u
BUILD=${BUILD:-build}
VNETD=$(readlink -f "$BUILD/vnetd")
VNETCTL_BIN=$(readlink -f "$BUILD/vnetctl")
T=$(mktemp -d /tmp/vnet-it.XXXXXX)
# Short unique suffix: device names are limited to 15 bytes.  Tests run
# side by side draw it at random: a directory in /run reserves it (removed
# at exit), so two tests never share one.
S=$(od -An -N2 -tx2 /dev/urandom | tr -d ' ')
while ! mkdir "/run/vnet-S.$S" 2>/dev/null && [ -w /run ]; do
	S=$(od -An -N2 -tx2 /dev/urandom | tr -d ' ')
done
# Third octet for addresses the host namespace gets (10.2xx.$N.0/24): two
# runs of one test at the same time (another checkout, another build) must
# not both put 10.2xx.0.1 on the host.
N=$((0x$S % 250 + 1))
VNETD_PID=""
NETNS=""
LINKS=""
PIDS=""
ALLOW_LOG=${ALLOW_LOG:-'^$'}
PY=/usr/bin/python3 # Debian's, with scapy

vnetctl() { "$VNETCTL_BIN" --socket "$T/sock" "$@"; }

log() { echo "  $*"; }

fail() {
	echo "FAIL: $*"
	[ -f "$T/vnetd.log" ] && { echo "--- vnetd log:"; tail -n 30 "$T/vnetd.log"; }
	exit 1
}

skip() {
	echo "SKIP: $*"
	exit 77
}

# skip_part PART REASON: a part of this test cannot run (a missing tool);
# the test goes on, and run.sh counts the part as skipped, with the reason.
skip_part() {
	echo "SKIP-PART: $1: $2"
}

need_root() { [ "$(id -u)" = 0 ] || skip "needs root (namespaces, taps)"; }

# run_igb_guest SECONDS OVERLAY: boot the SR-IOV test guest ($G, from
# tests/guest/build-sriov.sh) under QEMU 10 ($Q, unpacked by tests/deps.sh)
# on q35 with a virtual IOMMU and an emulated igb PF, its initramfs the base
# plus the directory OVERLAY (whose /test.sh the guest runs); wait at most
# SECONDS for it to power off.  The console goes to $T/guest.log.
run_igb_guest() {
	(cd "$2" && find . | cpio -o -H newc --quiet | gzip -1 >"$T/overlay.cpio.gz")
	cat "$G/base.cpio.gz" "$T/overlay.cpio.gz" >"$T/initrd.gz"
	_start=$(date +%s)
	timeout "$1" "$Q/usr/bin/qemu-system-x86_64" -L "$Q/usr/share/qemu" \
		-L "$Q/usr/share/seabios" -M q35 -m 512 -smp 1 -nographic \
		-nodefaults -no-reboot -serial stdio \
		-device intel-iommu,intremap=on,caching-mode=on \
		-kernel "$G/vmlinuz" -initrd "$T/initrd.gz" \
		-append "console=ttyS0 quiet panic=-1 intel_iommu=on iommu=pt" \
		-netdev user,id=n0,restrict=on \
		-device pcie-root-port,id=rp0,chassis=1,slot=0 \
		-device igb,bus=rp0,netdev=n0,romfile= >"$T/guest.log" 2>&1 &
	_qpid=$!
	PIDS="$PIDS $_qpid"
	wait $_qpid
	log "guest ran $(($(date +%s) - _start)) s"
}

# nat_setup OUT IN VM: an "outside" namespace o$S at OUT.1/24 behind the
# uplink of an external network $X, a private network $L on IN.0/24 that
# NATs through it as NATIP=OUT.2, and a VM namespace a$S on $L (tap ta$S,
# address VM, default route via the gateway IN.1).  Sets X, L, OUT, NATIP.
nat_setup() {
	X="ex$S" L="lb$S" OUT=$1.1 NATIP=$1.2
	ns "o$S"
	ns "a$S"
	veth "u$S" "p$S" "o$S"
	addr "o$S" "p$S" "$OUT/24"
	vnetctl network create "$X" --type external >/dev/null || fail "create $X"
	vnetctl port add "$X" --uplink "u$S" >/dev/null || fail "uplink"
	vnetctl network create "$L" --type private --subnet "$2.0/24" \
		--nat-via "$X" --nat-address "$NATIP/24" >/dev/null || fail "create $L"
	vnetctl port add "$L" --tap "ta$S" --netns "a$S" >/dev/null || fail "tap"
	addr "a$S" "ta$S" "$3/24"
	ip -n "a$S" route add default via "$2.1" || fail "route"
}

# need_guest: QEMU and the test guest (a Debian kernel and a busybox
# initramfs, tests/guest/build.sh) or skip; sets G to the guest's directory.
# One kernel and initramfs serve every build (normal, ASan): they do not
# depend on how vnetd was compiled.
# big_config NET N PREFIX: a configuration (vnetctl config import) with
# private network NET on PREFIX.0.0/16 with DHCP and N reservations with
# long host names, on stdout: an export larger than a socket buffer.
big_config() {
	"$PY" - "$1" "$2" "$3" <<'PY'
import json, sys
net, n, pre = sys.argv[1], int(sys.argv[2]), sys.argv[3]
res = [{"network": net, "mac": "02:00:%02x:%02x:%02x:%02x" % (i >> 24 & 255, i >> 16 & 255, i >> 8 & 255, i & 255),
        "ip": "%s.%d.%d" % (pre, i // 250, i % 250 + 2),
        "hostname": "h%06d-" % i + "x" * 55} for i in range(n)]
print(json.dumps({"version": 2, "networks": [{"name": net, "type": "private",
      "subnet": pre + ".0.0/16", "dhcp": True}], "reservations": res}))
PY
}

# need_vmm: root, /dev/kvm, and the built vnet-vmm ($VMM) and test guest
# ($GUEST), or skip/fail saying which is missing.
need_vmm() {
	need_root
	[ -c /dev/kvm ] || skip "no /dev/kvm (vnet-vmm needs KVM)"
	VMM=$(readlink -f "$BUILD/vnet-vmm")
	GUEST=$(readlink -f "$BUILD/guest-min.elf")
	[ -x "$VMM" ] && [ -f "$GUEST" ] ||
		fail "vnet-vmm or the test guest is not built"
}

# vmm_served PID: wait up to 120 s for the test guest of vnet-vmm PID to
# reach its serving step (or fail, or end), as $T/guest.out says.
vmm_served() {
	for _ in $(seq 1200); do
		grep -q "serving ARP and ping\|FAIL" "$T/guest.out" && return
		kill -0 "$1" 2>/dev/null || return
		sleep 0.1
	done
}

need_guest() {
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 not installed"
	[ -x /bin/busybox ] || skip "busybox-static not installed"
	G=${VNET_GUEST_CACHE:-$(readlink -f "$(dirname "$0")/../guest")/cache}
	sh "$(dirname "$0")/../guest/build.sh" "$G" >"$T/guest-build.log" 2>&1 ||
		skip "cannot build the test guest: $(tail -1 "$T/guest-build.log")"
}

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	if [ -n "$VNETD_PID" ]; then
		kill "$VNETD_PID" 2>/dev/null
		wait "$VNETD_PID" 2>/dev/null
	fi
	for n in $NETNS; do ip netns del "$n" 2>/dev/null; done
	# Namespaces made where $NETNS could not record them (ns called in a
	# command substitution's subshell): by convention letters and $S.
	for n in $(ip netns list | awk '{print $1}' | grep -E "^[a-z]{1,3}$S\$"); do
		ip netns del "$n" 2>/dev/null
	done
	for l in $LINKS; do ip link del "$l" 2>/dev/null; done
	# Devices a failed test left in the host namespace (host vNICs, taps
	# vnetd made): by convention one to three letters and $S; and the
	# host ends of veth ports (vh-NAME), whose pair outlives the test
	# when its namespace end does not go with its namespace.
	for l in $(ip -o link show | awk -F': ' '{sub(/@.*/, "", $2); print $2}' |
		grep -E "^(vh-)?[a-z]{1,3}$S\$"); do
		ip link del "$l" 2>/dev/null
	done
	rm -rf "$T"
	rmdir "/run/vnet-S.$S" 2>/dev/null
}
trap cleanup EXIT

# start_vnetd [args]: start a vnetd on private files and wait for its socket.
start_vnetd() {
	"$VNETD" --socket "$T/sock" --state "$T/state.db" --pidfile "$T/pid" \
		--log-file "$T/vnetd.log" ${VNETD_EXTRA:-} "$@" &
	VNETD_PID=$!
	for _ in $(seq 50); do
		vnetctl status >/dev/null 2>&1 && return 0
		kill -0 "$VNETD_PID" 2>/dev/null || fail "vnetd exited at start"
		sleep 0.1
	done
	fail "vnetd did not come up"
}

# stop_vnetd: SIGTERM; vnetd must exit 0 (under ASan, also leak-free).
stop_vnetd() {
	kill "$VNETD_PID"
	wait "$VNETD_PID"
	rc=$?
	VNETD_PID=""
	[ $rc = 0 ] || fail "vnetd exited $rc on SIGTERM"
}

kill9_vnetd() {
	kill -9 "$VNETD_PID"
	wait "$VNETD_PID" 2>/dev/null
	VNETD_PID=""
}

# ns NAME: a namespace this test owns (deleted at exit).
ns() {
	ip netns add "$1" || fail "cannot create namespace $1"
	NETNS="$NETNS $1"
	ip -n "$1" link set lo up
}

# veth A B [NS-of-B]: a veth pair deleted at exit.
veth() {
	ip link add "$1" type veth peer name "$2" || fail "veth $1"
	LINKS="$LINKS $1"
	if [ -n "${3:-}" ]; then ip link set "$2" netns "$3"; fi
}

# veth_pair NET PREFIX: namespaces a$S and b$S on veth ports va$S and vb$S
# (kernel fast path on) of a new internal network NET, addresses
# PREFIX.11/24 and PREFIX.12/24.
veth_pair() {
	ns "a$S"
	ns "b$S"
	vnetctl network create "$1" --type internal >/dev/null || fail "create"
	for x in a b; do
		vnetctl port add "$1" --veth "v$x$S" --netns "$x$S" >/dev/null ||
			fail "veth $x"
	done
	[ "$(jget '.fast_path' port show "va$S")" = on ] ||
		fail "no fast path: $(jget '.fast_path_error' port show "va$S")"
	addr "a$S" "va$S" "$2.11/24"
	addr "b$S" "vb$S" "$2.12/24"
}

# addr NS DEV CIDR: give a namespace's device an address and bring it up.
addr() {
	ip -n "$1" addr add "$3" dev "$2" && ip -n "$1" link set "$2" up
}

# pings NS ADDR: must answer.   no_ping NS ADDR: must not.
pings() {
	ip netns exec "$1" ping -c 2 -i 0.2 -W 2 "$2" >/dev/null ||
		fail "$1 cannot ping $2"
	log "$1 -> $2 ok"
}

no_ping() {
	if ip netns exec "$1" ping -c 2 -i 0.2 -W 1 "$2" >/dev/null 2>&1; then
		fail "$1 reached $2, which it must not"
	fi
	log "$1 -> $2 unreachable, as it must be"
}

# refused EXPECTED-TEXT COMMAND...: vnetctl COMMAND must fail saying
# EXPECTED-TEXT (a grep pattern).
refused() { # EXPECTED-TEXT COMMAND...
	want=$1
	shift
	out=$(vnetctl "$@" 2>&1) && fail "accepted: $*"
	echo "$out" | grep -q "$want" || fail "unclear refusal of '$*': $out"
	log "refused: $out"
}

# jget JSON-PATH vnetctl-args...: one field of a --json answer.
jget() {
	path=$1
	shift
	vnetctl --json "$@" | jq -r "$path"
}

# wait_port PORT STATE [TENTHS]: wait up to TENTHS x 0.1 s (30) for
# `port show PORT` to say STATE; true if it did.
wait_port() {
	for _ in $(seq "${3:-30}"); do
		[ "$(jget '.state' port show "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	[ "$(jget '.state' port show "$1")" = "$2" ]
}

# wait_for SECONDS COMMAND...: run COMMAND every 0.1 s until it succeeds,
# for at most SECONDS; true if it did.  For what can be polled, instead of
# a fixed sleep.
wait_for() {
	_n=$(($1 * 10))
	shift
	while [ "$_n" -gt 0 ]; do
		"$@" && return 0
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] && sleep 0.1
	done
	return 1
}

# udhcpc_lease NS DEV ENV: busybox udhcpc on NS's DEV in the background
# ($UDHCPC_PID), its events in ENV (dhcp/udhcpc.sh), its output in
# ENV.log; waits up to 10 s for a lease and sets $LEASE_IP to its address.
udhcpc_lease() {
	DHCP_ENV=$3 ip netns exec "$1" busybox udhcpc -i "$2" \
		-s "$(readlink -f "$(dirname "$0")/dhcp/udhcpc.sh")" \
		-f -t 5 -T 1 >"$3.log" 2>&1 &
	UDHCPC_PID=$!
	PIDS="$PIDS $UDHCPC_PID"
	wait_for 10 test -s "$3" || fail "udhcpc got no lease: $(cat "$3.log")"
	LEASE_IP=$(tail -n 1 "$3" | tr ' ' '\n' | sed -n 's/^ip=//p')
}

# check_logs: no WARN/ERR lines except those matching $ALLOW_LOG.
check_logs() {
	bad=$(grep -E 'level=(warn|err)' "$T/vnetd.log" | grep -Ev "$ALLOW_LOG")
	[ -z "$bad" ] || fail "unexpected log lines: $bad"
}

pass() {
	if [ -n "$VNETD_PID" ]; then
		kill -0 "$VNETD_PID" || fail "vnetd died"
		stop_vnetd
	fi
	[ -f "$T/vnetd.log" ] && check_logs
	echo "PASS"
	exit 0
}
