# Tap I/O through io_uring, and the readv/writev fallback: the same traffic
# (raw frames of every size in bursts, then a file over TCP with offloads)
# crosses two taps with io_uring on and with it forced off (--no-io-uring,
# VNETD_IO_URING=0).  Every frame arrives intact and in order, vnetd's
# counters agree with what was sent and received, and "port show" names
# the I/O the tap uses.  Then the receiving tap is deleted under a stream of
# frames: every frame vnetd took is counted once, sent or dropped; and a
# deleted port's tap is gone at once.
# vnet-test: alone
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/offload.sh"
need_root
[ -e /dev/net/tun ] || skip "no /dev/net/tun"
[ "$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 2)" = 0 ] ||
	skip "io_uring disabled on this kernel (kernel.io_uring_disabled)"

# frames NS-A DEV-A NS-B DEV-B COUNT: COUNT frames of sizes 60-1514 from a
# packet socket on DEV-A, in bursts of 1 to 100, to a packet socket on
# DEV-B; fail unless every one arrives, in order, byte for byte.
frames() {
	ip netns exec "$3" $PY - "$4" "$5" <<'PY' >"$T/sink.out" 2>&1 &
import socket, struct, sys, hashlib
ETH = 0x88B6
rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH))
rx.setsockopt(socket.SOL_SOCKET, 33, 1 << 24)  # SO_RCVBUFFORCE
rx.bind((sys.argv[1], ETH))
rx.settimeout(5)
n, want, bad = int(sys.argv[2]), 0, 0
print("ready", flush=True)
try:
    while want < n:
        f = rx.recv(2048)
        seq, size = struct.unpack("!IH", f[14:20])
        body = hashlib.sha256(f[14:20]).digest() * 48
        if seq != want or len(f) != size or f[20:] != body[: size - 20]:
            bad += 1
            print(f"frame {want}: got seq {seq} len {len(f)}/{size}")
            break
        want += 1
except socket.timeout:
    pass
print(f"received {want} of {n}")
sys.exit(0 if want == n and not bad else 1)
PY
	sink=$!
	PIDS="$PIDS $sink"
	for _ in $(seq 50); do
		grep -q ready "$T/sink.out" 2>/dev/null && break
		sleep 0.05
	done
	ip netns exec "$1" $PY - "$2" "$5" <<'PY' || fail "sender failed"
import socket, struct, sys, hashlib, time
ETH = 0x88B6
tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
tx.bind((sys.argv[1], 0))
n = int(sys.argv[2])
dst, src = bytes.fromhex("ffffffffffff"), bytes.fromhex("027600000c01")
seq, bursts = 0, (1, 7, 32, 33, 100, 2, 64, 1, 31, 5)
while seq < n:
    for _ in range(bursts[seq % len(bursts)]):
        if seq == n:
            break
        size = 60 + (seq * 131) % (1514 - 59)
        hdr = struct.pack("!IH", seq, size)
        body = hashlib.sha256(hdr).digest() * 48
        tx.send(dst + src + struct.pack("!H", ETH) + hdr + body[: size - 20])
        seq += 1
    time.sleep(0.002)
PY
	wait "$sink" || { cat "$T/sink.out"; fail "frames lost or damaged"; }
	log "$(tail -1 "$T/sink.out"), in order and intact"
}

# counters PORT: "rx_packets tx_packets drops" of a port
counters() {
	vnetctl --json port show "$1" |
		jq -r '.counters | [.rx_packets, .tx_packets,
			([.drops[]] | add)] | @tsv'
}

