# offload.sh - helpers for the offload tests (sourced after lib.sh).

# tcp_copy FROM-NS TO-NS TO-ADDR PORT FILE OUT: send FILE over one TCP
# connection from FROM-NS to a receiver in TO-NS that writes OUT; fail
# unless OUT has FILE's md5.
tcp_copy() {
	ip netns exec "$2" $PY -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1); s.settimeout(30)
c, _ = s.accept(); c.settimeout(30)
with open(sys.argv[3], "wb") as f:
    while True:
        d = c.recv(1 << 20)
        if not d: break
        f.write(d)' "$3" "$4" "$6" &
	rpid=$!
	PIDS="$PIDS $rpid"
	_rns=$2 _rport=$4
	wait_for 5 eval '[ -n "$(ip netns exec "$_rns" ss -Hltn "sport = :$_rport")" ]' ||
		fail "no receiver on $3:$4"
	ip netns exec "$1" $PY -c '
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30)
s.sendall(open(sys.argv[3], "rb").read()); s.close()' "$3" "$4" "$5" ||
		fail "sending $5 from $1 failed"
	wait "$rpid"
	[ "$(md5sum <"$5")" = "$(md5sum <"$6")" ] ||
		fail "$5 arrived damaged in $2"
	log "$(($(stat -c %s "$5") >> 20)) MB $1 -> $2 intact"
}

# udp_gso_copy FROM-NS TO-NS TO-ADDR PORT SENDS SEG PER: a socket in FROM-NS
# with UDP_SEGMENT sends SENDS times PER datagrams of SEG bytes (the kernel
# makes each send one UDP super-frame) to a socket in TO-NS; fail unless
# every datagram arrives there intact and exactly once.
udp_gso_copy() {
	rm -f "$T/uready"
	ip netns exec "$2" $PY -c '
import socket, sys
n, seg, per = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
pat = bytes((k * 7) & 255 for k in range(2048))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE
s.bind((sys.argv[1], int(sys.argv[2])))
open(sys.argv[6], "w").close()
s.settimeout(3)
got, bad = set(), 0
try:
    while len(got) < n * per:
        d = s.recv(65536)
        i, j = int.from_bytes(d[:2], "big"), int.from_bytes(d[2:4], "big")
        o = (i * 31 + j) & 255
        if len(d) != seg or d[4:] != pat[o:o + seg - 4] or (i, j) in got:
            bad += 1
        else:
            got.add((i, j))
except socket.timeout:
    pass
print(len(got), bad)' "$3" "$4" "$5" "$6" "$7" "$T/uready" >"$T/uout" &
	rpid=$!
	PIDS="$PIDS $rpid"
	for _ in $(seq 50); do [ -e "$T/uready" ] && break; sleep 0.1; done
	ip netns exec "$1" $PY -c '
import socket, sys, time
n, seg, per = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
pat = bytes((k * 7) & 255 for k in range(2048))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_UDP, 103, seg)  # UDP_SEGMENT
s.connect((sys.argv[1], int(sys.argv[2])))
for i in range(n):
    s.send(b"".join(i.to_bytes(2, "big") + j.to_bytes(2, "big") +
                    pat[(i * 31 + j) & 255:][:seg - 4] for j in range(per)))
    time.sleep(0.01)' "$3" "$4" "$5" "$6" "$7" ||
		fail "sending UDP super-frames from $1 failed"
	wait "$rpid"
	read -r got bad <"$T/uout"
	log "UDP $1 -> $2: $got of $(($5 * $7)) datagrams arrived intact ($bad bad)"
	[ "$bad" = 0 ] || fail "$bad UDP datagrams arrived in $2 damaged or twice"
	[ "$got" = $(($5 * $7)) ] ||
		fail "$got of $(($5 * $7)) UDP datagrams arrived in $2"
}

# kernel_uso: whether packet sockets carry UDP super-frames with a
# virtio-net header (VIRTIO_NET_HDR_GSO_UDP_L4), Linux 6.2 on.
kernel_uso() {
	[ "$(uname -r | awk -F. '{print $1 * 1000 + $2}')" -ge 6002 ]
}
