// SPDX-License-Identifier: GPL-2.0-or-later
/* test_dhcp_msg.c - DHCP wire format: header checks, option walking (pad,
 * end, truncation, overload into file/sname, RFC 3396 concatenation) and the
 * reply option writer (overload and long-option splitting) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp_test_msg.h"

static struct dhcp_msg pm;

static enum dhcps_drop parse(const struct tmsg *m)
{
	return dhcp_msg_parse(m->b, m->len, &pm);
}

static void test_minimal(void **state)
{
	struct tmsg m;
	size_t n;

	tmsg_init(&m, DHCP_DISCOVER, 1, 0x11223344);
	tmsg_end(&m);
	assert_int_equal(parse(&m), DHCPS_DROP_NONE);
	assert_int_equal(pm.type, DHCP_DISCOVER);
	assert_int_equal(pm.xid, 0x11223344);
	assert_int_equal(pm.chaddr[5], 1);
	assert_true(dhcp_opt_has(&pm, DHCP_OPT_MSG_TYPE));
	assert_false(dhcp_opt_has(&pm, DHCP_OPT_HOSTNAME));
	assert_null(dhcp_opt_get(&pm, DHCP_OPT_HOSTNAME, &n));
}

/* One malformed input: how to break a good DISCOVER, and the verdict. */
struct bad_case {
	const char *what;
	void (*mod)(struct tmsg *m);
	enum dhcps_drop want;
};

static void m_short(struct tmsg *m)
{
	m->len = 100;
}
static void m_no_cookie_room(struct tmsg *m)
{
	m->len = DHCP_OFS_OPTS - 1;
}
static void m_too_long(struct tmsg *m)
{
	m->len = DHCP_MSG_MAX + 1;
}
static void m_op(struct tmsg *m)
{
	m->b[0] = DHCP_BOOTREPLY;
}
static void m_htype(struct tmsg *m)
{
	m->b[1] = 6;
}
static void m_hlen(struct tmsg *m)
{
	m->b[2] = 16;
}
static void m_cookie(struct tmsg *m)
{
	m->b[DHCP_OFS_COOKIE + 3] ^= 1;
}
static void m_opt_overflow(struct tmsg *m)
{
	tmsg_raw(m, (uint8_t[]){12, 10, 'a', 'b'}, 4);
}
static void m_opt_no_len(struct tmsg *m)
{
	tmsg_raw(m, (uint8_t[]){12}, 1);
}
static void m_overload_value(struct tmsg *m)
{
	tmsg_opt(m, DHCP_OPT_OVERLOAD, (uint8_t[]){4}, 1);
}
static void m_overload_len(struct tmsg *m)
{
	tmsg_opt(m, DHCP_OPT_OVERLOAD, (uint8_t[]){1, 1}, 2);
}
static void m_overload_twice(struct tmsg *m)
{
	tmsg_opt(m, DHCP_OPT_OVERLOAD, (uint8_t[]){1}, 1);
	tmsg_opt(m, DHCP_OPT_OVERLOAD, (uint8_t[]){1}, 1);
}
static void m_overload_in_file(struct tmsg *m)
{
	tmsg_opt(m, DHCP_OPT_OVERLOAD, (uint8_t[]){1}, 1);
	memcpy(m->b + DHCP_OFS_FILE, (uint8_t[]){52, 1, 2, 255}, 4);
}
static void m_file_truncated(struct tmsg *m)
{
	tmsg_opt(m, DHCP_OPT_OVERLOAD, (uint8_t[]){1}, 1);
	/* an option running past the 128-byte file field */
	m->b[DHCP_OFS_FILE + 120] = 12;
	m->b[DHCP_OFS_FILE + 121] = 20;
	memset(m->b + DHCP_OFS_FILE + 122, 'x', 6);
	memset(m->b + DHCP_OFS_FILE, 0, 120);
}
static void m_sname_truncated(struct tmsg *m)
{
	tmsg_opt(m, DHCP_OPT_OVERLOAD, (uint8_t[]){2}, 1);
	m->b[DHCP_OFS_SNAME + 63] = 12; /* a code with no length byte */
}
static void m_type_len(struct tmsg *m)
{
	tmsg_opt(m, DHCP_OPT_MSG_TYPE, (uint8_t[]){1}, 1); /* now 2 bytes */
}
static void m_reqip_len(struct tmsg *m)
{
	tmsg_opt(m, DHCP_OPT_REQ_IP, (uint8_t[]){10, 0, 0}, 3);
}
static void m_sid_len(struct tmsg *m)
{
	tmsg_opt(m, DHCP_OPT_SERVER_ID, (uint8_t[]){10, 0, 0, 1, 0}, 5);
}
static void m_cid_len(struct tmsg *m)
{
	tmsg_opt(m, DHCP_OPT_CLIENT_ID, (uint8_t[]){1}, 1);
}
static void m_maxsize_len(struct tmsg *m)
{
	tmsg_opt(m, DHCP_OPT_MAX_SIZE, (uint8_t[]){5}, 1);
}
static void m_no_type(struct tmsg *m)
{
	m->b[DHCP_OFS_OPTS] = DHCP_OPT_HOSTNAME; /* 53 becomes 12 */
}
static void m_type_offer(struct tmsg *m)
{
	m->b[DHCP_OFS_OPTS + 2] = DHCP_OFFER;
}
static void m_type_9(struct tmsg *m)
{
	m->b[DHCP_OFS_OPTS + 2] = 9;
}
static void m_type_0(struct tmsg *m)
{
	m->b[DHCP_OFS_OPTS + 2] = 0;
}

