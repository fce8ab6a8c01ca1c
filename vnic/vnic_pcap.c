// SPDX-License-Identifier: GPL-2.0-or-later
/* vnic_pcap.c - uplink through libpcap, the portable fallback
 *
 * libpcap hides the kernel's checksum status, so TCP and UDP checksums of
 * received IP frames are computed afresh: with checksum offload on, frames
 * the host hands to its NIC carry only a partial sum, and peers would drop
 * them.  Offload super-frames (GRO) are larger than the snapshot length and
 * are counted as truncated; the afpacket backend handles those.
 */
#include "vnic_provider.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/log.h"
#include "../lib/util.h"
#include "../lib/vnet_hdr.h"

struct vnic_pcap {
	struct vnic base;
	pcap_t *pc;
	int fd;
	int ifindex;
	char dev[16];
};

struct pcap_rx_ctx {
	struct vnic_pcap *pc;
	struct pkt_pool *pool;
	struct pkt **pkts;
	unsigned got;
};

static struct vnic_pcap *to_pcap(const struct vnic *v)
{
	return (struct vnic_pcap *)v;
}

static int pcap_vnic_open(const struct vnic_params *params, struct vnic **out,
			  char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct vnic_pcap *p;
	int ret = -EIO;

	if (!params->dev) {
		snprintf(err, errlen, "an uplink needs a device");
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	vnic_base_init(&p->base, &vnic_pcap_ops, params);
	snprintf(p->dev, sizeof(p->dev), "%s", params->dev);
	p->ifindex = vnic_link_ifindex(params->dev);
	if (p->ifindex <= 0) {
		snprintf(err, errlen, "no network device '%s'", params->dev);
		free(p);
		return -ENODEV;
	}
	p->pc = pcap_create(params->dev, ebuf);
	if (!p->pc)
		goto fail;
	if (pcap_set_snaplen(p->pc, PKT_MAX_FRAME) ||
	    pcap_set_promisc(p->pc, 1) || pcap_set_immediate_mode(p->pc, 1) ||
	    pcap_set_timeout(p->pc, 1) || pcap_activate(p->pc) < 0) {
		snprintf(ebuf, sizeof(ebuf), "%s", pcap_geterr(p->pc));
		goto fail;
	}
	if (pcap_setdirection(p->pc, PCAP_D_IN) ||
	    pcap_setnonblock(p->pc, 1, ebuf) < 0) {
		snprintf(ebuf, sizeof(ebuf), "%s", pcap_geterr(p->pc));
		goto fail;
	}
	p->fd = pcap_get_selectable_fd(p->pc);
	ret = vnic_link_set(params->dev, 1, 0, NULL);
	if (ret) {
		snprintf(ebuf, sizeof(ebuf), "cannot set it up: %s",
			 strerror(-ret));
		goto fail;
	}
	*out = &p->base;
	return 0;
fail:
	snprintf(err, errlen, "uplink '%s' (pcap): %s", params->dev, ebuf);
	if (p->pc)
		pcap_close(p->pc);
	free(p);
	return ret == -EIO || !ret ? -EIO : ret;
}

static void pcap_vnic_close(struct vnic *v)
{
	pcap_close(to_pcap(v)->pc);
	free(v);
}

static void pcap_rx_one(u_char *arg, const struct pcap_pkthdr *hdr,
			const u_char *bytes)
{
	struct pcap_rx_ctx *ctx = (struct pcap_rx_ctx *)arg;
	struct vnic *v = &ctx->pc->base;
	struct pkt *p;

	if (hdr->caplen != hdr->len || hdr->caplen > PKT_MAX_FRAME) {
		vnic_count_drop(v, VNIC_DROP_TRUNCATED, 1);
		return;
	}
	p = pkt_pool_alloc(ctx->pool);
	if (!p) {
		vnic_count_drop(v, VNIC_DROP_NO_BUFFER, 1);
		return;
	}
	memcpy(p->data, bytes, hdr->caplen);
	p->len = hdr->caplen;
	l4_csum_fill(p->data, p->len);
	ctx->pkts[ctx->got++] = p;
}

static int pcap_vnic_rx_burst(struct vnic *v, struct pkt_pool *pool,
			      struct pkt **pkts, unsigned n)
{
	struct pcap_rx_ctx ctx = {to_pcap(v), pool, pkts, 0};
	int r = pcap_dispatch(to_pcap(v)->pc, (int)n, pcap_rx_one,
			      (u_char *)&ctx);

	if (r == PCAP_ERROR) {
		vlog_rl(VNIC, WARN, "%s: %s", v->name,
			pcap_geterr(to_pcap(v)->pc));
		if (!vnic_alive(v))
			return -ENODEV;
	}
	return (int)ctx.got;
}

static int pcap_vnic_tx_burst(struct vnic *v, const struct pkt_out *out,
			      unsigned n)
{
	static __thread uint8_t buf[PKT_MAX_FRAME + 4];
	unsigned sent = 0;

	for (unsigned i = 0; i < n; i++) {
		struct iovec iov[3];
		uint8_t tag[4];
		unsigned cnt = pkt_tx_iov(out[i].pkt, out[i].tci, tag, iov);
		size_t len = 0;

		for (unsigned k = 0; k < cnt; k++) {
			memcpy(buf + len, iov[k].iov_base, iov[k].iov_len);
			len += iov[k].iov_len;
		}
		if (pcap_inject(to_pcap(v)->pc, buf, len) < 0) {
			vnic_count_drop(v, VNIC_DROP_TX_ERROR, 1);
			continue;
		}
		sent++;
	}
	return (int)sent;
}

static int pcap_vnic_rx_fd(const struct vnic *v)
{
	return to_pcap(v)->fd;
}

static int pcap_vnic_ifindex(const struct vnic *v)
{
	return to_pcap(v)->ifindex;
}

static bool pcap_vnic_alive(struct vnic *v)
{
	return vnic_link_ifindex(to_pcap(v)->dev) == to_pcap(v)->ifindex;
}

static void pcap_vnic_describe(const struct vnic *v, json_t *obj)
{
	json_object_set_new(obj, "device", json_string(to_pcap(v)->dev));
}

const struct vnic_ops vnic_pcap_ops = {
	.kind = "pcap",
	.open = pcap_vnic_open,
	.close = pcap_vnic_close,
	.rx_burst = pcap_vnic_rx_burst,
	.tx_burst = pcap_vnic_tx_burst,
	.rx_fd = pcap_vnic_rx_fd,
	.ifindex = pcap_vnic_ifindex,
	.alive = pcap_vnic_alive,
	.describe = pcap_vnic_describe,
};
