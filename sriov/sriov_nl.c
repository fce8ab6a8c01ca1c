// SPDX-License-Identifier: GPL-2.0-or-later
/* sriov_nl.c - VF settings over rtnetlink (libnl): build RTM_SETLINK
 * requests that carry one IFLA_VF_* attribute each, read a PF's
 * IFLA_VFINFO_LIST back, and apply a set of settings without leaving it
 * half-applied
 *
 * Trust boundary: the replies come from the kernel, but the parser treats
 * them as untrusted bytes (a fuzz target drives it): the message length is
 * checked against the buffer, every attribute goes through libnl's policy
 * check (minimum lengths of the fixed structs) and structs are copied out,
 * never read in place.
 *
 * One setting per request: a driver that refuses one (igb has no minimum
 * rate and no link state) is then named exactly, and the settings applied
 * before it are put back to what the kernel reported before the change
 * ("roll back", not "validate first": only the driver knows what it takes).
 */
#include "sriov.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/util.h"

static const char *const attr_names[] = {
#define SRIOV_ATTR_NAME(id, name, desc) name,
    SRIOV_ATTRS(SRIOV_ATTR_NAME)
#undef SRIOV_ATTR_NAME
};

static const char *const attr_descs[] = {
#define SRIOV_ATTR_DESC(id, name, desc) desc,
    SRIOV_ATTRS(SRIOV_ATTR_DESC)
#undef SRIOV_ATTR_DESC
};

/**
 * sriov_attr_name() - a setting's name as vnetctl spells it
 * @a: setting
 *
 * Return: "mac", "vlan", ...
 */
const char *sriov_attr_name(enum sriov_attr a)
{
	return a < SRIOV_A_MAX ? attr_names[a] : "?";
}

/**
 * sriov_link_state_name() - "auto", "enable" or "disable"
 * @s: IFLA_VF_LINK_STATE_* value
 *
 * Return: the name, "?" for an unknown value
 */
const char *sriov_link_state_name(uint32_t s)
{
	static const char *const names[] = {"auto", "enable", "disable"};

	return s < ARRAY_SIZE(names) ? names[s] : "?";
}

/**
 * sriov_vf_cfg_check() - settings that cannot be right on any driver
 * @c: settings
 * @err: the reason
 * @errlen: room in @err
 *
 * Return: 0 or -EINVAL
 */
int sriov_vf_cfg_check(const struct sriov_vf_cfg *c, char *err, size_t errlen)
{
	const char *why = NULL;

	if (c->set & SRIOV_BIT(SRIOV_A_MAC) && mac_is_multicast(c->mac))
		why = "mac: must be a unicast address";
	else if (c->set & SRIOV_BIT(SRIOV_A_VLAN) && c->vlan > VLAN_MAX)
		why = "vlan: must be 0 (none) to 4094";
	else if (c->set & SRIOV_BIT(SRIOV_A_VLAN) && c->qos > 7)
		why = "qos: must be 0 to 7";
	else if (c->set & SRIOV_BIT(SRIOV_A_VLAN) && !c->vlan && c->qos)
		why = "qos: needs a VLAN";
	else if (c->set & SRIOV_BIT(SRIOV_A_VLAN) &&
		 c->vlan_proto != ETH_P_8021Q && c->vlan_proto != ETH_P_8021AD)
		why = "vlan-proto: must be 802.1Q or 802.1ad";
	else if (c->set & SRIOV_BIT(SRIOV_A_RATE) && c->max_rate &&
		 c->min_rate > c->max_rate)
		why = "rate: the minimum is above the maximum";
	else if (c->set & SRIOV_BIT(SRIOV_A_LINK_STATE) &&
		 c->link_state > SRIOV_LINK_DISABLE)
		why = "state: must be auto, enable or disable";
	if (!why)
		return 0;
	snprintf(err, errlen, "%s", why);
	return -EINVAL;
}