static const struct bad_case bad_cases[] = {
    {"100 bytes", m_short, DHCPS_DROP_BAD_LEN},
    {"no room for the cookie", m_no_cookie_room, DHCPS_DROP_BAD_LEN},
    {"longer than accepted", m_too_long, DHCPS_DROP_BAD_LEN},
    {"BOOTREPLY", m_op, DHCPS_DROP_BAD_OP},
    {"htype 6", m_htype, DHCPS_DROP_BAD_HTYPE},
    {"hlen 16", m_hlen, DHCPS_DROP_BAD_HTYPE},
    {"bad cookie", m_cookie, DHCPS_DROP_BAD_COOKIE},
    {"option longer than the field", m_opt_overflow, DHCPS_DROP_OPT_TRUNCATED},
    {"option code without length", m_opt_no_len, DHCPS_DROP_OPT_TRUNCATED},
    {"overload value 4", m_overload_value, DHCPS_DROP_BAD_OVERLOAD},
    {"overload length 2", m_overload_len, DHCPS_DROP_BAD_OVERLOAD},
    {"overload twice", m_overload_twice, DHCPS_DROP_BAD_OVERLOAD},
    {"overload inside file", m_overload_in_file, DHCPS_DROP_BAD_OVERLOAD},
    {"option past the end of file", m_file_truncated, DHCPS_DROP_OPT_TRUNCATED},
    {"option cut at the end of sname", m_sname_truncated,
     DHCPS_DROP_OPT_TRUNCATED},
    {"message type 2 bytes", m_type_len, DHCPS_DROP_BAD_OPTION},
    {"requested IP 3 bytes", m_reqip_len, DHCPS_DROP_BAD_OPTION},
    {"server id 5 bytes", m_sid_len, DHCPS_DROP_BAD_OPTION},
    {"client id 1 byte", m_cid_len, DHCPS_DROP_BAD_OPTION},
    {"max size 1 byte", m_maxsize_len, DHCPS_DROP_BAD_OPTION},
    {"no message type", m_no_type, DHCPS_DROP_BAD_MSG_TYPE},
    {"OFFER from a client", m_type_offer, DHCPS_DROP_BAD_MSG_TYPE},
    {"type 9", m_type_9, DHCPS_DROP_BAD_MSG_TYPE},
    {"type 0", m_type_0, DHCPS_DROP_BAD_MSG_TYPE},
};

static void test_malformed(void **state)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct tmsg m;
		enum dhcps_drop got;

		tmsg_init(&m, DHCP_DISCOVER, 1, 1);
		bad_cases[i].mod(&m);
		if (m.len > DHCP_OFS_OPTS && m.len <= DHCP_MSG_MAX &&
		    bad_cases[i].mod != m_opt_overflow &&
		    bad_cases[i].mod != m_opt_no_len)
			tmsg_end(&m);
		got = parse(&m);
		if (got != bad_cases[i].want)
			fail_msg("%s: got %s, want %s", bad_cases[i].what,
				 dhcps_drop_name(got),
				 dhcps_drop_name(bad_cases[i].want));
	}
}

