# External network: the uplink is a veth whose peer is in an "outside"
# namespace with a server.  Offloads stay at the kernel's defaults, so the
# uplink sees partial checksums and GRO super-frames and must finish them.
. "$(dirname "$0")/lib.sh"
need_root
BACKEND=${BACKEND:-afpacket}
start_vnetd
ns "o$S"
ns "a$S"
veth "u$S" "p$S" "o$S"
addr "o$S" "p$S" 10.203.0.1/24
vnetctl network create "ex$S" --type external >/dev/null || fail "create"
vnetctl port add "ex$S" --uplink "u$S" --backend "$BACKEND" >/dev/null ||
	fail "uplink"
vnetctl port add "ex$S" --tap "ta$S" --netns "a$S" >/dev/null || fail "tap"
addr "a$S" "ta$S" 10.203.0.11/24
ethtool -k "u$S" | grep -q "tx-checksumming: on" || log "note: tx csum off"
pings "a$S" 10.203.0.1
pings "o$S" 10.203.0.11
# TCP both ways: checksums must be right for the sockets to accept data.
head -c 2000000 /dev/urandom >"$T/blob"
ip netns exec "o$S" python3 -m http.server 8080 --bind 10.203.0.1 \
	--directory "$T" >/dev/null 2>&1 &
PIDS="$PIDS $!"
wait_for 5 eval '[ -n "$(ip netns exec "o$S" ss -Hltn "sport = :8080")" ]' ||
	fail "no web server on 10.203.0.1:8080"
got=$(ip netns exec "a$S" timeout 20 python3 -c "
import urllib.request
print(len(urllib.request.urlopen('http://10.203.0.1:8080/blob').read()))")
[ "$got" = 2000000 ] || fail "download got '$got' bytes"
log "2 MB over TCP from outside: ok"
# UDP from the guest to the outside, answered: a DHCP-like exchange.
ip netns exec "o$S" python3 -c "
import socket
s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('10.203.0.1', 6767)); s.settimeout(10)
d,a=s.recvfrom(2000); s.sendto(d[::-1], a)" &
PIDS="$PIDS $!"
wait_for 5 eval '[ -n "$(ip netns exec "o$S" ss -Hlun "sport = :6767")" ]' ||
	fail "no UDP server on 10.203.0.1:6767"
ans=$(ip netns exec "a$S" python3 -c "
import socket
s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)
s.sendto(b'hello-vnet', ('10.203.0.1', 6767)); print(s.recv(100).decode())")
[ "$ans" = "tenv-olleh" ] || fail "UDP answer '$ans'"
log "UDP round trip: ok"
[ "$(jget .state port show "u$S")" = up ] || fail "uplink not up"
sf=$(jget .superframes_cut port show "u$S")
ck=$(jget .checksums_completed port show "u$S")
# afpacket passes super-frames on whole to ports that take them (the tap).
wh=$(jget .superframes_sent_whole port show "ta$S")
log "uplink ($BACKEND): $sf super-frames cut, $wh passed whole, $ck partial checksums completed"
if ip netns exec "o$S" ethtool -k "p$S" 2>/dev/null | grep -q "tcp-segmentation-offload: on"; then
	[ $((sf + wh)) -gt 0 ] || fail "offload on, yet no super-frame was seen"
fi
pass
