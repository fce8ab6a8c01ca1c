# Requests being received share one budget of buffers: eight clients each
# sending 15 MiB of a request without its newline make vnetd hold at most
# 64 MiB for them (plus 64 KiB a connection), not 120; those that do not
# fit are told why and closed, counted; an ordinary request still goes
# through meanwhile, and the buffers are given back when the clients leave.
. "$(dirname "$0")/lib.sh"
need_root
start_vnetd
ALLOW_LOG='would take request buffers past 64 MiB'
rss0=$(awk '/VmRSS/ {print $2}' /proc/"$VNETD_PID"/status)

"$PY" - "$T/sock" "$T/sig" >"$T/big.out" 2>&1 <<'PY' &
import os, socket, sys, time
conns, told = [], []

def answer(s):
    # What vnetd said before it closed (a reset may follow the answer).
    data = b""
    try:
        for b in iter(lambda: s.recv(65536), b""):
            data += b
    except OSError:
        pass
    return data.decode().strip()

head = b'{"jsonrpc":"2.0","id":1,"method":"config.import","params":{"pad":"'
for i in range(8):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.settimeout(5)
    try:
        s.sendall(head + b"a" * (15 << 20))
        conns.append(s)
        continue
    except OSError:
        pass
    told.append(answer(s))
    s.close()
print("held %d" % len(conns))
for t in told:
    print(t)
sys.stdout.flush()
open(sys.argv[2], "w").close()
while os.path.exists(sys.argv[2]):
    time.sleep(0.05)
PY
PYPID=$!
PIDS="$PIDS $PYPID"
wait_for 20 test -e "$T/sig" || fail "the clients did not finish sending: $(cat "$T/big.out")"
grep -qx "held 4" "$T/big.out" || fail "not 4 clients held: $(cat "$T/big.out")"
[ "$(grep -c 'hold vnetd.s 64 MiB for them' "$T/big.out")" = 4 ] ||
	fail "the others not told why: $(cat "$T/big.out")"
held=$(jget .control_request_buffers status)
[ "$held" -le $((64 << 20)) ] && [ "$held" -gt $((60 << 20)) ] ||
	fail "request buffers counted: $held"
[ "$(jget .control_clients_closed.over_budget status)" = 4 ] || fail "over_budget not counted"
rss=$(awk '/VmRSS/ {print $2}' /proc/"$VNETD_PID"/status)
# (A sanitizer keeps freed memory in quarantine: the count above holds.)
case "$BUILD" in
*asan* | *tsan*) ;;
*) [ $((rss - rss0)) -lt $((80 << 10)) ] || fail "vnetd grew by $((rss - rss0)) KiB" ;;
esac
log "4 clients hold $held bytes, vnetd grew by $((rss - rss0)) KiB; 4 told: $(sed -n 2p "$T/big.out" | jq -r .error.message)"

rm -f "$T/sig"
wait "$PYPID"
wait_for 5 sh -c "[ \"\$(\"$VNETCTL_BIN\" --socket \"$T/sock\" --json status | jq .control_request_buffers)\" = 0 ]" ||
	fail "buffers not given back: $(jget .control_request_buffers status)"
log "the clients gone, no request buffer is held"
pass
