// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_jsonrpc.c - libFuzzer target: the control socket's request parser and
 * the parsers of the values it carries (MACs, VLAN lists, names, numbers) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jsonrpc.h"
#include "lib/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jsonrpc_req req;
	const char *why;
	char *s;
	uint8_t mac[6], bm[512];
	unsigned long v;
	char out[4096];

	if (!jsonrpc_parse((const char *)data, size, &req, &why)) {
		json_t *r = jsonrpc_result(req.id, json_deep_copy(req.params));

		json_decref(r);
	}
	jsonrpc_req_free(&req);
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	mac_parse(s, mac);
	name_valid(s);
	parse_uint(s, 0, 100000, &v);
	if (!vlan_list_parse(s, bm))
		vlan_list_format(bm, out, sizeof(out));
	free(s);
	return 0;
}
