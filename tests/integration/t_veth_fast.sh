# veth ports and their kernel fast path: two namespaces on veth ports of an
# internal network and a third on a tap.  Between the veths, known unicast
# (TCP super-frames included) moves in the kernel, and the counters say so;
# a frame longer than the network's MTU does not (vnetd drops it);
# veth <-> tap goes through vnetd; a MAC that moves from a veth to the tap
# gets its frames there within seconds; a killed vnetd leaves no program
# forwarding; a restart restores the ports; deleting a port deletes its pair.
# vnet-test: alone
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/offload.sh"
need_root
X=$(printf %02x "$N")
start_vnetd
ns "a$S"
ns "b$S"
ns "c$S"
vnetctl network create "in$S" --type internal >/dev/null || fail "create"
vnetctl port add "in$S" --veth "va$S" --netns "a$S" >/dev/null || fail "veth a"
vnetctl port add "in$S" --veth "vb$S" --netns "b$S" \
	--mac 02:00:00:$X:00:0b >/dev/null || fail "veth b"
vnetctl port add "in$S" --tap "tc$S" --netns "c$S" >/dev/null || fail "tap c"
ip link show "vh-va$S" >/dev/null 2>&1 || fail "no host end vh-va$S"
[ "$(ip -n "b$S" -o link show "vb$S" | grep -o '02:00:00:[0-9a-f:]*')" = \
	"02:00:00:$X:00:0b" ] || fail "vb$S did not get its MAC"
fast=$(jget '.fast_path' port show "va$S")
[ "$fast" = on ] || fail "fast path $fast: $(jget '.fast_path_error' port show "va$S")"
addr "a$S" "va$S" 10.241.$N.11/24
addr "b$S" "vb$S" 10.241.$N.12/24
addr "c$S" "tc$S" 10.241.$N.13/24
pings "a$S" 10.241.$N.12
pings "b$S" 10.241.$N.11

# A file over TCP between the veths: most bytes by the fast path, in
# super-frames.
head -c 48M /dev/urandom >"$T/file"
tcp_copy "a$S" "b$S" 10.241.$N.12 5941 "$T/file" "$T/recv"
fbytes=$(jget '.counters.fast_path.rx_bytes' port show "va$S")
super=$(jget '.counters.fast_path.superframes' port show "va$S")
rx=$(jget '.counters.rx_bytes' port show "va$S")
log "fast path from a: $fbytes of $rx bytes, $super super-frames"
[ "$fbytes" -gt $((40 << 20)) ] || fail "only $fbytes bytes took the fast path"
[ "$super" -gt 0 ] || fail "no super-frame took the fast path"
# The packet socket's filter hides what the fast path took: vnetd itself
# received only the rest (ARP, the handshake), not a second copy.
[ $((rx - fbytes)) -lt $((4 << 20)) ] ||
	fail "vnetd received $((rx - fbytes)) bytes the fast path forwarded too"

# A namespace that raises its end's MTU past the network's: the host end
# (the network's MTU) still takes 4 bytes more, and the kernel would hand
# such a frame to the other namespace whatever its MTU; the fast path
# leaves it to vnetd, which drops it as oversize.
ip -n "a$S" link set "va$S" mtu 1504
f0=$(jget '.counters.fast_path.rx_bytes' port show "va$S")
o0=$(jget '.counters.drops.oversize' port show "va$S")
ip netns exec "a$S" ping -c 3 -i 0.2 -W 1 -M do -s 1476 10.241.$N.12 \
	>/dev/null 2>&1 && fail "a 1504-byte datagram crossed a 1500 MTU network"
