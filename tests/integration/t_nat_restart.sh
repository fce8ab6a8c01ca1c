# vnet-test: idle
# vnet-test: no-sanitizer a 16 s stream by design; the kept table's attach after a restart runs under the sanitizers in t_nat_dhcp, t_nat_forward and test_nat_table
# NAT connections survive a crash: an iperf3 -t 16 TCP stream (paced at
# 200 Mbit/s, so the test runs beside others), a bulk TCP
# stream whose bytes are counted and hashed at both ends, and a long
# interactive TCP session (a line echoed every 0.2 s) from a VM namespace go
# through the NAT gateway to an "outside" namespace; vnetd is killed with
# SIGKILL at t=5 s and started again.  The connection table lives in the
# run directory's nat-NET.tbl, so the new vnetd attaches it: no connection
# is reset, every echo comes back, the bulk stream's count and SHA-256
# match, and iperf3's receiver got what its sender wrote (less what the
# sender's socket buffer still held at the 16 s mark).  A damaged table file
# is reported and discarded.
. "$(dirname "$0")/lib.sh"
need_root
D=$(readlink -f "$(dirname "$0")/dhcp")
command -v busybox >/dev/null || skip "busybox (package busybox-static) not installed"
command -v iperf3 >/dev/null || skip "iperf3 not installed"
ALLOW_LOG='NAT table .* discarded: not a NAT table|NAT not started'
start_vnetd
X="ex$S" L="lb$S"
OUT=10.218.0.1 NATIP=10.218.0.2
ns "o$S"
ns "a$S"
veth "u$S" "p$S" "o$S"
addr "o$S" "p$S" $OUT/24
vnetctl network create "$X" --type external >/dev/null || fail "create $X"
vnetctl port add "$X" --uplink "u$S" >/dev/null || fail "uplink"
vnetctl network create "$L" --type private --subnet 10.219.0.0/24 --dhcp \
	--nat-via "$X" --nat-address $NATIP/24 >/dev/null || fail "create $L"
vnetctl port add "$L" --tap "ta$S" --netns "a$S" >/dev/null || fail "port"
DHCP_ENV="$T/a.env" ip netns exec "a$S" busybox udhcpc -i "ta$S" \
	-s "$D/udhcpc.sh" -q -n -t 5 -T 1 >/dev/null 2>&1 || fail "no lease"
[ -f "$T/nat-$L.tbl" ] || fail "no table file in the run directory"

ip netns exec "o$S" iperf3 -s -1 -B $OUT -p 5201 >/dev/null 2>&1 &
PIDS="$PIDS $!"
cat >"$T/echo.py" <<'PY'
import hashlib, os, socket, sys, threading, time
def sink(c):
    h, n = hashlib.sha256(), 0
    while True:
        d = c.recv(65536)
        if not d:
            break
        h.update(d); n += len(d)
    c.sendall(b"%d %s\n" % (n, h.hexdigest().encode()))
    c.close()
if sys.argv[1] == "sink":
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[2], 7001)); s.listen(1)
    print("ready", flush=True)
    sink(s.accept()[0])
    sys.exit(0)
if sys.argv[1] == "source":
    c = socket.create_connection((sys.argv[2], 7001), timeout=30)
    h, n, end = hashlib.sha256(), 0, time.time() + float(sys.argv[3])
    blk = os.urandom(65536)
    while time.time() < end:
        c.sendall(blk); h.update(blk); n += len(blk)
        time.sleep(0.01)
    c.shutdown(socket.SHUT_WR)
    got = c.makefile("rb").readline().decode().split()
    want = [str(n), h.hexdigest()]
    print("sent %d bytes, sink got %s" % (n, got[0] if got else "nothing"))
    sys.exit(0 if got == want else 1)
if sys.argv[1] == "server":
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[2], 7000)); s.listen(1)
    print("ready", flush=True)
    c, a = s.accept()
    while True:
        d = c.recv(4096)
        if not d:
            break
        c.sendall(d)
    sys.exit(0)
# client: one connection, a line every 0.2 s for N seconds, each echoed
c = socket.create_connection((sys.argv[2], 7000), timeout=30)
end, n = time.time() + float(sys.argv[3]), 0
f = c.makefile("rb")
while time.time() < end:
    line = b"line %d\n" % n
    c.sendall(line)
    if f.readline() != line:
        print("lost", n); sys.exit(1)
    n += 1
    time.sleep(0.2)
