# The NAT's quota per inside address: with --nat-sessions-per-ip 10, one
# namespace opens 12 UDP flows (each from its own port: a mapping and a
# session, two entries) to an outside echo server and gets 5 answered; the rest are dropped under
# "quota" (network show, the metrics) with a log line naming its address.
# Its flows in place still work, and another namespace opens its own.
# Raised live (network set), the namespace opens new flows again; unset,
# it is back to the default.
. "$(dirname "$0")/lib.sh"
need_root
MPORT=$((20000 + 0x$S % 12000))
start_vnetd --metrics "127.0.0.1:$MPORT"
VM=10.243.0.5 VM2=10.243.0.6
ALLOW_LOG="NAT quota: $VM holds its 10 entries"
nat_setup 10.242.0 10.243.0 $VM
ns "b$S"
vnetctl port add "$L" --tap "tb$S" --netns "b$S" >/dev/null || fail "tap b"
addr "b$S" "tb$S" "$VM2/24"
ip -n "b$S" route add default via 10.243.0.1 || fail "route b"
refused "lets no address open a flow" network set "$L" --nat-sessions-per-ip 1
vnetctl network set "$L" --nat-sessions-per-ip 10 >/dev/null ||
	fail "set the quota"
[ "$(jget .nat_sessions_per_ip network show "$L")" = 10 ] ||
	fail "quota not shown"

cat >"$T/echo.py" <<'PY'
import socket, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind((sys.argv[1], 9000))
print("ready", flush=True)
while True:
    d, a = u.recvfrom(2000)
    u.sendto(d, a)
PY
# FLOWS: open that many flows, each from its own socket, and say how many
# were answered; then how many of the answered ones are answered again.
cat >"$T/flows.py" <<'PY'
import socket, sys, time
out, n = sys.argv[1], int(sys.argv[2])
socks = []
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 0))
    socks.append(s)
def answered(ss):
    for s in ss:
        s.sendto(b"x", (out, 9000))
        time.sleep(0.01)
    ok = []
    for s in ss:
        s.settimeout(0.5)
        try:
            s.recv(100)
            ok.append(s)
        except socket.timeout:
            pass
    return ok
ok = answered(socks)
again = answered(ok)
print(len(ok), len(again))
PY
ip netns exec "o$S" "$PY" "$T/echo.py" "$OUT" >"$T/echo.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 3 grep -q ready "$T/echo.log" || fail "echo server not up"

got=$(ip netns exec "a$S" "$PY" "$T/flows.py" "$OUT" 12)
[ "$got" = "5 5" ] || fail "12 flows at a quota of 10 entries: '$got' answered (and again), not 5 5"
log "a: 5 of 12 flows through, the 5 answered again"
q=$(jget .nat.drops.quota network show "$L")
[ "${q:-0}" -ge 7 ] || fail "quota drops: '$q'"
grep -q "NAT quota: $VM holds its 10 entries" "$T/vnetd.log" ||
	fail "no log line naming $VM"
got=$(ip netns exec "b$S" "$PY" "$T/flows.py" "$OUT" 3)
[ "$got" = "3 3" ] || fail "b, under its quota, got '$got' answered"
log "b: 3 of 3 flows through"
curl -sf --max-time 5 "http://127.0.0.1:$MPORT/metrics" >"$T/m" || fail "no metrics"
grep -q "^vnet_nat_drops_total{network=\"$L\",reason=\"quota\"} [1-9]" "$T/m" ||
	fail "quota drops not in the metrics"

# Raised live: the kept sessions still count, the new room is usable.
vnetctl network set "$L" --nat-sessions-per-ip 20 >/dev/null ||
	fail "raise the quota"
wait_for 5 sh -c "[ \"\$(ip netns exec a$S $PY $T/flows.py $OUT 2)\" = '2 2' ]" ||
	fail "a: no new flow after the quota was raised"
log "a: new flows after the quota was raised"
vnetctl network set "$L" --no-nat-sessions-per-ip >/dev/null ||
	fail "back to the default"
[ "$(jget .nat_sessions_per_ip network show "$L")" = null ] ||
	fail "the quota is still set"
pass
