// SPDX-License-Identifier: GPL-2.0-or-later
/* test_sriov_nl.c - VF settings over rtnetlink: the RTM_SETLINK requests
 * vnet builds (byte for byte), a recorded kernel reply parsed, malformed
 * replies refused, and the settings no driver takes */
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../sriov/sriov.h"

/* The kernel's answer to RTM_GETLINK eth0 with RTEXT_FILTER_VF, recorded
 * in the QEMU 10 igb guest of t_sriov.sh (Linux 6.1, igb PF with 3 VFs)
 * after `ip link set eth0 vf 0 mac 52:54:00:aa:bb:01 vlan 10 qos 3
 * spoofchk on trust on` and `... vf 0 max_tx_rate 100`. */
static const char igb_reply_hex[] =
    "2409000010000000010000008100000000000100020000004310010000000000"
    "09000300657468300000000008000d00e8030000050010000600000005001100"
    "0000000008000400dc0500000800320044000000080033000024000008001b00"
    "0000000008001e000000000008003d000000000008001f000800000008002800"
    "ffff0000080029000000010008003a000000010008003b000000010008003c00"
    "ffff000008002000080000000500210001000000070006006d71000008002300"
    "0200000008002f00010000000800300001000000050027000000000024000e00"
    "000060fe00000000ffff61fe0000000000000000000000000000000000000000"
    "0a00010052540012345600000a000200ffffffffffff0000cc00170003000000"
    "000000000a000000000000001a01000000000000680300000000000000000000"
    "0000000000000000000000000000000000000000000000000000000003000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "0000000064000700030000000a0000001a010000680300000000000000000000"
    "0000000000000000030000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000008001500030000007c031600280101002800010000000000"
    "525400aabb010000000000000000000000000000000000000000000000000000"
    "24000d00ffffffffffff00000000000000000000000000000000000000000000"
    "0000000010000200000000000a00000003000000100006000000000000000000"
    "640000000c00030000000000640000000c00040000000000010000000c000500"
    "00000000000000000c00070000000000ffffffff0c0009000000000001000000"
    "18000c0014000100000000000a0000000300000081000000640008000c000000"
    "00000000000000000c00010000000000000000000c0002000000000000000000"
    "0c00030000000000000000000c00040000000000000000000c00050000000000"
    "000000000c00070000000000000000000c000800000000000000000028010100"
    "2800010001000000000000000000000000000000000000000000000000000000"
    "000000000000000024000d00ffffffffffff0000000000000000000000000000"
    "0000000000000000000000001000020001000000000000000000000010000600"
    "0100000000000000000000000c00030001000000000000000c00040001000000"
    "010000000c00050001000000000000000c00070001000000ffffffff0c000900"
    "010000000000000018000c001400010001000000000000000000000081000000"
    "640008000c00000000000000000000000c00010000000000000000000c000200"
    "00000000000000000c00030000000000000000000c0004000000000000000000"
    "0c00050000000000000000000c00070000000000000000000c00080000000000"
    "0000000028010100280001000200000000000000000000000000000000000000"
    "0000000000000000000000000000000024000d00ffffffffffff000000000000"
    "0000000000000000000000000000000000000000100002000200000000000000"
    "00000000100006000200000000000000000000000c0003000200000000000000"
    "0c00040002000000010000000c00050002000000000000000c00070002000000"
    "ffffffff0c000900020000000000000018000c00140001000200000000000000"
    "0000000081000000640008000c00000000000000000000000c00010000000000"
    "000000000c00020000000000000000000c00030000000000000000000c000400"
    "00000000000000000c00050000000000000000000c0007000000000000000000"
    "0c00080000000000000000000c002b0005000200000000000a00360052540012"
    "3456000024031a008c0002008800010000000000000000000000000001000000"
    "0100000001000000010000000000000001000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "00000000000000000000000000000000000000000000000010270000e8030000"
    "000000000000000000000000000000000100000094020a000800010010000080"
    "14000500ffff00005c0200006c8d0000e8030000f00002000000000040000000"
    "dc05000001000000010000000100000001000000ffffffffa00f0000e8030000"
    "00000000803a0900805101000300000058020000100000000000000001000000"
    "010000000100000060ea00000000000000000000000000000000000000000000"
    "0000000001000000000000000000000010270000e80300000100000000000000"
    "0000000001000000000000000000000001000000000000000000000000000000"
    "0000000080ee3600000000000000000001000000000000000000000000000000"
    "00000000000000000004000000000000ffff0000ffffffff0100000000000000"
    "000000002c01030025000000000000000300000000000000f000000000000000"
    "030000000000000000000000000000000a00000000000000dc02000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "03000000000000000a0000000000000000000000000000000000000000000000"
    "f000000000000000dc0200000000000000000000000000000000000000000000"
    "0000000000000000030000000000000000000000000000000000000000000000"
    "000000000000000000000000000000003c000600070000000000000003000000"
    "0000000000000000000000000a00000000000000000000000000000000000000"
    "0000000000000000000000001400070000000000000000000000000000000000"
    "050008000000000011003800303030303a30313a30302e300000000008003900"
    "70636900";

