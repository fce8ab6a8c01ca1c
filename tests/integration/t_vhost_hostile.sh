# vhost-user: hostile frontends cannot hold vnetd's control thread.
# (a) While one frontend keeps sending a header and withholding the payload
#     and another trickles bytes one at a time, a good frontend on a third
#     port completes its handshake and `vnetctl network list` answers, each
#     within 100 ms, round after round; the stalled frontends are dropped
#     about 1 s after their first byte.
# (b) A frontend that passes its own socket as a call fd is refused at
#     once; the port takes a good frontend right after, and a client-mode
#     port reconnects.  A frontend that never reads its replies is dropped.
# (c) Every drop is logged with the port and the reason; vnetd stays up and
#     logs nothing else at warn or above.
# vnet-test: alone
. "$(dirname "$0")/lib.sh"
need_root
[ -x "$PY" ] || PY=$(command -v python3) || skip "python3 not installed"
start_vnetd
PEER=$(readlink -f "$BUILD/vnet-vu-peer")
NET="hx$S"
vnetctl network create "$NET" --type private >/dev/null || fail "network"
for p in hw ht good hc hr; do
	vnetctl port add "$NET" --vhost-user "$T/$p.sock" >/dev/null ||
		fail "port $p"
done

# Raw frontends, each doing one wrong thing over and over.
cat >"$T/hostile.py" <<'EOF'
import os, socket, struct, sys, time
SET_VRING_ADDR, SET_VRING_CALL, GET_FEATURES = 9, 13, 1

def connect(path):
    for _ in range(100):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            time.sleep(0.05)
    sys.exit("cannot connect to " + path)

def closed_within(s, secs):
    """Seconds until the backend closed the connection, or None."""
    t0 = time.monotonic()
    s.settimeout(secs)
    try:
        while s.recv(4096):
            pass
    except socket.timeout:
        return None
    except OSError:
        pass
    return time.monotonic() - t0

hdr = lambda req, size: struct.pack("<III", req, 1, size)
mode, path = sys.argv[1], sys.argv[2]

if mode == "withhold":  # a header, then nothing; again and again
    end = time.monotonic() + float(sys.argv[3])
    while time.monotonic() < end:
        s = connect(path)
        s.send(hdr(SET_VRING_ADDR, 40))
        print("dropped after %.3f s" % (closed_within(s, 5) or 99), flush=True)
        s.close()
elif mode == "trickle":  # one byte of a 52-byte message every 30 ms
    end = time.monotonic() + float(sys.argv[3])
    msg = hdr(SET_VRING_ADDR, 40) + bytes(40)
    while time.monotonic() < end:
        s = connect(path)
        t0 = time.monotonic()
        try:
            for b in msg:
                s.send(bytes([b]))
                time.sleep(0.03)
            print("never dropped", flush=True)
        except OSError:
            print("dropped after %.3f s" % (time.monotonic() - t0), flush=True)
        s.close()
elif mode == "noread":  # asks and asks, never reads an answer
    s = connect(path)
    s.settimeout(5)
    try:
        for _ in range(200):
            s.send(hdr(GET_FEATURES, 0) * 500)
        sys.exit("backend kept answering")
    except OSError:
        print("dropped", flush=True)
elif mode in ("callsock", "callsock-server"):
    if mode == "callsock":
        s = connect(path)
    else:  # client-mode port: we listen, vnetd connects
        ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        ls.bind(path)
        ls.listen(4)
        ls.settimeout(10)
        s, _ = ls.accept()
    # SET_VRING_CALL for queue 0 whose "eventfd" is this very socket.
    socket.send_fds(s, [hdr(SET_VRING_CALL, 8) + struct.pack("<Q", 0)],
                    [s.fileno()])
    t = closed_within(s, 3)
    if t is None:
        sys.exit("backend kept the connection")
    print("refused after %.3f s" % t, flush=True)
    s.close()
    if mode == "callsock-server":
        t0 = time.monotonic()
        s, _ = ls.accept()  # the reconnect
        s.settimeout(3)
        s.send(hdr(GET_FEATURES, 0))
        r = s.recv(20)
        if len(r) != 20 or struct.unpack("<III", r[:12])[0] != GET_FEATURES:
            sys.exit("no answer after the reconnect: %r" % r)
        print("reconnected after %.3f s" % (time.monotonic() - t0), flush=True)
        s.close()
        ls.close()
        os.unlink(path)