/**
 * sriov_vf_cfg_same() - does a VF already have a setting
 * @want: the settings asked for
 * @have: the settings the kernel reports
 * @a: which setting
 *
 * Return: true when @have reports @a with @want's value (a VLAN of 0 is the
 * same whatever its QoS protocol)
 */
bool sriov_vf_cfg_same(const struct sriov_vf_cfg *want,
		       const struct sriov_vf_cfg *have, enum sriov_attr a)
{
	if (!(have->set & SRIOV_BIT(a)))
		return false;
	switch (a) {
	case SRIOV_A_MAC:
		return !memcmp(want->mac, have->mac, 6);
	case SRIOV_A_VLAN:
		return want->vlan == have->vlan && want->qos == have->qos &&
		       (!want->vlan || want->vlan_proto == have->vlan_proto);
	case SRIOV_A_SPOOFCHK:
		return want->spoofchk == have->spoofchk;
	case SRIOV_A_TRUST:
		return want->trust == have->trust;
	case SRIOV_A_RATE:
		return want->min_rate == have->min_rate &&
		       want->max_rate == have->max_rate;
	case SRIOV_A_LINK_STATE:
		return want->link_state == have->link_state;
	case SRIOV_A_MAX:
		break;
	}
	return false;
}

/**
 * sriov_vf_plan() - which settings to send to a VF
 * @want: the settings asked for
 * @have: the settings the kernel reports
 *
 * A setting the VF has already is not sent (igb refuses even the link
 * state it has).  A soft one (@want->soft) the driver does not report is
 * not sent either: the kernel presets trust and spoof checking to
 * "unknown" for a driver that does not fill them in, and such a driver
 * mostly cannot set them (-EOPNOTSUPP).
 *
 * Return: SRIOV_BIT() of each setting to send, 0 when the VF is as wanted
 */
unsigned sriov_vf_plan(const struct sriov_vf_cfg *want,
		       const struct sriov_vf_cfg *have)
{
	unsigned send = 0;

	for (unsigned a = 0; a < SRIOV_A_MAX; a++) {
		unsigned bit = SRIOV_BIT(a);

		if (!(want->set & bit) ||
		    (want->soft & bit && !(have->set & bit)) ||
		    sriov_vf_cfg_same(want, have, (enum sriov_attr)a))
			continue;
		send |= bit;
	}
	return send;
}

/**
 * sriov_vf_refusal_fatal() - does a driver's refusal of a setting fail the
 * whole change
 * @want: the settings asked for
 * @a: the refused one
 * @err: the driver's -errno
 *
 * Return: false only for -EOPNOTSUPP of a soft setting (vnet's default,
 * not the user's: the driver has no such control); true otherwise
 */
bool sriov_vf_refusal_fatal(const struct sriov_vf_cfg *want, enum sriov_attr a,
			    int err)
{
	return err != -EOPNOTSUPP || a >= SRIOV_A_MAX ||
	       !(want->soft & SRIOV_BIT(a));
}

/* ---- messages ---- */

