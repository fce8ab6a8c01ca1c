# DHCP share per guest port: the addresses one guest port's DHCP messages
# may hold at once (offered or leased), whatever MACs and client
# identifiers they name (--dhcp-leases-per-port, default a quarter of the
# range, at least 4).  Without it one guest exhausts the pool: with random
# chaddrs when it has no MAC guard, with random client identifiers (61)
# from its own MAC when it has one.
#  - network show says the default (a quarter of a 40-address range: 10);
#  - with a share of 3, guest a (no MAC guard) sends DISCOVERs for 8
#    chaddrs: 3 are offered, the rest dropped as port_share (and logged);
#  - guest c (--mac-guard) sends 8 from its MAC with 8 client identifiers:
#    3 offered;
#  - guest b, a real client (udhcpc), still gets a lease, and so would
#    everyone else: the pool is not used up;
#  - a's port is deleted and a new port added (it gets a's switch port
#    id): its guest has its whole share, not what a left held.
# vnet-test: idle
# vnet-test: no-sanitizer 19 s of scapy exchanges; the share counting runs under the sanitizers in test_dhcp_server and fuzz_dhcp, the DHCP paths in t_dhcp_clients, t_dhcp_dns and t_dhcp_steal
. "$(dirname "$0")/lib.sh"
need_root
command -v busybox >/dev/null || skip "busybox (package busybox-static) not installed"
$PY -c "import scapy.all" 2>/dev/null || skip "python3-scapy not installed"
MC=52:54:00:1b:00:0c
start_vnetd
N="ps$S"
vnetctl network create "$N" --type private --subnet 10.85.0.0/24 --dhcp \
	--range 10.85.0.100-10.85.0.139 >/dev/null || fail "create"
[ "$(jget .dhcp_leases_per_port network show "$N")" = 10 ] ||
	fail "default share: $(jget .dhcp_leases_per_port network show "$N")"
vnetctl network set "$N" --dhcp-leases-per-port 3 >/dev/null || fail "set share"
[ "$(jget .dhcp_leases_per_port network show "$N")" = 3 ] || fail "share 3 not shown"
for h in a b c; do ns "$h$S"; done
vnetctl port add "$N" --tap "ta$S" --netns "a$S" >/dev/null || fail "port a"
vnetctl port add "$N" --tap "tb$S" --netns "b$S" >/dev/null || fail "port b"
vnetctl port add "$N" --tap "tc$S" --netns "c$S" --mac "$MC" --mac-guard \
	>/dev/null || fail "port c"
for h in a c; do ip -n "$h$S" link set "t$h$S" up; done
gw_ok() { [ "$(jget .gateway_error network show "$N")" = null ]; }
wait_for 5 gw_ok || fail "gateway"
drops() { jget ".gateway_counters.dhcp.drops.port_share // 0" network show "$N"; }

# flood NS DEV SRC MODE [FIRST]: 8 DISCOVERs, new chaddrs (MODE mac: from
# 02:66:00:00:00:FIRST+1 on) or new client identifiers (MODE cid); prints
# the number of OFFERs seen.
flood() {
	ip netns exec "$1" $PY - "$2" "$3" "$4" "${5:-0}" <<'PY' || fail "scapy $1"
import sys, time
from scapy.all import BOOTP, DHCP, IP, UDP, AsyncSniffer, Ether, conf, sendp
conf.verb = 0
dev, src, mode, first = sys.argv[1:5]
first = int(first)
sn = AsyncSniffer(iface=dev, store=True,
                  lfilter=lambda p: UDP in p and p[UDP].dport == 68)
sn.start()
time.sleep(0.5)
for i in range(8):
    mac = bytes.fromhex(src.replace(":", ""))
    opts = [("message-type", "discover")]
    if mode == "mac":
        mac = bytes([2, 0x66, 0, 0, 0, first + i + 1])
    else:
        opts.append(("client_id", b"\x00vm-clone-%d" % i))
    for _ in range(2):  # a retransmission costs nothing more
        sendp(Ether(src=src if mode == "cid" else
                    "02:66:00:00:00:%02x" % (first + i + 1),
                    dst="ff:ff:ff:ff:ff:ff") /
              IP(src="0.0.0.0", dst="255.255.255.255") /
              UDP(sport=68, dport=67) /
              BOOTP(chaddr=mac + b"\0" * 10, xid=0x100 + i, flags=0x8000) /
              DHCP(options=opts + ["end"]), iface=dev)
        time.sleep(0.1)
time.sleep(2.5)  # the ARP probe of a never-leased address: 1 s
xids = set()
for p in sn.stop():
    if BOOTP in p and p[BOOTP].op == 2:
        t = dict(o for o in p[DHCP].options if isinstance(o, tuple))
        if t.get("message-type") == 2:
            xids.add(p[BOOTP].xid)
print(len(xids))
PY
}

d0=$(drops)
n=$(flood "a$S" "ta$S" 02:66:00:00:00:01 mac)
d1=$(drops)
log "a (no MAC guard, 8 chaddrs): $n offered, port_share $d0 -> $d1"
[ "$n" = 3 ] || fail "a was offered $n addresses, its share is 3"
[ $((d1 - d0)) -ge 5 ] || fail "port_share $d0 -> $d1"
n=$(flood "c$S" "tc$S" "$MC" cid)
log "c (MAC guard, 8 client identifiers): $n offered"
[ "$n" = 3 ] || fail "c was offered $n addresses, its share is 3"

udhcpc_lease "b$S" "tb$S" "$T/b.env"
log "b leased $LEASE_IP beside them"

ida=$(jget .switch_port port show "ta$S")
vnetctl port del "ta$S" >/dev/null || fail "del a"
ns "d$S"
vnetctl port add "$N" --tap "td$S" --netns "d$S" >/dev/null || fail "port d"
ip -n "d$S" link set "td$S" up
[ "$(jget .switch_port port show "td$S")" = "$ida" ] ||
	fail "d's switch port is not a's ($ida): $(jget .switch_port port show "td$S")"
n=$(flood "d$S" "td$S" 02:66:00:00:00:11 mac 16)
log "d, on a's switch port $ida after a left: $n offered"
[ "$n" = 3 ] || fail "d was offered $n addresses, its share is 3"
ALLOW_LOG='holds its share of addresses|msg="[0-9]+ similar messages suppressed"'
grep -q 'holds its share of addresses' "$T/vnetd.log" || fail "no log line"
pass
