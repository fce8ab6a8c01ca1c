// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_frame.c - libFuzzer target: every parser a guest's or a wire's frame
 * reaches: the switch parser and VLAN policy (and the one-pass classifier
 * against them, DHCP and router guards included, IPv4 ICMP redirects too),
 * the MAC and IP guards (ARP and neighbour discovery addresses),
 * egress tag gathering, offload checksum completion, TCP segmentation, L4
 * checksum filling */
#include <stdint.h>
#include <string.h>

#include "lib/pkt.h"
#include "lib/vnet_hdr.h"
#include "vswitch/vswitch_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pkt_pool *pool;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[PKT_MAX_FRAME + 64];
	struct virtio_net_hdr h;
	struct vsw_vlan v = {0};
	struct pkt p;
	struct pkt *out[64];
	size_t off = 0;
	enum vsw_drop why, ref;
	unsigned guards;
	uint16_t tci;
	int n;

	if (!pool)
		pool = pkt_pool_create(64);
	if (size < sizeof(h) + 4 || size - sizeof(h) - 4 > PKT_MAX_FRAME)
		return 0;
	memcpy(&h, data, sizeof(h));
	v.mode = data[sizeof(h)] % 3;
	v.access = v.native = (uint16_t)(data[sizeof(h) + 1] % 4096);
	memset(v.allowed, data[sizeof(h) + 2], sizeof(v.allowed));
	/* 0 (as in the older seeds): both guards on */
	guards =
	    (VSW_GUARD_DHCP | VSW_GUARD_ROUTER) ^ (data[sizeof(h) + 3] & 3u);
	data += sizeof(h) + 4;
	size -= sizeof(h) + 4;

	memcpy(buf, data, size);
	/* The datapath's one-pass classifier answers as the separate checks
	 * do (they run on the same bytes just below). */
	p = (struct pkt){.data = buf, .len = (uint32_t)size};
	why = vsw_classify(&p, 9000, &v, guards);
	p = (struct pkt){.data = buf, .len = (uint32_t)size};
	ref = vsw_parse(&p, 9000);
	if (ref == VSW_DROP_NONE)
		ref = vsw_vlan_ingress(&v, &p);
	if (ref == VSW_DROP_NONE && (guards & VSW_GUARD_DHCP) &&
	    vsw_is_dhcp_server_msg(&p))
		ref = VSW_DROP_DHCP_GUARD;
	else if (ref == VSW_DROP_NONE && (guards & VSW_GUARD_ROUTER) &&
		 vsw_is_router_msg(&p))
		ref = VSW_DROP_ROUTER_GUARD;
	if (why != ref)
		__builtin_trap();
	/* The MAC and IP guards, on the frame as classified; guarding the
	 * frame's own source MAC makes the first read on into ARP and
	 * neighbour discovery. */
	if (why == VSW_DROP_NONE) {
		static struct vsw_ipset ips = {
		    .n4 = 1, .n6 = 1, .v4 = {{0x0a000005, 0xffffff00}}};

		(void)vsw_mac_spoofed(&p,
				      VSW_MAC_GUARD_ON | vsw_mac_u64(buf + 6));
		ips.v6[0].addr[0] = 0xfd;
		ips.v6[0].plen = (uint8_t)(guards * 37 % 129);
		(void)vsw_ip_spoofed(&p, &ips);
	}
	p = (struct pkt){.data = buf, .len = (uint32_t)size};
	if (vsw_parse(&p, 9000) == VSW_DROP_NONE &&
	    vsw_vlan_ingress(&v, &p) == VSW_DROP_NONE &&
	    vsw_vlan_egress(&v, &p, &tci)) {
		struct iovec iov[3];
		uint8_t tag[4];
		unsigned cnt = pkt_tx_iov(&p, tci, tag, iov);
		size_t total = 0;

		for (unsigned i = 0; i < cnt; i++)
			total += iov[i].iov_len;
		if (total != pkt_tx_len(&p, tci))
			__builtin_trap();
	}
	vnet_hdr_csum_complete(&h, buf, size);
	memcpy(buf, data, size);
	l4_csum_fill(buf, size);
	do {
		n = vnet_hdr_gso_segment(&h, data, size, &off, pool, out, 64);
		for (int i = 0; i < n; i++) {
			if (out[i]->len > PKT_MAX_FRAME)
				__builtin_trap();
			pkt_free(out[i]);
		}
	} while (n > 0 && off != SIZE_MAX);
	if (pkt_pool_avail(pool) != 64)
		__builtin_trap();
	return 0;
}