static int put_attr(struct nl_msg *msg, unsigned vf,
		    const struct sriov_vf_cfg *c, enum sriov_attr a)
{
	switch (a) {
	case SRIOV_A_MAC: {
		struct ifla_vf_mac m = {.vf = vf};

		memcpy(m.mac, c->mac, 6);
		return nla_put(msg, IFLA_VF_MAC, sizeof(m), &m);
	}
	case SRIOV_A_VLAN: {
		struct ifla_vf_vlan v = {
		    .vf = vf, .vlan = c->vlan, .qos = c->qos};
		struct ifla_vf_vlan_info vi;
		struct nlattr *list;

		/* Two bytes of padding end this struct: zeroed, not the
		 * stack's old bytes, before it goes to the kernel (an
		 * initializer need not clear padding). */
		memset(&vi, 0, sizeof(vi));
		vi.vf = vf;
		vi.vlan = c->vlan;
		vi.qos = c->qos;
		vi.vlan_proto = htons(c->vlan_proto);

		/* The plain attribute for 802.1Q (every kernel and driver
		 * takes it); the list, which carries the protocol, for
		 * 802.1ad. */
		if (c->vlan_proto != ETH_P_8021AD)
			return nla_put(msg, IFLA_VF_VLAN, sizeof(v), &v);
		list = nla_nest_start(msg, IFLA_VF_VLAN_LIST);
		if (!list ||
		    nla_put(msg, IFLA_VF_VLAN_INFO, sizeof(vi), &vi) < 0)
			return -NLE_NOMEM;
		return nla_nest_end(msg, list);
	}
	case SRIOV_A_SPOOFCHK: {
		struct ifla_vf_spoofchk s = {.vf = vf, .setting = c->spoofchk};

		return nla_put(msg, IFLA_VF_SPOOFCHK, sizeof(s), &s);
	}
	case SRIOV_A_TRUST: {
		struct ifla_vf_trust t = {.vf = vf, .setting = c->trust};

		return nla_put(msg, IFLA_VF_TRUST, sizeof(t), &t);
	}
	case SRIOV_A_RATE: {
		struct ifla_vf_rate r = {.vf = vf,
					 .min_tx_rate = c->min_rate,
					 .max_tx_rate = c->max_rate};

		return nla_put(msg, IFLA_VF_RATE, sizeof(r), &r);
	}
	case SRIOV_A_LINK_STATE: {
		struct ifla_vf_link_state l = {.vf = vf,
					       .link_state = c->link_state};

		return nla_put(msg, IFLA_VF_LINK_STATE, sizeof(l), &l);
	}
	case SRIOV_A_MAX:
		break;
	}
	return -NLE_INVAL;
}

/**
 * sriov_nl_build_set() - an RTM_SETLINK request that changes one setting
 * of one VF
 * @ifindex: the PF's interface index
 * @vf: VF index
 * @c: settings (the one named by @a is used)
 * @a: which setting
 * @out: the message (request and ack flags; sequence and port are filled
 *       in when it is sent); free with nlmsg_free()
 *
 * Return: 0, -EINVAL for an unknown setting, -ENOMEM
 */
int sriov_nl_build_set(int ifindex, unsigned vf, const struct sriov_vf_cfg *c,
		       enum sriov_attr a, struct nl_msg **out)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = ifindex};
	struct nl_msg *msg;
	struct nlattr *list, *info;

	*out = NULL;
	if (a >= SRIOV_A_MAX)
		return -EINVAL;
	msg = nlmsg_alloc_simple(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK);
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    !(list = nla_nest_start(msg, IFLA_VFINFO_LIST)) ||
	    !(info = nla_nest_start(msg, IFLA_VF_INFO)) ||
	    put_attr(msg, vf, c, a) < 0 || nla_nest_end(msg, info) < 0 ||
	    nla_nest_end(msg, list) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	*out = msg;
	return 0;
}

/**
 * sriov_nl_build_get() - an RTM_GETLINK request for a PF with its VFs
 * (IFLA_EXT_MASK = RTEXT_FILTER_VF)
 * @ifindex: the PF's interface index
 * @out: the message; free with nlmsg_free()
 *
 * Return: 0 or -ENOMEM
 */
int sriov_nl_build_get(int ifindex, struct nl_msg **out)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = ifindex};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETLINK, NLM_F_REQUEST);

	*out = NULL;
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, IFLA_EXT_MASK, RTEXT_FILTER_VF) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	*out = msg;
	return 0;
}

/* ---- parsing ---- */

