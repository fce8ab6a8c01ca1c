#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/nat.sh BUILD - vnet's NAT gateway next to the Linux kernel's
# nftables masquerade, in one run on the same cores, interleaved round by
# round, every round printed:
#   tcp   iperf3 TCP Gbit/s, inside -> outside (tcp-rev: outside -> inside,
#         iperf3 -R)
#   udp   64-byte frames (18-byte UDP payload), iperf3 -u at full rate:
#         packets per second the outside received
#   conn  new TCP connections per second: wrk with "Connection: close"
#         against a small epoll HTTP responder outside
# with 100 000 live UDP sessions held in the table the whole time (primed
# again each round: unreplied UDP lives 30 s in both).
#
# vnet: VM namespace on a tap in a NAT network; outside namespace behind an
# external network's veth uplink.  Kernel: the same two namespaces joined
# by a router namespace with ip_forward and "masquerade" on its outside
# device.  ROUNDS=5 SECS=5 OFFLOADS=off: checksum, TSO, GSO and GRO off on
# every device of both paths; OFFLOADS=on leaves the devices' defaults (TCP
# then crosses in 64 KB super-frames on both paths).
set -u
BUILD=$(readlink -f "${1:-build}")
ROUNDS=${ROUNDS:-5}
SECS=${SECS:-5}
OFFLOADS=${OFFLOADS:-off}
T=$(mktemp -d /tmp/vnet-natbench.XXXXXX)
S=$$
ctl() { "$BUILD/vnetctl" --socket "$T/sock" "$@"; }
cleanup() {
	[ -n "${srv:-}" ] && kill $srv 2>/dev/null
	for f in "$T"/iperf*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	for n in va$S vo$S ka$S kr$S ko$S; do ip netns del "$n" 2>/dev/null; done
	ip link del nu$S 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
[ "$(id -u)" = 0 ] || { echo "bench: run as root"; exit 1; }
for c in iperf3 wrk nft cc ethtool jq; do
	command -v $c >/dev/null || { echo "bench: needs $c (tests/deps.sh)"; exit 1; }
done

# The responder: accept, read the request, answer, close.
cat >"$T/httpd.c" <<'EOF'
#define _GNU_SOURCE
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	static const char r[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
				"Connection: close\r\n\r\nok";
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(8080)};
	struct epoll_event ev = {.events = EPOLLIN}, evs[64];
	int one = 1, l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int ep = epoll_create1(0);
	char buf[4096];

	inet_pton(AF_INET, argv[1], &a.sin_addr);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 4096))
		return 1;
	ev.data.fd = l;
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	for (;;) {
		int n = epoll_wait(ep, evs, 64, -1);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == l) {
				int c;
				while ((c = accept4(l, NULL, NULL,
						    SOCK_NONBLOCK)) >= 0) {
					ev.data.fd = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				}
				continue;
			}
			if (read(fd, buf, sizeof(buf)) > 0 &&
			    write(fd, r, sizeof(r) - 1) < 0) {
			}
			close(fd);
		}
	}
}
EOF
cc -O2 -o "$T/httpd" "$T/httpd.c" || exit 1

for n in va$S vo$S ka$S kr$S ko$S; do
	ip netns add "$n"
	ip -n "$n" link set lo up
done
# ---- vnet: lab (NAT) -> ext (uplink veth) -> outside ----
"$BUILD/vnetd" --socket "$T/sock" --state "$T/db" --pidfile "$T/pid" \
	--log-file "$T/log" &
pid=$!
for _ in $(seq 50); do ctl status >/dev/null 2>&1 && break; sleep 0.1; done
ip link add nu$S type veth peer name np$S
ip link set np$S netns vo$S
ip -n vo$S addr add 10.251.0.1/24 dev np$S && ip -n vo$S link set np$S up
ctl network create nx$S --type external >/dev/null
ctl port add nx$S --uplink nu$S >/dev/null
# One VM holds every flow here, as behind the kernel's masquerade: no
# share per address.
ctl network create nl$S --type private --subnet 10.251.1.0/24 \
	--nat-via nx$S --nat-address 10.251.0.2/24 --nat-sessions 1048576 \
	--nat-sessions-per-ip 0 >/dev/null
