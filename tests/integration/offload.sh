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
	sleep 0.5
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
