// SPDX-License-Identifier: GPL-2.0-or-later
/* test_lib_schema.c - option tables: every type accepts what it should and
 * refuses the rest with a sentence naming the key; defaults; key order;
 * lists of objects; durations */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../lib/schema.h"
#include "../../lib/util.h"

static const char *const colours[] = {"red", "blue", NULL};

static const struct schema_opt route_opts[] = {
    {"dst", SCHEMA_CIDR4, .flags = SCHEMA_REQUIRED, .desc = "destination"},
    {"via", SCHEMA_IPV4, .flags = SCHEMA_REQUIRED, .desc = "next hop"},
};
static const struct schema route_schema = {route_opts, ARRAY_SIZE(route_opts)};

static const struct schema_opt opts[] = {
    {"name", SCHEMA_NAME, .flags = SCHEMA_REQUIRED, .desc = "name"},
    {"colour", SCHEMA_ENUM, .choices = colours, .desc = "colour"},
    {"count", SCHEMA_UINT, 1, 10, 5, .desc = "count"},
    {"on", SCHEMA_BOOL, .desc = "on"},
    {"mac", SCHEMA_MAC, .desc = "mac"},
    {"vlans", SCHEMA_VLANS, .desc = "vlans"},
    {"addrs", SCHEMA_ADDRS, .desc = "addresses"},
    {"path", SCHEMA_PATH, .desc = "path"},
    {"ip", SCHEMA_IPV4, .desc = "ip"},
    {"subnet", SCHEMA_CIDR4, .desc = "subnet"},
    {"range", SCHEMA_RANGE4, .desc = "range"},
    {"lease", SCHEMA_DURATION, 60, 86400, 3600, .desc = "lease"},
    {"text", SCHEMA_STRING, 0, 8, .desc = "text"},
    {"dns", SCHEMA_IPV4_LIST, 0, 2, .desc = "dns"},
    {"routes", SCHEMA_LIST, 0, 2, .sub = &route_schema, .desc = "routes"},
    {"ip6", SCHEMA_IPV6, .desc = "ip6"},
    {"subnet6", SCHEMA_CIDR6, .desc = "subnet6"},
};
static const struct schema s = {opts, ARRAY_SIZE(opts)};

static json_t *norm(const char *text, char *err)
{
	json_t *in = json_loads(text, 0, NULL), *out;

	assert_non_null(in);
	out = schema_normalize(&s, in, err, 256);
	json_decref(in);
	return out;
}

/* Good values pass, normalised; defaults filled; keys in table order. */
static void test_accepts(void **state)
{
	char err[256] = "";
	json_t *o = norm("{\"routes\":[{\"via\":\"10.0.0.1\",\"dst\":"
			 "\"10.1.0.0/16\"}],\"lease\":\"12h\",\"name\":\"a\","
			 "\"mac\":\"52:54:00:AB:CD:EF\",\"range\":"
			 "\"10.0.0.10-10.0.0.20\",\"dns\":[\"1.1.1.1\"],"
			 "\"subnet\":\"10.0.0.0/24\",\"colour\":\"red\"}",
			 err);
	char *text;

	(void)state;
	assert_non_null(o);
	text = json_dumps(o, JSON_COMPACT);
	assert_string_equal(
	    text, "{\"name\":\"a\",\"colour\":\"red\",\"count\":5,\"mac\":"
		  "\"52:54:00:ab:cd:ef\",\"subnet\":\"10.0.0.0/24\",\"range\":"
		  "\"10.0.0.10-10.0.0.20\",\"lease\":43200,\"dns\":[\"1.1.1."
		  "1\"],\"routes\":[{\"dst\":\"10.1.0.0/16\",\"via\":\"10.0.0."
		  "1\"}]}");
	free(text);
	json_decref(o);
}

