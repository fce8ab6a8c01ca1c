# Bad input through a NAT gateway: a VM sends malformed or untranslatable
# IPv4 to the gateway's MAC (bad header checksum, a total length past the
# frame, a truncated TCP header, TTL 1, GRE, an ICMP type NAT cannot map,
# TCP port 0, a source outside the subnet, a destination inside it: another
# VM's address, the subnet's broadcast), and the outside injects packets
# for ports of the external address with no mapping (UDP, a stray ACK)
# and with a spoofed inside source.  Each is dropped and counted under its documented reason;
# nothing reaches the outside with an inside address, and a good flow
# still works afterwards.
. "$(dirname "$0")/lib.sh"
need_root
"$PY" -c "import scapy" 2>/dev/null || skip "python3-scapy not installed"
command -v tcpdump >/dev/null || skip "tcpdump not installed"
start_vnetd
VM=10.225.0.10
nat_setup 10.224.0 10.225.0 $VM
pings "a$S" $OUT
GWMAC=$(jget .gateway_mac network show "$L")
NATMAC=$(jget .nat_mac network show "$L")
ip netns exec "o$S" tcpdump -U -n -i "p$S" -w "$T/out.pcap" ip 2>"$T/td.err" &
TD=$!
PIDS="$PIDS $TD"
wait_for 5 grep -q "listening on" "$T/td.err" || fail "tcpdump: $(cat "$T/td.err")"

ip netns exec "a$S" "$PY" - "ta$S" "$GWMAC" $VM $OUT <<'PY' || fail "scapy (inside)"
import sys
from scapy.all import Ether, IP, TCP, UDP, ICMP, GRE, Raw, sendp, raw
dev, gw, vm, out = sys.argv[1:]
e = Ether(dst=gw, type=0x0800)
def ipraw(pkt):
    return bytearray(raw(pkt))
frames = []
b = ipraw(IP(src=vm, dst=out) / UDP(sport=4000, dport=9) / (b"x" * 8))
b[10] ^= 0xff                                  # bad header checksum
frames.append(bytes(b))
b = ipraw(IP(src=vm, dst=out) / UDP(sport=4001, dport=9) / (b"x" * 8))
b[2:4] = (1400).to_bytes(2, "big")             # total length past the frame
frames.append(bytes(b))
tcp = raw(IP(src=vm, dst=out) / TCP(sport=4002, dport=80, flags="S"))
t = bytearray(tcp[:30])                        # 10 bytes of TCP header
t[2:4] = (30).to_bytes(2, "big")
t[10:12] = b"\0\0"
c = sum(int.from_bytes(t[i:i + 2], "big") for i in range(0, 20, 2))
c = (c & 0xffff) + (c >> 16)
c = (c & 0xffff) + (c >> 16)
t[10:12] = (~c & 0xffff).to_bytes(2, "big")
frames.append(bytes(t))
frames.append(raw(IP(src=vm, dst=out, ttl=1) / UDP(sport=4003, dport=9)))
frames.append(raw(IP(src=vm, dst=out) / GRE() / (b"y" * 20)))
frames.append(raw(IP(src=vm, dst=out) / ICMP(type=13)))      # timestamp
frames.append(raw(IP(src=vm, dst=out) / TCP(sport=0, dport=80, flags="S")))
frames.append(raw(IP(src="10.99.0.5", dst=out) / UDP(sport=4004, dport=9)))
net = vm.rsplit(".", 1)[0]                     # to the inside: not routed out
frames.append(raw(IP(src=vm, dst=net + ".11") / UDP(sport=4005, dport=9)))
frames.append(raw(IP(src=vm, dst=net + ".255") / UDP(sport=4006, dport=9)))
for f in frames:
    sendp(e / Raw(f), iface=dev, verbose=False)
PY
ip netns exec "o$S" "$PY" - "p$S" "$NATMAC" $OUT $NATIP $VM <<'PY' || fail "scapy (outside)"
import sys
from scapy.all import Ether, IP, TCP, UDP, sendp
dev, nat, out, natip, vm = sys.argv[1:]
e = Ether(dst=nat)
sendp(e / IP(src=out, dst=natip) / UDP(sport=9, dport=40123), iface=dev, verbose=False)
sendp(e / IP(src=vm, dst=natip) / UDP(sport=9, dport=40123), iface=dev, verbose=False)
sendp(e / IP(src=out, dst=natip) / TCP(sport=80, dport=40124, flags="A"), iface=dev, verbose=False)
PY
# all_counted: every kind of bad frame sent above is counted
all_counted() {
	drops=$(vnetctl --json nat sessions "$L" | jq -c '.nats[0].drops')
	echo "$drops" | jq -e '([.bad_ip_csum, .bad_ip, .truncated, .ttl, .bad_proto,
		.icmp_type, .bad_l4, .src_not_inside, .spoofed, .dst_inside |
		. // 0 | . >= 1] | all) and
		(.no_mapping // 0) >= 2' >/dev/null
}
wait_for 3 all_counted
drops=$(vnetctl --json nat sessions "$L" | jq -c '.nats[0].drops')
log "drops: $drops"
for r in bad_ip_csum bad_ip truncated ttl bad_proto icmp_type bad_l4 \
	src_not_inside spoofed dst_inside; do
	[ "$(echo "$drops" | jq ".$r // 0")" -ge 1 ] || fail "no '$r' drop counted"
done
# The UDP datagram and the stray ACK, both to ports with no mapping.
[ "$(echo "$drops" | jq '.no_mapping // 0')" -ge 2 ] || fail "no_mapping not counted twice"
# A good flow still goes through; nothing left with an inside source.
pings "a$S" $OUT
# good: how many of the good pings the capture holds (tcpdump, on a loaded
# machine, reads its socket late; it writes in order, so what came before
# them is in the file too by then)
good() { tcpdump -n -r "$T/out.pcap" "ether src $NATMAC" 2>/dev/null | grep -c "$NATIP > $OUT: ICMP echo request"; }
wait_for 3 eval '[ "$(good)" -ge 2 ]'
kill $TD 2>/dev/null
wait $TD 2>/dev/null
good=$(good)
[ "$good" -ge 1 ] || fail "the capture missed the good pings ($good): $(tcpdump -e -n -r "$T/out.pcap" 2>&1 | tail -5)"
# What the gateway sent (its MAC) never carries an inside address.
leak=$(tcpdump -n -r "$T/out.pcap" "ether src $NATMAC" 2>/dev/null |
	grep -c "10\.225\.\|10\.99\." || true)
[ "$leak" = 0 ] || fail "$leak packets left with an inside address"
log "every bad packet dropped and named; nothing leaked outside"
pass
