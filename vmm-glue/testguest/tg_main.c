// SPDX-License-Identifier: GPL-2.0-or-later
/* tg_main.c - the test guest: gets an address by DHCP, pings its gateway
 * and a peer, answers ARP and ping, and says each step on COM1.  Command
 * line (PVH): peer=A.B.C.D  count=N (pings per target, default 3)
 * serve=S (seconds to go on answering afterwards, default 20; 0: forever)
 * halt (stop at once, interrupts off: start-up and memory measurements)
 * bad (first misprogram the NIC three ways; it must refuse each)
 * mq (two queue pairs through the control queue; frames go out on both)
 * wait=S (seconds to wait before touching the NIC)
 * barmove=N (after the pings, N rounds: move the NIC's BAR0, ping the
 * gateway; reset and set up the NIC again there, ping it again)
 * reset, fault (end at once by a keyboard-controller reset or a triple
 * fault: vnet-vmm's exit status).
 * Ends by powering off; the last line says whether every step worked. */
#include "tg.h"
#include "tg_net.h"

void tg_main(uint32_t start_info);

#define ETH_ARP	 0x0806
#define ETH_IP	 0x0800
#define DHCP_XID 0x7467316d

static uint8_t my_mac[6];
static uint32_t my_ip, gw_ip, server_ip, offer_ip, netmask; /* network order */
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static uint64_t tsc_per_ms = 2000000;

/* What the receive path learned. */
static struct {
	uint32_t ip;
	uint8_t mac[6];
	bool valid;
} arp_cache[4];
static int
    dhcp_got; /* message type of the last DHCP reply (2 offer, 5 ack, 6 nak) */
static uint16_t echo_seq_seen;
static unsigned pings_answered;

static uint64_t tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c,
		  uint32_t *d)
{
	__asm__ volatile("cpuid"
			 : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "a"(leaf), "c"(0));
}

static void tsc_calibrate(void)
{
	uint32_t a, b, c, d;

	cpuid(0, &a, &b, &c, &d);
	if (a >= 0x16) {
		cpuid(0x16, &a, &b, &c, &d);
		if (a)
			tsc_per_ms = (uint64_t)a * 1000;
	}
}

static uint64_t deadline(unsigned ms)
{
	return tsc() + tsc_per_ms * ms;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t get32n(const uint8_t *p) /* stays in network order */
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint16_t csum(const uint8_t *p, unsigned len)
{
	uint32_t s = 0;

	for (unsigned i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)(p[len - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static unsigned eth_hdr(uint8_t *f, const uint8_t *dst, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, my_mac, 6);
	put16(f + 12, type);
	return 14;
}

static void arp_send(uint16_t op, const uint8_t *tha, uint32_t tpa,
		     const uint8_t *dst)
{
	uint8_t f[60] = {0};
	uint8_t *a = f + eth_hdr(f, dst, ETH_ARP);

	put16(a, 1);
	put16(a + 2, ETH_IP);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, my_mac, 6);
	memcpy(a + 14, &my_ip, 4);
	memcpy(a + 18, tha, 6);
	memcpy(a + 24, &tpa, 4);
	tg_virtio_send(f, sizeof(f));
}

/* IPv4 header at @ip for @plen payload bytes; returns the header size. */
static unsigned ip_hdr(uint8_t *ip, uint8_t proto, uint32_t src, uint32_t dst,
		       unsigned plen)
{
	static uint16_t id;

	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + plen));
	put16(ip + 4, ++id);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	put16(ip + 10, csum(ip, 20));
	return 20;
}

static void arp_learn(uint32_t ip, const uint8_t *mac)
{
	for (unsigned i = 0; i < 4; i++) {
		if (arp_cache[i].valid && arp_cache[i].ip == ip) {
			memcpy(arp_cache[i].mac, mac, 6);
			return;
		}
	}
	for (unsigned i = 0; i < 4; i++) {
		if (!arp_cache[i].valid) {
			arp_cache[i].ip = ip;
			memcpy(arp_cache[i].mac, mac, 6);
			arp_cache[i].valid = true;
			return;
		}
	}
}

static const uint8_t *arp_lookup(uint32_t ip)
{
	for (unsigned i = 0; i < 4; i++)
		if (arp_cache[i].valid && arp_cache[i].ip == ip)
			return arp_cache[i].mac;
	return 0;
}

