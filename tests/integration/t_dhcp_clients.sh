# DHCP with real clients: busybox udhcpc, ISC dhclient and dhcpcd each obtain,
# renew and release a lease from vnet's gateway in namespaces on an internal
# network; the address, router, DNS server, domain and MTU they get are the
# configured ones; leases are durable: after kill -9 and a restart a client
# renews the same address.
# vnet-test: idle
. "$(dirname "$0")/lib.sh"
need_root
D=$(readlink -f "$(dirname "$0")/dhcp")
command -v busybox >/dev/null || skip "busybox (package busybox-static) not installed"
command -v dhclient >/dev/null || skip "dhclient (package isc-dhcp-client) not installed"
command -v dhcpcd >/dev/null || skip "dhcpcd (package dhcpcd-base) not installed"
ETCNS=""
trap 'rm -f /tmp/vnet-dhcp-env.*$S; rm -rf ${ETCNS:-}; cleanup' EXIT
start_vnetd
N="dh$S"
vnetctl network create "$N" --type internal --mtu 1400 --subnet 10.214.0.0/24 \
	--dhcp --range 10.214.0.100-10.214.0.150 --domain lab.vnet --lease 10m \
	>/dev/null || fail "create"
[ "$(jget .gateway_ip network show "$N")" = 10.214.0.1 ] || fail "gateway address"

# expect FILE KEY VALUE: the last event in FILE has KEY=VALUE.
expect() {
	got=$(tail -n 1 "$1" | tr ' ' '\n' | grep "^$2=" | cut -d= -f2-)
	[ "$got" = "$3" ] || fail "$(basename "$1"): $2 is '$got', not '$3' ($(tail -n 1 "$1"))"
}

# A client sends its RELEASE and at once removes its address; when it must
# ARP for the server first, the kernel drops the queued RELEASE with the
# address (a client-side race, seen with all three clients).  So the test
# makes sure the client knows the gateway's MAC before it releases.
arp_gateway() { ip netns exec "$1" ping -c 1 -W 1 10.214.0.1 >/dev/null; }

lease_state() { # MAC -> state of its newest lease
	vnetctl --json dhcp leases "$N" | jq -r --arg m "$1" \
		'[.[] | select(.mac == $m)] | .[0].state // "none"'
}

client_ns() { # NAME: a namespace with a tap on the network
	ns "$1$S"
	# `ip netns exec` binds this over /etc/resolv.conf for the clients:
	# whatever a DHCP client writes there stays out of the host's.
	mkdir -p "/etc/netns/$1$S"
	: >"/etc/netns/$1$S/resolv.conf"
	ETCNS="$ETCNS /etc/netns/$1$S"
	vnetctl port add "$N" --tap "t$1$S" --netns "$1$S" >/dev/null || fail "port $1"
	ip -n "$1$S" link set "t$1$S" up
}

# --- udhcpc: obtain, renew (SIGUSR1: unicast REQUEST), release (SIGUSR2).
client_ns u
export DHCP_ENV="$T/u.env"
ip netns exec "u$S" busybox udhcpc -i "tu$S" -s "$D/udhcpc.sh" -f -t 5 -T 1 \
	-O mtu -O domain >"$T/u.log" 2>&1 &
UPID=$!
PIDS="$PIDS $UPID"
for _ in $(seq 50); do [ -s "$T/u.env" ] && break; sleep 0.1; done
[ -s "$T/u.env" ] || fail "udhcpc got no lease: $(cat "$T/u.log")"
expect "$T/u.env" router 10.214.0.1
expect "$T/u.env" dns 10.214.0.1
expect "$T/u.env" domain lab.vnet
expect "$T/u.env" mtu 1400
expect "$T/u.env" lease 600
UIP=$(tail -n 1 "$T/u.env" | sed 's/.* ip=\([^ ]*\).*/\1/')
case "$UIP" in 10.214.0.1[0-4][0-9] | 10.214.0.150) ;; *) fail "udhcpc address $UIP outside the range" ;; esac
UMAC=$(ip -n "u$S" -j link show "tu$S" | jq -r '.[0].address')
[ "$(lease_state "$UMAC")" = bound ] || fail "udhcpc lease not stored as bound"
ip netns exec "u$S" ping -c 1 -W 2 10.214.0.1 >/dev/null || fail "udhcpc client cannot ping the gateway"
kill -USR1 $UPID
for _ in $(seq 50); do grep -q "event=renew" "$T/u.env" && break; sleep 0.1; done
grep -q "event=renew ip=$UIP" "$T/u.env" || fail "udhcpc renew: $(tail -n 2 "$T/u.env")"
log "udhcpc: $UIP, router, DNS, domain, MTU 1400, lease 600 s; renewed"

