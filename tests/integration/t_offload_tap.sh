# Offloads on taps: two namespaces on vnet taps exchange TCP super-frames
# (vnetd passes frames larger than the MTU whole and counts them), the data
# arrives intact (md5 of a file sent over TCP), and a port that takes no
# offloads (the host vNIC with its offloads turned off is not one: vnetd
# asks for them) is covered by t_offload_vhost.sh.
# vnet-test: alone
. "$(dirname "$0")/lib.sh"
need_root
command -v iperf3 >/dev/null || skip "iperf3 not installed"
command -v ethtool >/dev/null || skip "ethtool not installed"
start_vnetd
ns "a$S"
ns "b$S"
vnetctl network create "in$S" --type internal >/dev/null || fail "create"
vnetctl port add "in$S" --tap "ta$S" --netns "a$S" >/dev/null || fail "tap a"
vnetctl port add "in$S" --tap "tb$S" --netns "b$S" >/dev/null || fail "tap b"
addr "a$S" "ta$S" 10.202.$N.11/24
addr "b$S" "tb$S" 10.202.$N.12/24
pings "a$S" 10.202.$N.12

# The namespaces see a device that segments and checksums for them.
ip netns exec "a$S" ethtool -k "ta$S" | grep -q '^tcp-segmentation-offload: on' ||
	fail "tap in a has no TSO: vnetd did not set its offloads"

# A file over TCP, a -> b, compared by md5.
head -c 48M /dev/urandom >"$T/file"
ip netns exec "b$S" sh -c "exec $PY -c '
import socket,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)
s.bind((\"10.202.$N.12\",5901)); s.listen(1); c,_=s.accept()
f=open(sys.argv[1],\"wb\")
while True:
    d=c.recv(1<<20)
    if not d: break
    f.write(d)
f.close()' $T/recv" &
RPID=$!
PIDS="$PIDS $RPID"
sleep 0.5
ip netns exec "a$S" $PY -c "
import socket,sys
s=socket.create_connection(('10.202.$N.12',5901),timeout=20)
s.sendall(open(sys.argv[1],'rb').read()); s.close()" "$T/file" ||
	fail "sending the file failed"
wait "$RPID"
[ "$(md5sum <"$T/file")" = "$(md5sum <"$T/recv")" ] ||
	fail "the file arrived damaged"
log "48 MB file a -> b intact"

whole=$(jget '.superframes_sent_whole' port show "tb$S")
log "super-frames passed whole to b: $whole"
[ "$whole" -gt 0 ] || fail "no super-frame reached b whole"

# iperf3 both ways, short: throughput is a benchmark (bench/offload.sh), here
# only that it moves data and that counters show super-frames both ways.
ip netns exec "b$S" iperf3 -s -1 -D -B 10.202.$N.12 -p 5902 >/dev/null ||
	fail "iperf3 server"
sleep 0.3
ip netns exec "a$S" iperf3 -c 10.202.$N.12 -p 5902 -t 2 -R -J >"$T/ip.json" ||
	fail "iperf3 client"
bps=$(jq '.end.sum_received.bits_per_second' "$T/ip.json")
log "iperf3 b -> a: $(echo "$bps" | awk '{printf "%.2f Gbit/s", $1/1e9}')"
whole=$(jget '.superframes_sent_whole' port show "ta$S")
[ "$whole" -gt 0 ] || fail "no super-frame reached a whole"
cut=$(jget '.superframes_segmented' port show "ta$S")
[ "$cut" = 0 ] || fail "$cut super-frames cut for a tap that takes them"
pass