static struct nla_policy vf_policy[IFLA_VF_MAX + 1] = {
    [IFLA_VF_MAC] = {.minlen = sizeof(struct ifla_vf_mac)},
    [IFLA_VF_VLAN] = {.minlen = sizeof(struct ifla_vf_vlan)},
    [IFLA_VF_VLAN_LIST] = {.type = NLA_NESTED},
    [IFLA_VF_TX_RATE] = {.minlen = sizeof(struct ifla_vf_tx_rate)},
    [IFLA_VF_SPOOFCHK] = {.minlen = sizeof(struct ifla_vf_spoofchk)},
    [IFLA_VF_LINK_STATE] = {.minlen = sizeof(struct ifla_vf_link_state)},
    [IFLA_VF_RATE] = {.minlen = sizeof(struct ifla_vf_rate)},
    [IFLA_VF_TRUST] = {.minlen = sizeof(struct ifla_vf_trust)},
};

/* The first entry of an IFLA_VF_VLAN_LIST: VLAN, QoS and protocol. */
static int parse_vlan_list(struct nlattr *list, struct sriov_vf_cfg *c)
{
	struct nlattr *a;
	int rem;

	nla_for_each_nested(a, list, rem)
	{
		struct ifla_vf_vlan_info vi;

		if (nla_type(a) != IFLA_VF_VLAN_INFO)
			continue;
		if (nla_len(a) < (int)sizeof(vi))
			return -EBADMSG;
		memcpy(&vi, nla_data(a), sizeof(vi));
		if (vi.vlan > 4095 || vi.qos > 7)
			return -EBADMSG;
		c->vlan = (uint16_t)vi.vlan;
		c->qos = (uint8_t)vi.qos;
		c->vlan_proto = ntohs(vi.vlan_proto);
		c->set |= SRIOV_BIT(SRIOV_A_VLAN);
		return 0;
	}
	return 0;
}

/* One IFLA_VF_INFO.  Every attribute carries the VF index; they must
 * agree. */
static int parse_vf(struct nlattr *info, struct sriov_vf_info *out)
{
	struct nlattr *tb[IFLA_VF_MAX + 1];
	struct sriov_vf_cfg *c = &out->cfg;
	struct ifla_vf_mac mac;

	memset(out, 0, sizeof(*out));
	if (nla_parse_nested(tb, IFLA_VF_MAX, info, vf_policy) < 0 ||
	    !tb[IFLA_VF_MAC])
		return -EBADMSG;
	memcpy(&mac, nla_data(tb[IFLA_VF_MAC]), sizeof(mac));
	out->vf = mac.vf;
	memcpy(c->mac, mac.mac, 6);
	c->set = SRIOV_BIT(SRIOV_A_MAC);
#define GET(attr, type, var)                                   \
	type var;                                              \
	if (tb[attr]) {                                        \
		memcpy(&var, nla_data(tb[attr]), sizeof(var)); \
		if (var.vf != out->vf)                         \
			return -EBADMSG;                       \
	}
	GET(IFLA_VF_VLAN, struct ifla_vf_vlan, vlan);
	GET(IFLA_VF_SPOOFCHK, struct ifla_vf_spoofchk, spoof);
	GET(IFLA_VF_TRUST, struct ifla_vf_trust, trust);
	GET(IFLA_VF_RATE, struct ifla_vf_rate, rate);
	GET(IFLA_VF_TX_RATE, struct ifla_vf_tx_rate, txrate);
	GET(IFLA_VF_LINK_STATE, struct ifla_vf_link_state, link);
#undef GET
	if (tb[IFLA_VF_VLAN]) {
		if (vlan.vlan > 4095 || vlan.qos > 7)
			return -EBADMSG;
		c->vlan = (uint16_t)vlan.vlan;
		c->qos = (uint8_t)vlan.qos;
		c->vlan_proto = ETH_P_8021Q;
		c->set |= SRIOV_BIT(SRIOV_A_VLAN);
	}
	if (tb[IFLA_VF_VLAN_LIST] && parse_vlan_list(tb[IFLA_VF_VLAN_LIST], c))
		return -EBADMSG;
	/* The kernel reports (u32)-1 when the driver does not say. */
	if (tb[IFLA_VF_SPOOFCHK] && spoof.setting != (__u32)-1) {
		c->spoofchk = spoof.setting != 0;
		c->set |= SRIOV_BIT(SRIOV_A_SPOOFCHK);
	}
	if (tb[IFLA_VF_TRUST] && trust.setting != (__u32)-1) {
		c->trust = trust.setting != 0;
		c->set |= SRIOV_BIT(SRIOV_A_TRUST);
	}
	if (tb[IFLA_VF_RATE]) {
		c->min_rate = rate.min_tx_rate;
		c->max_rate = rate.max_tx_rate;
		c->set |= SRIOV_BIT(SRIOV_A_RATE);
	} else if (tb[IFLA_VF_TX_RATE]) {
		c->max_rate = txrate.rate;
		c->set |= SRIOV_BIT(SRIOV_A_RATE);
	}
	if (tb[IFLA_VF_LINK_STATE]) {
		if (link.link_state > SRIOV_LINK_DISABLE)
			return -EBADMSG;
		c->link_state = link.link_state;
		c->set |= SRIOV_BIT(SRIOV_A_LINK_STATE);
	}
	return 0;
}