static size_t unhex(const char *hex, uint8_t *out, size_t size)
{
	size_t n = strlen(hex) / 2;

	assert_true(n <= size);
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static uint8_t reply[4096];
static size_t reply_len;

static int load_reply(void **state)
{
	(void)state;
	reply_len = unhex(igb_reply_hex, reply, sizeof(reply));
	return 0;
}

static void test_parse_igb_reply(void **state)
{
	static const uint8_t mac0[6] = {0x52, 0x54, 0x00, 0xaa, 0xbb, 0x01};
	static const uint8_t zero[6];
	struct sriov_vf_info vfs[8];
	const unsigned all =
	    SRIOV_BIT(SRIOV_A_MAC) | SRIOV_BIT(SRIOV_A_VLAN) |
	    SRIOV_BIT(SRIOV_A_SPOOFCHK) | SRIOV_BIT(SRIOV_A_TRUST) |
	    SRIOV_BIT(SRIOV_A_RATE) | SRIOV_BIT(SRIOV_A_LINK_STATE);

	(void)state;
	assert_int_equal(reply_len, 2340);
	assert_int_equal(sriov_nl_parse_link(reply, reply_len, vfs, 8), 3);
	assert_int_equal(vfs[0].vf, 0);
	assert_int_equal(vfs[0].cfg.set, all);
	assert_memory_equal(vfs[0].cfg.mac, mac0, 6);
	assert_int_equal(vfs[0].cfg.vlan, 10);
	assert_int_equal(vfs[0].cfg.qos, 3);
	assert_int_equal(vfs[0].cfg.vlan_proto, ETH_P_8021Q);
	assert_true(vfs[0].cfg.spoofchk);
	assert_true(vfs[0].cfg.trust);
	assert_int_equal(vfs[0].cfg.min_rate, 0);
	assert_int_equal(vfs[0].cfg.max_rate, 100);
	assert_int_equal(vfs[0].cfg.link_state, SRIOV_LINK_AUTO);
	for (unsigned i = 1; i < 3; i++) {
		assert_int_equal(vfs[i].vf, i);
		assert_memory_equal(vfs[i].cfg.mac, zero, 6);
		assert_int_equal(vfs[i].cfg.vlan, 0);
		assert_true(vfs[i].cfg.spoofchk);
		assert_false(vfs[i].cfg.trust);
		assert_int_equal(vfs[i].cfg.max_rate, 0);
	}
	/* Room for one: the first only. */
	assert_int_equal(sriov_nl_parse_link(reply, reply_len, vfs, 1), 1);
	assert_int_equal(vfs[0].vf, 0);
}

/* Find the first attribute @type at the top level of the reply's
 * IFLA_VFINFO_LIST's first VF_INFO (to corrupt it in place). */
static uint8_t *find_vf_attr(uint8_t *msg, unsigned type)
{
	struct nlmsghdr *h = (struct nlmsghdr *)msg;
	struct nlattr *list =
	    nlmsg_find_attr(h, sizeof(struct ifinfomsg), IFLA_VFINFO_LIST);
	struct nlattr *info = list ? nla_data(list) : NULL;
	struct nlattr *a;
	int rem;

	assert_non_null(info);
	nla_for_each_nested(a, info, rem)
	{
		if (nla_type(a) == (int)type)
			return (uint8_t *)a;
	}
	fail();
	return NULL;
}

static void test_parse_malformed(void **state)
{
	struct sriov_vf_info vfs[8];
	uint8_t m[4096];
	struct nlmsghdr *h = (struct nlmsghdr *)m;
	uint8_t *a;

	(void)state;
	/* shorter than the header, than its own length, than an ifinfomsg */
	assert_int_equal(sriov_nl_parse_link(reply, 8, vfs, 8), -EBADMSG);
	assert_int_equal(sriov_nl_parse_link(reply, reply_len - 1, vfs, 8),
			 -EBADMSG);
	memcpy(m, reply, reply_len);
	h->nlmsg_len = NLMSG_HDRLEN + 4;
	assert_int_equal(sriov_nl_parse_link(m, reply_len, vfs, 8), -EBADMSG);
	h->nlmsg_len = 3;
	assert_int_equal(sriov_nl_parse_link(m, reply_len, vfs, 8), -EBADMSG);
	/* not a link */
	memcpy(m, reply, reply_len);
	h->nlmsg_type = RTM_NEWADDR;
	assert_int_equal(sriov_nl_parse_link(m, reply_len, vfs, 8), -EBADMSG);
	/* a MAC attribute too short for its struct */
	memcpy(m, reply, reply_len);
	a = find_vf_attr(m, IFLA_VF_MAC);
	((struct nlattr *)a)->nla_len = 8;
	assert_int_equal(sriov_nl_parse_link(m, reply_len, vfs, 8), -EBADMSG);
	/* an attribute whose VF index disagrees with the MAC's */
	memcpy(m, reply, reply_len);
	a = find_vf_attr(m, IFLA_VF_TRUST);
	((struct ifla_vf_trust *)(a + NLA_HDRLEN))->vf = 5;
	assert_int_equal(sriov_nl_parse_link(m, reply_len, vfs, 8), -EBADMSG);
	/* out-of-range values */
	memcpy(m, reply, reply_len);
	a = find_vf_attr(m, IFLA_VF_VLAN);
	((struct ifla_vf_vlan *)(a + NLA_HDRLEN))->vlan = 5000;
	assert_int_equal(sriov_nl_parse_link(m, reply_len, vfs, 8), -EBADMSG);
	memcpy(m, reply, reply_len);
	a = find_vf_attr(m, IFLA_VF_LINK_STATE);
	((struct ifla_vf_link_state *)(a + NLA_HDRLEN))->link_state = 7;
	assert_int_equal(sriov_nl_parse_link(m, reply_len, vfs, 8), -EBADMSG);
	/* a VF_INFO list longer than the message: cut at the message */
	memcpy(m, reply, reply_len);
	h->nlmsg_len = 200;
	assert_true(sriov_nl_parse_link(m, reply_len, vfs, 8) >= 0);
}

static void test_parse_no_vfs(void **state)
{
	struct sriov_vf_info vfs[1];
	struct ifinfomsg ifi = {.ifi_index = 1};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_NEWLINK, 0);

	(void)state;
	assert_non_null(msg);
	assert_int_equal(nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO),
			 0);
	assert_int_equal(nla_put_string(msg, IFLA_IFNAME, "lo"), 0);
	assert_int_equal(sriov_nl_parse_link(nlmsg_hdr(msg),
					     nlmsg_hdr(msg)->nlmsg_len, vfs, 1),
			 0);
	nlmsg_free(msg);
}

