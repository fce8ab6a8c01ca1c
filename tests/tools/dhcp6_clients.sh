#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# dhcp6_clients.sh - real DHCPv6 clients (ISC dhclient -6, dhcpcd) get an
# address from the DHCPv6 engine (build/vnet-dhcp6-peer: the engine behind
# a UDP socket) over a veth pair between two network namespaces this
# script makes; every reply must dissect cleanly with scapy's DHCP6
# layers.  The messages and replies are kept in OUTDIR (test vectors, fuzz
# seeds).  Needs root.
#
#   sh tests/tools/dhcp6_clients.sh [BUILD] [OUTDIR]
set -eu
B=${1:-build}
OUT=${2:-$(mktemp -d)}
PREFIX=fd00:abc:0:1::
S=d6s$$
C=d6c$$
peer=""
fail=0

cleanup() {
	[ -n "$peer" ] && kill "$peer" 2>/dev/null
	for f in "$OUT"/*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	ip netns del $S 2>/dev/null
	ip netns del $C 2>/dev/null
	return 0
}
trap cleanup EXIT

mkdir -p "$OUT/peer"
ip netns add $S
ip netns add $C
for n in $S $C; do
	ip netns exec $n sysctl -qw net.ipv6.conf.default.accept_dad=0
	ip netns exec $n sysctl -qw net.ipv6.conf.all.accept_dad=0
	ip -n $n link set lo up
done
ip link add v6s netns $S type veth peer name v6c netns $C
ip -n $S link set v6s up
ip -n $C link set v6c up
ip -n $S addr add ${PREFIX}1/64 dev v6s nodad
sleep 1

ip netns exec $S "$B/vnet-dhcp6-peer" v6s $PREFIX 60 "$OUT/peer" \
	>"$OUT/peer.log" 2>&1 &
peer=$!
sleep 0.5

# has_addr: the client's interface holds an address of the prefix
has_addr() {
	ip -n $C -6 addr show dev v6c | grep -q "inet6 ${PREFIX%::}:"
}

# ISC dhclient: SOLICIT, REQUEST, then RENEW at T1 (10 s), then RELEASE.
ip netns exec $C dhclient -6 -1 -v -lf "$OUT/dhclient.leases" \
	-pf "$OUT/dhclient.pid" v6c >"$OUT/dhclient.log" 2>&1 || fail=1
if has_addr; then
	echo "ok    dhclient -6: $(ip -n $C -6 addr show dev v6c | grep -o "${PREFIX%::}:[0-9a-f:]*/[0-9]*")"
else
	echo "FAIL  dhclient -6: no address"
	fail=1
fi
sleep 12
ip netns exec $C dhclient -6 -r -lf "$OUT/dhclient.leases" \
	-pf "$OUT/dhclient.pid" v6c >>"$OUT/dhclient.log" 2>&1 || true
rm -f "$OUT/dhclient.pid"
ip -n $C -6 addr flush dev v6c scope global

# dhclient -S: stateless, INFORMATION-REQUEST only.
ip netns exec $C dhclient -6 -S -1 -v -lf "$OUT/dhclient-s.leases" \
	-pf "$OUT/dhclient-s.pid" v6c >"$OUT/dhclient-s.log" 2>&1 || fail=1
if grep -q "RCV: Reply message" "$OUT/dhclient-s.log"; then
	echo "ok    dhclient -6 -S: information reply"
else
	echo "FAIL  dhclient -6 -S: no reply"
	fail=1
fi
ip netns exec $C dhclient -6 -x -pf "$OUT/dhclient-s.pid" v6c \
	>>"$OUT/dhclient-s.log" 2>&1 || true
rm -f "$OUT/dhclient-s.pid"

# dhcpcd: DHCPv6 straight away (no router advertisement here), one shot.
cat >"$OUT/dhcpcd.conf" <<EOF
ipv6only
noipv6rs
ia_na 1
option domain_name_servers, domain_search
EOF
# A fresh start (SOLICIT, REQUEST), then a restart with the lease kept
# (CONFIRM).  dhcpcd keeps leases in its own directory: ours are named
# after the interface this script made.
lease6=/var/lib/dhcpcd/v6c.lease6
rm -f $lease6
for run in fresh confirm; do
	ip netns exec $C dhcpcd -f "$OUT/dhcpcd.conf" -1 -t 15 -6 v6c \
		>"$OUT/dhcpcd-$run.log" 2>&1 || fail=1
	if has_addr; then
		echo "ok    dhcpcd ($run): $(ip -n $C -6 addr show dev v6c | grep -o "${PREFIX%::}:[0-9a-f:]*/[0-9]*")"
	else
		echo "FAIL  dhcpcd ($run): no address"
		fail=1
	fi
	ip netns exec $C dhcpcd -x v6c >>"$OUT/dhcpcd-$run.log" 2>&1 || true
	sleep 1
done
rm -f $lease6
sleep 1
kill "$peer" 2>/dev/null
wait "$peer" 2>/dev/null || true
peer=""
cat "$OUT/peer.log"

# Every reply dissects with scapy into known DHCP6 options, nothing left.
/usr/bin/python3 - "$OUT/peer" <<'EOF' || fail=1
import glob, sys
from scapy.layers.inet import UDP
from scapy.layers.dhcp6 import *
from scapy.packet import NoPayload, Raw, Padding

bad = 0
files = sorted(glob.glob(sys.argv[1] + "/*-tx.bin"))
for f in files:
    data = open(f, "rb").read()
    p = UDP(bytes(UDP(sport=547, dport=546) / Raw(data)))
    names = []
    layer = p.payload
    while layer and not isinstance(layer, NoPayload):
        names.append(layer.__class__.__name__)
        layer = layer.payload
    unknown = [n for n in names if n in ("Raw", "Padding", "DHCP6OptUnknown")]
    if unknown or not names[0].startswith("DHCP6_"):
        print("FAIL  scapy: %s: %s" % (f, names))
        bad = 1
    else:
        print("ok    scapy: %s: %s" % (f.split("/")[-1], " ".join(names)))
    if bytes(p.payload) != data:
        print("FAIL  scapy: %s: does not rebuild byte for byte" % f)
        bad = 1
if not files:
    print("FAIL  scapy: no replies")
    bad = 1
sys.exit(bad)
EOF
exit $fail