c.close()
print("echoed", n)
PY
ip netns exec "o$S" "$PY" "$T/echo.py" server $OUT >"$T/srv.log" 2>&1 &
PIDS="$PIDS $!"
ip netns exec "o$S" "$PY" "$T/echo.py" sink $OUT >"$T/sink.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 30); do
	grep -q ready "$T/srv.log" && grep -q ready "$T/sink.log" && break
	sleep 0.1
done
ip netns exec "a$S" "$PY" "$T/echo.py" client $OUT 13 >"$T/echo.log" 2>&1 &
ECHO=$!
ip netns exec "a$S" "$PY" "$T/echo.py" source $OUT 13 >"$T/bulk.log" 2>&1 &
BULK=$!
ip netns exec "a$S" iperf3 -c $OUT -p 5201 -t 16 -b 200M -J >"$T/iperf.json" 2>&1 &
IPERF=$!
PIDS="$PIDS $ECHO $BULK $IPERF"
sleep 5
n=$(vnetctl --json nat sessions "$L" | jq '[.sessions[] | select(.kind == "session" and .state == "established")] | length')
[ "$n" -ge 4 ] || fail "only $n established sessions before the crash"
kill9_vnetd
log "vnetd killed with SIGKILL at t=5 s ($n established sessions)"
sleep 1
start_vnetd
grep -q "NAT table attached: [1-9][0-9]* entries kept" "$T/vnetd.log" ||
	fail "the table was not attached again"
log "restarted: $(grep -o 'NAT table attached.*discarded' "$T/vnetd.log")"
wait $ECHO || fail "the interactive session broke: $(cat "$T/echo.log")"
log "interactive session: $(cat "$T/echo.log"), none lost"
wait $BULK || fail "bulk stream: $(cat "$T/bulk.log")"
log "bulk stream: $(cat "$T/bulk.log"), SHA-256 equal"
wait $IPERF
jq -e '.error' "$T/iperf.json" >/dev/null 2>&1 &&
	fail "iperf3: $(jq -r .error "$T/iperf.json")"
sent=$(jq '.end.sum_sent.bytes' "$T/iperf.json")
recv=$(jq '.end.sum_received.bytes' "$T/iperf.json")
# What the receiver lacks can only be what sat in the sender's socket
# buffer when the 16 s ended (tcp_wmem's maximum: 4 MB).
[ "${sent:-0}" -gt 0 ] && [ "$recv" -le "$sent" ] &&
	[ $((sent - recv)) -le 4194304 ] ||
	fail "iperf3 sent $sent bytes, the outside received $recv"
log "iperf3 -t 16 across the crash: $sent bytes sent, $recv received"

# A damaged table is reported and discarded, never trusted.
stop_vnetd
printf 'garbage' | dd of="$T/nat-$L.tbl" bs=1 seek=0 conv=notrunc 2>/dev/null
start_vnetd
grep -q "NAT table .* discarded: not a NAT table" "$T/vnetd.log" ||
	fail "a damaged table was not reported"
pings "a$S" $OUT
log "damaged table discarded, NAT works on a fresh one"

# A NAT that cannot start at restore (its table file unusable) leaves the
# gateway serving, says why in "network show", and is tried again until it
# starts (1 s, then twice as long each time), logged once.
stop_vnetd
rm -f "$T/nat-$L.tbl" && mkdir "$T/nat-$L.tbl"
start_vnetd
jget .nat_error network show "$L" | grep -q "NAT table" ||
	fail "no NAT error shown: $(vnetctl --json network show "$L")"
pings "a$S" 10.219.0.1
log "NAT table unusable: gateway serves, error shown"
sleep 1.5 # a try again fails meanwhile (not logged)
rmdir "$T/nat-$L.tbl"
nat_up() { [ "$(jget .nat_error network show "$L")" = null ]; }
wait_for 15 nat_up || fail "NAT not started again: $(vnetctl --json network show "$L")"
grep -q "network $L: NAT started" "$T/vnetd.log" || fail "no 'NAT started'"
[ "$(grep -c "network $L: NAT not started" "$T/vnetd.log")" = 1 ] ||
	fail "NAT failure logged $(grep -c "network $L: NAT not started" "$T/vnetd.log") times"
pings "a$S" $OUT
log "NAT started by itself once its table could be made"
stop_vnetd
start_vnetd
[ "$(jget .nat_error network show "$L")" = null ] || fail "NAT error stuck"
pings "a$S" $OUT
vnetctl network delete "$L" --force >/dev/null || fail "delete $L"
[ -e "$T/nat-$L.tbl" ] && fail "the table file outlived its network"
log "network deleted: its table file too"
pass
