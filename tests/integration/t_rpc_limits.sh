# The control socket's limits, as a client meets them: a client that
# half-closes after its requests gets every reply whole; one that pipelines
# requests without reading the replies makes vnetd stop reading it, not
# grow; clients trickling partial requests into every slot lock nobody out
# and are closed, told why, when a request is not whole within 10 s; when
# every slot is owed a reply, a new client is told so.
# vnet-test: long
. "$(dirname "$0")/lib.sh"
need_root
start_vnetd

# A configuration whose export is larger than a socket buffer: a network
# with $RES DHCP reservations (long host names), imported in one request.
RES=3000
big_config "rl$S" "$RES" 172.30 >"$T/big.json"
vnetctl config import "$T/big.json" >"$T/out" 2>&1 || fail "import: $(cat "$T/out")"

# 1. Half-close: two requests (the last without its newline), shutdown
#    (SHUT_WR) as socat and nc -N do, read only after 0.5 s: both replies
#    come whole, then vnetd closes.
"$PY" - "$T/sock" >"$T/half.out" 2>&1 <<'PY'
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b'{"jsonrpc":"2.0","id":1,"method":"config.export"}\n'
          b'{"jsonrpc":"2.0","id":2,"method":"daemon.status"}')
s.shutdown(socket.SHUT_WR)
time.sleep(0.5)
s.settimeout(5)
data = b""
while True:
    b = s.recv(1 << 16)
    if not b:
        break
    data += b
print("bytes", len(data), "newline-terminated", data.endswith(b"\n"))
lines = data.split(b"\n")[:-1]
r = [json.loads(l) for l in lines]
print("ids", [x["id"] for x in r])
print("reservations", len(r[0]["result"]["reservations"]))
PY
grep -q "newline-terminated True" "$T/half.out" &&
	grep -q "ids \[1, 2\]" "$T/half.out" &&
	grep -q "reservations $RES\$" "$T/half.out" ||
	fail "half-closed client: $(cat "$T/half.out")"
log "half-closed client: $(head -1 "$T/half.out"), both replies"
# 2. 300 config.export requests in one write (16 KB), replies not read for
#    2 s: vnetd answers up to its output limit (4 MiB) and stops reading
#    (the old way: 300 replies queued at once, over 150 MB), then serves
#    the rest as the client reads.
rss0=$(awk '/VmRSS/ {print $2}' /proc/"$VNETD_PID"/status)
: >"$T/pipe.out"
"$PY" - "$T/sock" "$T/pipe.go" >"$T/pipe.out" 2>&1 <<'PY' &
import json, os, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b'{"jsonrpc":"2.0","id":1,"method":"config.export"}\n' * 300)
print("sent", flush=True)
while not os.path.exists(sys.argv[2]):
    time.sleep(0.05)
s.settimeout(10)
size, n = 0, 0
while n < 300:
    b = s.recv(1 << 20)
    if not b:
        break
    n += b.count(b"\n")
    size += len(b)
print("replies", n, "bytes", size, flush=True)
PY
PIPE=$!
PIDS="$PIDS $PIPE"
wait_for 5 grep -q sent "$T/pipe.out" || fail "pipelining client: $(cat "$T/pipe.out")"
sleep 2
rss=$(awk '/VmRSS/ {print $2}' /proc/"$VNETD_PID"/status)
touch "$T/pipe.go"
wait $PIPE
grep -q "replies 300 " "$T/pipe.out" || fail "pipelining client: $(cat "$T/pipe.out")"
[ $((rss - rss0)) -lt 40000 ] ||
	fail "vnetd grew by $((rss - rss0)) kB with 300 replies unread"
log "300 pipelined exports, unread for 2 s: vnetd grew by $((rss - rss0)) kB;" \
	"then $(tail -1 "$T/pipe.out")"
# 3. 64 clients each hold a partial request and trickle a space every
#    second: vnetctl still gets in (the oldest is closed and told why), and
#    the rest are closed, and told why, 10 s after their first byte.
: >"$T/trickle.out"
"$PY" - "$T/sock" >"$T/trickle.out" 2>&1 <<'PY' &
import select, socket, sys, time
conns = []
for i in range(64):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.sendall(b'{"jsonrpc":"2.0",')
    conns.append(s)
    time.sleep(0.005)
