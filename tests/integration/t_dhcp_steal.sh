# DHCP lease theft: guest c tries to take guest a's address through the
# DHCP server. a's port has --ip-guard and --mac-guard (it sends only from
# its MAC and the addresses its MAC leased), c's --ip-guard only (with the
# MAC guard the switch itself would drop c's messages naming a's MAC in
# chaddr, as mac_spoofed: here the server's own checks are what hold); a
# is busybox udhcpc, c is scapy, sending from its own MAC and 0.0.0.0 (what
# its guard lets through) with a's MAC in chaddr or a's client identifier
# (option 61, 01 and the MAC: udhcpc's, broadcast in every DISCOVER):
#  - RELEASE and DECLINE of a's address: nothing freed, counted as
#    forged_chaddr (chaddr is not the frame's source) or client_id_in_use
#    (c's own chaddr with a's identifier);
#  - DISCOVER with a's identifier: no offer (client_id_in_use);
#  - REQUEST of a's address (SELECTING and INIT-REBOOT with the
#    identifier, INIT-REBOOT without): NAK, never an ACK.
# Then a's lease is still a's MAC's, a still reaches b from it and renews
# it, and c, putting a's address on its device, reaches nobody.
. "$(dirname "$0")/lib.sh"
need_root
command -v busybox >/dev/null || skip "busybox (package busybox-static) not installed"
$PY -c "import scapy.all" 2>/dev/null || skip "python3-scapy not installed"
MA=52:54:00:1a:00:0a
MC=52:54:00:1a:00:0c
start_vnetd
N="ds$S"
vnetctl network create "$N" --type private --subnet 10.79.0.0/24 --dhcp \
	--range 10.79.0.100-10.79.0.150 >/dev/null || fail "create"
for h in a b c; do ns "$h$S"; done
# guarded HOST MAC GUARDS...: HOST's tap port with these guards
guarded() {
	h=$1 m=$2
	shift 2
	vnetctl port add "$N" --tap "t$h$S" --netns "$h$S" --mac "$m" "$@" \
		>/dev/null || fail "port $h"
}
guarded a "$MA" --ip-guard --mac-guard
guarded c "$MC" --ip-guard
vnetctl port add "$N" --tap "tb$S" --netns "b$S" >/dev/null || fail "port b"
addr "b$S" "tb$S" 10.79.0.200/24
ip -n "c$S" link set "tc$S" up

udhcpc_lease "a$S" "ta$S" "$T/a.env"
IP=$LEASE_IP
pings "a$S" 10.79.0.200
log "a leased $IP"

holder() {
	vnetctl --json dhcp leases "$N" | jq -r --arg ip "$IP" \
		'[.[] | select(.ip == $ip)] | .[0] | "\(.mac) \(.state)"'
}
drops() { jget ".gateway_counters.dhcp.drops.$1 // 0" network show "$N"; }
f0=$(drops forged_chaddr)
c0=$(drops client_id_in_use)

# c's messages, then every reply to them c saw: "TYPE YIADDR XID" per line.
ip netns exec "c$S" $PY - "tc$S" "$MC" "$MA" "$IP" >"$T/c.out" 2>&1 <<'PY' || fail "scapy: $(cat "$T/c.out")"
import sys, time
from scapy.all import BOOTP, DHCP, IP, UDP, AsyncSniffer, Ether, conf, sendp
conf.verb = 0
dev, mc, ma, ip = sys.argv[1:5]
mcb, mab = (bytes.fromhex(m.replace(":", "")) for m in (mc, ma))
cid = ("client_id", b"\x01" + mab)
sid = ("server_id", "10.79.0.1")
req = ("requested_addr", ip)

def send(chaddr, opts, ciaddr="0.0.0.0", xid=1):
    sendp(Ether(src=mc, dst="ff:ff:ff:ff:ff:ff") /
          IP(src="0.0.0.0", dst="255.255.255.255") / UDP(sport=68, dport=67) /
          BOOTP(chaddr=chaddr + b"\0" * 10, ciaddr=ciaddr, xid=xid,
                flags=0x8000) / DHCP(options=opts + ["end"]), iface=dev)
    time.sleep(0.2)

sn = AsyncSniffer(iface=dev, store=True,
                  lfilter=lambda p: UDP in p and p[UDP].dport == 68)
sn.start()
time.sleep(0.5)
rel = [("message-type", "release"), sid]
send(mab, rel, ciaddr=ip)                        # forged_chaddr
send(mab, rel + [cid], ciaddr=ip)                # forged_chaddr
send(mcb, rel + [cid], ciaddr=ip)                # client_id_in_use
send(mcb, [("message-type", "decline"), sid, req, cid])  # client_id_in_use
send(mcb, [("message-type", "discover"), cid])   # client_id_in_use
send(mcb, [("message-type", "request"), sid, req, cid], xid=2)  # NAK
send(mcb, [("message-type", "request"), req, cid], xid=3)       # NAK
send(mcb, [("message-type", "request"), req], xid=4)            # NAK
time.sleep(0.5)
names = {2: "offer", 5: "ack", 6: "nak"}
for p in sn.stop():
    if BOOTP in p and p[BOOTP].op == 2 and 1 <= p[BOOTP].xid <= 4:
        t = dict(o for o in p[DHCP].options if isinstance(o, tuple))
        t = t.get("message-type", 0)
        print(names.get(t, t), p[BOOTP].yiaddr, p[BOOTP].xid)
PY
log "c saw: $(tr '\n' ';' <"$T/c.out")"
grep -q "^ack $IP" "$T/c.out" && fail "c was ACKed a's address $IP"
grep -q "^offer $IP" "$T/c.out" && fail "c was offered a's address $IP"
[ "$(grep -c '^nak ' "$T/c.out")" -ge 3 ] || fail "c's REQUESTs got no NAK"
[ "$(holder)" = "$MA bound" ] || fail "a's lease of $IP: $(holder)"
f1=$(drops forged_chaddr)
c1=$(drops client_id_in_use)
[ $((f1 - f0)) -eq 2 ] || fail "forged_chaddr $f0 -> $f1, want 2 more"
[ $((c1 - c0)) -eq 3 ] || fail "client_id_in_use $c0 -> $c1, want 3 more"
log "a's lease stays a's: forged_chaddr +2, client_id_in_use +3"

pings "a$S" 10.79.0.200
n0=$(grep -c . "$T/a.env")
kill -USR1 "$UDHCPC_PID"
wait_for 5 sh -c "[ \$(grep -c . '$T/a.env') -gt $n0 ]" ||
	fail "udhcpc did not renew: $(cat "$T/a.env.log")"
tail -n 1 "$T/a.env" | grep -q "ip=$IP " || fail "a's renewal: $(tail -n 1 "$T/a.env")"
[ "$(holder)" = "$MA bound" ] || fail "a's lease after renewal: $(holder)"
log "a renewed $IP"

addr "c$S" "tc$S" "$IP/24"
if ip netns exec "c$S" ping -c 2 -i 0.2 -W 1 10.79.0.200 >/dev/null 2>&1; then
	fail "c reached b from a's address $IP"
fi
log "c cannot send from $IP"
pass