static void test_pad_end(void **state)
{
	struct tmsg m;
	const uint8_t *v;
	size_t n;

	tmsg_init(&m, DHCP_DISCOVER, 1, 1);
	tmsg_raw(&m, (uint8_t[]){0, 0, 0}, 3);
	tmsg_opt(&m, DHCP_OPT_HOSTNAME, "vm", 2);
	tmsg_raw(&m, (uint8_t[]){0}, 1);
	tmsg_end(&m);
	/* after END: ignored, even an option cut short */
	tmsg_raw(&m, (uint8_t[]){61, 200, 1}, 3);
	assert_int_equal(parse(&m), DHCPS_DROP_NONE);
	v = dhcp_opt_get(&pm, DHCP_OPT_HOSTNAME, &n);
	assert_non_null(v);
	assert_int_equal(n, 2);
	assert_memory_equal(v, "vm", 2);
	assert_false(dhcp_opt_has(&pm, DHCP_OPT_CLIENT_ID));

	/* no END at all: the options simply stop with the message */
	tmsg_init(&m, DHCP_DISCOVER, 1, 1);
	tmsg_opt(&m, DHCP_OPT_HOSTNAME, "vm", 2);
	assert_int_equal(parse(&m), DHCPS_DROP_NONE);
	assert_true(dhcp_opt_has(&pm, DHCP_OPT_HOSTNAME));

	/* a zero-length option is present */
	tmsg_init(&m, DHCP_DISCOVER, 1, 1);
	tmsg_opt(&m, 80, "", 0);
	tmsg_end(&m);
	assert_int_equal(parse(&m), DHCPS_DROP_NONE);
	assert_true(dhcp_opt_has(&pm, 80));
	assert_non_null(dhcp_opt_get(&pm, 80, &n));
	assert_int_equal(n, 0);
}

/* RFC 3396: instances concatenate in the order options, file, sname. */
static void test_overload_concat(void **state)
{
	struct tmsg m;
	const uint8_t *v;
	size_t n;

	tmsg_init(&m, DHCP_DISCOVER, 1, 1);
	tmsg_opt(&m, DHCP_OPT_OVERLOAD, (uint8_t[]){3}, 1);
	tmsg_opt(&m, DHCP_OPT_HOSTNAME, "ab", 2);
	tmsg_end(&m);
	memcpy(m.b + DHCP_OFS_FILE, (uint8_t[]){12, 2, 'c', 'd', 0, 55, 1, 3},
	       8);
	m.b[DHCP_OFS_FILE + 8] = DHCP_OPT_END;
	memcpy(m.b + DHCP_OFS_SNAME, (uint8_t[]){12, 1, 'e', 61, 2, 1, 9}, 7);
	/* sname without END: it ends with the field */
	assert_int_equal(parse(&m), DHCPS_DROP_NONE);
	assert_int_equal(pm.overload, 3);
	v = dhcp_opt_get(&pm, DHCP_OPT_HOSTNAME, &n);
	assert_int_equal(n, 5);
	assert_memory_equal(v, "abcde", 5);
	v = dhcp_opt_get(&pm, DHCP_OPT_PARAM_LIST, &n);
	assert_int_equal(n, 1);
	assert_int_equal(v[0], 3);
	v = dhcp_opt_get(&pm, DHCP_OPT_CLIENT_ID, &n);
	assert_int_equal(n, 2);

	/* without option 52, file and sname are not options */
	tmsg_init(&m, DHCP_DISCOVER, 1, 1);
	tmsg_end(&m);
	memcpy(m.b + DHCP_OFS_FILE, (uint8_t[]){12, 2, 'c', 'd'}, 4);
	assert_int_equal(parse(&m), DHCPS_DROP_NONE);
	assert_false(dhcp_opt_has(&pm, DHCP_OPT_HOSTNAME));
}

/* A 600-byte option sent as three instances reads back whole. */
static void test_long_option_parse(void **state)
{
	uint8_t data[600];
	struct tmsg m;
	const uint8_t *v;
	size_t n;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	tmsg_init(&m, DHCP_DISCOVER, 1, 1);
	tmsg_opt(&m, 77, data, 255);
	tmsg_opt(&m, DHCP_OPT_HOSTNAME, "x", 1);
	tmsg_opt(&m, 77, data + 255, 255);
	tmsg_opt(&m, 77, data + 510, 90);
	tmsg_end(&m);
	assert_int_equal(parse(&m), DHCPS_DROP_NONE);
	v = dhcp_opt_get(&pm, 77, &n);
	assert_int_equal(n, 600);
	assert_memory_equal(v, data, 600);
}

