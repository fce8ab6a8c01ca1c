# Replies not yet read share one budget: 24 clients each pipeline 16
# config exports (about 530 KB each) and read nothing, which would make
# vnetd hold about 24 x 4 MiB; it holds at most 64 MiB of replies (plus
# one reply) and answers a long reply past that with an error saying so,
# counted, while a short one (status) still goes through.  Once the clients
# read, each gets 16 answers in order, every one whole, and exports work
# again.
# vnet-test: long
. "$(dirname "$0")/lib.sh"
need_root
start_vnetd
ALLOW_LOG="replies not yet read hold vnetd's 64 MiB"
RES=3000
big_config "rb$S" "$RES" 172.31 >"$T/big.json"
vnetctl config import "$T/big.json" >"$T/out" 2>&1 || fail "import: $(cat "$T/out")"
size=$(vnetctl --json config export | wc -c)
log "one export: $size bytes"

"$PY" - "$T/sock" "$T/go" >"$T/pipe.out" 2>&1 <<'PY' &
import json, os, socket, sys, time
req = b''.join(b'{"jsonrpc":"2.0","id":%d,"method":"config.export"}\n' % i
               for i in range(1, 17))
conns = []
for i in range(24):
    s = socket.socket(socket.AF_UNIX)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(sys.argv[1])
    s.sendall(req)
    conns.append(s)
print("sent", flush=True)
while not os.path.exists(sys.argv[2]):
    time.sleep(0.05)
ok = busy = bad = 0
for s in conns:
    s.settimeout(20)
    data = b""
    while data.count(b"\n") < 16:
        b = s.recv(1 << 20)
        if not b:
            break
        data += b
    ids = []
    for line in data.split(b"\n")[:-1]:
        r = json.loads(line)
        ids.append(r["id"])
        if "result" in r and len(r["result"]["reservations"]) == 3000:
            ok += 1
        elif r.get("error", {}).get("code") == -32003:
            busy += 1
        else:
            bad += 1
    if ids != list(range(1, 17)):
        print("ids out of order or missing:", ids, flush=True)
        bad += 1
print("ok", ok, "busy", busy, "bad", bad, flush=True)
PY
PIPE=$!
PIDS="$PIDS $PIPE"
wait_for 10 grep -q sent "$T/pipe.out" || fail "clients: $(cat "$T/pipe.out")"
# Wait for vnetd to have answered what it will.
prev=-1
for _ in $(seq 40); do
	held=$(jget .control_reply_buffers status)
	[ "$held" = "$prev" ] && break
	prev=$held
	sleep 0.25
done
log "replies held for the 24 clients: $held bytes"
[ "$held" -le $(((64 << 20) + size + 65536)) ] ||
	fail "vnetd holds $held bytes of replies, over its 64 MiB"
[ "$held" -gt $((48 << 20)) ] || fail "only $held bytes of replies held: no budget reached"
vnetctl status >/dev/null 2>&1 || fail "status refused next to the unread replies"
out=$(vnetctl config export 2>&1) && fail "a long reply sent past the budget"
echo "$out" | grep -q "hold vnetd's 64 MiB for them" ||
	fail "unclear refusal of an export: $out"
log "an export meanwhile: $out"
touch "$T/go"
wait $PIPE
log "the clients read: $(tail -1 "$T/pipe.out")"
grep -q "bad 0" "$T/pipe.out" || fail "replies: $(cat "$T/pipe.out")"
grep -q "^ok [1-9]" "$T/pipe.out" || fail "replies: $(cat "$T/pipe.out")"
[ "$(jget .control_clients_closed.reply_over_budget status)" -ge 1 ] ||
	fail "reply_over_budget not counted"
wait_for 5 sh -c "\"$VNETCTL_BIN\" --socket \"$T/sock\" config export >/dev/null 2>&1" ||
	fail "exports do not work again after the clients read"
[ "$(jget .control_reply_buffers status)" -lt 65536 ] ||
	fail "reply buffers not given back"
pass
