# NAT with offloads on: a VM namespace on a NAT network and an outside
# namespace behind the external network keep their devices' offloads (the
# ethtool defaults: checksum and TSO), so TCP through the NAT moves in
# super-frames: both gateway legs take them whole ("network show": nat.
# superframes_whole.inside/outside, nat.superframes translated), the uplink
# and the VM's tap are sent them whole, and files sent both ways arrive
# intact (sha256).  UDP and ping still work.
# vnet-test: alone
. "$(dirname "$0")/lib.sh"
need_root
command -v ethtool >/dev/null || skip "ethtool not installed"
start_vnetd
VMIP=10.220.0.50
nat_setup 10.219.0 10.220.0 $VMIP
ip netns exec "a$S" ethtool -k "ta$S" |
	grep -q '^tcp-segmentation-offload: on' || fail "the VM's tap has no TSO"
ip netns exec "o$S" ethtool -k "p$S" |
	grep -q '^tcp-segmentation-offload: on' || fail "the outside has no TSO"
pings "a$S" $OUT

# xfer MODE FILE OUT: one TCP connection from the VM to the outside; the
# outside receives FILE (MODE up) or sends it (MODE down); OUT must have
# FILE's sha256.
xfer() {
	ip netns exec "o$S" $PY -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5950)); s.listen(1); s.settimeout(30)
c, _ = s.accept(); c.settimeout(30)
if sys.argv[2] == "up":
    with open(sys.argv[3], "wb") as f:
        while True:
            d = c.recv(1 << 20)
            if not d: break
            f.write(d)
else:
    c.sendall(open(sys.argv[3], "rb").read())
c.close()' $OUT "$1" "$([ "$1" = up ] && echo "$3" || echo "$2")" &
	spid=$!
	PIDS="$PIDS $spid"
	wait_for 5 eval '[ -n "$(ip netns exec "o$S" ss -Hltn "sport = :5950")" ]' ||
		fail "no server on $OUT:5950"
	ip netns exec "a$S" $PY -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 5950), timeout=30)
if sys.argv[2] == "up":
    s.sendall(open(sys.argv[3], "rb").read()); s.close()
else:
    with open(sys.argv[3], "wb") as f:
        while True:
            d = s.recv(1 << 20)
            if not d: break
            f.write(d)' $OUT "$1" "$([ "$1" = up ] && echo "$2" || echo "$3")" ||
		fail "transfer $1 failed in the VM"
	wait "$spid" || fail "transfer $1 failed outside"
	[ "$(sha256sum <"$2")" = "$(sha256sum <"$3")" ] ||
		fail "$1: $2 arrived damaged"
	log "$(($(stat -c %s "$2") >> 20)) MB $1 through the NAT intact"
}

head -c 64M /dev/urandom >"$T/file"
xfer up "$T/file" "$T/up"
gw=$(jget '.nat.superframes_whole.inside' network show "$L")
log "super-frames the VM sent that the inside leg took whole: $gw"
[ "$gw" -gt 0 ] || fail "no super-frame reached the inside leg whole"
up=$(jget '.superframes_sent_whole' port show "u$S")
log "super-frames NAT'ed out the uplink whole: $up"
[ "$up" -gt 0 ] || fail "no NAT'ed super-frame left the uplink whole"

xfer down "$T/file" "$T/down"
gx=$(jget '.nat.superframes_whole.outside' network show "$L")
log "super-frames from the outside the external leg took whole: $gx"
[ "$gx" -gt 0 ] || fail "no super-frame reached the external leg whole"
ta=$(jget '.superframes_sent_whole' port show "ta$S")
log "NAT'ed super-frames delivered whole to the VM: $ta"
[ "$ta" -gt 0 ] || fail "no NAT'ed super-frame reached the VM whole"
sf=$(jget '.nat.superframes' network show "$L")
log "gateway: super-frames translated whole: $sf"
[ "$sf" -gt 0 ] || fail "the gateway counted no super-frame translated"

# UDP through the NAT (the outside echoes), and ping.
ip netns exec "o$S" $PY -c '
import socket, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind((sys.argv[1], 5951)); u.settimeout(10)
d, a = u.recvfrom(65535); u.sendto(d, a)' $OUT &
PIDS="$PIDS $!"
wait_for 5 eval '[ -n "$(ip netns exec "o$S" ss -Hlun "sport = :5951")" ]' ||
	fail "no UDP server on $OUT:5951"
ip netns exec "a$S" $PY -c '
import socket, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(5)
m = bytes(range(256)) * 4
u.sendto(m, (sys.argv[1], 5951))
d, _ = u.recvfrom(65535)
sys.exit(0 if d == m else 1)' $OUT || fail "UDP through the NAT"
log "UDP echo through the NAT ok"
pings "a$S" $OUT
pass
