// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_gateway.c - libFuzzer target: the gateway port's frame handling (ARP,
 * IPv4, ICMP echo, UDP to the DHCP server and the DNS responder; IPv6:
 * neighbour and router solicitations, ICMPv6 echo, DNS over UDP) on a frame
 * the switch hands it, then everything it queued drained through rx_burst;
 * or a sequence of TCP segments to its DNS port (DNS over TCP), clock steps
 * and relayed answers on a fresh gateway */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "dhcp/dhcp.h"
#include "dhcp/dhcp6.h"
#include "lib/pkt.h"
#include "lib/util.h"
#include "lib/vnet_hdr.h"
#include "vnic/vnic_gateway.h"
#include "vnic/vnic_gateway_priv.h"
#include "vnic/vnic_provider.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vnic *gw;
static struct pkt_pool *pool;
static uint64_t last_token;
static struct dns_names *names;
static struct dhcps *dhcp;
static uint32_t relay_cookie;
static uint64_t fuzz_clock;

static void on_commit(void *arg, const struct dhcps_lease_rec *rec,
		      uint64_t token)
{
	last_token = token;
}

/* Odd-length queries are refused as if the relay's ring were full: the
 * gateway answers them SERVFAIL itself. */
static int on_relay(void *arg, const struct vgw_dns_query *q)
{
	if (!q->len || q->len > PKT_MAX_FRAME)
		__builtin_trap();
	if (q->len & 1)
		return -ENOBUFS;
	if (q->tcp)
		relay_cookie = q->tcp;
	return 0;
}

static uint64_t fuzz_now_ns(void)
{
	return fuzz_clock;
}

static void setup(void)
{
	static struct dhcps_subnet_cfg sn;
	struct vnic_params p = {.name = "gw", .mtu = 9000};
	struct dhcps_config dc = {0};
	struct vgw_config gc = {0};
	char err[160];

	sn.net = 0x0a000000;
	sn.prefix = 24;
	sn.range_start = 0x0a000064;
	sn.range_end = 0x0a000070;
	sn.router = 0x0a000001;
	sn.lease_time = 600;
	strcpy(sn.domain, "lab.vnet");
	dc.server_ip = 0x0a000001;
	dc.subnets = &sn;
	dc.nsubnets = 1;
	dc.probe = true;
	dc.port_share = 2;
	if (dns_names_create("lab.vnet", sn.net, 24, 32, 0, &names) ||
	    dns_names_add(names, "vm1", 0x0a000005, true))
		__builtin_trap();
	dc.names = names;
	if (dhcps_create(&dc, &dhcp, err, sizeof(err)) ||
	    vnic_gateway_open(&p, &gw, err, sizeof(err)))
		__builtin_trap();
	gc.ip = 0x0a000001;
	gc.prefix = 24;
	gc.dhcp = dhcp;
	gc.dns = names;
	gc.commit = on_commit;
	gc.relay = on_relay;
	gc.probe_ms = 1;
	gc.v6.on = true;
	gc.v6.dns = true;
	memcpy(gc.v6.prefix, "\xfd\0\0\1\0\2\0\3", 8);
	memcpy(gc.v6.ip, gc.v6.prefix, 8);
	gc.v6.ip[15] = 1;
	strcpy(gc.v6.domain, "lab.vnet");
	/* DHCPv6 as vnetd serves it (stateful, a small share per port) */
	{
		struct dhcp6s_config c6 = {.ndns = 1,
					   .preference = 255,
					   .stateful = true,
					   .max_bindings = 64,
					   .port_share = 4};

		memcpy(c6.prefix, gc.v6.prefix, 16);
		memcpy(c6.gateway, gc.v6.ip, 16);
		memcpy(c6.dns[0], gc.v6.ip, 16);
		strcpy(c6.search, "lab.vnet");
		if (dhcp6s_new(&c6, &gc.v6.dhcp6s, err, sizeof(err)))
			__builtin_trap();
		gc.v6.managed = gc.v6.other = true;
	}
	if (vnic_gateway_configure(gw, &gc))
		__builtin_trap();
	pool = pkt_pool_create(64);
}

/* Check a frame the gateway sends: its length, and for TCP both
 * checksums and a segment within the largest MSS; a SYN-ACK's sequence
 * number is remembered for its client port (@iss, by port & 3). */