static void rx_arp(const uint8_t *f, unsigned len)
{
	const uint8_t *a = f + 14;
	uint32_t spa, tpa;

	if (len < 14 + 28 || get16(a) != 1 || get16(a + 2) != ETH_IP ||
	    a[4] != 6 || a[5] != 4)
		return;
	spa = get32n(a + 14);
	tpa = get32n(a + 24);
	if (!my_ip || tpa != my_ip)
		return;
	arp_learn(spa, a + 8);
	if (get16(a + 6) == 1)
		arp_send(2, a + 8, spa, a + 8);
}

static void rx_dhcp(const uint8_t *d, unsigned len)
{
	const uint8_t *o = d + 240, *end = d + len;
	uint32_t xid = DHCP_XID;
	int type = 0;

	if (len < 240 || d[0] != 2 || memcmp(d + 4, &xid, 4) ||
	    memcmp(d + 28, my_mac, 6) || get16(d + 236) != 0x6382 ||
	    get16(d + 238) != 0x5363)
		return;
	while (o < end && *o != 255) {
		if (*o == 0) {
			o++;
			continue;
		}
		if (end - o < 2 || o[1] > end - o - 2)
			return;
		if (o[0] == 53 && o[1] == 1)
			type = o[2];
		else if (o[0] == 54 && o[1] == 4)
			server_ip = get32n(o + 2);
		else if (o[0] == 3 && o[1] >= 4)
			gw_ip = get32n(o + 2);
		else if (o[0] == 1 && o[1] == 4)
			netmask = get32n(o + 2);
		o += 2 + o[1];
	}
	if (type == 2 || type == 5)
		offer_ip = get32n(d + 16);
	dhcp_got = type;
}

static void rx_icmp(const uint8_t *f, const uint8_t *ip, const uint8_t *icmp,
		    unsigned len)
{
	if (len < 8 || csum(icmp, len))
		return;
	if (icmp[0] == 8) { /* echo request: answer */
		uint8_t out[1514];
		uint32_t src = get32n(ip + 12);
		unsigned n = eth_hdr(out, f + 6, ETH_IP);

		if (len > sizeof(out) - 34)
			return;
		n += ip_hdr(out + n, 1, my_ip, src, len);
		memcpy(out + n, icmp, len);
		out[n] = 0;
		out[n + 2] = out[n + 3] = 0;
		put16(out + n + 2, csum(out + n, len));
		tg_virtio_send(out, n + len);
		if (pings_answered++ < 3)
			tg_printf("guest-min: answered ping from %I\n", src);
	} else if (icmp[0] == 0 && get16(icmp + 4) == 0x7467) {
		echo_seq_seen = get16(icmp + 6);
	}
}

static void rx_frame(const uint8_t *f, unsigned len)
{
	const uint8_t *ip = f + 14;
	unsigned ihl, tot;

	if (len < 14)
		return;
	if (memcmp(f, my_mac, 6) && memcmp(f, bcast, 6))
		return;
	if (get16(f + 12) == ETH_ARP) {
		rx_arp(f, len);
		return;
	}
	if (get16(f + 12) != ETH_IP || len < 34 || (ip[0] >> 4) != 4)
		return;
	ihl = (ip[0] & 15) * 4u;
	tot = get16(ip + 2);
	if (ihl < 20 || tot < ihl || tot > len - 14 || csum(ip, ihl))
		return;
	if (ip[9] == 17 && tot >= ihl + 8 && get16(ip + ihl + 2) == 68)
		rx_dhcp(ip + ihl + 8, tot - ihl - 8);
	else if (ip[9] == 1 && my_ip && get32n(ip + 16) == my_ip)
		rx_icmp(f, ip, ip + ihl, tot - ihl);
}

static void poll_until(uint64_t until, bool (*done)(void))
{
	while (!(done && done()) && tsc() < until)
		tg_virtio_poll(rx_frame);
}

static void dhcp_send(int type)
{
	uint8_t f[342] = {0};
	uint8_t *ip = f + 14, *udp = ip + 20, *d = udp + 8, *o = d + 240;
	uint32_t xid = DHCP_XID, any = 0, all = 0xffffffffu;
	unsigned dlen = 300;

	eth_hdr(f, bcast, ETH_IP);
	d[0] = 1;
	d[1] = 1;
	d[2] = 6;
	memcpy(d + 4, &xid, 4);
	put16(d + 10, 0x8000); /* broadcast replies */
	memcpy(d + 28, my_mac, 6);
	put16(d + 236, 0x6382);
	put16(d + 238, 0x5363);
	*o++ = 53;
	*o++ = 1;
	*o++ = (uint8_t)type;
	if (type == 3) {
		*o++ = 50;
		*o++ = 4;
		memcpy(o, &offer_ip, 4);
		o += 4;
		*o++ = 54;
		*o++ = 4;
		memcpy(o, &server_ip, 4);
		o += 4;
	}
	*o++ = 55;
	*o++ = 2;
	*o++ = 1;
	*o++ = 3;
	*o = 255;
	put16(udp, 68);
	put16(udp + 2, 67);
	put16(udp + 4, (uint16_t)(8 + dlen));
	ip_hdr(ip, 17, any, all, 8 + dlen);
	tg_virtio_send(f, sizeof(f));
}