print("open", len(conns), flush=True)
t0 = time.time()
told, closed = {}, {}
while time.time() - t0 < 14 and len(closed) < 64:
    for i, s in enumerate(conns):
        if i not in closed:
            try:
                s.send(b" ")
            except OSError:
                pass
    end = time.time() + 1
    while time.time() < end and len(closed) < 64:
        live = [s for i, s in enumerate(conns) if i not in closed]
        r, _, _ = select.select(live, [], [], max(0, end - time.time()))
        for s in r:
            i = conns.index(s)
            try:
                b = s.recv(4096)
            except OSError:
                b = b""
            told[i] = told.get(i, b"") + b
            if not b:
                closed[i] = time.time() - t0
late = sorted(t for i, t in closed.items() if i != 0)
print("first closed", round(closed.get(0, -1), 1), "told", told.get(0, b"").decode().strip())
print("others closed", len(late), "between", round(late[0], 1) if late else -1,
      "and", round(late[-1], 1) if late else -1, "s")
print("others told", sorted({v.decode().strip() for i, v in told.items() if i}))
PY
TRICKLE=$!
PIDS="$PIDS $TRICKLE"
wait_for 5 grep -q "open 64" "$T/trickle.out" || fail "trickling clients: $(cat "$T/trickle.out")"
sleep 1.5
vnetctl network list >"$T/out" 2>&1 || fail "vnetctl locked out by 64 partial requests: $(cat "$T/out")"
wait $TRICKLE
grep -q "first closed .* told .*closed to admit another client" "$T/trickle.out" ||
	fail "evicted client not told why: $(cat "$T/trickle.out")"
grep -Eq "others closed 63 between (9|10)\.[0-9] and 1[0-2]\.[0-9] s" "$T/trickle.out" ||
	fail "partial requests not cut at 10 s: $(cat "$T/trickle.out")"
grep -q "others told .*request incomplete after 10 s" "$T/trickle.out" ||
	fail "slow clients not told why: $(cat "$T/trickle.out")"
log "64 trickling clients: vnetctl got in; $(sed -n 2,3p "$T/trickle.out" | tr '\n' ' ')"

# 4. 64 clients each owed a reply they do not read: no slot can be freed,
#    and a new client is told so instead of being cut off in silence.
: >"$T/busy.out"
"$PY" - "$T/sock" "$T/busy.go" >"$T/busy.out" 2>&1 <<'PY' &
import os, socket, sys, time
conns = []
for i in range(64):
    s = socket.socket(socket.AF_UNIX)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(sys.argv[1])
    s.sendall(b'{"jsonrpc":"2.0","id":1,"method":"config.export"}\n')
    conns.append(s)
for s in conns:  # each is owed the rest of a reply once its first bytes come
    s.settimeout(10)
    s.recv(1, socket.MSG_PEEK)
print("busy", len(conns), flush=True)
while not os.path.exists(sys.argv[2]):
    time.sleep(0.05)
PY
BUSY=$!
PIDS="$PIDS $BUSY"
wait_for 10 grep -q "busy 64" "$T/busy.out" || fail "busy clients: $(cat "$T/busy.out")"
vnetctl status >"$T/out" 2>&1 && fail "a 65th client was let in past 64 busy ones"
touch "$T/busy.go"
wait $BUSY
grep -q "too many control connections: all 64 are receiving replies" "$T/out" ||
	fail "65th client not told why: $(cat "$T/out")"
log "65th client next to 64 busy ones: $(cat "$T/out")"
jget .control_clients_closed status >"$T/closed"
jq -e '.evicted >= 1 and .slow_request == 63 and .full == 1' "$T/closed" \
	>/dev/null || fail "counters: $(cat "$T/closed")"
ALLOW_LOG='closing the longest idle|request incomplete after|too many control connections'
pass