/**
 * sriov_nl_parse_link() - the VFs in an RTM_NEWLINK message
 * @buf: the message, from its nlmsghdr (untrusted bytes)
 * @len: bytes in @buf
 * @out: filled with one entry per VF, in the kernel's order
 * @max: room in @out; further VFs are not returned
 *
 * Return: how many VFs were filled in (0 when the link has none), or
 * -EBADMSG for a malformed message
 */
int sriov_nl_parse_link(const void *buf, size_t len, struct sriov_vf_info *out,
			unsigned max)
{
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct nlattr *tb[IFLA_MAX + 1], *a;
	unsigned n = 0;
	int rem;

	if (len < NLMSG_HDRLEN || h->nlmsg_len < NLMSG_HDRLEN ||
	    h->nlmsg_len > len || h->nlmsg_type != RTM_NEWLINK ||
	    !nlmsg_valid_hdr(h, sizeof(struct ifinfomsg)))
		return -EBADMSG;
	if (nlmsg_parse(h, sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) < 0)
		return -EBADMSG;
	if (!tb[IFLA_VFINFO_LIST])
		return 0;
	nla_for_each_nested(a, tb[IFLA_VFINFO_LIST], rem)
	{
		if (nla_type(a) != IFLA_VF_INFO)
			continue;
		if (n == max)
			break;
		if (parse_vf(a, &out[n]))
			return -EBADMSG;
		n++;
	}
	return (int)n;
}

/* ---- the socket ---- */

/**
 * struct sriov_nl - an rtnetlink socket for VF requests
 * @sk: libnl socket (no automatic acks: each request says what it wants)
 */
struct sriov_nl {
	struct nl_sock *sk;
};

/**
 * sriov_nl_open() - a socket for VF requests
 * @out: the socket; close with sriov_nl_close()
 *
 * Return: 0 or -errno
 */
int sriov_nl_open(struct sriov_nl **out)
{
	struct sriov_nl *nl = calloc(1, sizeof(*nl));

	*out = NULL;
	if (!nl)
		return -ENOMEM;
	nl->sk = nl_socket_alloc();
	if (!nl->sk || nl_connect(nl->sk, NETLINK_ROUTE)) {
		if (nl->sk)
			nl_socket_free(nl->sk);
		free(nl);
		return -EIO;
	}
	nl_socket_disable_auto_ack(nl->sk);
	nl_socket_enable_msg_peek(nl->sk);
	*out = nl;
	return 0;
}

/**
 * sriov_nl_close() - close a socket from sriov_nl_open()
 * @nl: the socket (may be NULL)
 */
void sriov_nl_close(struct sriov_nl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	free(nl);
}

/* Send @msg and read until its answer: an error/ack, or (for a get) the
 * link, whose VFs go to @out.  Return: the kernel's -errno, or the VF
 * count for a get, or 0. */
