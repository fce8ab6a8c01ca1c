# NAT address by DHCP: the gateway's external leg is a DHCP client of a
# dnsmasq in the "outside" namespace (its own MAC), takes an address and the
# router, translates a VM's traffic to it, and renews (T1 of 3 s), each
# time replacing the kept lease file by a rename; a restarted vnetd keeps
# the address while it renews.
# vnet-test: long
. "$(dirname "$0")/lib.sh"
need_root
D=$(readlink -f "$(dirname "$0")/dhcp")
command -v busybox >/dev/null || skip "busybox (package busybox-static) not installed"
command -v dnsmasq >/dev/null || skip "dnsmasq (package dnsmasq-base) not installed"
start_vnetd
X="ex$S" L="lb$S"
OUT=10.220.0.1
ns "o$S"
ns "a$S"
veth "u$S" "p$S" "o$S"
addr "o$S" "p$S" $OUT/24
ip netns exec "o$S" dnsmasq --no-daemon --port=0 --interface="p$S" \
	--bind-interfaces --dhcp-range=10.220.0.50,10.220.0.60,255.255.255.0,2m \
	--dhcp-option=option:router,$OUT --dhcp-option=58,3 \
	--dhcp-option=59,20 --dhcp-leasefile="$T/dm.leases" --log-dhcp \
	--log-facility="$T/dm.log" --pid-file= >/dev/null 2>&1 &
PIDS="$PIDS $!"
vnetctl network create "$X" --type external >/dev/null || fail "create $X"
vnetctl port add "$X" --uplink "u$S" >/dev/null || fail "uplink"
vnetctl network create "$L" --type private --subnet 10.221.0.0/24 --dhcp \
	--nat-via "$X" --nat-address dhcp >/dev/null || fail "create $L"
NATIP=null
for _ in $(seq 100); do
	NATIP=$(jget .nat.address network show "$L")
	[ "$NATIP" != null ] && break
	sleep 0.1
done
[ "$NATIP" != null ] || fail "no address from dnsmasq: $(cat "$T/dm.log")"
case $NATIP in 10.220.0.5? | 10.220.0.60) ;; *) fail "address $NATIP" ;; esac
[ "$(jget .nat.router network show "$L")" = $OUT ] || fail "router not taken"
mac=$(jget .nat_mac network show "$L")
grep -qi "$mac" "$T/dm.leases" || fail "lease not held by the NAT MAC $mac"
log "external address $NATIP by DHCP, router $OUT, MAC $mac"
for _ in $(seq 30); do [ -s "$T/nat-$L.lease" ] && break; sleep 0.1; done
ino=$(stat -c %i "$T/nat-$L.lease") || fail "lease not kept in the run directory"

vnetctl port add "$L" --tap "ta$S" --netns "a$S" >/dev/null || fail "port"
ip netns exec "a$S" busybox udhcpc -i "ta$S" -s "$D/udhcpc.sh" -q -n -t 5 \
	-T 1 >/dev/null 2>&1 || fail "VM got no lease"
ip netns exec "o$S" "$PY" -c "
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(('$OUT', 9999))
open('$T/ready', 'w').close()
while True:
    d, a = u.recvfrom(2000)
    u.sendto(a[0].encode(), a)" &
PIDS="$PIDS $!"
wait_for 10 test -e "$T/ready" || fail "the outside's echo server did not start"
peer() {
	ip netns exec "a$S" "$PY" -c "
import socket
s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.sendto(b'x', ('$OUT', 9999)); print(s.recv(100).decode())"
}
[ "$(peer)" = "$NATIP" ] || fail "the outside saw '$(peer)', not $NATIP"
pings "a$S" $OUT
log "the VM's traffic leaves as $NATIP"

# Renewal: T1 is 3 s.
for _ in $(seq 100); do
	[ "$(jget .nat.dhcp_acks network show "$L")" -ge 3 ] && break
	sleep 0.1
done
acks=$(jget .nat.dhcp_acks network show "$L")
[ "$acks" -ge 3 ] || fail "not renewed: $acks ACKs, state $(jget .nat.dhcp_state network show "$L")"
[ "$(jget .nat.address network show "$L")" = "$NATIP" ] || fail "address changed"
grep -c "DHCPACK" "$T/dm.log" | grep -qv '^[01]$' || fail "dnsmasq saw no renewal"
# Each renewal replaces the kept lease whole (written aside, renamed):
# a crash mid-write never leaves half a file.
[ "$(stat -c %i "$T/nat-$L.lease")" != "$ino" ] ||
	fail "the kept lease was rewritten in place"
[ ! -e "$T/nat-$L.lease.tmp" ] || fail "a temporary lease file is left"
log "renewed: $acks ACKs, address kept, lease file replaced by rename"

# A restart keeps the lease (run directory) and renews it.
stop_vnetd
start_vnetd
[ "$(jget .nat.address network show "$L")" = "$NATIP" ] ||
	fail "address not kept across a restart"
[ "$(peer)" = "$NATIP" ] || fail "after restart the outside saw '$(peer)'"
log "restart: $NATIP kept and used at once"
pass