/* Each request, byte for byte (ifindex 2, VF 3); the expected bytes were
 * written from linux/if_link.h, not from this code.  libnl marks nests
 * with NLA_F_NESTED (0x8000 in the type), which the kernel accepts. */
static void test_build_set(void **state)
{
	static const struct {
		enum sriov_attr a;
		struct sriov_vf_cfg c;
		const char *hex;
	} cases[] = {
	    {SRIOV_A_MAC,
	     {.mac = {0x52, 0x54, 0x00, 0xaa, 0xbb, 0x01}},
	     "5000000013000500000000000000000000000000020000000000000000000000"
	     "300016802c0001802800010003000000525400aabb0100000000000000000000"
	     "00000000000000000000000000000000"},
	    {SRIOV_A_VLAN,
	     {.vlan = 10, .qos = 3, .vlan_proto = ETH_P_8021Q},
	     "3800000013000500000000000000000000000000020000000000000000000000"
	     "180016801400018010000200030000000a00000003000000"},
	    {SRIOV_A_VLAN,
	     {.vlan = 20, .vlan_proto = ETH_P_8021AD},
	     "4000000013000500000000000000000000000000020000000000000000000000"
	     "200016801c00018018000c8014000100030000001400000000000000"
	     "88a80000"},
	    {SRIOV_A_SPOOFCHK,
	     {.spoofchk = true},
	     "3400000013000500000000000000000000000000020000000000000000000000"
	     "14001680100001800c0004000300000001000000"},
	    {SRIOV_A_TRUST,
	     {.trust = false},
	     "3400000013000500000000000000000000000000020000000000000000000000"
	     "14001680100001800c0009000300000000000000"},
	    {SRIOV_A_RATE,
	     {.min_rate = 10, .max_rate = 100},
	     "3800000013000500000000000000000000000000020000000000000000000000"
	     "180016801400018010000600030000000a00000064000000"},
	    {SRIOV_A_LINK_STATE,
	     {.link_state = SRIOV_LINK_DISABLE},
	     "3400000013000500000000000000000000000000020000000000000000000000"
	     "14001680100001800c0005000300000002000000"},
	};
	struct nl_msg *msg;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t want[256];
		size_t n = unhex(cases[i].hex, want, sizeof(want));

		assert_int_equal(
		    sriov_nl_build_set(2, 3, &cases[i].c, cases[i].a, &msg), 0);
		assert_int_equal(nlmsg_hdr(msg)->nlmsg_len, n);
		assert_memory_equal(nlmsg_hdr(msg), want, n);
		nlmsg_free(msg);
	}
	assert_int_equal(
	    sriov_nl_build_set(2, 3, &cases[0].c, SRIOV_A_MAX, &msg), -EINVAL);
	assert_null(msg);
}