# Durable: kill -9, restart, the same client renews the same address.
kill9_vnetd
start_vnetd
kill -USR1 $UPID
for _ in $(seq 50); do [ "$(grep -c "event=renew" "$T/u.env")" -ge 2 ] && break; sleep 0.1; done
[ "$(grep -c "event=renew ip=$UIP" "$T/u.env")" -ge 2 ] ||
	fail "no renewal of $UIP after kill -9: $(tail -n 3 "$T/u.env")"
log "after kill -9 and restart udhcpc renewed $UIP"
arp_gateway "u$S"
# The MAC table names the gateway's port (not "?").
gwp=$(vnetctl --json mac show "$N" | jq -r --arg m "$(jget .gateway_mac network show "$N")" \
	'.[] | select(.mac == $m) | .port')
[ "$gwp" = "gw.$N" ] || fail "the gateway's MAC is on port '$gwp' in mac show, not gw.$N"
kill -USR2 $UPID
for _ in $(seq 30); do [ "$(lease_state "$UMAC")" = released ] && break; sleep 0.1; done
[ "$(lease_state "$UMAC")" = released ] ||
	fail "udhcpc release not seen: $(vnetctl dhcp leases; vnetctl --json network show "$N" | jq -c .gateway_counters; cat "$T/u.log")"
kill $UPID
log "udhcpc released"

# dhcpcd ARP-probes the address it is offered for some 5 s before it takes
# it: it starts obtaining its lease here, beside dhclient; checked below.
client_ns p
ln -sf "$T/p.env" "/tmp/vnet-dhcp-env.tp$S"
mkdir -p "$T/dhcpcd"
DPC="dhcpcd -4 -f /dev/null --script $D/dhcpcd.sh --noipv4ll --nohook resolv.conf
	-o domain_name_servers -o domain_name -o interface_mtu"
DHCP_ENV="$T/p.env" ip netns exec "p$S" $DPC -w -t 10 "tp$S" >"$T/p.log" 2>&1 &
DPC_START=$!

# --- dhclient: obtain, renew (the same address asked for again), release.
client_ns c
export DHCP_ENV="$T/c.env"
ln -sf "$T/c.env" "/tmp/vnet-dhcp-env.tc$S"
DHC="dhclient -4 -sf $D/dhclient.sh -lf $T/c.leases -pf $T/c.pid"
ip netns exec "c$S" $DHC -v -1 "tc$S" >"$T/c.log" 2>&1 || fail "dhclient: $(cat "$T/c.log")"
PIDS="$PIDS $(cat "$T/c.pid")"
expect "$T/c.env" router 10.214.0.1
expect "$T/c.env" dns 10.214.0.1
expect "$T/c.env" domain lab.vnet
expect "$T/c.env" mtu 1400
CIP=$(tail -n 1 "$T/c.env" | sed 's/.* ip=\([^ ]*\).*/\1/')
[ "$CIP" != "$UIP" ] || true
CMAC=$(ip -n "c$S" -j link show "tc$S" | jq -r '.[0].address')
[ "$(lease_state "$CMAC")" = bound ] || fail "dhclient lease not bound"
ip netns exec "c$S" $DHC -x "tc$S" >/dev/null 2>&1
ip netns exec "c$S" $DHC -1 "tc$S" >>"$T/c.log" 2>&1 || fail "dhclient again"
tail -n 1 "$T/c.env" | grep -Eq "event=(REBOOT|BOUND) ip=$CIP " ||
	fail "dhclient did not get $CIP again: $(tail -n 1 "$T/c.env")"