/* Writer output, turned into a client message, parses back. */
static void reparse(uint8_t *b, size_t len)
{
	b[0] = DHCP_BOOTREQUEST;
	assert_int_equal(dhcp_msg_parse(b, len, &pm), DHCPS_DROP_NONE);
}

static void writer_start(struct dhcp_writer *w, uint8_t *b, size_t size)
{
	memset(b, 0, size);
	b[1] = 1;
	b[2] = 6;
	dhcp_put_be32(b + DHCP_OFS_COOKIE, DHCP_COOKIE);
	dhcp_writer_init(w, b, size);
	assert_true(
	    dhcp_opt_put(w, DHCP_OPT_MSG_TYPE, (uint8_t[]){DHCP_DISCOVER}, 1));
}

static void test_writer_overload(void **state)
{
	uint8_t b[548], data[250];
	struct dhcp_writer w;
	const uint8_t *v;
	size_t len, n;

	memset(data, 'z', sizeof(data));
	writer_start(&w, b, sizeof(b));
	/* options field: 548-240-4 = 304 bytes, 3 used by 53 */
	assert_true(dhcp_opt_put(&w, 100, data, 250)); /* options */
	assert_true(dhcp_opt_put(&w, 101, data, 100)); /* file */
	assert_true(dhcp_opt_put(&w, 102, data, 40));  /* sname */
	assert_true(dhcp_opt_put(&w, 103, data, 19));  /* fills sname */
	assert_false(dhcp_opt_put(&w, 104, data, 10)); /* nowhere */
	assert_true(w.full);
	len = dhcp_writer_finish(&w);
	assert_int_equal(len, 240 + 3 + 252 + 3 + 1);
	reparse(b, len);
	assert_int_equal(pm.overload, 3);
	static const size_t want[] = {250, 100, 40, 19, 0};
	for (unsigned c = 100; c <= 104; c++) {
		v = dhcp_opt_get(&pm, (uint8_t)c, &n);
		if (!want[c - 100]) {
			assert_null(v);
			continue;
		}
		assert_non_null(v);
		assert_int_equal(n, want[c - 100]);
	}
	assert_int_equal(b[DHCP_OFS_FILE], 101);
	assert_int_equal(b[DHCP_OFS_SNAME], 102);
}

static void test_writer_long(void **state)
{
	uint8_t b[1472], data[700];
	struct dhcp_writer w;
	const uint8_t *v;
	size_t len, n;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	writer_start(&w, b, sizeof(b));
	assert_true(dhcp_opt_put(&w, 120, data, 700));
	len = dhcp_writer_finish(&w);
	/* 255 + 255 + 190, each with a 2-byte head */
	assert_int_equal(b[DHCP_OFS_OPTS + 3], 120);
	assert_int_equal(b[DHCP_OFS_OPTS + 4], 255);
	assert_int_equal(b[DHCP_OFS_OPTS + 3 + 257 + 1], 255);
	assert_int_equal(b[DHCP_OFS_OPTS + 3 + 514 + 1], 190);
	reparse(b, len);
	v = dhcp_opt_get(&pm, 120, &n);
	assert_int_equal(n, 700);
	assert_memory_equal(v, data, 700);
	assert_int_equal(pm.overload, 0);

	/* a long option spilling into file and sname, or not fitting */
	writer_start(&w, b, 548);
	assert_true(dhcp_opt_put(&w, 120, data, 450));
	len = dhcp_writer_finish(&w);
	reparse(b, len);
	v = dhcp_opt_get(&pm, 120, &n);
	assert_int_equal(n, 450);
	assert_memory_equal(v, data, 450);
	assert_int_equal(pm.overload, 3);
	writer_start(&w, b, 548);
	assert_false(dhcp_opt_put(&w, 120, data, 700));
	assert_int_equal(w.pos[0], DHCP_OFS_OPTS + 3);
	assert_int_equal(w.pos[1], DHCP_OFS_FILE);
}

static void test_writer_min_len(void **state)
{
	uint8_t b[548];
	struct dhcp_writer w;

	writer_start(&w, b, sizeof(b));
	assert_int_equal(dhcp_writer_finish(&w), DHCP_MIN_REPLY);
	assert_int_equal(b[DHCP_OFS_OPTS + 3], DHCP_OPT_END);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_minimal),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_pad_end),
	    cmocka_unit_test(test_overload_concat),
	    cmocka_unit_test(test_long_option_parse),
	    cmocka_unit_test(test_writer_overload),
	    cmocka_unit_test(test_writer_long),
	    cmocka_unit_test(test_writer_min_len),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
