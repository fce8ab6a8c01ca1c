// SPDX-License-Identifier: GPL-2.0-or-later
/* vmm_netdev.c - the parts of virtio-net that vnet-vmm serves itself: the
 * device configuration layout and the control queue's commands (only
 * VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET: how many queue pairs vnetd runs), and
 * the --net argument.  Pure functions, unit-tested. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm_net.h"

static void put_le16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/**
 * vmm_net_devcfg() - struct virtio_net_config as vnet-vmm offers it
 * @cfg: filled (VMM_NET_DEVCFG_SIZE bytes, little endian)
 * @mac: the NIC's address
 * @link_up: VIRTIO_NET_S_LINK_UP in status
 * @max_pairs: max_virtqueue_pairs (read by the driver only with MQ)
 * @mtu: read by the driver only with VIRTIO_NET_F_MTU
 */
void vmm_net_devcfg(uint8_t cfg[VMM_NET_DEVCFG_SIZE], const uint8_t mac[6],
		    bool link_up, unsigned max_pairs, unsigned mtu)
{
	memcpy(cfg, mac, 6);
	put_le16(cfg + 6, link_up ? 1 : 0);
	put_le16(cfg + 8, max_pairs);
	put_le16(cfg + 10, mtu);
}

/**
 * vmm_net_vu_features() - the features vnet-vmm sets at vnetd
 * (VHOST_USER_SET_FEATURES)
 * @guest: what the driver accepted
 * @offered: what vnet-vmm offered the driver
 * @backend: what vnetd offered
 * @protocol: VHOST_USER_F_PROTOCOL_FEATURES was negotiated
 *
 * Only what both sides offered and the driver accepted; what vnetd offers
 * but vnet-vmm does not (IN_ORDER, LOG_ALL, ...) never reaches vnetd, even
 * if the driver's features were not checked against the offer.
 *
 * Return: the feature bits
 */
uint64_t vmm_net_vu_features(uint64_t guest, uint64_t offered, uint64_t backend,
			     bool protocol)
{
	return (guest & offered & backend) |
	       (protocol ? VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES_BIT) : 0);
}

/**
 * vmm_net_ctrl_queue() - which queue is the control queue
 * @features: what the driver accepted
 * @max_pairs: the device's queue pairs
 *
 * Return: 2 * @max_pairs with MQ, 2 without it, -1 without CTRL_VQ
 * (virtio 1.2, 5.1.2)
 */
int vmm_net_ctrl_queue(uint64_t features, unsigned max_pairs)
{
	if (!(features & VU_BIT(VIRTIO_NET_F_CTRL_VQ_BIT)))
		return -1;
	return features & VU_BIT(VIRTIO_NET_F_MQ_BIT) ? (int)(2 * max_pairs)
						      : 2;
}

/**
 * vmm_net_ctrl_parse() - one control command
 * @cmd: the driver-readable bytes of the chain: class, command, data
 *       (guest-controlled)
 * @len: their number
 * @max_pairs: the device's queue pairs
 * @pairs: set to the pairs asked for by a valid VQ_PAIRS_SET
 *
 * Return: the ack byte, VIRTIO_NET_OK or VIRTIO_NET_ERR (unknown class or
 * command, short data, a pair count outside 1..@max_pairs)
 */
uint8_t vmm_net_ctrl_parse(const uint8_t *cmd, size_t len, unsigned max_pairs,
			   unsigned *pairs)
{
	unsigned n;

	if (len < 2 || cmd[0] != VIRTIO_NET_CTRL_MQ ||
	    cmd[1] != VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET || len - 2 < 2)
		return VIRTIO_NET_ERR;
	n = cmd[2] | (unsigned)cmd[3] << 8;
	if (n < 1 || n > max_pairs)
		return VIRTIO_NET_ERR;
	*pairs = n;
	return VIRTIO_NET_OK;
}

/* "mac=" value: six hex pairs, a unicast address. */
static int parse_mac(const char *s, size_t len, uint8_t mac[6])
{
	unsigned b[6];
	char m[24], tail;

	if (len >= sizeof(m))
		return -EINVAL;
	memcpy(m, s, len);
	m[len] = 0;
	if (sscanf(m, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != 6 ||
	    (b[0] & 1))
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

/* "queues=" value: 1 to VU_MAX_QUEUE_PAIRS, digits only. */
static int parse_queues(const char *s, size_t len, unsigned *q)
{
	unsigned v = 0;

	if (!len || len > 2)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v < 1 || v > VU_MAX_QUEUE_PAIRS)
		return -EINVAL;
	*q = v;
	return 0;
}

#define OPT_IS(opt, len, key) \
	((len) > sizeof(key) - 1 && !strncmp(opt, key, sizeof(key) - 1))

/**
 * vmm_net_parse() - split
 * "NETWORK[,mac=MAC][,name=PORT][,listen][,queues=N][,ioeventfd=on|off]
 * [,sriov]"
 * @spec: the --net argument
 * @out: filled (queues 1 unless given)
 *
 * Keywords match exactly; sriov takes neither listen, queues= nor
 * ioeventfd=.
 *
 * Return: 0 or -EINVAL
 */
int vmm_net_parse(const char *spec, struct vmm_net_spec *out)
{
	const char *p = strchr(spec, ',');
	size_t n = p ? (size_t)(p - spec) : strlen(spec);
	bool has_queues = false, has_ioeventfd = false;

	memset(out, 0, sizeof(*out));
	out->queues = 1;
	if (!n || n >= sizeof(out->network))
		return -EINVAL;
	memcpy(out->network, spec, n);
	while (p) {
		const char *opt = p + 1, *next = strchr(opt, ',');
		size_t len = next ? (size_t)(next - opt) : strlen(opt);

		if (OPT_IS(opt, len, "mac=")) {
			if (parse_mac(opt + 4, len - 4, out->mac))
				return -EINVAL;
			out->has_mac = true;
		} else if (len == 6 && !strncmp(opt, "listen", 6)) {
			out->listen = true;
		} else if (len == 5 && !strncmp(opt, "sriov", 5)) {
			out->sriov = true;
		} else if (OPT_IS(opt, len, "name=") &&
			   len - 5 < sizeof(out->name)) {
			memcpy(out->name, opt + 5, len - 5);
			out->name[len - 5] = 0;
		} else if (OPT_IS(opt, len, "queues=")) {
			if (parse_queues(opt + 7, len - 7, &out->queues))
				return -EINVAL;
			has_queues = true;
		} else if (OPT_IS(opt, len, "ioeventfd=")) {
			if (len == 12 && !strncmp(opt + 10, "on", 2))
				out->no_ioeventfd = false;
			else if (len == 13 && !strncmp(opt + 10, "off", 3))
				out->no_ioeventfd = true;
			else
				return -EINVAL;
			has_ioeventfd = true;
		} else {
			return -EINVAL;
		}
		p = next;
	}
	if (out->sriov && (out->listen || has_queues || has_ioeventfd))
		return -EINVAL;
	return 0;
}