arp_gateway "c$S"
ip netns exec "c$S" $DHC -r "tc$S" >>"$T/c.log" 2>&1
for _ in $(seq 30); do [ "$(lease_state "$CMAC")" = released ] && break; sleep 0.1; done
[ "$(lease_state "$CMAC")" = released ] || fail "dhclient release not seen: $(vnetctl --json network show "$N" | jq -c .gateway_counters)"
log "dhclient: $CIP with the configured options; asked again and got it; released"

# --- dhcpcd: obtain (started above), renew (-n), release (-k).
export DHCP_ENV="$T/p.env"
wait $DPC_START || fail "dhcpcd: $(cat "$T/p.log")"
# dhcpcd renames its processes ("dhcpcd: IFACE [ip4]"): find them by that.
PIDS="$PIDS $(pgrep -f "dhcpcd.*tp$S" | tr '\n' ' ')"
expect "$T/p.env" router 10.214.0.1
expect "$T/p.env" dns 10.214.0.1
expect "$T/p.env" mtu 1400
PIP=$(tail -n 1 "$T/p.env" | sed 's/.* ip=\([^ ]*\).*/\1/')
PMAC=$(ip -n "p$S" -j link show "tp$S" | jq -r '.[0].address')
[ "$(lease_state "$PMAC")" = bound ] || fail "dhcpcd lease not bound"
ip netns exec "p$S" dhcpcd -4 -n "tp$S" >>"$T/p.log" 2>&1
for _ in $(seq 50); do [ "$(grep -c "ip=$PIP" "$T/p.env")" -ge 2 ] && break; sleep 0.1; done
[ "$(grep -c "ip=$PIP" "$T/p.env")" -ge 2 ] || fail "dhcpcd did not renew: $(cat "$T/p.env")"
arp_gateway "p$S"
ip netns exec "p$S" tcpdump -n -i "tp$S" -w "$T/p.pcap" udp 2>/dev/null &
TD=$!
PIDS="$PIDS $TD"
sleep 0.3
ip netns exec "p$S" dhcpcd -4 -k "tp$S" >>"$T/p.log" 2>&1
for _ in $(seq 50); do [ "$(lease_state "$PMAC")" = released ] && break; sleep 0.1; done
[ "$(lease_state "$PMAC")" = released ] || fail "dhcpcd release not seen: $(vnetctl --json network show "$N" | jq -c .gateway_counters; vnetctl dhcp leases; kill $TD; sleep 0.2; tcpdump -n -r "$T/p.pcap" 2>/dev/null)"
log "dhcpcd: $PIP with the configured options; renewed; released"
ip netns exec "p$S" dhcpcd -4 -x "tp$S" >/dev/null 2>&1
for _ in $(seq 30); do pgrep -f "dhcpcd.*tp$S" >/dev/null || break; sleep 0.1; done
pgrep -f "dhcpcd.*tp$S" >/dev/null && fail "dhcpcd did not exit"

c=$(vnetctl --json network show "$N" | jq -c '.gateway_counters | {acks: .dhcp.acks, committed: .leases_committed, failed: .commits_failed}')
echo "$c" | jq -e '.acks >= 6 and .failed == 0' >/dev/null || fail "counters: $c"
log "gateway counters: $c"
# --- The administrator takes a lease back.
client_ns r
DHCP_ENV="$T/r.env" ip netns exec "r$S" busybox udhcpc -i "tr$S" \
	-s "$D/udhcpc.sh" -q -n -t 5 -T 1 >/dev/null 2>&1 || fail "no lease for r"
RMAC=$(ip -n "r$S" -j link show "tr$S" | jq -r '.[0].address')
[ "$(lease_state "$RMAC")" = bound ] || fail "r's lease not bound"
vnetctl dhcp release "$N" "$RMAC" | grep -q "released 1" || fail "dhcp release"
[ "$(lease_state "$RMAC")" = released ] || fail "not released by the administrator"
out=$(vnetctl dhcp release "$N" "$RMAC" 2>&1) && fail "released twice"
echo "$out" | grep -q "holds no lease" || fail "unclear: $out"
log "vnetctl dhcp release took r's lease back"

pass