EOF

# (a) a good frontend and the CLI keep their pace while two ports misbehave.
# The machine is shared (and an ASan build starts each process slowly): the
# timed commands and vnetd run at a higher priority, and each round takes
# the better of two tries.  A frontend that held the control thread would
# hold it for both (the hostile ones reconnect at once); a CPU hiccup seldom
# hits both.  The handshake is also timed inside the peer (connect to last
# reply), which no process start-up inflates: every one must be fast.
for tid in /proc/"$VNETD_PID"/task/*; do renice -n -10 -p "${tid##*/}" >/dev/null; done
hs_ms() { # good handshake: prints "external-ms internal-us"
	t0=$(date +%s%N)
	o=$(nice -n -10 "$PEER" handshake "$T/good.sock") || fail "good frontend: $o"
	t1=$(date +%s%N)
	o=${o#handshake }
	echo "$(((t1 - t0) / 1000000)) ${o% us}"
}
cli_ms() {
	t0=$(date +%s%N)
	nice -n -10 "$VNETCTL_BIN" --socket "$T/sock" network list >/dev/null ||
		fail "network list"
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}
min() { [ "$1" -lt "$2" ] && echo "$1" || echo "$2"; }
# One round first, unmeasured and alone: the good port works, binaries warm.
hs_ms >/dev/null
"$PY" "$T/hostile.py" withhold "$T/hw.sock" 60 >"$T/hw.out" 2>&1 &
hw=$!
"$PY" "$T/hostile.py" trickle "$T/ht.sock" 60 >"$T/ht.out" 2>&1 &
ht=$!
PIDS="$PIDS $hw $ht"
sleep 0.5
max_hs=0 max_cli=0 max_int=0 all=""
for round in 1 2 3 4 5 6 7 8 9 10; do
	set -- $(hs_ms) $(hs_ms) $(cli_ms) $(cli_ms)
	hs=$(min "$1" "$3")
	cli=$(min "$5" "$6")
	int=$((($2 > $4 ? $2 : $4) / 1000))
	all="$all $1,$3/$5,$6"
	[ "$hs" -gt $max_hs ] && max_hs=$hs
	[ "$cli" -gt $max_cli ] && max_cli=$cli
	[ $int -gt $max_int ] && max_int=$int
	sleep 0.$((round * 7 % 10))
done
log "ms per round (handshake tries / network-list tries):$all"
log "max: handshake $max_hs ms (inside the peer $max_int ms), network list $max_cli ms"
[ $max_int -lt 100 ] || fail "a good handshake took $max_int ms inside the peer"
[ $max_hs -lt 100 ] || fail "a good handshake took $max_hs ms (rounds:$all)"
[ $max_cli -lt 100 ] || fail "vnetctl network list took $max_cli ms (rounds:$all)"
jget .last_error port show hw | grep -q "SET_VRING_ADDR, then nothing for" ||
	fail "last_error: $(jget .last_error port show hw)"
kill $hw $ht
wait $hw $ht 2>/dev/null
[ "$(grep -c dropped "$T/hw.out")" -ge 3 ] ||
	fail "withholding frontend: $(cat "$T/hw.out")"
[ "$(grep -c dropped "$T/ht.out")" -ge 3 ] ||
	fail "trickling frontend: $(cat "$T/ht.out")"
log "withholding frontend: $(sort "$T/hw.out" | uniq -c | head -3 | tr -s ' \n' ' ')"
log "trickling frontend: $(sort "$T/ht.out" | uniq -c | head -3 | tr -s ' \n' ' ')"
grep -q never "$T/ht.out" && fail "a trickling frontend was never dropped"
# Dropped about 1 s after the first byte: not at once, not after seconds.
awk '/dropped/ { if ($3 < 0.9 || $3 > 1.5) bad = bad " " $3; n++ }
     END { if (!n || bad) { print "drop times:" bad; exit 1 } }' \
	"$T/hw.out" "$T/ht.out" || fail "stalled frontends not dropped at 1 s"
[ "$(jget .disconnects port show hw)" -ge 3 ] || fail "disconnects not counted"

# (b) its own socket as a call fd: refused, the port is free right after.
out=$("$PY" "$T/hostile.py" callsock "$T/hc.sock") || fail "callsock: $out"
log "own socket as call fd: $out"
[ "$(jget .connected port show hc)" = false ] || fail "hc still connected"
out=$("$PEER" handshake "$T/hc.sock") || fail "hc unusable afterwards: $out"
log "good frontend on the same port right after: $out"
out=$("$PY" "$T/hostile.py" noread "$T/hr.sock") || fail "noread: $out"
out=$("$PEER" handshake "$T/hr.sock") || fail "hr unusable afterwards: $out"
log "a frontend that does not read its replies: dropped"
# A client-mode port: vnetd connects to the frontend and reconnects after
# refusing it.
"$PY" "$T/hostile.py" callsock-server "$T/cl.sock" >"$T/cl.out" 2>&1 &
cl=$!
PIDS="$PIDS $cl"
sleep 0.2
vnetctl port add "$NET" --vhost-user "$T/cl.sock" --client >/dev/null ||
	fail "client port"
wait $cl || fail "client-mode port: $(cat "$T/cl.out")"
log "client-mode port: $(tr '\n' ' ' <"$T/cl.out")"

# (c) each drop was logged with its port and reason.
L="$T/vnetd.log"
grep -q 'hw: frontend disconnected: sent 12 of 52 bytes of SET_VRING_ADDR, then nothing for 1[0-9][0-9][0-9] ms' "$L" ||
	fail "no log line for the withholding frontend"
grep -q 'ht: frontend disconnected: sent only [0-9]* of 52 bytes of SET_VRING_ADDR in 1[0-9][0-9][0-9] ms (trickling' "$L" ||
	fail "no log line for the trickling frontend"
grep -q 'hc: frontend disconnected: SET_VRING_CALL for queue 0: the fd is not an eventfd (socket:' "$L" ||
	fail "no log line for the socket as call fd (server)"
grep -q 'cl: frontend disconnected: SET_VRING_CALL for queue 0: the fd is not an eventfd (socket:' "$L" ||
	fail "no log line for the socket as call fd (client)"
grep -q 'hr: frontend disconnected: does not read its replies' "$L" ||
	fail "no log line for the frontend that does not read"
grep -q 'EAGAIN\|temporarily unavailable' "$L" && fail "a bare EAGAIN in the log"
kill -0 "$VNETD_PID" || fail "vnetd died"
# (the hostile ones are killed at the end, maybe mid-message: "closed the
# connection after 12 of 52 bytes of SET_VRING_ADDR")
ALLOW_LOG='msg="(hw|ht): frontend disconnected: (sent (12 of 52 bytes of SET_VRING_ADDR, then nothing for|only [0-9]+ of 52 bytes of SET_VRING_ADDR in) [0-9]+ ms|closed the connection after [0-9]+ of (the 12 header bytes|52 bytes of SET_VRING_ADDR)")|msg="(hc|cl): frontend disconnected: SET_VRING_CALL for queue 0: the fd is not an eventfd \(socket:\[[0-9]+\]\)"|msg="hr: frontend disconnected: does not read its replies \(socket buffer full at the reply to GET_FEATURES\)"|msg="(hw|ht): [0-9]+ similar messages suppressed"'
pass