static bool got_offer(void)
{
	return dhcp_got == 2;
}

static bool got_ack(void)
{
	return dhcp_got == 5 || dhcp_got == 6;
}

static int dhcp(void)
{
	for (int tries = 0; tries < 8; tries++) {
		dhcp_got = 0;
		tg_puts("guest-min: DHCP discover\n");
		dhcp_send(1);
		poll_until(deadline(3000), got_offer);
		if (dhcp_got != 2)
			continue;
		tg_printf("guest-min: DHCP offer %I from %I\n", offer_ip,
			  server_ip);
		dhcp_got = 0;
		dhcp_send(3);
		poll_until(deadline(3000), got_ack);
		if (dhcp_got == 5) {
			unsigned bits = 0;

			for (uint32_t m = netmask; m; m >>= 1)
				bits += m & 1;
			my_ip = offer_ip;
			tg_printf("guest-min: DHCP lease %I/%u router %I\n",
				  my_ip, bits, gw_ip);
			return 0;
		}
		tg_puts("guest-min: DHCP request not acknowledged\n");
	}
	tg_puts("guest-min: DHCP failed\n");
	return -1;
}

static uint32_t arp_target;
static bool arp_resolved(void)
{
	return arp_lookup(arp_target) != 0;
}

static uint16_t want_seq;
static bool echo_back(void)
{
	return echo_seq_seen == want_seq;
}