f1=$(jget '.counters.fast_path.rx_bytes' port show "va$S")
o1=$(jget '.counters.drops.oversize' port show "va$S")
log "1504-byte datagrams: $((o1 - o0)) dropped as oversize, $((f1 - f0)) bytes on the fast path"
[ $((o1 - o0)) -ge 3 ] || fail "only $((o1 - o0)) of 3 oversize frames counted"
# (an ARP probe from a may take the fast path meanwhile; one 1518-byte
# frame may not)
[ $((f1 - f0)) -lt 1518 ] ||
	fail "the fast path forwarded $((f1 - f0)) bytes meanwhile"
# The same namespace at MTU 9000 sends UDP super-frames (UDP_SEGMENT,
# 4000-byte datagrams): their segments exceed the network's MTU, so vnetd
# sees and drops them; whole in b they would arrive as 4000-byte datagrams.
ip -n "a$S" link set "va$S" mtu 9000
o0=$(jget '.counters.drops.oversize' port show "va$S")
rm -f "$T/gready" "$T/gstop"
ip netns exec "b$S" $PY -c '
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 5942))
open(sys.argv[2], "w").close()
# Until told to stop (the file GSTOP), or 1.5 s without a datagram.
s.settimeout(0.1)
big = n = idle = 0
while idle < 15 and not os.path.exists(sys.argv[3]):
    try:
        big += len(s.recv(65536)) > 1472
        n += 1
        idle = 0
    except socket.timeout:
        idle += 1
print(n, big)' 10.241.$N.12 "$T/gready" "$T/gstop" >"$T/gout" &
rpid=$!
PIDS="$PIDS $rpid"
for _ in $(seq 50); do [ -e "$T/gready" ] && break; sleep 0.1; done
ip netns exec "a$S" $PY -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_UDP, 103, 4000)  # UDP_SEGMENT
for _ in range(3):
    s.sendto(bytes(8000), (sys.argv[1], 5942))' 10.241.$N.12 ||
	fail "UDP_SEGMENT send"
# vnetd counts the three; whatever crossed beside them has arrived by then.
wait_for 3 eval '[ $(($(jget .counters.drops.oversize port show "va$S") - o0)) -ge 3 ]'
sleep 0.2
touch "$T/gstop"
wait "$rpid"
read -r got big <"$T/gout" || fail "no receiver output"
o1=$(jget '.counters.drops.oversize' port show "va$S")
log "UDP super-frames of 4000-byte segments: $got datagrams arrived ($big over 1472 bytes), $((o1 - o0)) dropped as oversize"
[ "$big" = 0 ] || fail "$big datagrams over 1472 bytes crossed a 1500 MTU network"
[ $((o1 - o0)) -ge 3 ] || fail "only $((o1 - o0)) of 3 oversize super-frames counted"
ip -n "a$S" link set "va$S" mtu 1500
pings "a$S" 10.241.$N.12

# veth <-> tap: vnetd's path.
pings "a$S" 10.241.$N.13
pings "c$S" 10.241.$N.12

