/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_nat_gw_env.h - the gateway-with-NAT fixture the NAT gateway tests
 * share: a gateway on 10.10.0.0/24 whose external leg has address EXT
 * (or none yet, for DHCP) behind router RTR, and ARP frames to talk to it */
#ifndef VNET_TEST_NAT_GW_ENV_H
#define VNET_TEST_NAT_GW_ENV_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "test_nat_pkt.h"
#include "vnic/vnic_gateway.h"
#include "vnic/vnic_provider.h"

#define GWIP IP4(10, 10, 0, 1)
#define RTR  IP4(192, 0, 2, 254)

static const uint8_t gw_mac[6] = {2, 0, 0, 0, 0, 1};
static const uint8_t leg_mac[6] = {2, 0, 0, 0, 0, 2};
static const uint8_t vm_mac[6] = {0x52, 0x54, 0, 0, 0, 2};
static const uint8_t rtr_mac[6] = {0x52, 0x54, 0, 0, 0, 0xfe};

/* Open the gateway (*@gw) with NAT and its external leg (*@leg) of MTU
 * @ext_mtu, the table in *@mem (the caller frees it); @dhcp: the leg leases
 * its address instead of having EXT. */
static inline void tnat_open(bool dhcp, uint16_t ext_mtu, struct vnic **gw,
			     struct vnic **leg, void **mem)
{
	struct vnic_params p = {.name = "gw", .mtu = 1500, .has_mac = true};
	struct nat_config nc = {.capacity = 64,
				.epoch = 1,
				.inside_net = IP4(10, 10, 0, 0),
				.inside_prefix = 24,
				.ext_addr = {dhcp ? IP4(198, 51, 100, 1) : EXT},
				.n_ext = 1};
	struct vgw_nat_config c = {
	    .name = "gx",
	    .mtu = ext_mtu,
	    .nat = &nc,
	    .dhcp = dhcp,
	    .addr = {.ip = dhcp ? 0 : EXT, .prefix = 24, .router = RTR}};
	struct vgw_config gc = {.ip = GWIP, .prefix = 24};
	size_t size = nat_table_size(nc.capacity);
	struct nat_table *t;
	char err[160];

	memcpy(p.mac, gw_mac, 6);
	memcpy(c.mac, leg_mac, 6);
	*mem = aligned_alloc(64, (size + 63) & ~(size_t)63);
	assert_int_equal(
	    nat_table_init(*mem, size, &nc, now_sec(), &t, err, sizeof(err)),
	    0);
	assert_int_equal(vnic_gateway_open(&p, gw, err, sizeof(err)), 0);
	assert_int_equal(vnic_gateway_configure(*gw, &gc), 0);
	c.table = t;
	assert_int_equal(vnic_gateway_nat_open(*gw, &c, leg, err, sizeof(err)),
			 0);
}

/* Close what tnat_open() opened. */
static inline void tnat_close(struct vnic *gw, struct vnic *leg, void *mem)
{
	vnic_close(leg);
	vnic_close(gw);
	free(mem);
}

/* A 60-byte ARP frame of @op in @f: from @sha/@spa, to @dst about @tpa. */
static inline size_t tnat_arp(uint8_t *f, uint16_t op, const uint8_t *sha,
			      uint32_t spa, const uint8_t *dst, uint32_t tpa)
{
	memset(f, 0, 60);
	memcpy(f, dst, 6);
	memcpy(f + 6, sha, 6);
	pkt_put_be16(f + 12, ETHERTYPE_ARP);
	pkt_put_be16(f + 14, 1);
	pkt_put_be16(f + 16, ETHERTYPE_IPV4);
	f[18] = 6;
	f[19] = 4;
	pkt_put_be16(f + 20, op);
	memcpy(f + 22, sha, 6);
	tp_put32(f + 28, spa);
	if (op == 2)
		memcpy(f + 32, dst, 6);
	tp_put32(f + 38, tpa);
	return 60;
}

#endif