# run MODE: one vnetd, two taps in namespaces, traffic, checks; MODE is what
# "port show" must say.
run() {
	mode=$1
	shift
	start_vnetd "$@"
	vnetctl network create "in$S" --type internal >/dev/null || fail "create"
	for x in a b; do
		ns "$x$S"
		# No IPv6 chatter: the counters must see only the test's frames.
		ip netns exec "$x$S" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
		vnetctl port add "in$S" --tap "t$x$S" --netns "$x$S" >/dev/null ||
			fail "tap $x"
	done
	for x in a b; do
		io=$(jget .io port show "t$x$S")
		[ "$io" = "$mode" ] || fail "port show t$x$S says io '$io', not '$mode'"
	done
	log "taps use $mode"
	ip -n "a$S" link set "ta$S" up
	ip -n "b$S" link set "tb$S" up

	frames "a$S" "ta$S" "b$S" "tb$S" 6000
	set -- $(counters "ta$S")
	[ "$1" = 6000 ] || fail "ta$S received $1 frames, 6000 sent"
	set -- $(counters "tb$S")
	[ "$2" = 6000 ] && [ "$3" = 0 ] ||
		fail "tb$S sent $2 frames, dropped $3; 6000 expected, no drop"

	# Super-frames both ways and an intact file (64 KB receive buffers).
	addr "a$S" "ta$S" 10.203.$N.11/24
	addr "b$S" "tb$S" 10.203.$N.12/24
	head -c 8M /dev/urandom >"$T/file"
	tcp_copy "a$S" "b$S" 10.203.$N.12 5911 "$T/file" "$T/recv"
	whole=$(jget '.superframes_sent_whole' port show "tb$S")
	[ "$whole" -gt 0 ] || fail "no super-frame reached b whole"

	# The receiving tap deleted under a stream: vnetd marks it down and
	# makes it again, and no frame is lost without a name.
	ip netns exec "a$S" $PY - "ta$S" <<'PY' &
import socket, sys, time
tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
tx.bind((sys.argv[1], 0))
f = bytes.fromhex("ffffffffffff027600000c01") + b"\x88\xb6" + bytes(50)
end = time.monotonic() + 1.5
while time.monotonic() < end:
    for _ in range(32):
        tx.send(f)
    time.sleep(0.0005)
PY
	spid=$!
	PIDS="$PIDS $spid"
	sleep 0.5
	ip -n "b$S" link del "tb$S" || fail "cannot delete tb$S"
	wait "$spid"
	# (A tap's device that goes is made again: t_tap_remake.)
	made_again() {
		[ "$(jget .state port show "tb$S")" = up ] &&
			ip -n "b$S" link show "tb$S" >/dev/null 2>&1
	}
	wait_for 5 made_again || fail "tb$S not made again after its device went"
	# Each frame vnetd received went to the other tap once or was
	# dropped once, under one name, on its way out of the other tap (a
	# frame flooded to the down tap counts port_down there, not no_ports
	# on the tap it came from as well).
	set -- $(counters "ta$S") $(counters "tb$S")
	log "after the delete: rx $1 + $4, tx $2 + $5, dropped $3 + $6"
	[ $(($1 + $4)) -eq $(($2 + $5 + $3 + $6)) ] ||
		fail "frames received ($1 + $4) != sent ($2 + $5) + dropped ($3 + $6)"
	# A deleted port's tap goes at once (its rings let go of it too).
	vnetctl port del "ta$S" >/dev/null || fail "port del"
	! ip -n "a$S" link show "ta$S" >/dev/null 2>&1 ||
		fail "tap ta$S left behind after port del"
	stop_vnetd
	for x in a b; do ip netns del "$x$S"; done
	NETNS=""
	rm -f "$T/state.db" # the next run starts afresh
}

run io_uring
ALLOW_LOG='.' # the deleted tap's warnings
run readv --no-io-uring
grep -q "taps use readv/writev.*turned off" "$T/vnetd.log" ||
	fail "no INFO line saying io_uring is off"
VNETD_IO_URING=0 start_vnetd
vnetctl network create "in$S" --type private >/dev/null || fail "create"
vnetctl port add "in$S" --tap "tc$S" >/dev/null || fail "tap c"
[ "$(jget .io port show "tc$S")" = readv ] ||
	fail "VNETD_IO_URING=0 did not keep the tap off io_uring"
pass
