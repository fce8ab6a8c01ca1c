// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_nat_gateway.c - libFuzzer target: the gateway's NAT path.  Random
 * frames enter either leg of a NAT gateway (the inside port, as a VM would
 * send them, or the external leg, as the uplink would), go through ARP,
 * the DHCP client and the engine (nat_out/nat_in, forwards, hairpin, ICMP
 * errors), and whatever both legs queue is drained and checked; the tick
 * runs now and then (expiry, ARP retries, the DHCP client). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/pkt.h"
#include "nat/nat.h"
#include "vnic/vnic_gateway.h"
#include "vnic/vnic_provider.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vnic *gw, *leg;
static struct pkt_pool *pool;

static void setup(void)
{
	struct vnic_params p = {.name = "gw",
				.mtu = 1500,
				.has_mac = true,
				.mac = {2, 0, 0, 0, 0, 1}};
	struct nat_config nc = {.capacity = 256,
				.epoch = 1,
				.inside_net = 0x0a000000,
				.inside_prefix = 24,
				.ext_addr = {0xc0000202},
				.n_ext = 1,
				.ext_mtu = 1400};
	struct vgw_nat_config c = {
	    .name = "gx",
	    .mac = {2, 0, 0, 0, 0, 2},
	    .mtu = 1400,
	    .nat = &nc,
	    .addr = {.ip = 0xc0000202, .prefix = 24, .router = 0xc0000201}};
	struct vgw_config gc = {.ip = 0x0a000001, .prefix = 24};
	size_t size = nat_table_size(nc.capacity);
	void *mem = aligned_alloc(64, (size + 63) & ~(size_t)63);
	struct nat_table *t;
	char err[160];

	if (!mem || nat_table_init(mem, size, &nc, 1, &t, err, sizeof(err)) ||
	    nat_forward_add(t, NAT_PROTO_TCP, 8080, 0x0a000005, 80, err,
			    sizeof(err)) ||
	    vnic_gateway_open(&p, &gw, err, sizeof(err)) ||
	    vnic_gateway_configure(gw, &gc))
		__builtin_trap();
	c.table = t;
	if (vnic_gateway_nat_open(gw, &c, &leg, err, sizeof(err)))
		__builtin_trap();
	pool = pkt_pool_create(64);
}

static void drain(struct vnic *v)
{
	struct pkt *out[PKT_BURST];
	int n;

	do {
		n = vnic_rx_burst(v, 0, pool, out, PKT_BURST);
		for (int i = 0; i < n; i++) {
			if (out[i]->len < 14 || out[i]->len > PKT_MAX_FRAME)
				__builtin_trap();
			pkt_free(out[i]);
		}
	} while (n > 0);
}

/* Input: one control byte (bit 0: the frame enters the external leg; bit
 * 1: the tick runs after it), then the frame. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[PKT_MAX_FRAME];
	struct pkt p = {0};
	struct pkt_out po = {.pkt = &p};
	uint64_t bytes = 0;

	if (!gw)
		setup();
	if (size < 1 || size - 1 > sizeof(frame))
		return 0;
	memcpy(frame, data + 1, size - 1);
	p.data = frame;
	p.len = (uint32_t)(size - 1);
	if (vnic_tx_burst(data[0] & 1 ? leg : gw, 0, &po, 1, &bytes) != 1)
		__builtin_trap();
	if (data[0] & 2)
		vnic_gateway_nat_tick(gw);
	drain(gw);
	drain(leg);
	if (pkt_pool_avail(pool) != 64)
		__builtin_trap();
	return 0;
}
