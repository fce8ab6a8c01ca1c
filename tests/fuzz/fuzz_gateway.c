// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_gateway.c - libFuzzer target: the gateway port's frame handling (ARP,
 * IPv4, ICMP echo, UDP to the DHCP server and the DNS responder) on a frame
 * the switch hands it, then everything it queued drained through rx_burst */
#include <stdint.h>
#include <string.h>

#include "dhcp/dhcp.h"
#include "lib/pkt.h"
#include "vnic/vnic_gateway.h"
#include "vnic/vnic_provider.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vnic *gw;
static struct pkt_pool *pool;
static uint64_t last_token;

static void on_commit(void *arg, const struct dhcps_lease_rec *rec,
		      uint64_t token)
{
	last_token = token;
}

static void on_relay(void *arg, const struct vgw_dns_query *q)
{
	if (!q->len || q->len > PKT_MAX_FRAME)
		__builtin_trap();
}

static void setup(void)
{
	static struct dhcps_subnet_cfg sn;
	struct vnic_params p = {.name = "gw", .mtu = 9000};
	struct dhcps_config dc = {0};
	struct vgw_config gc = {0};
	struct dns_names *names;
	struct dhcps *d;
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
	if (dhcps_create(&dc, &d, err, sizeof(err)) ||
	    vnic_gateway_open(&p, &gw, err, sizeof(err)))
		__builtin_trap();
	gc.ip = 0x0a000001;
	gc.prefix = 24;
	gc.dhcp = d;
	gc.dns = names;
	gc.commit = on_commit;
	gc.relay = on_relay;
	gc.probe_ms = 1;
	if (vnic_gateway_configure(gw, &gc))
		__builtin_trap();
	pool = pkt_pool_create(64);
}

/* Input: one control byte (bit 0: the pending commit succeeds; bit 1: the
 * frame's ingress port is trusted to relay; bits 2-4: that port), a
 * frame. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[PKT_MAX_FRAME];
	struct pkt *out[PKT_BURST];
	struct pkt p = {0};
	struct pkt_out po = {.pkt = &p};
	uint64_t bytes = 0;
	int n;

	if (!gw)
		setup();
	if (size < 1 || size - 1 > sizeof(frame))
		return 0;
	memcpy(frame, data + 1, size - 1);
	p.data = frame;
	p.len = (uint32_t)(size - 1);
	p.in_trusted = (data[0] >> 1) & 1;
	p.in_port = (data[0] >> 2) & 7;
	if (vnic_tx_burst(gw, 0, &po, 1, &bytes) != 1)
		__builtin_trap();
	if (last_token) {
		vnic_gateway_commit_done(gw, last_token, data[0] & 1);
		last_token = 0;
	}
	do {
		n = vnic_rx_burst(gw, 0, pool, out, PKT_BURST);
		for (int i = 0; i < n; i++) {
			if (out[i]->len < 42 || out[i]->len > PKT_MAX_FRAME)
				__builtin_trap();
			pkt_free(out[i]);
		}
	} while (n > 0);
	if (pkt_pool_avail(pool) != 64)
		__builtin_trap();
	return 0;
}
