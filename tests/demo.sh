#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# demo.sh BUILD - start vnetd and build the three kinds of network with
# network namespaces standing in for VMs, then show them talking:
#   internal "lab":   host vNIC 10.77.1.1 + vm1 + vm2, gateway 10.77.1.254
#                     with DHCP and DNS (lab.vnet); IPv6 fd00:77:1::/64
#                     (SLAAC for vm1, DHCPv6 for vm2, ping6)
#   private  "vault": vm3 + vm4 (the host cannot reach them), gateway
#                     10.77.2.254 with DHCP and DNS (vault.vnet)
#   external "wan":   uplink veth to an "outside" namespace with a server,
#                     + vm5
#   NAT "home":       private 10.77.4.0/24 with DHCP whose gateway translates
#                     out through "wan" as 10.77.3.2: vm10 fetches a file
#                     from the outside server (which sees only 10.77.3.2) and
#                     serves one in through a port forward
# then three real Linux VMs (vnet-vmm where KVM is hardware KVM, else QEMU;
# NICs served by vnetd over vhost-user) that get their addresses and names
# from vnet's DHCP at boot: vm6 on "vault"
# pings vm7; vm7 on "lab" too is pinged by the host; vm9 on the NAT network
# "home" downloads the file from the outside server; and vnet-vmm's own test
# guest on "lab" (where /dev/kvm exists) takes a lease and pings.
# Everything it creates is removed at the end.
set -u
BUILD=$(readlink -f "${1:-build}")
T=$(mktemp -d /tmp/vnet-demo.XXXXXX)
NS="vm1 vm2 vm3 vm4 vm5 vm10 outside"
ctl() { "$BUILD/vnetctl" --socket "$T/sock" "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { echo "\$ $*"; "$@"; }

cleanup() {
	for q in ${QPIDS:-} ${srv:-} ${srv10:-}; do kill "$q" 2>/dev/null; done
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	for n in $NS; do ip netns del "demo-$n" 2>/dev/null; done
	ip link del demo-up0 2>/dev/null
	ip link del lab0 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

[ "$(id -u)" = 0 ] || { echo "demo: run as root (namespaces, taps)"; exit 1; }
for n in $NS; do
	ip netns del "demo-$n" 2>/dev/null
	ip netns add "demo-$n" && ip -n "demo-$n" link set lo up
done

step "start vnetd"
"$BUILD/vnetd" --socket "$T/sock" --state "$T/state.db" --pidfile "$T/pid" \
	--log-file "$T/vnetd.log" &
pid=$!
for _ in $(seq 50); do ctl status >/dev/null 2>&1 && break; sleep 0.1; done
ctl status

step "create networks"
ctl network create lab --type internal --subnet 10.77.1.0/24 \
	--gateway 10.77.1.254 --dhcp --range 10.77.1.100-10.77.1.199 \
	--domain lab.vnet --subnet6 fd00:77:1::/64 --dhcp6 stateful
ctl network create vault --type private --subnet 10.77.2.0/24 \
	--gateway 10.77.2.254 --dhcp --range 10.77.2.100-10.77.2.199 \
	--domain vault.vnet
ctl network create wan --type external
ctl network create home --type private --subnet 10.77.4.0/24 \
	--gateway 10.77.4.254 --dhcp --range 10.77.4.100-10.77.4.199 \
	--nat-via wan --nat-address 10.77.3.2/24
ctl dhcp reserve vault 52:54:00:77:06:00 10.77.2.16 --hostname vm6
ctl dhcp reserve vault 52:54:00:77:07:00 10.77.2.17 --hostname vm7
ctl dhcp reserve lab 52:54:00:77:07:01 10.77.1.17 --hostname vm7

step "attach the host, the guests and the uplink"
ip link add demo-up0 type veth peer name eth0 netns demo-outside
ip -n demo-outside addr add 10.77.3.1/24 dev eth0
ip -n demo-outside link set eth0 up
ctl port add lab --host lab0 --addr 10.77.1.1/24
for i in 1 2; do ctl port add lab --tap vm$i --netns demo-vm$i; done
for i in 3 4; do ctl port add vault --tap vm$i --netns demo-vm$i; done
ctl port add wan --uplink demo-up0
ctl port add wan --tap vm5 --netns demo-vm5
ctl port add home --tap vm10 --netns demo-vm10
ip -n demo-vm1 addr add 10.77.1.11/24 dev vm1
ip -n demo-vm2 addr add 10.77.1.12/24 dev vm2
ip -n demo-vm3 addr add 10.77.2.13/24 dev vm3
ip -n demo-vm4 addr add 10.77.2.14/24 dev vm4
ip -n demo-vm5 addr add 10.77.3.15/24 dev vm5
ctl network list
echo
ctl port list

ok=0 bad=0
check() {
	want=$1 from=$2 to=$3
	pfx=""
	[ "$from" = host ] || pfx="ip netns exec demo-$from"
	if $pfx ping -c 2 -i 0.2 -W 1 "$to" >/dev/null 2>&1; then
		got=reach
	else
		got=blocked
	fi
	if [ "$got" = "$want" ]; then ok=$((ok + 1)); r=ok; else bad=$((bad + 1)); r=WRONG; fi
	printf '  %-8s -> %-11s %-8s (%s)\n' "$from" "$to" "$got" "$r"
}
step "internal network lab: host and guests reach each other"
check reach vm1 10.77.1.12
check reach vm2 10.77.1.11
check reach vm1 10.77.1.1
check reach host 10.77.1.12
step "private network vault: guests only"
check reach vm3 10.77.2.14
check reach vm4 10.77.2.13
check blocked host 10.77.2.13
step "external network wan: guest <-> outside server over the uplink"
check reach vm5 10.77.3.1
check reach outside 10.77.3.15
mkdir "$T/www"
head -c 1000000 /dev/urandom >"$T/www/file"
# The outside server logs each client's address (the NAT step shows it).
ip netns exec demo-outside python3 -u -m http.server 8080 --bind 10.77.3.1 \
	--directory "$T/www" >"$T/outside.log" 2>&1 &
srv=$!
sleep 1
fetch() { # NAMESPACE URL: print the number of bytes fetched
	ip netns exec "$1" python3 -c "import urllib.request,sys;print(len(urllib.request.urlopen(sys.argv[1],timeout=10).read()))" "$2" 2>/dev/null
}
n=$(fetch demo-vm5 http://10.77.3.1:8080/file)
echo "  vm5 downloaded ${n:-0} bytes over HTTP from the outside server"
[ "${n:-0}" = 1000000 ] && ok=$((ok + 1)) || bad=$((bad + 1))
step "IPv6 on lab: SLAAC from the gateway's RA, DHCPv6, ping6"
# vm1 takes an address of fd00:77:1::/64 by SLAAC from the gateway's
# router advertisements; vm2 asks the gateway's DHCPv6 server (dhclient
# -6, its address put on by the script below only: nothing else of the
# host is touched); vm1 pings vm2's address and the gateway's.
slaac1() {
	ip -n demo-vm1 -6 addr show dev vm1 scope global |
		sed -n 's/.*inet6 \(fd00:77:1:[^/]*\)\/64.*/\1/p' | head -n 1
}
for _ in $(seq 100); do [ -n "$(slaac1)" ] && break; sleep 0.1; done
echo "  vm1 SLAAC address: $(slaac1)"
[ -n "$(slaac1)" ] && ok=$((ok + 1)) || bad=$((bad + 1))
cat >"$T/dh6.sh" <<EOF
#!/bin/sh
[ "\$reason" = BOUND6 ] || exit 0
ip -6 addr add "\$new_ip6_address/128" dev "\$interface" nodad
echo "\$new_ip6_address" >"$T/vm2.ip6"
EOF
chmod +x "$T/dh6.sh"
if command -v dhclient >/dev/null; then
	ip netns exec demo-vm2 timeout 15 dhclient -6 -1 -d -sf "$T/dh6.sh" \
		-lf "$T/vm2.lease6" -pf "$T/vm2.pid6" vm2 >"$T/vm2.dh6" 2>&1 &
	dh6=$!
	for _ in $(seq 100); do [ -s "$T/vm2.ip6" ] && break; sleep 0.1; done
	kill "$dh6" 2>/dev/null
	wait "$dh6" 2>/dev/null
	v2=$(cat "$T/vm2.ip6" 2>/dev/null)
	echo "  vm2 DHCPv6 address: ${v2:-none}"
	if [ -n "$v2" ]; then
		check reach vm1 "$v2"
	else
		bad=$((bad + 1))
	fi
fi
check reach vm1 fd00:77:1::1
step "NAT network home: out through wan as 10.77.3.2, a forward in"
D=$(readlink -f "$(dirname "$0")")/integration/dhcp
ip netns exec demo-vm10 env DHCP_ENV="$T/vm10.env" busybox udhcpc -i vm10 \
	-s "$D/udhcpc.sh" -q -n -t 5 -T 1 >/dev/null 2>&1
ip10=$(sed -n 's/.* ip=\([^ ]*\) .*/\1/p' "$T/vm10.env" 2>/dev/null | tail -n 1)
echo "  vm10 took the lease ${ip10:-(none)}, default route via the NAT gateway"
n=$(fetch demo-vm10 http://10.77.3.1:8080/file)
peer=$(sed -n 's/^\([0-9.]*\) - - .*GET \/file.*/\1/p' "$T/outside.log" | tail -n 1)
echo "  vm10 downloaded ${n:-0} bytes from 10.77.3.1; the server saw the client ${peer:-?}"
[ "${n:-0}" = 1000000 ] && [ "$peer" = 10.77.3.2 ] && ok=$((ok + 1)) || bad=$((bad + 1))
mkdir "$T/www10" && echo "hello from vm10" >"$T/www10/index.html"
ip netns exec demo-vm10 python3 -u -m http.server 80 --directory "$T/www10" \
	>"$T/vm10-http.log" 2>&1 &
srv10=$!
[ -n "$ip10" ] && run "$BUILD/vnetctl" --socket "$T/sock" nat forward add home tcp 8081 "$ip10:80"
sleep 1
got=$(ip netns exec demo-outside python3 -c "import urllib.request;print(urllib.request.urlopen('http://10.77.3.2:8081/',timeout=10).read().decode().strip())" 2>/dev/null)
seen=$(sed -n 's/^\([0-9.]*\) - - .*GET \/ .*/\1/p' "$T/vm10-http.log" | tail -n 1)
echo "  outside -> 10.77.3.2:8081 answered '${got:-nothing}'; vm10 saw the client ${seen:-?}"
[ "$got" = "hello from vm10" ] && [ "$seen" = 10.77.3.1 ] && ok=$((ok + 1)) || bad=$((bad + 1))
# Unmodified Linux guests run under vnet-vmm where KVM is hardware KVM,
# under QEMU otherwise (the emulated KVM here runs Linux too slowly for
# vnet-vmm; QEMU emulates it in software).  VNET_DEMO_VMM=qemu|vnet-vmm
# chooses by hand.
. "$(dirname "$0")/../vmm-glue/hw_kvm.sh"
LVMM=qemu
hw_kvm && [ -x "$BUILD/vnet-vmm" ] && LVMM=vnet-vmm
LVMM=${VNET_DEMO_VMM:-$LVMM}
step "three Linux virtual machines ($LVMM) on vhost-user ports"
G="$BUILD/guest"
if { [ "$LVMM" = vnet-vmm ] || command -v qemu-system-x86_64 >/dev/null; } &&
	sh "$(dirname "$0")/guest/build.sh" "$G" >"$T/guest.log" 2>&1; then
	vm() { # NAME KERNEL-ARGS NETWORK...: NIC i gets MAC 52:54:00:77:NAME:0i
		n=$1 args=$2
		shift 2
		nics="" i=0
		for net in "$@"; do
			mac=52:54:00:77:$n:0$i
			if [ "$LVMM" = vnet-vmm ]; then
				# vnet-vmm asks vnetd for the port itself
				nics="$nics --net $net,mac=$mac,name=vm$n-$i"
			else
				sock="$T/vm$n-$i.sock"
				# MAC- and IP-guarded: the guest sends only from
				# its own MAC and the address it leases
				ctl port add "$net" --vhost-user "$sock" --mac "$mac" \
					--mac-guard --ip-guard
				nics="$nics -chardev socket,id=c$i,path=$sock,reconnect=1"
				nics="$nics -netdev vhost-user,id=n$i,chardev=c$i"
				nics="$nics -device virtio-net-pci,netdev=n$i,mac=$mac,vectors=0"
			fi
			i=$((i + 1))
		done
		echo "  vm${n#0} runs under $LVMM, NICs on: $*"
		# shellcheck disable=SC2086
		if [ "$LVMM" = vnet-vmm ]; then
			"$BUILD/vnet-vmm" run --kernel "$G/vmlinuz" \
				--initrd "$G/initrd.gz" --mem 256M \
				--cmdline "console=ttyS0 quiet $args" \
				--socket "$T/sock" $nics </dev/null >"$T/vm$n.log" 2>&1 &
		else
			qemu-system-x86_64 -machine pc -m 256 -smp 1 -nographic \
				-nodefaults -no-reboot -serial stdio -kernel "$G/vmlinuz" \
				-initrd "$G/initrd.gz" -append "console=ttyS0 quiet $args" \
				-object memory-backend-memfd,id=mem,size=256M,share=on \
				-numa node,memdev=mem $nics >"$T/vm$n.log" 2>&1 &
		fi
		QPIDS="${QPIDS:-} $!"
	}
	dhcp="udhcpc,-s,/usr/share/udhcpc/default.script,-q,-n,-t,20,-T,2"
	vm 07 "vnet.run=$dhcp,-i,eth0;$dhcp,-i,eth1" vault lab
	# vm6 waits (up to a minute) for vm7 to come up, then pings it.
	wait7="for,i,in,$(seq -s, 30);do,ping,-c,1,-W,2,10.77.2.17>/dev/null&&break;done"
	vm 06 "vnet.run=$dhcp,-i,eth0;$wait7;ping,-c,3,10.77.2.17;nslookup,vm7.vault.vnet,10.77.2.254" vault
	vm 09 "vnet.run=$dhcp,-i,eth0;wget,-q,-O,/tmp/file,http://10.77.3.1:8080/file;ls,-l,/tmp/file" home
	[ "$LVMM" = qemu ] &&
		echo "  booting three Linux VMs under QEMU (software emulation here: ~20 s);"
	echo "  each gets its address by DHCP from vnet at boot"
	for _ in $(seq 120); do
		grep -q VNET-RUN-EXIT "$T/vm06.log" 2>/dev/null &&
			grep -q VNET-RUN-EXIT "$T/vm09.log" 2>/dev/null && break
		sleep 1
	done
	grep -h "VNET-DHCP-BOUND" "$T/vm07.log" | sed 's/^/  vm7: /'
	grep -E "VNET-DHCP-BOUND|bytes from|packet loss|^Name:|^Address" "$T/vm06.log" |
		sed 's/^/  vm6: /'
	if grep -q "VNET-DHCP-BOUND 10.77.2.16" "$T/vm06.log" &&
		grep -q "3 packets received" "$T/vm06.log"; then
		ok=$((ok + 1))
	else
		bad=$((bad + 1))
	fi
	check reach host 10.77.1.17
	grep -E "VNET-DHCP-BOUND|/tmp/file" "$T/vm09.log" | sed 's/^/  vm9: /'
	if grep -q "VNET-DHCP-BOUND 10.77.4." "$T/vm09.log" &&
		grep -q " 1000000 .*/tmp/file" "$T/vm09.log"; then
		ok=$((ok + 1))
	else
		bad=$((bad + 1))
	fi
	ctl port list
else
	echo "  skipped: $LVMM or the guest image is not available"
fi
step "vnet-vmm: the project's own VMM and test guest on lab"
if [ -c /dev/kvm ] && [ -x "$BUILD/vnet-vmm" ] && [ -f "$BUILD/guest-min.elf" ]; then
	echo "\$ vnet-vmm run --kernel guest-min.elf --mem 32M --net lab,name=vm8,queues=2"
	timeout 120 "$BUILD/vnet-vmm" run --kernel "$BUILD/guest-min.elf" \
		--mem 32M --net lab,name=vm8,queues=2 --socket "$T/sock" \
		--cmdline "peer=10.77.1.1 count=2 serve=4 mq" </dev/null >"$T/vm8.out" \
		2>"$T/vm8.err" &
	vmm=$!
	for _ in $(seq 100); do
		grep -q "ping 10.77.1.254 seq=.* reply" "$T/vm8.out" 2>/dev/null && break
		sleep 1
	done
	echo "  vm8's port while it runs: two queue pairs, a MAC vnetd assigned"
	ctl port show vm8 | grep -E "^(mac|queue_pairs|features) " | sed 's/^/  /'
	ctl port show vm8 | sed -n '/^QUEUE/,$p' | sed 's/^/  /'
	ip8=$(tr -d '\r' <"$T/vm8.out" | sed -n 's/.*DHCP lease \([0-9.]*\)\/.*/\1/p')
	[ -n "$ip8" ] && check reach host "$ip8"
	wait $vmm
	tr -d '\r' <"$T/vm8.out" | sed 's/^/  vm8: /'
	if grep -q "DHCP lease 10.77.1." "$T/vm8.out" &&
		grep -q "ping 10.77.1.254 seq=.* reply" "$T/vm8.out"; then
		ok=$((ok + 1))
	else
		bad=$((bad + 1))
	fi
else
	echo "  skipped: no /dev/kvm or vnet-vmm not built"
fi

step "DHCP leases (IPv4: durable in the state file before each ACK; DHCPv6 bindings: addresses by a stored key)"
ctl dhcp leases

step "NAT sessions of home and its forwards"
ctl nat sessions home
ctl nat forward list home

step "the MAC table of lab and the counters"
ctl mac show lab
echo
ctl stats
step "result"
echo "demo: $ok passed, $bad failed"
[ $bad = 0 ]
