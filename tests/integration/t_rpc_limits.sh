# The control socket's limits, as a client meets them: a client that
# half-closes after its requests gets every reply whole.
. "$(dirname "$0")/lib.sh"
need_root
start_vnetd

# A configuration whose export is larger than a socket buffer: a network
# with $RES DHCP reservations (long host names), imported in one request.
RES=3000
"$PY" - "$RES" "rl$S" >"$T/big.json" <<'PY'
import json, sys
n, net = int(sys.argv[1]), sys.argv[2]
res = [{"network": net, "mac": "02:00:%02x:%02x:%02x:%02x" % (i >> 24 & 255, i >> 16 & 255, i >> 8 & 255, i & 255),
        "ip": "172.30.%d.%d" % (i // 250, i % 250 + 2),
        "hostname": "h%06d-" % i + "x" * 55} for i in range(n)]
print(json.dumps({"version": 2, "networks": [{"name": net, "type": "private",
      "subnet": "172.30.0.0/16", "dhcp": True}], "reservations": res}))
PY
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
pass