static int request(struct sriov_nl *nl, struct nl_msg *msg,
		   struct sriov_vf_info *out, unsigned max)
{
	uint32_t seq;
	int ret = nl_send_auto(nl->sk, msg), result = -EIO;
	bool done = false;

	if (ret < 0)
		return -EIO;
	seq = nlmsg_hdr(msg)->nlmsg_seq;
	while (!done) {
		struct sockaddr_nl peer;
		unsigned char *buf = NULL;
		struct nlmsghdr *h;
		int n = nl_recv(nl->sk, &peer, &buf, NULL);

		if (n <= 0) {
			free(buf);
			return -EIO;
		}
		for (h = (struct nlmsghdr *)buf; nlmsg_ok(h, n);
		     h = nlmsg_next(h, &n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr e;

				if (nlmsg_datalen(h) < (int)sizeof(e)) {
					result = -EBADMSG;
				} else {
					memcpy(&e, nlmsg_data(h), sizeof(e));
					result = e.error;
				}
				done = true;
				break;
			}
			if (h->nlmsg_type == RTM_NEWLINK && out) {
				result = sriov_nl_parse_link(h, h->nlmsg_len,
							     out, max);
				done = true;
				break;
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
		}
		free(buf);
	}
	return result;
}

/**
 * sriov_vf_read() - a PF's VFs as the kernel reports them
 * @nl: socket
 * @pf: the PF's network device
 * @out: one entry per VF
 * @max: room in @out
 *
 * Return: how many, or -ENODEV without the device, or -errno
 */
int sriov_vf_read(struct sriov_nl *nl, const char *pf,
		  struct sriov_vf_info *out, unsigned max)
{
	int ifindex = (int)if_nametoindex(pf), ret;
	struct nl_msg *msg;