static void out_check(const struct pkt *p, uint32_t *iss)
{
	const uint8_t *f = p->data;
	size_t len = p->len, hl;

	if (len < 42 || len > PKT_MAX_FRAME)
		__builtin_trap();
	if (pkt_get_be16(f + 12) == ETHERTYPE_IPV6) {
		/* whole, its ICMPv6, UDP or TCP checksum right */
		if (len < 54 + 8 || pkt_get_be16(f + 18) != len - 54 ||
		    (f[20] != 58 && f[20] != 17 && f[20] != 6) ||
		    csum_fold(csum_partial(
			f + 54, len - 54,
			csum_partial(f + 22, 32,
				     (uint32_t)(len - 54) + f[20]))))
			__builtin_trap();
		return;
	}
	if (pkt_get_be16(f + 12) != ETHERTYPE_IPV4 || f[23] != 6)
		return;
	if (len < 54 || csum_fold(csum_partial(f + 14, 20, 0)) ||
	    csum_fold(csum_partial(
		f + 34, len - 34,
		csum_partial(f + 26, 8, 6u + (uint32_t)(len - 34)))))
		__builtin_trap();
	hl = (size_t)(f[46] >> 4) * 4;
	if (hl < 20 || 34 + hl > len || len - 34 - hl > 1482)
		__builtin_trap();
	if ((f[47] & 0x12) == 0x12)
		iss[pkt_get_be16(f + 36) & 3] = (uint32_t)f[38] << 24 |
						(uint32_t)f[39] << 16 |
						(uint32_t)f[40] << 8 | f[41];
}

static void drain(struct vnic *v, uint32_t *iss)
{
	struct pkt *out[PKT_BURST];
	int n;

	do {
		n = vnic_rx_burst(v, 0, pool, out, PKT_BURST);
		for (int i = 0; i < n; i++) {
			out_check(out[i], iss);
			pkt_free(out[i]);
		}
	} while (n > 0);
	if (pkt_pool_avail(pool) != 64)
		__builtin_trap();
}

/*
 * TCP mode: a fresh gateway with its own clock, then operations, each a
 * byte (low 2 bits) and its arguments:
 *   0 segment: flags, client (bits 0-1: port 40000+n, bit 2: a second
 *     address), seq and ack offsets (2 bytes each: from the client's ISN
 *     1000 and from the gateway's ISN for that port), window (2), payload
 *     length (1) and bytes; op bit 2: the payload's first 4 bytes are TCP
 *     options; op bit 3: the TCP checksum is left 0
 *   1 clock: forward by the next byte times 40 ms
 *   2 relayed answer for the last relayed query: length (2), bytes
 *   3 drain the gateway's queue
 */
static void tcp_run(const uint8_t *d, size_t size)
{
	static uint8_t frame[2048], seg[1600];
	struct vnic_params vp = {.name = "gwt", .mtu = 1500};
	struct vgw_config gc = {0};
	uint32_t iss[4] = {0};
	struct vnic *v;
	char err[160];
	size_t i = 0;

	if (vnic_gateway_open(&vp, &v, err, sizeof(err)))
		__builtin_trap();
	fuzz_clock = 1000000000ull;
	relay_cookie = 0;
	gc.ip = 0x0a000001;
	gc.prefix = 24;
	gc.dhcp = dhcp;
	gc.dns = names;
	gc.relay = on_relay;
	gc.now_ns = fuzz_now_ns;
	if (vnic_gateway_configure(v, &gc))
		__builtin_trap();
	while (i < size) {
		uint8_t op = d[i++];

		if ((op & 3) == 0 && size - i >= 9) {
			const uint8_t *a = d + i;
			size_t plen = a[8] < size - i - 9 ? a[8] : size - i - 9;
			size_t hl = op & 4 && plen >= 4 ? 24 : 20;
			uint32_t src = a[1] & 4 ? 0x0a000008 : 0x0a000007;
			struct pkt p = {0};
			struct pkt_out po = {.pkt = &p};
			uint64_t bytes = 0;

			memset(seg, 0, 20);
			pkt_put_be16(seg, (uint16_t)(40000 + (a[1] & 3)));
			pkt_put_be16(seg + 2, 53);
			vgw_put_be32(seg + 4, 1000u + pkt_get_be16(a + 2));
			vgw_put_be32(seg + 8,
				     iss[a[1] & 3] + pkt_get_be16(a + 4));
			seg[12] = (uint8_t)(hl / 4 << 4);
			seg[13] = a[0];
			memcpy(seg + 14, a + 6, 2);
			memcpy(seg + 20, a + 9, plen);
			i += 9 + plen;
			memset(frame, 0, 34);
			memcpy(frame, "\x02\0\0\0\0\x01\x52\x54\0\0\0\x07", 12);
			pkt_put_be16(frame + 12, ETHERTYPE_IPV4);
			frame[14] = 0x45;
			pkt_put_be16(frame + 16, (uint16_t)(20 + 20 + plen));
			frame[22] = 64;
			frame[23] = 6;
			vgw_put_be32(frame + 26, src);
			vgw_put_be32(frame + 30, 0x0a000001);
			pkt_put_be16(frame + 24, csum_fold(csum_partial(
						     frame + 14, 20, 0)));
			memcpy(frame + 34, seg, 20 + plen);
			p.data = frame;
			p.len = (uint32_t)(34 + 20 + plen);
			if (!(op & 8))
				l4_csum_fill(frame, p.len);
			if (vnic_tx_burst(v, 0, &po, 1, &bytes) != 1)
				__builtin_trap();
		} else if ((op & 3) == 1 && i < size) {
			fuzz_clock += (uint64_t)d[i++] * 40000000ull;
		} else if ((op & 3) == 2 && size - i >= 2) {
			size_t alen = pkt_get_be16(d + i);

			i += 2;
			if (alen > size - i)
				alen = size - i;
			if (relay_cookie)
				vnic_gateway_send_tcp(v, relay_cookie, d + i,
						      alen);
			i += alen;
		} else {
			drain(v, iss);
		}
	}
	/* Whatever is left: every timer runs out, every connection ends. */
	for (int k = 0; k < 12; k++) {
		drain(v, iss);
		fuzz_clock += 20000000000ull;
	}
	drain(v, iss);
	{
		struct vgw_stats st;

		vnic_gateway_stats(v, &st);
		if (st.tcp_open)
			__builtin_trap();
	}
	vnic_close(v);
}

