// SPDX-License-Identifier: GPL-2.0-or-later
/* vnic_pcap.c - uplink through libpcap, the portable fallback
 *
 * libpcap hides the kernel's checksum status and segmentation metadata, so
 * TCP and UDP checksums of received IP frames are computed afresh (with
 * checksum offload on, frames carry only a partial sum and peers would drop
 * them), and a TCP super-frame larger than the MTU (GRO, TSO on a veth peer)
 * is cut into segments that fill the MTU: any such cut is valid TCP.  Other
 * frames over the MTU are dropped by the switch as oversize.
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

#define PCAP_SNAPLEN 262144

struct vnic_pcap {
	struct vnic base;
	pcap_t *pc;
	int fd;
	int ifindex;
	char dev[16];
	/* A super-frame being cut across several bursts. */
	uint8_t *sf;
	size_t sf_len, sf_off;
	struct virtio_net_hdr sf_h;
};

struct pcap_rx_ctx {
	struct vnic_pcap *pc;
	struct pkt_pool *pool;
	struct pkt **pkts;
	unsigned got, room;
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
	/* libpcap refuses a device that is down. */
	ret = vnic_link_set(params->dev, 1, 0, NULL);
	if (ret) {
		snprintf(ebuf, sizeof(ebuf), "cannot set it up: %s",
			 strerror(-ret));
		goto fail;
	}
	p->pc = pcap_create(params->dev, ebuf);
	if (!p->pc)
		goto fail;
	p->sf = malloc(PCAP_SNAPLEN);
	if (!p->sf) {
		snprintf(ebuf, sizeof(ebuf), "out of memory");
		goto fail;
	}
	if (pcap_set_snaplen(p->pc, PCAP_SNAPLEN) ||
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
	*out = &p->base;
	return 0;
fail:
	snprintf(err, errlen, "uplink '%s' (pcap): %s", params->dev, ebuf);
	if (p->pc)
		pcap_close(p->pc);
	free(p->sf);
	free(p);
	return ret == -EIO || !ret ? -EIO : ret;
}

static void pcap_vnic_close(struct vnic *v)
{
	pcap_close(to_pcap(v)->pc);
	free(to_pcap(v)->sf);
	free(v);
}

/* Cut the stashed super-frame into at most @room segments. */
static unsigned sf_cut(struct vnic_pcap *pc, struct pkt_pool *pool,
		       struct pkt **pkts, unsigned room)
{
	int n = vnet_hdr_gso_segment(&pc->sf_h, pc->sf, pc->sf_len, &pc->sf_off,
				     pool, pkts, room);

	if (n < 0) {
		vnic_count_drop(&pc->base,
				n == -ENOBUFS ? VNIC_DROP_NO_BUFFER
					      : VNIC_DROP_GSO_UNSUPPORTED,
				1);
		pc->sf_len = 0;
		return 0;
	}
	if (pc->sf_off == SIZE_MAX) {
		pc->sf_len = 0;
		atomic_fetch_add_explicit(&pc->base.superframes, 1,
					  memory_order_relaxed);
	}
	return (unsigned)n;
}

/* Stash a frame over the MTU when it is TCP that can be cut. */
static bool sf_stash(struct vnic_pcap *pc, const uint8_t *b, size_t len)
{
	uint16_t type = pkt_get_be16(b + 12);
	size_t l2 = type == ETHERTYPE_VLAN ? 18 : 14, hdrs;
	const uint8_t *ip = b + l2;

	if (type == ETHERTYPE_VLAN && len >= 18)
		type = pkt_get_be16(b + 16);
	if (type == ETHERTYPE_IPV4 && len >= l2 + 20 && ip[9] == 6)
		hdrs = l2 + (size_t)(ip[0] & 0xf) * 4;
	else if (type == ETHERTYPE_IPV6 && len >= l2 + 40 && ip[6] == 6)
		hdrs = l2 + 40;
	else
		return false;
	if (len < hdrs + 20)
		return false;
	hdrs += (size_t)(b[hdrs + 12] >> 4) * 4;
	if (hdrs >= l2 + pc->base.mtu)
		return false;
	memcpy(pc->sf, b, len);
	pc->sf_len = len;
	pc->sf_off = 0;
	pc->sf_h = (struct virtio_net_hdr){
	    .gso_type = type == ETHERTYPE_IPV4 ? VIRTIO_NET_HDR_GSO_TCPV4
					       : VIRTIO_NET_HDR_GSO_TCPV6,
	    .gso_size = (uint16_t)(l2 + pc->base.mtu - hdrs),
	};
	return true;
}

static void pcap_rx_one(u_char *arg, const struct pcap_pkthdr *hdr,
			const u_char *bytes)
{
	struct pcap_rx_ctx *ctx = (struct pcap_rx_ctx *)arg;
	struct vnic *v = &ctx->pc->base;
	struct pkt *p;

	/* A super-frame cut into segments can fill the burst before libpcap
	 * stops handing frames over: never write past the caller's array. */
	if (ctx->got >= ctx->room) {
		vnic_count_drop(v, VNIC_DROP_NO_BUFFER, 1);
		pcap_breakloop(ctx->pc->pc);
		return;
	}
	if (hdr->caplen != hdr->len) {
		vnic_count_drop(v, VNIC_DROP_TRUNCATED, 1);
		return;
	}
	if (hdr->caplen > v->mtu + 18 &&
	    sf_stash(ctx->pc, bytes, hdr->caplen)) {
		ctx->got += sf_cut(ctx->pc, ctx->pool, ctx->pkts + ctx->got,
				   ctx->room - ctx->got);
		/* The rest waits for the next burst; so does any other frame
		 * once the burst is full. */
		if (ctx->pc->sf_len || ctx->got >= ctx->room)
			pcap_breakloop(ctx->pc->pc);
		return;
	}
	if (hdr->caplen > PKT_MAX_FRAME) {
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

static int pcap_vnic_rx_burst(struct vnic *v, unsigned rxq,
			      struct pkt_pool *pool, struct pkt **pkts,
			      unsigned n)
{
	struct vnic_pcap *pc = to_pcap(v);
	struct pcap_rx_ctx ctx = {pc, pool, pkts, 0, n};
	int r = 0;

	if (pc->sf_len)
		ctx.got = sf_cut(pc, pool, pkts, n);
	/* A frame may turn into many: ask for as many as there is room for,
	 * which is enough since each one yields at least one packet. */
	if (!pc->sf_len && ctx.got < n)
		r = pcap_dispatch(pc->pc, (int)(n - ctx.got), pcap_rx_one,
				  (u_char *)&ctx);
	if (r == PCAP_ERROR) {
		vlog_rl(VNIC, WARN, "%s: %s", v->name,
			pcap_geterr(to_pcap(v)->pc));
		if (!vnic_alive(v))
			return -ENODEV;
	}
	return (int)ctx.got;
}

static int pcap_vnic_tx_burst(struct vnic *v, unsigned txq,
			      const struct pkt_out *out, unsigned n,
			      uint64_t *bytes)
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
		*bytes += len;
		sent++;
	}
	return (int)sent;
}

static int pcap_vnic_rx_fd(const struct vnic *v, unsigned rxq)
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
