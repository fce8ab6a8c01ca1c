// SPDX-License-Identifier: GPL-2.0-or-later
/* dhcp6_peer.c - the DHCPv6 server engine behind a plain UDP socket, to try
 * it with real clients (dhclient -6, dhcpcd) before the gateway serves it
 *
 *   vnet-dhcp6-peer IFNAME PREFIX SECONDS [DUMPDIR]
 *
 * Serves PREFIX/64 on IFNAME (the gateway is PREFIX::1, also the DNS
 * server; search list lab.vnet; preferred 20 s, valid 40 s so clients renew
 * within a run; preference 255) for SECONDS.  One line per message on stdout:
 * what came and what went back.  With DUMPDIR, each message's payload and its
 * reply are written there (NNN-rx.bin, NNN-tx.bin): test vectors and fuzz
 * seeds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dhcp/dhcp6.h"

static const char *const names[] = {
    "?",      "SOLICIT",  "ADVERTISE",	"REQUEST",    "CONFIRM",
    "RENEW",  "REBIND",	  "REPLY",	"RELEASE",    "DECLINE",
    "RECONF", "INFO-REQ", "RELAY-FORW", "RELAY-REPL",
};

static const char *type_name(const uint8_t *b, size_t n)
{
	return n && b[0] < 14 ? names[b[0]] : "?";
}

static void dump(const char *dir, unsigned seq, const char *what,
		 const uint8_t *b, size_t n)
{
	char path[512];
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%03u-%s-%s.bin", dir, seq,
		 type_name(b, n), what);
	f = fopen(path, "wb");
	if (!f)
		return;
	fwrite(b, 1, n, f);
	fclose(f);
}

static int read_mac(const char *ifname, uint8_t mac[6])
{
	char path[128];
	unsigned m[6];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/address", ifname);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fscanf(f, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
		   &m[5]);
	fclose(f);
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)m[i];
	return n == 6 ? 0 : -1;
}

static int open_socket(const char *ifname, unsigned ifindex)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6,
				  .sin6_port = htons(DHCP6_SERVER_PORT)};
	struct ipv6_mreq mr = {.ipv6mr_interface = ifindex};
	struct timeval tv = {.tv_sec = 1};
	int one = 1, fd = socket(AF_INET6, SOCK_DGRAM, 0);

	if (fd < 0)
		return -1;
	inet_pton(AF_INET6, "ff02::1:2", &mr.ipv6mr_multiaddr);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
		       (socklen_t)strlen(ifname)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof(mr))) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	static struct dhcp6s_reply out;
	struct dhcp6s_config cfg = {0};
	struct dhcp6s *s;
	char err[160];
	unsigned ifindex, seq = 0;
	time_t end;
	int fd;

	if (argc < 4) {
		fprintf(stderr, "usage: %s IFNAME PREFIX SECONDS [DUMPDIR]\n",
			argv[0]);
		return 2;
	}
	ifindex = if_nametoindex(argv[1]);
	if (!ifindex || inet_pton(AF_INET6, argv[2], cfg.prefix) != 1 ||
	    read_mac(argv[1], cfg.server_mac)) {
		fprintf(stderr, "%s: bad interface or prefix\n", argv[0]);
		return 2;
	}
	memcpy(cfg.gateway, cfg.prefix, 8);
	cfg.gateway[15] = 1;
	memcpy(cfg.dns[0], cfg.gateway, 16);
	cfg.ndns = 1;
	strcpy(cfg.search, "lab.vnet");
	cfg.preferred = 20;
	cfg.valid = 40;
	cfg.preference = 255;
	cfg.stateful = true;
	memcpy(cfg.key, "dhcp6-peer-key!!", 16);
	if (dhcp6s_new(&cfg, &s, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", argv[0], err);
		return 1;
	}
	fd = open_socket(argv[1], ifindex);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	end = time(NULL) + atoi(argv[3]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (time(NULL) < end) {
		uint8_t buf[DHCP6S_MSG_MAX];
		uint8_t cbuf[256];
		struct sockaddr_in6 from;
		struct iovec iov = {buf, sizeof(buf)};
		struct msghdr mh = {.msg_name = &from,
				    .msg_namelen = sizeof(from),
				    .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf)};
		struct dhcp6s_rx rx = {0};
		enum dhcp6s_drop d;
		ssize_t n = recvmsg(fd, &mh, 0);
		char a[INET6_ADDRSTRLEN];

		if (n < 0)
			continue;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c;
		     c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == IPPROTO_IPV6 &&
			    c->cmsg_type == IPV6_PKTINFO)
				memcpy(rx.dst,
				       &((struct in6_pktinfo *)CMSG_DATA(c))
					    ->ipi6_addr,
				       16);
		rx.data = buf;
		rx.len = (size_t)n;
		memcpy(rx.src, &from.sin6_addr, 16);
		rx.src_port = ntohs(from.sin6_port);
		rx.now = time(NULL);
		seq++;
		dump(argc > 4 ? argv[4] : NULL, seq, "rx", buf, (size_t)n);
		d = dhcp6s_handle(s, &rx, &out);
		inet_ntop(AF_INET6, &from.sin6_addr, a, sizeof(a));
		if (d != DHCP6S_DROP_NONE) {
			printf("%s from %s: dropped (%s)\n",
			       type_name(buf, (size_t)n), a,
			       dhcp6s_drop_name(d));
			continue;
		}
		dump(argc > 4 ? argv[4] : NULL, seq, "tx", out.data, out.len);
		from.sin6_port = htons(out.dst_port);
		if (sendto(fd, out.data, out.len, 0, (struct sockaddr *)&from,
			   sizeof(from)) < 0)
			perror("sendto");
		printf("%s from %s: %s of %zu bytes\n",
		       type_name(buf, (size_t)n), a,
		       type_name(out.data, out.len), out.len);
	}
	dhcp6s_free(s);
	close(fd);
	return 0;
}
