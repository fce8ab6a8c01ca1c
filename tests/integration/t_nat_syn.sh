# Remotes opening connections through a port forward, against the NAT
# table: a spoofed source (nobody answers ARP for it, so it never sees the
# VM's SYN/ACK) sends a SYN through the forward, then an ACK with a
# guessed acknowledgement: the ACK is dropped (tcp_bad_ack) and the
# session stays in syn_recv, not established for two hours (the VM drops
# invalid segments, so its RST does not close the session either way).  With
# --nat-sessions 16, real clients opening 12 connections through the
# forward get 8 (half the table, the share of sessions remotes open through
# forwards); the others are dropped as forward_share (network show, the
# metrics, a log line naming the client), the 8 carry data both ways,
# and the VM still opens its own.
. "$(dirname "$0")/lib.sh"
need_root
MPORT=$((20000 + 0x$S % 12000))
start_vnetd --metrics "127.0.0.1:$MPORT"
VM=10.247.0.5 SPOOF=10.246.0.77
nat_setup 10.246.0 10.247.0 $VM
# Resized before any traffic: the empty table is made anew (a warning).
ALLOW_LOG='was made for another size; discarded|NAT forward_share: .* new connection from 10.246.0.1 refused|msg="[0-9]+ similar messages suppressed"'
vnetctl network set "$L" --nat-sessions 16 >/dev/null || fail "16 sessions"

# A server in the VM holding every connection, echoing what comes.
cat >"$T/srv.py" <<'PY'
import select, socket, sys
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[1], 80))
l.listen(64)
print("ready", flush=True)
socks = [l]
while True:
    for s in select.select(socks, [], [])[0]:
        if s is l:
            socks.append(l.accept()[0])
            continue
        d = s.recv(100)
        if d:
            s.sendall(d)
        else:
            socks.remove(s)
            s.close()
PY
ip netns exec "a$S" "$PY" "$T/srv.py" $VM >"$T/srv.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 3 grep -q ready "$T/srv.log" || fail "server not up"
vnetctl nat forward add "$L" tcp 8080 $VM:80 >/dev/null || fail "forward"

# The blind ACK: SYN from a source nobody answers for, then a guess.  The
# VM drops segments its own conntrack finds invalid (a common firewall
# rule): its kernel does not answer the bad ACK with a RST, which would
# close the session and hide what the NAT made of it.
ip netns exec "a$S" nft -f - <<'NFT' || fail "nft in the VM"
table inet f {
	chain in {
		type filter hook input priority 0;
		ct state invalid drop
	}
}
NFT
ip netns exec "o$S" "$PY" - "$SPOOF" "$NATIP" <<'PY' || fail "scapy"
import sys, time
from scapy.all import IP, TCP, send, conf
conf.verb = 0
src, dst = sys.argv[1], sys.argv[2]
send(IP(src=src, dst=dst) / TCP(sport=40000, dport=8080, flags="S", seq=1000))
time.sleep(0.5)
send(IP(src=src, dst=dst) / TCP(sport=40000, dport=8080, flags="A",
                                seq=1001, ack=0x12345678))
time.sleep(0.3)
PY
st=$(vnetctl --json nat sessions "$L" |
	jq -r '.sessions[] | select(.kind == "session" and .remote_port == 40000) | .state')
[ "$st" = syn_recv ] || fail "after a blind ACK the session is '$st', not syn_recv"
b=$(jget .nat.drops.tcp_bad_ack network show "$L")
[ "${b:-0}" = 1 ] || fail "tcp_bad_ack: '$b'"
log "blind ACK from $SPOOF: dropped (tcp_bad_ack 1), session in syn_recv"

# Real clients: 12 connections held open, 8 of them get in.
vnetctl nat flush "$L" >/dev/null || fail "flush"
got=$(ip netns exec "o$S" "$PY" - "$NATIP" <<'PY'
import socket, sys
ok = []
for i in range(12):
    s = socket.socket()
    s.settimeout(1.5)
    try:
        s.connect((sys.argv[1], 8080))
        ok.append(s)
    except OSError:
        s.close()
echoed = 0
for s in ok:
    try:
        s.sendall(b"x")
        echoed += s.recv(10) == b"x"
    except OSError:
        pass
print(len(ok), echoed)
PY
)
[ "$got" = "8 8" ] || fail "12 connections through the forward: '$got' in (and echoing), not 8 8"
f=$(jget .nat.drops.forward_share network show "$L")
[ "${f:-0}" -ge 4 ] || fail "forward_share drops: '$f'"
curl -sf --max-time 5 "http://127.0.0.1:$MPORT/metrics" >"$T/m" || fail "no metrics"
grep -q "^vnet_nat_drops_total{network=\"$L\",reason=\"forward_share\"} [1-9]" "$T/m" ||
	fail "forward_share drops not in the metrics"
grep -q "NAT forward_share: .* from $OUT refused" "$T/vnetd.log" ||
	fail "no log line naming $OUT"
log "12 connections through the forward: 8 in and echoing, forward_share $f"
# The VM's own flows are not held back by remotes' connections.
ip netns exec "a$S" "$PY" - "$OUT" <<'PY' || fail "the VM's own connection"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"x", (sys.argv[1], 9))
PY
n=$(vnetctl --json nat sessions "$L" |
	jq '[.sessions[] | select(.kind == "session" and .inbound == false)] | length')
[ "$n" = 1 ] || fail "the VM's own flow: $n sessions"
log "the VM opens its own flow still"
pass
