// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vswitch_parse.c - frame parser and port VLAN policy, table-driven */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lib/util.h"
#include "vswitch/vswitch_priv.h"

struct parse_case {
	const char *what;
	uint8_t frame[64];
	uint32_t len;
	unsigned mtu;
	enum vsw_drop want;
	uint8_t tagged;
	uint16_t ethertype;
};

#define DST 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
#define SRC 0x52, 0x54, 0x00, 0x00, 0x00, 0x01

static const struct parse_case parse_cases[] = {
    {"empty", {0}, 0, 1500, VSW_DROP_RUNT, 0, 0},
    {"13 bytes", {DST, SRC, 0x08}, 13, 1500, VSW_DROP_RUNT, 0, 0},
    {"header only", {DST, SRC, 0x08, 0x00}, 14, 1500, VSW_DROP_NONE, 0, 0x0800},
    {"tag cut short",
     {DST, SRC, 0x81, 0x00, 0x00},
     15,
     1500,
     VSW_DROP_RUNT,
     0,
     0},
    {"tag without type",
     {DST, SRC, 0x81, 0x00, 0x00, 0x0a},
     16,
     1500,
     VSW_DROP_RUNT,
     0,
     0},
    {"tagged",
     {DST, SRC, 0x81, 0x00, 0x00, 0x0a, 0x86, 0xdd},
     18,
     1500,
     VSW_DROP_NONE,
     1,
     0x86dd},
    {"multicast source",
     {DST, 0x01, 0x00, 0x5e, 0, 0, 1, 0x08, 0x00},
     14,
     1500,
     VSW_DROP_BAD_SRC_MAC,
     0,
     0},
    {"zero source",
     {DST, 0, 0, 0, 0, 0, 0, 0x08, 0x00},
     14,
     1500,
     VSW_DROP_BAD_SRC_MAC,
     0,
     0},
    {"payload over mtu",
     {DST, SRC, 0x08, 0x00},
     64,
     49,
     VSW_DROP_OVERSIZE,
     0,
     0},
    {"payload at mtu",
     {DST, SRC, 0x08, 0x00},
     64,
     50,
     VSW_DROP_NONE,
     0,
     0x0800},
    {"tag not counted in mtu",
     {DST, SRC, 0x81, 0x00, 0x00, 0x0a, 0x08, 0},
     64,
     46,
     VSW_DROP_NONE,
     1,
     0x0800},
};

static void test_parse_table(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];
		uint8_t buf[64];
		struct pkt p = {.data = buf, .len = c->len};
		enum vsw_drop got;

		memcpy(buf, c->frame, sizeof(buf));
		got = vsw_parse(&p, c->mtu);
		if (got != c->want)
			fail_msg(
			    "%s: got %s, want %s", c->what,
			    got == VSW_DROP_NONE ? "pass" : vsw_drop_name(got),
			    c->want == VSW_DROP_NONE ? "pass"
						     : vsw_drop_name(c->want));
		if (got == VSW_DROP_NONE) {
			assert_int_equal(p.tagged, c->tagged);
			assert_int_equal(p.ethertype, c->ethertype);
			assert_int_equal(p.l3_ofs, c->tagged ? 18 : 14);
		}
	}
}

static void make_pkt(struct pkt *p, uint8_t *buf, uint16_t vid)
{
	static const uint8_t hdr[] = {DST, SRC};

	memset(buf, 0, 64);
	memcpy(buf, hdr, 12);
	if (vid) {
		pkt_put_be16(buf + 12, ETHERTYPE_VLAN);
		pkt_put_be16(buf + 14, (uint16_t)(0x2000 | vid)); /* PCP 1 */
		pkt_put_be16(buf + 16, ETHERTYPE_IPV4);
	} else {
		pkt_put_be16(buf + 12, ETHERTYPE_IPV4);
	}
	*p = (struct pkt){.data = buf, .len = 64};
	assert_int_equal(vsw_parse(p, 1500), VSW_DROP_NONE);
}

static void test_vlan_access(void **state)
{
	struct vsw_vlan acc = {.mode = VSW_VLAN_ACCESS, .access = 10};
	uint8_t buf[64];
	struct pkt p;
	uint16_t tci;

	make_pkt(&p, buf, 0);
	assert_int_equal(vsw_vlan_ingress(&acc, &p), VSW_DROP_NONE);
	assert_int_equal(p.vlan, 10);
	assert_true(vsw_vlan_egress(&acc, &p, &tci));
	assert_int_equal(tci, 0);
	make_pkt(&p, buf, 20);
	assert_int_equal(vsw_vlan_ingress(&acc, &p), VSW_DROP_VLAN_TAGGED);
	/* A frame of VLAN 20 never leaves on an access port of VLAN 10. */
	p.vlan = 20;
	assert_false(vsw_vlan_egress(&acc, &p, &tci));
}

static void test_vlan_trunk(void **state)
{
	struct vsw_vlan tr = {.mode = VSW_VLAN_TRUNK, .native = 5};
	uint8_t buf[64];
	struct pkt p;
	uint16_t tci;

	vlan_list_parse("10,20", tr.allowed);
	make_pkt(&p, buf, 10);
	assert_int_equal(vsw_vlan_ingress(&tr, &p), VSW_DROP_NONE);
	assert_int_equal(p.vlan, 10);
	assert_true(vsw_vlan_egress(&tr, &p, &tci));
	assert_int_equal(tci, 0x2000 | 10); /* priority bits kept */
	make_pkt(&p, buf, 30);
	assert_int_equal(vsw_vlan_ingress(&tr, &p), VSW_DROP_VLAN_NOT_ALLOWED);
	make_pkt(&p, buf, 0);
	assert_int_equal(vsw_vlan_ingress(&tr, &p), VSW_DROP_NONE);
	assert_int_equal(p.vlan, 5);
	assert_true(vsw_vlan_egress(&tr, &p, &tci));
	assert_int_equal(tci, 0); /* native leaves untagged */
	p.vlan = 0;
	assert_false(vsw_vlan_egress(&tr, &p, &tci));
}

static void test_vlan_none(void **state)
{
	struct vsw_vlan none = {.mode = VSW_VLAN_NONE};
	uint8_t buf[64];
	struct pkt p;
	uint16_t tci;

	make_pkt(&p, buf, 0);
	assert_int_equal(vsw_vlan_ingress(&none, &p), VSW_DROP_NONE);
	assert_int_equal(p.vlan, 0);
	assert_true(vsw_vlan_egress(&none, &p, &tci));
	assert_int_equal(tci, 0);
	make_pkt(&p, buf, 4095);
	assert_int_equal(vsw_vlan_ingress(&none, &p),
			 VSW_DROP_VLAN_NOT_ALLOWED);
	make_pkt(&p, buf, 7);
	assert_int_equal(vsw_vlan_ingress(&none, &p), VSW_DROP_NONE);
	assert_true(vsw_vlan_egress(&none, &p, &tci));
	assert_int_equal(tci & 0xfff, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_table),
	    cmocka_unit_test(test_vlan_access),
	    cmocka_unit_test(test_vlan_trunk),
	    cmocka_unit_test(test_vlan_none),
	};

	return cmocka_run_group_tests_name("vswitch_parse", tests, NULL, NULL);
}