static void test_build_get(void **state)
{
	static const char hex[] =
	    "2800000012000100000000000000000000000000070000000000000000000000"
	    "08001d0001000000";
	uint8_t want[64];
	size_t n = unhex(hex, want, sizeof(want));
	struct nl_msg *msg;

	(void)state;
	assert_int_equal(sriov_nl_build_get(7, &msg), 0);
	assert_int_equal(nlmsg_hdr(msg)->nlmsg_len, n);
	assert_memory_equal(nlmsg_hdr(msg), want, n);
	nlmsg_free(msg);
}

static void test_cfg_check(void **state)
{
	static const struct {
		struct sriov_vf_cfg c;
		const char *err;
	} cases[] = {
	    {{.set = SRIOV_BIT(SRIOV_A_MAC), .mac = {0x01, 0, 0x5e, 0, 0, 1}},
	     "mac: must be a unicast address"},
	    {{.set = SRIOV_BIT(SRIOV_A_VLAN),
	      .vlan = 4095,
	      .vlan_proto = ETH_P_8021Q},
	     "vlan: must be 0 (none) to 4094"},
	    {{.set = SRIOV_BIT(SRIOV_A_VLAN),
	      .vlan = 5,
	      .qos = 8,
	      .vlan_proto = ETH_P_8021Q},
	     "qos: must be 0 to 7"},
	    {{.set = SRIOV_BIT(SRIOV_A_VLAN),
	      .qos = 2,
	      .vlan_proto = ETH_P_8021Q},
	     "qos: needs a VLAN"},
	    {{.set = SRIOV_BIT(SRIOV_A_VLAN), .vlan = 5, .vlan_proto = 0x0800},
	     "vlan-proto: must be 802.1Q or 802.1ad"},
	    {{.set = SRIOV_BIT(SRIOV_A_RATE), .min_rate = 200, .max_rate = 100},
	     "rate: the minimum is above the maximum"},
	    {{.set = SRIOV_BIT(SRIOV_A_LINK_STATE), .link_state = 3},
	     "state: must be auto, enable or disable"},
	    {{.set = SRIOV_BIT(SRIOV_A_RATE), .min_rate = 10}, NULL},
	    {{.set = SRIOV_BIT(SRIOV_A_VLAN), .vlan_proto = ETH_P_8021Q}, NULL},
	};
	char err[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = sriov_vf_cfg_check(&cases[i].c, err, sizeof(err));

		if (!cases[i].err) {
			assert_int_equal(ret, 0);
			continue;
		}
		assert_int_equal(ret, -EINVAL);
		assert_string_equal(err, cases[i].err);
	}
	/* what the VF has already is not sent (igb refuses even "auto") */
	{
		struct sriov_vf_info vfs[3];
		struct sriov_vf_cfg w = {.vlan = 10,
					 .qos = 3,
					 .vlan_proto = ETH_P_8021Q,
					 .link_state = SRIOV_LINK_AUTO};

		assert_int_equal(sriov_nl_parse_link(reply, reply_len, vfs, 3),
				 3);
		assert_true(sriov_vf_cfg_same(&w, &vfs[0].cfg, SRIOV_A_VLAN));
		assert_true(
		    sriov_vf_cfg_same(&w, &vfs[0].cfg, SRIOV_A_LINK_STATE));
		assert_false(sriov_vf_cfg_same(&w, &vfs[1].cfg, SRIOV_A_VLAN));
		w.vlan_proto = ETH_P_8021AD;
		assert_false(sriov_vf_cfg_same(&w, &vfs[0].cfg, SRIOV_A_VLAN));
		w.max_rate = 100;
		assert_true(sriov_vf_cfg_same(&w, &vfs[0].cfg, SRIOV_A_RATE));
		vfs[0].cfg.set = 0;
		assert_false(sriov_vf_cfg_same(&w, &vfs[0].cfg, SRIOV_A_RATE));
	}
	assert_string_equal(sriov_attr_name(SRIOV_A_LINK_STATE), "state");
	assert_string_equal(sriov_link_state_name(2), "disable");
	assert_string_equal(sriov_link_state_name(9), "?");
}