/* Each bad value is refused with a sentence that names its key. */
static void test_refuses(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"{}", "missing parameter 'name'"},
	    {"{\"name\":\"a\",\"bogus\":1}", "unknown parameter 'bogus'"},
	    {"{\"name\":\"this-name-is-too-long\"}", "name: must be 1-15"},
	    {"{\"name\":\"a\",\"colour\":\"green\"}", "one of red, blue"},
	    {"{\"name\":\"a\",\"count\":0}", "from 1 to 10"},
	    {"{\"name\":\"a\",\"count\":\"3\"}", "from 1 to 10"},
	    {"{\"name\":\"a\",\"on\":1}", "true or false"},
	    {"{\"name\":\"a\",\"mac\":\"01:00:5e:00:00:01\"}", "unicast MAC"},
	    {"{\"name\":\"a\",\"vlans\":\"0\"}", "VLAN ids"},
	    {"{\"name\":\"a\",\"addrs\":[\"10.0.0.1\"]}", "prefix length"},
	    {"{\"name\":\"a\",\"path\":\"\"}", "path of 1-107"},
	    {"{\"name\":\"a\",\"ip\":\"10.0.0.256\"}", "IPv4 address"},
	    {"{\"name\":\"a\",\"subnet\":\"10.0.0.0/33\"}", "IPv4 prefix"},
	    {"{\"name\":\"a\",\"subnet\":\"10.0.0.0\"}", "IPv4 prefix"},
	    {"{\"name\":\"a\",\"range\":\"10.0.0.9-10.0.0.1\"}", "range like"},
	    {"{\"name\":\"a\",\"lease\":\"59s\"}", "duration from 60s"},
	    {"{\"name\":\"a\",\"lease\":\"2x\"}", "duration"},
	    {"{\"name\":\"a\",\"lease\":\"1h5\"}", "duration"},
	    {"{\"name\":\"a\",\"text\":\"123456789\"}", "1-8 bytes"},
	    {"{\"name\":\"a\",\"text\":\"a\\tb\"}", "printable"},
	    {"{\"name\":\"a\",\"dns\":[\"1.1.1.1\",\"2.2.2.2\",\"3.3.3.3\"]}",
	     "at most 2"},
	    {"{\"name\":\"a\",\"routes\":[{\"dst\":\"10.0.0.0/8\"}]}",
	     "routes[0]: missing parameter 'via'"},
	    {"{\"name\":\"a\",\"routes\":[{\"dst\":\"10.0.0.0/8\",\"via\":"
	     "\"x\"}]}",
	     "routes[0].via: must be an IPv4"},
	    {"{\"name\":\"a\",\"routes\":{}}", "list of at most 2"},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char err[256] = "";
		json_t *o = norm(cases[i].in, err);

		if (o || !strstr(err, cases[i].want))
			fail_msg("%s: got '%s', wanted '%s'", cases[i].in, err,
				 cases[i].want);
	}
}

/* A key set to null counts as absent (a "set" that removes it). */
static void test_null_is_absent(void **state)
{
	char err[256] = "";
	json_t *o =
	    norm("{\"name\":\"a\",\"colour\":null,\"count\":null}", err);

	(void)state;
	assert_non_null(o);
	assert_null(json_object_get(o, "colour"));
	assert_int_equal(json_integer_value(json_object_get(o, "count")), 5);
	json_decref(o);
}

static void test_parsers(void **state)
{
	unsigned long secs;
	uint32_t a, b;
	unsigned plen;

	(void)state;
	assert_int_equal(schema_duration_parse("90", &secs), 0);
	assert_int_equal(secs, 90);
	assert_int_equal(schema_duration_parse("15m", &secs), 0);
	assert_int_equal(secs, 900);
	assert_int_equal(schema_duration_parse("2d", &secs), 0);
	assert_int_equal(secs, 172800);
	assert_int_not_equal(schema_duration_parse("", &secs), 0);
	assert_int_not_equal(schema_duration_parse("m", &secs), 0);
	assert_int_not_equal(schema_duration_parse("99999999999999h", &secs),
			     0);
	assert_true(schema_cidr4_parse("192.168.50.0/24", &a, &plen));
	assert_int_equal(a, 0xc0a83200);
	assert_int_equal(plen, 24);
	assert_false(schema_cidr4_parse("192.168.50.0/", &a, &plen));
	assert_true(schema_range4_parse("10.0.0.1-10.0.0.1", &a, &b));
	assert_false(schema_range4_parse("10.0.0.1", &a, &b));
}

/* IPv6: any text form in, the canonical one (RFC 5952) stored, a
 * prefix's host bits cleared; anything else refused naming the key. */
static void test_ipv6(void **state)
{
	char err[256] = "";
	uint8_t a[16];
	unsigned plen;
	json_t *o = norm("{\"name\":\"a\",\"ip6\":\"FD00:0:0:0::0001\","
			 "\"subnet6\":\"fd00:1:2:3:4::/64\"}",
			 err);

	(void)state;
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "ip6")),
			    "fd00::1");
	assert_string_equal(json_string_value(json_object_get(o, "subnet6")),
			    "fd00:1:2:3::/64");
	json_decref(o);
	assert_null(norm("{\"name\":\"a\",\"ip6\":\"10.0.0.1\"}", err));
	assert_non_null(strstr(err, "ip6"));
	assert_null(norm("{\"name\":\"a\",\"subnet6\":\"fd00::/129\"}", err));
	assert_non_null(strstr(err, "subnet6"));
	assert_null(norm("{\"name\":\"a\",\"subnet6\":\"fd00::\"}", err));
	assert_null(norm("{\"name\":\"a\",\"subnet6\":\"fd00::g/64\"}", err));
	assert_true(schema_cidr6_parse("fd00:1::5/64", a, &plen));
	assert_int_equal(plen, 64);
	assert_int_equal(a[15], 5);
	assert_false(schema_cidr6_parse(NULL, a, &plen));
	assert_false(schema_ipv6_parse("::ffff:1.2.3.4x", a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_accepts),
	    cmocka_unit_test(test_refuses),
	    cmocka_unit_test(test_null_is_absent),
	    cmocka_unit_test(test_parsers),
	    cmocka_unit_test(test_ipv6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
