// SPDX-License-Identifier: GPL-2.0-or-later
/* test_jsonrpc.c - JSON-RPC request parser, table-driven malformed input */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <string.h>

#include "lib/jsonrpc.h"
#include "lib/util.h"

static const struct {
	const char *text;
	int code;
} cases[] = {
    {"", JSONRPC_PARSE_ERROR},
    {"{", JSONRPC_PARSE_ERROR},
    {"\xff\xfe", JSONRPC_PARSE_ERROR},
    {"[1,2]", JSONRPC_INVALID_REQUEST},
    {"42", JSONRPC_PARSE_ERROR},
    {"{\"method\":\"x\",\"id\":1}", JSONRPC_INVALID_REQUEST},
    {"{\"jsonrpc\":\"1.0\",\"method\":\"x\",\"id\":1}",
     JSONRPC_INVALID_REQUEST},
    {"{\"jsonrpc\":\"2.0\",\"id\":1}", JSONRPC_INVALID_REQUEST},
    {"{\"jsonrpc\":\"2.0\",\"method\":7,\"id\":1}", JSONRPC_INVALID_REQUEST},
    {"{\"jsonrpc\":\"2.0\",\"method\":\"\",\"id\":1}", JSONRPC_INVALID_REQUEST},
    {"{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":[1],\"id\":1}",
     JSONRPC_INVALID_REQUEST},
    {"{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"id\":{}}",
     JSONRPC_INVALID_REQUEST},
    {"{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"method\":\"y\",\"id\":1}",
     JSONRPC_PARSE_ERROR},
    {"{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"id\":1}", 0},
    {"{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":{\"a\":1},"
     "\"id\":\"s\"}",
     0},
    {"{\"jsonrpc\":\"2.0\",\"method\":\"x\"}", 0},
};

static void test_parse_table(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct jsonrpc_req req;
		const char *why = NULL;
		int code = jsonrpc_parse(cases[i].text, strlen(cases[i].text),
					 &req, &why);

		if (code != cases[i].code)
			fail_msg("case %zu (%s): got %d want %d", i,
				 cases[i].text, code, cases[i].code);
		if (!code) {
			assert_non_null(req.method);
			assert_true(json_is_object(req.params));
		} else {
			assert_non_null(why);
		}
		jsonrpc_req_free(&req);
	}
}

static void test_id_kept_on_error(void **state)
{
	const char *t = "{\"jsonrpc\":\"2.0\",\"method\":5,\"id\":77}";
	struct jsonrpc_req req;
	const char *why;
	json_t *resp;

	assert_int_equal(jsonrpc_parse(t, strlen(t), &req, &why),
			 JSONRPC_INVALID_REQUEST);
	resp = jsonrpc_error(req.id, JSONRPC_INVALID_REQUEST, "%s", why);
	assert_int_equal(json_integer_value(json_object_get(resp, "id")), 77);
	assert_int_equal(json_integer_value(json_object_get(
			     json_object_get(resp, "error"), "code")),
			 JSONRPC_INVALID_REQUEST);
	json_decref(resp);
	jsonrpc_req_free(&req);
}

static void test_too_long(void **state)
{
	struct jsonrpc_req req;
	const char *why;

	assert_int_equal(jsonrpc_parse("{}", JSONRPC_MAX_MSG + 1, &req, &why),
			 JSONRPC_INVALID_REQUEST);
	jsonrpc_req_free(&req);
}

static void test_result_shape(void **state)
{
	json_t *id = json_integer(3);
	json_t *r = jsonrpc_result(id, json_string("ok"));

	assert_string_equal(json_string_value(json_object_get(r, "jsonrpc")),
			    "2.0");
	assert_string_equal(json_string_value(json_object_get(r, "result")),
			    "ok");
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 3);
	json_decref(r);
	json_decref(id);
}

/* The largest reply vnetd sends, a config.export's, comes back whole as a
 * config.import request: the request limit covers the reply limit and the
 * difference in envelope. */
/* Counters: set as integers, the "non-zero" form leaves zeros out (drops
 * by reason list only the reasons that happened). */
static void test_set_counters(void **state)
{
	json_t *o = json_object();

	jsonrpc_set_u64(o, "zero", 0);
	jsonrpc_set_u64(o, "big", (uint64_t)1 << 40);
	jsonrpc_set_nonzero(o, "none", 0);
	jsonrpc_set_nonzero(o, "some", 7);
	assert_int_equal(json_object_size(o), 3);
	assert_int_equal(json_integer_value(json_object_get(o, "zero")), 0);
	assert_true(json_integer_value(json_object_get(o, "big")) ==
		    (json_int_t)1 << 40);
	assert_null(json_object_get(o, "none"));
	assert_int_equal(json_integer_value(json_object_get(o, "some")), 7);
	json_decref(o);
}

static void test_largest_export_imports(void **state)
{
	static const char envelope[] = "{\"jsonrpc\":\"2.0\",\"result\":"
				       "{\"pad\":\"\"},\"id\":1}";
	size_t pad = JSONRPC_MAX_REPLY - (sizeof(envelope) - 1);
	char *fill = malloc(pad + 1), *reply, *text;
	json_t *cfg, *params, *resp, *req, *id;
	struct jsonrpc_req parsed;
	const char *why = NULL;

	assert_non_null(fill);
	memset(fill, 'a', pad);
	fill[pad] = '\0';
	cfg = json_pack("{s:s}", "pad", fill);
	free(fill);
	id = json_integer(1);
	resp = jsonrpc_result(id, json_incref(cfg)); /* the id is borrowed */
	json_decref(id);
	reply = json_dumps(resp, JSON_COMPACT);
	assert_int_equal(strlen(reply), JSONRPC_MAX_REPLY);
	params = json_pack("{s:o,s:b}", "config", cfg, "replace", 1);
	req = jsonrpc_request("config.import", params, 2147483647L);
	text = json_dumps(req, JSON_COMPACT);
	assert_true(strlen(text) > JSONRPC_MAX_REPLY);
	assert_int_equal(jsonrpc_parse(text, strlen(text), &parsed, &why), 0);
	assert_string_equal(parsed.method, "config.import");
	jsonrpc_req_free(&parsed);
	free(text);
	free(reply);
	json_decref(req);
	json_decref(resp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_table),
	    cmocka_unit_test(test_id_kept_on_error),
	    cmocka_unit_test(test_too_long),
	    cmocka_unit_test(test_result_shape),
	    cmocka_unit_test(test_set_counters),
	    cmocka_unit_test(test_largest_export_imports),
	};

	return cmocka_run_group_tests_name("jsonrpc", tests, NULL, NULL);
}