/* A port's defaults (spoof checking, trust) are not sent to a driver that
 * does not report them, and its -EOPNOTSUPP for them is not an error;
 * what the user asked for is always sent, and always an error. */
static void test_vf_plan(void **state)
{
	const unsigned mac = SRIOV_BIT(SRIOV_A_MAC),
		       vlan = SRIOV_BIT(SRIOV_A_VLAN),
		       spoof = SRIOV_BIT(SRIOV_A_SPOOFCHK),
		       trust = SRIOV_BIT(SRIOV_A_TRUST),
		       rate = SRIOV_BIT(SRIOV_A_RATE),
		       link = SRIOV_BIT(SRIOV_A_LINK_STATE);
	/* a port: MAC and VLAN asked for; spoof checking on, trust off */
	struct sriov_vf_cfg port = {.set = mac | vlan | spoof | trust,
				    .soft = spoof | trust,
				    .mac = {0x52, 0x54, 0, 1, 2, 3},
				    .vlan = 42,
				    .vlan_proto = ETH_P_8021Q,
				    .spoofchk = true};
	/* a driver that reports neither spoof checking nor trust (the
	 * kernel's (u32)-1: the parser leaves their bits out) */
	struct sriov_vf_cfg have = {.set = mac | vlan | rate | link,
				    .vlan_proto = ETH_P_8021Q};

	(void)state;
	assert_int_equal(sriov_vf_plan(&port, &have), mac | vlan);
	have.vlan = 42;
	memcpy(have.mac, port.mac, 6);
	assert_int_equal(sriov_vf_plan(&port, &have), 0);
	/* reported and different: sent, even though soft */
	have.set |= trust;
	have.trust = true;
	assert_int_equal(sriov_vf_plan(&port, &have), trust);
	/* asked for (a vf object's --trust on): sent even unreported */
	have.set &= ~trust;
	port.soft = spoof;
	port.trust = true;
	assert_int_equal(sriov_vf_plan(&port, &have), trust);
	assert_true(sriov_vf_refusal_fatal(&port, SRIOV_A_TRUST, -EOPNOTSUPP));
	assert_false(
	    sriov_vf_refusal_fatal(&port, SRIOV_A_SPOOFCHK, -EOPNOTSUPP));
	/* a default refused for another reason is still an error */
	assert_true(sriov_vf_refusal_fatal(&port, SRIOV_A_SPOOFCHK, -EINVAL));
	assert_true(sriov_vf_refusal_fatal(&port, SRIOV_A_MAC, -EOPNOTSUPP));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_igb_reply),
	    cmocka_unit_test(test_parse_malformed),
	    cmocka_unit_test(test_parse_no_vfs),
	    cmocka_unit_test(test_build_set),
	    cmocka_unit_test(test_build_get),
	    cmocka_unit_test(test_cfg_check),
	    cmocka_unit_test(test_vf_plan),
	};

	return cmocka_run_group_tests(tests, load_reply, NULL);
}