# a's MAC and address move to c's tap while a's port stays up: b's frames
# to that MAC (b keeps its ARP entry) must reach c within a few seconds,
# once vnetd has seen the MAC on the tap and taken it off the fast path.
mac=$(ip -n "a$S" -o link show "va$S" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
ip netns exec "b$S" ping -c 1 -W 1 10.241.$N.11 >/dev/null || fail "b -> a"
ip -n "a$S" addr del 10.241.$N.11/24 dev "va$S"
ip -n "a$S" link set "va$S" address 02:00:00:$X:00:0a
ip -n "c$S" link set "tc$S" down
ip -n "c$S" link set "tc$S" address "$mac"
ip -n "c$S" addr add 10.241.$N.11/24 dev "tc$S"
ip -n "c$S" link set "tc$S" up
ok=0
for i in $(seq 10); do
	ip netns exec "c$S" ping -c 1 -W 1 10.241.$N.12 >/dev/null 2>&1
	if ip netns exec "b$S" ping -c 1 -W 1 10.241.$N.11 >/dev/null 2>&1; then
		ok=1
		break
	fi
done
[ $ok = 1 ] || fail "frames to the moved MAC $mac never reached c"
log "moved MAC $mac reached on the tap (try $i)"
ip -n "c$S" addr del 10.241.$N.11/24 dev "tc$S"
ip -n "a$S" addr add 10.241.$N.11/24 dev "va$S"
for n in a b c; do ip -n "$n$S" neigh flush all; done
pings "a$S" 10.241.$N.12

# A namespace that sprays source MACs: the fast path learns no more than
# the port's MAC limit, and the rest reach vnetd, which drops them under
# its "mac_limit" reason instead of the kernel forwarding them.
if ! $PY -c "import scapy.all" 2>/dev/null; then
	skip_part mac-spray "python3-scapy not installed"
else
vnetctl port set "va$S" --mac-limit 4 >/dev/null || fail "mac-limit"
sleep 1.5
ip netns exec "a$S" $PY -c '
import random, sys
from scapy.all import Ether, IP, UDP, sendp
f = [Ether(src="02:%02x:%02x:%02x:%02x:%02x" % tuple(random.randrange(256)
           for _ in range(5)), dst=sys.argv[2]) /
     IP(src=sys.argv[3], dst=sys.argv[4]) / UDP(sport=4000, dport=9) / ("x" * 64)
     for _ in range(40)]
sendp(f, iface=sys.argv[1], verbose=False)' "va$S" 02:00:00:$X:00:0b \
	10.241.$N.11 10.241.$N.12 || fail "scapy"
wait_for 2 eval '[ "$(jget .counters.drops.mac_limit port show "va$S")" -ge 30 ]'
dropped=$(jget '.counters.drops.mac_limit' port show "va$S")
log "sprayed 40 source MACs: $dropped frames dropped by vnetd's MAC limit"
[ "$dropped" -ge 30 ] || fail "only $dropped sprayed frames reached vnetd's MAC limit"
vnetctl port set "va$S" --mac-limit 1024 >/dev/null || fail "mac-limit back"
fi

# vnetd killed: the tcx links go with it, nothing forwards a -> b.
kill9_vnetd
no_ping "a$S" 10.241.$N.12
# (tcx links do not show here; on a kernel without tcx the fast path uses
# a clsact qdisc, whose filter must be gone too)
tc filter show dev "vh-va$S" ingress 2>/dev/null | grep -q bpf &&
	fail "a TC program stayed on vh-va$S"

# A restart restores both veth ports and their fast path.
start_vnetd
[ "$(jget '.fast_path' port show "va$S")" = on ] || fail "fast path not restored"
pings "a$S" 10.241.$N.12
b0=$(jget '.counters.fast_path.rx_bytes' port show "va$S")
[ "$b0" -gt 0 ] || fail "no fast-path traffic after the restart"

# VLANs: the fast path forwards only within one access VLAN.
vnetctl port set "vb$S" --vlan 10 >/dev/null || fail "vlan b"
no_ping "a$S" 10.241.$N.12
vnetctl port set "va$S" --vlan 10 >/dev/null || fail "vlan a"
[ "$(jget '.fast_path' port show "va$S")" = on ] || fail "fast path off in VLAN 10"
pings "a$S" 10.241.$N.12
b1=$(jget '.counters.fast_path.rx_packets' port show "va$S")
[ "$b1" -gt 0 ] || fail "no fast-path frames within VLAN 10"

# Deleting a port deletes its pair.
vnetctl port del "va$S" >/dev/null || fail "port del"
ip link show "vh-va$S" >/dev/null 2>&1 && fail "vh-va$S outlived its port"
ip -n "a$S" link show "va$S" >/dev/null 2>&1 && fail "va$S outlived its port"
# Deleting the network deletes the other pair.
vnetctl network delete "in$S" --force >/dev/null || fail "network delete"
ip link show "vh-vb$S" >/dev/null 2>&1 && fail "vh-vb$S outlived its network"
ALLOW_LOG='restored but inactive|moved|MAC limit'
pass