/* count pings to @dst; return how many were answered */
static unsigned ping(uint32_t dst, unsigned count)
{
	const uint8_t *mac = 0;
	unsigned ok = 0;
	static const uint8_t zero[6];

	arp_target = dst;
	for (int tries = 0; tries < 5 && !mac; tries++) {
		arp_send(1, zero, dst, bcast);
		poll_until(deadline(1000), arp_resolved);
		mac = arp_lookup(dst);
	}
	if (!mac) {
		tg_printf("guest-min: ARP for %I: no answer\n", dst);
		return 0;
	}
	tg_printf("guest-min: ARP %I is at %02x:%02x:%02x:%02x:%02x:%02x\n",
		  dst, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	for (unsigned seq = 1; seq <= count; seq++) {
		uint8_t f[14 + 20 + 40];
		uint8_t *icmp = f + 34;
		uint64_t t0 = tsc();

		eth_hdr(f, mac, ETH_IP);
		ip_hdr(f + 14, 1, my_ip, dst, 40);
		memset(icmp, 0, 40);
		icmp[0] = 8;
		put16(icmp + 4, 0x7467);
		put16(icmp + 6, (uint16_t)seq);
		for (unsigned i = 8; i < 40; i++)
			icmp[i] = (uint8_t)i;
		put16(icmp + 2, csum(icmp, 40));
		want_seq = (uint16_t)seq;
		tg_virtio_send(f, sizeof(f));
		poll_until(deadline(2000), echo_back);
		if (echo_seq_seen == seq) {
			uint64_t dt = tsc() - t0;
			unsigned ms = 0;

			while (dt >= tsc_per_ms && ms < 100000) {
				dt -= tsc_per_ms;
				ms++;
			}
			tg_printf("guest-min: ping %I seq=%u reply (~%u ms)\n",
				  dst, seq, ms);
			ok++;
		} else {
			tg_printf("guest-min: ping %I seq=%u timeout\n", dst,
				  seq);
		}
	}
	return ok;
}

/* "key=" value from the command line, or @def. */
static uint32_t opt_num(const char *cl, const char *key, uint32_t def)
{
	unsigned kl = 0;

	while (key[kl])
		kl++;
	for (const char *p = cl; p && *p; p++) {
		if ((p == cl || p[-1] == ' ') && !memcmp(p, key, kl)) {
			uint32_t v = 0;

			for (p += kl; *p >= '0' && *p <= '9'; p++)
				v = v * 10 + (uint32_t)(*p - '0');
			return v;
		}
	}
	return def;
}

static uint32_t opt_ip(const char *cl, const char *key)
{
	unsigned kl = 0;

	while (key[kl])
		kl++;
	for (const char *p = cl; p && *p; p++) {
		if ((p == cl || p[-1] == ' ') && !memcmp(p, key, kl)) {
			uint8_t b[4] = {0};
			uint32_t v;

			p += kl;
			for (int i = 0; i < 4; i++) {
				unsigned n = 0;

				while (*p >= '0' && *p <= '9')
					n = n * 10 + (unsigned)(*p++ - '0');
				b[i] = (uint8_t)n;
				if (*p == '.')
					p++;
			}
			memcpy(&v, b, 4);
			return v;
		}
	}
	return 0;
}

/* tg_main() - from entry.S, with the PVH start info's address */
void tg_main(uint32_t start_info)
{
	const uint32_t *si = (const uint32_t *)start_info;
	const char *cl = "";
	uint32_t peer, count, serve;
	unsigned ok_gw = 0, ok_peer = 0;
	bool good;

	/* hvm_start_info: magic, version, flags, nr_modules, modlist (8),
	 * cmdline_paddr (8) */
	if (si && si[0] == 0x336ec578u && si[6])
		cl = (const char *)si[6];
	peer = opt_ip(cl, "peer=");
	count = opt_num(cl, "count=", 3);
	serve = opt_num(cl, "serve=", 20);
	tsc_calibrate();
	tg_printf("guest-min: up, command line \"%s\"\n", cl);
	if (opt_num(cl, "reset", 1) == 0) {
		tg_puts("guest-min: resetting (keyboard controller)\n");
		outb(0x64, 0xfe);
	}
	if (opt_num(cl, "fault", 1) == 0) {
		static const struct {
			uint16_t limit;
			uint32_t base;
		} __attribute__((packed)) no_idt = {0, 0};

		tg_puts("guest-min: triple-faulting\n");
		__asm__ volatile("lidt %0; int3" : : "m"(no_idt));
	}
	if (opt_num(cl, "halt", 1) == 0) {
		tg_puts("guest-min: halting\n");
		for (;;)
			__asm__ volatile("cli; hlt");
	}
	if (opt_num(cl, "wait=", 0)) {
		uint64_t until = deadline(1000 * opt_num(cl, "wait=", 0));

		tg_printf("guest-min: waiting %u s before the NIC\n",
			  opt_num(cl, "wait=", 0));
		while (tsc() < until)
			__asm__ volatile("pause");
	}
	if (tg_virtio_init(my_mac, opt_num(cl, "bad", 1) == 0,
			   opt_num(cl, "mq", 1) == 0))
		goto fail;
	tg_printf("guest-min: MAC %02x:%02x:%02x:%02x:%02x:%02x\n", my_mac[0],
		  my_mac[1], my_mac[2], my_mac[3], my_mac[4], my_mac[5]);
	if (dhcp())
		goto fail;
	if (gw_ip)
		ok_gw = ping(gw_ip, count);
	if (peer)
		ok_peer = ping(peer, count);
	good = (!gw_ip || ok_gw) && (!peer || ok_peer);
	for (uint32_t i = 0; i < opt_num(cl, "barmove=", 0) && gw_ip; i++) {
		/* within vnet-vmm's PCI window, clear of the other BARs */
		uint32_t to = 0xe0800000u + (i % 4) * 0x8000u;
		unsigned moved, again;

		if (tg_virtio_move(to) != to) {
			tg_printf("guest-min: BAR0 did not move to 0x%x\n", to);
			good = false;
			break;
		}
		moved = ping(gw_ip, 1);
		if (tg_virtio_init(my_mac, false, opt_num(cl, "mq", 1) == 0)) {
			good = false;
			break;
		}
		again = ping(gw_ip, 1);
		tg_printf("guest-min: BAR0 moved to 0x%x: gateway %u/1, after "
			  "a reset there %u/1\n",
			  to, moved, again);
		good = good && moved && again;
	}
	tg_printf("guest-min: gateway %u/%u, peer %u/%u answered\n", ok_gw,
		  gw_ip ? count : 0, ok_peer, peer ? count : 0);
	tg_printf("guest-min: serving ARP and ping for %u s\n", serve);
	if (serve) {
		for (uint32_t s = 0; s < serve; s++)
			poll_until(deadline(1000), 0);
	} else {
		for (;;)
			poll_until(deadline(1000), 0);
	}
	tg_printf("guest-min: answered %u pings\n", pings_answered);
	tg_puts(good ? "guest-min: PASS\n" : "guest-min: FAIL\n");
	tg_poweroff();
fail:
	tg_puts("guest-min: FAIL\n");
	tg_poweroff();
}