ctl port add nl$S --tap ta$S --netns va$S >/dev/null
ip -n va$S addr add 10.251.1.10/24 dev ta$S && ip -n va$S link set ta$S up
ip -n va$S route add default via 10.251.1.1
# ---- kernel: inside -> router (masquerade) -> outside ----
ip link add ka$S type veth peer name kri$S
ip link add kro$S type veth peer name ko$S
ip link set ka$S netns ka$S
ip link set kri$S netns kr$S
ip link set kro$S netns kr$S
ip link set ko$S netns ko$S
ip -n ka$S addr add 10.252.1.10/24 dev ka$S && ip -n ka$S link set ka$S up
ip -n ka$S route add default via 10.252.1.1
ip -n kr$S addr add 10.252.1.1/24 dev kri$S && ip -n kr$S link set kri$S up
ip -n kr$S addr add 10.252.0.2/24 dev kro$S && ip -n kr$S link set kro$S up
ip -n ko$S addr add 10.252.0.1/24 dev ko$S && ip -n ko$S link set ko$S up
ip netns exec kr$S sysctl -qw net.ipv4.ip_forward=1
ip netns exec kr$S nft -f - <<EOF
table ip nat {
	chain post {
		type nat hook postrouting priority srcnat;
		oifname "kro$S" masquerade
	}
}
EOF
# Offloads off on every device of both paths (unless OFFLOADS=on).
if [ "$OFFLOADS" = off ]; then
	for d in "va$S ta$S" "vo$S np$S" "ka$S ka$S" "kr$S kri$S" "kr$S kro$S" "ko$S ko$S"; do
		set -- $d
		ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off rx off \
			>/dev/null 2>&1
	done
	ethtool -K nu$S tso off gso off gro off tx off rx off >/dev/null 2>&1
fi
for n in va$S ka$S; do
	ip netns exec $n sysctl -qw net.ipv4.ip_local_port_range="10000 60999"
	ip netns exec $n sysctl -qw net.ipv4.tcp_tw_reuse=1
done
ip netns exec va$S ping -c 1 -W 2 10.251.0.1 >/dev/null || echo "vnet: no ping"
ip netns exec ka$S ping -c 1 -W 2 10.252.0.1 >/dev/null || echo "kernel: no ping"
srv=""
for o in "vo$S 10.251.0.1" "ko$S 10.252.0.1"; do
	set -- $o
	ip netns exec "$1" "$T/httpd" "$2" &
	srv="$srv $!"
	ip netns exec "$1" iperf3 -s -D -I "$T/iperf-$1.pid" -B "$2" -p 5999 \
		>/dev/null
done
sleep 0.5

# prime NS OUTSIDE-ADDR: 100 000 UDP sessions (two sockets, 50 000
# destination ports each: two mappings, 100 000 sessions), paced so that
# neither path drops them.
prime() {
	ip netns exec "$1" python3 -c "
import socket, time
ss = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
for p in range(50000):
    for s in ss:
        s.sendto(b'x', ('$2', 10000 + p))
    if p % 100 == 99:
        time.sleep(0.01)
" 2>/dev/null
}
# Sessions live now.
live_vnet() { ctl --json network show nl$S | jq .nat.sessions; }
live_kernel() { ip netns exec kr$S cat /proc/sys/net/netfilter/nf_conntrack_count; }

tcp() {
	ip netns exec "$1" iperf3 -c "$2" -p 5999 -t "$SECS" ${3:-} -J 2>/dev/null |
		jq '.end.sum_received.bits_per_second / 1e9 * 100 | floor / 100'
}
udp() {
	ip netns exec "$1" iperf3 -c "$2" -p 5999 -u -b 0 -l 18 -t "$SECS" -J \
		2>/dev/null |
		jq '(.end.sum.packets - .end.sum.lost_packets) / .end.sum.seconds / 1000 | floor'
}
conn() {
	ip netns exec "$1" wrk -t1 -c32 -d"${SECS}s" -H "Connection: close" \
		"http://$2:8080/" 2>/dev/null | awk '/Requests\/sec/ {printf "%d", $2}'
}

echo "NAT: vnet gateway vs nftables masquerade, $SECS s per run, $ROUNDS rounds, offloads $OFFLOADS"
echo "commit $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null), $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, shared machine"
echo "round  sessions(vnet/kernel)  tcp-Gbit/s(vnet/kernel)  tcp-rev-Gbit/s(vnet/kernel)  udp64-kpps(vnet/kernel)  new-conn/s(vnet/kernel)"
for r in $(seq "$ROUNDS"); do
	prime va$S 10.251.0.1
	prime ka$S 10.252.0.1
	sv=$(live_vnet) sk=$(live_kernel)
	tv=$(tcp va$S 10.251.0.1) tk=$(tcp ka$S 10.252.0.1)
	rv=$(tcp va$S 10.251.0.1 -R) rk=$(tcp ka$S 10.252.0.1 -R)
	uv=$(udp va$S 10.251.0.1) uk=$(udp ka$S 10.252.0.1)
	cv=$(conn va$S 10.251.0.1) ck=$(conn ka$S 10.252.0.1)
	printf "%5s  %10s/%-10s  %10s/%-12s  %10s/%-16s  %10s/%-12s  %8s/%s\n" \
		"$r" "$sv" "$sk" "$tv" "$tk" "$rv" "$rk" "$uv" "$uk" "$cv" "$ck"
done
ctl --json nat sessions nl$S | jq -c '.nats[0] | {sessions, capacity, exhausted, drops}'
ctl --json network show nl$S |
	jq -c '.nat | {superframes, superframes_whole, superframes_segmented}'