/* The ICMPv6 checksum of an IPv6 frame carrying ICMPv6 (no extension
 * header), by its payload length when that fits the frame. */
static void icmp6_fill(uint8_t *f, size_t len)
{
	size_t plen;

	if (len < 58 || pkt_get_be16(f + 12) != 0x86dd || f[20] != 58)
		return;
	plen = pkt_get_be16(f + 18);
	if (plen < 4 || plen > len - 54)
		return;
	pkt_put_be16(f + 56, 0);
	pkt_put_be16(
	    f + 56,
	    csum_fold(csum_partial(
		f + 54, plen, csum_partial(f + 22, 32, (uint32_t)plen + 58))));
}

/* Input: one control byte (bit 0: the pending commit succeeds; bit 1: TCP
 * mode, tcp_run(); bit 2: the frame's ingress port is trusted to relay;
 * bits 3-5: that port; bit 6: the L4 checksum is filled in, so mutated
 * UDP reaches the services; bit 7: instead it is left partial, the offload
 * state saying so from offset 34), a frame.  Odd-length relayed queries
 * are refused by the relay (SERVFAIL). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[PKT_MAX_FRAME];
	struct pkt p = {0};
	struct pkt_out po = {.pkt = &p};
	uint64_t bytes = 0;
	uint32_t iss[4] = {0};

	if (!gw)
		setup();
	if (size >= 1 && (data[0] & 2)) {
		tcp_run(data + 1, size - 1);
		return 0;
	}
	if (size < 1 || size - 1 > sizeof(frame))
		return 0;
	memcpy(frame, data + 1, size - 1);
	p.data = frame;
	p.len = (uint32_t)(size - 1);
	p.in_trusted = (data[0] >> 2) & 1;
	p.in_port = (data[0] >> 3) & 7;
	if ((data[0] & 0xc0) == 0x40 && p.len >= 42) {
		l4_csum_fill(frame, p.len);
		icmp6_fill(frame, p.len);
	} else if (data[0] & 0x80) {
		bool v6 = p.len >= 14 && pkt_get_be16(frame + 12) == 0x86dd;

		p.ol.flags = PKT_OL_NEEDS_CSUM;
		p.ol.csum_start = v6 ? 54 : 34;
		p.ol.csum_offset = v6 && p.len > 20 && frame[20] == 58 ? 2 : 6;
	}
	/* now and then a port leaves, its generation moves on */
	if ((data[0] & 0x3a) == 0x38)
		vnic_gateway_port_gone(gw, 7);
	if (vnic_tx_burst(gw, 0, &po, 1, &bytes) != 1)
		__builtin_trap();
	if (last_token) {
		vnic_gateway_commit_done(gw, last_token, data[0] & 1);
		last_token = 0;
	}
	drain(gw, iss);
	return 0;
}
