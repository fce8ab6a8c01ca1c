# End to end: an unmodified Linux guest under QEMU (TCG), its NIC a vnet
# vhost-user port on an internal network with a gateway, gets its address
# from vnet's DHCP server with udhcpc at boot, pings the gateway, and
# resolves its own name through the gateway's DNS; vnet stores the lease.
# The network is also a NAT network out through an external network: the
# guest fetches a page from a server in an "outside" namespace, which sees
# only the NAT address (the end-to-end check of NAT: one guest boot serves
# both). Its port has the MAC and IP guards on, and they drop nothing.
# vnet-test: alone
# vnet-test: no-sanitizer a QEMU guest; DHCP, DNS and NAT run under the sanitizers in t_dhcp_clients, t_dhcp_dns and t_nat
. "$(dirname "$0")/lib.sh"
need_root
need_guest
start_vnetd
N="ge$S" X="gx$S"
ns "o$S"
veth "u$S" "p$S" "o$S"
addr "o$S" "p$S" 10.219.0.1/24
mkdir "$T/www" && echo "page-from-outside-$S" >"$T/www/page"
ip netns exec "o$S" python3 -u -m http.server 8080 --bind 10.219.0.1 \
	--directory "$T/www" >"$T/outside.log" 2>&1 &
PIDS="$PIDS $!"
vnetctl network create "$X" --type external >/dev/null || fail "create $X"
vnetctl port add "$X" --uplink "u$S" >/dev/null || fail uplink
vnetctl network create "$N" --type internal --subnet 10.218.0.0/24 --dhcp \
	--domain lab.vnet --nat-via "$X" --nat-address 10.219.0.2/24 \
	>/dev/null || fail create
MAC=52:54:00:21:80:01
# The guest's port is MAC- and IP-guarded: everything below passes the
# guards (DHCP from 0.0.0.0, then the leased address).
vnetctl port add "$N" --vhost-user "$T/g.sock" --mac $MAC --mac-guard \
	--ip-guard >/dev/null || fail port
vnetctl dhcp reserve "$N" $MAC 10.218.0.50 --hostname guest1 >/dev/null ||
	fail reserve
qemu-system-x86_64 -machine pc -m 256 -smp 1 -nographic -nodefaults \
	-no-reboot -serial stdio -kernel "$G/vmlinuz" -initrd "$G/initrd.gz" \
	-append "console=ttyS0 quiet panic=-1 vnet.run=udhcpc,-i,eth0,-s,/usr/share/udhcpc/default.script,-q,-n,-t,20,-T,2,-x,hostname:guest1;ping,-c,3,10.218.0.1;nslookup,guest1.lab.vnet,10.218.0.1;wget,-q,-O,-,http://10.219.0.1:8080/page" \
	-object memory-backend-memfd,id=mem,size=256M,share=on \
	-numa node,memdev=mem -chardev socket,id=c0,path="$T/g.sock",reconnect=1 \
	-netdev vhost-user,id=n0,chardev=c0 \
	-device virtio-net-pci,netdev=n0,mac=$MAC,vectors=0 >"$T/guest.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 1200); do grep -q VNET-RUN-EXIT "$T/guest.log" && break; sleep 0.2; done
grep -q VNET-GUEST-UP "$T/guest.log" || fail "guest did not boot: $(tail -5 "$T/guest.log")"
grep -q "VNET-DHCP-BOUND 10.218.0.50" "$T/guest.log" ||
	fail "guest got no (or the wrong) lease: $(grep -i -E 'udhcpc|VNET' "$T/guest.log" | tail -5)"
log "the guest got 10.218.0.50 from vnet's DHCP at boot"
grep -q "3 packets received" "$T/guest.log" ||
	fail "guest cannot ping the gateway: $(tail -8 "$T/guest.log")"
log "the guest pinged the gateway 3/3"
grep -A3 "guest1.lab.vnet" "$T/guest.log" | grep -q "10.218.0.50" ||
	fail "guest could not resolve its name: $(tail -8 "$T/guest.log")"
log "the guest resolved guest1.lab.vnet through the gateway"
grep -q "^page-from-outside-$S" "$T/guest.log" ||
	fail "guest could not fetch the page through the NAT: $(tail -5 "$T/guest.log")"
grep -q '^10.219.0.2 - - .*GET /page' "$T/outside.log" ||
	fail "the outside did not see the NAT address: $(cat "$T/outside.log")"
log "the guest fetched a page from the outside namespace through the NAT (seen as 10.219.0.2)"
[ "$(vnetctl --json dhcp leases "$N" | jq -r '.[] | select(.mac=="'$MAC'") | .state')" = bound ] ||
	fail "lease not stored: $(vnetctl dhcp leases)"
[ "$(jget '(.counters.drops.mac_spoofed // 0) + (.counters.drops.ip_spoofed // 0)' port show g)" = 0 ] ||
	fail "the guards dropped the guest's own traffic: $(vnetctl --json port show g | jq -c .counters.drops)"
pass