	if (!ifindex)
		return -ENODEV;
	ret = sriov_nl_build_get(ifindex, &msg);
	if (ret)
		return ret;
	ret = request(nl, msg, out, max);
	nlmsg_free(msg);
	return ret;
}

/**
 * sriov_vf_set_one() - change one setting of one VF
 * @nl: socket
 * @pf: the PF's network device
 * @vf: VF index
 * @c: settings (the one named by @a is used)
 * @a: which
 *
 * Return: 0, -ENODEV without the device, or the driver's -errno
 */
int sriov_vf_set_one(struct sriov_nl *nl, const char *pf, unsigned vf,
		     const struct sriov_vf_cfg *c, enum sriov_attr a)
{
	int ifindex = (int)if_nametoindex(pf), ret;
	struct nl_msg *msg;

	if (!ifindex)
		return -ENODEV;
	ret = sriov_nl_build_set(ifindex, vf, c, a, &msg);
	if (ret)
		return ret;
	ret = request(nl, msg, NULL, 0);
	nlmsg_free(msg);
	return ret;
}

static void describe(const struct sriov_vf_cfg *c, enum sriov_attr a, char *buf,
		     size_t size)
{
	char mac[MAC_STRLEN];

	switch (a) {
	case SRIOV_A_MAC:
		snprintf(buf, size, "mac %s", mac_format(c->mac, mac));
		break;
	case SRIOV_A_VLAN:
		snprintf(buf, size, "vlan %u qos %u proto %s", c->vlan, c->qos,
			 c->vlan_proto == ETH_P_8021AD ? "802.1ad" : "802.1Q");
		break;
	case SRIOV_A_SPOOFCHK:
		snprintf(buf, size, "spoofchk %s", c->spoofchk ? "on" : "off");
		break;
	case SRIOV_A_TRUST:
		snprintf(buf, size, "trust %s", c->trust ? "on" : "off");
		break;
	case SRIOV_A_RATE:
		snprintf(buf, size, "rate %u:%u Mb/s", c->min_rate,
			 c->max_rate);
		break;
	default:
		snprintf(buf, size, "state %s",
			 sriov_link_state_name(c->link_state));
		break;
	}
}

/**
 * sriov_vf_apply() - apply some settings to a VF, all or none
 * @nl: socket
 * @pf: the PF's network device
 * @vf: VF index
 * @want: the settings to apply (@want->set says which)
 * @unsupported: filled with SRIOV_BIT() of the soft settings the driver
 *               answered -EOPNOTSUPP for (left out, not an error); may be
 *               NULL
 * @err: the reason, for a user, when it fails: which setting the driver
 *       refused, why, and whether the others were put back
 * @errlen: room in @err
 *
 * Checks what no driver takes, reads the VF's settings, applies each one
 * sriov_vf_plan() picks in SRIOV_ATTRS order, and when one is refused
 * (sriov_vf_refusal_fatal()) puts the ones applied before it back to the
 * values read (reverse order).
 *
 * Return: 0; -EINVAL for settings no driver takes; -ENODEV without the PF;
 * -ERANGE when the PF has no VF @vf; the driver's -errno for a refusal
 */
int sriov_vf_apply(struct sriov_nl *nl, const char *pf, unsigned vf,
		   const struct sriov_vf_cfg *want, unsigned *unsupported,
		   char *err, size_t errlen)
{
	struct sriov_vf_info *infos = calloc(SRIOV_MAX_VFS, sizeof(*infos));
	const struct sriov_vf_cfg *cur = NULL;
	char what[64];
	unsigned done = 0, send;
	int n, ret = 0;

	if (unsupported)
		*unsupported = 0;

	if (!infos) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = sriov_vf_cfg_check(want, err, errlen);
	if (ret)
		goto out;
	n = sriov_vf_read(nl, pf, infos, SRIOV_MAX_VFS);
	if (n < 0) {
		snprintf(err, errlen, "%s: cannot read its VFs: %s", pf,
			 strerror(-n));
		ret = n;
		goto out;
	}
	for (int i = 0; i < n; i++)
		if (infos[i].vf == vf)
			cur = &infos[i].cfg;
	if (!cur) {
		snprintf(err, errlen, "%s has no VF %u (it has %d: 0-%d)", pf,
			 vf, n, n - 1);
		ret = -ERANGE;
		goto out;
	}
	send = sriov_vf_plan(want, cur);
	for (unsigned a = 0; a < SRIOV_A_MAX; a++) {
		if (!(send & SRIOV_BIT(a)))
			continue;
		ret = sriov_vf_set_one(nl, pf, vf, want, (enum sriov_attr)a);
		if (!ret) {
			done |= SRIOV_BIT(a);
			continue;
		}
		if (!sriov_vf_refusal_fatal(want, (enum sriov_attr)a, ret)) {
			if (unsupported)
				*unsupported |= SRIOV_BIT(a);
			ret = 0;
			continue;
		}
		describe(want, (enum sriov_attr)a, what, sizeof(what));
		snprintf(
		    err, errlen, "%s vf %u: the driver refused %s (%s): %s%s",
		    pf, vf, what, attr_descs[a], strerror(-ret),
		    ret == -EOPNOTSUPP ? " (the driver has no such control)"
				       : "");
		break;
	}
	if (!ret)
		goto out;
	for (int a = SRIOV_A_MAX - 1; a >= 0; a--) {
		size_t len = strlen(err);
		int r;

		if (!(done & SRIOV_BIT(a)))
			continue;
		r = cur->set & SRIOV_BIT(a)
			? sriov_vf_set_one(nl, pf, vf, cur, (enum sriov_attr)a)
			: -EOPNOTSUPP;
		if (r && len < errlen)
			snprintf(err + len, errlen - len,
				 "; %s could not be put back: %s",
				 attr_names[a], strerror(-r));
	}
	if (done) {
		size_t len = strlen(err);

		if (len < errlen)
			snprintf(err + len, errlen - len,
				 " (the settings applied before it were put "
				 "back)");
	}
out:
	free(infos);
	return ret;
}
