// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetctl_nat.c - "vnetctl nat ...": port forwards, live translations and
 * their counters, flush
 *
 *   vnetctl nat forward add NET tcp|udp PORT IP:PORT
 *   vnetctl nat forward del NET tcp|udp PORT
 *   vnetctl nat forward list [NET]
 *   vnetctl nat sessions [NET] [--json]
 *   vnetctl nat flush [NET]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/util.h"
#include "vnetctl.h"

/**
 * ctl_nat_forward_usage() - the forms "nat forward" takes, one a line
 * @f: where to write them
 */
void ctl_nat_forward_usage(FILE *f)
{
	fprintf(f,
		"usage: vnetctl nat forward add NETWORK tcp|udp PORT IP:PORT\n"
		"       vnetctl nat forward del NETWORK tcp|udp PORT\n"
		"       vnetctl nat forward list [NETWORK]\n");
}

static int usage_fwd(const char *why)
{
	fprintf(stderr, "vnetctl: nat forward: %s\n", why);
	ctl_nat_forward_usage(stderr);
	return 2;
}

static int set_port(json_t *params, const char *key, const char *s)
{
	unsigned long v;

	if (!s || parse_uint(s, 1, 65535, &v))
		return -1;
	json_object_set_new(params, key, json_integer((json_int_t)v));
	return 0;
}

/**
 * ctl_nat_forward_prepare() - check "nat forward" words and make the
 * request: the port as a number, IP:PORT split
 * @params: positional words as parsed
 *
 * Return: 0, or the usage exit code
 */
int ctl_nat_forward_prepare(json_t *params)
{
	const char *action =
	    json_string_value(json_object_get(params, "action"));
	const char *target =
	    json_string_value(json_object_get(params, "target"));
	const char *port = json_string_value(json_object_get(params, "port"));
	char ip[32], *colon;

	if (!strcmp(action, "list")) {
		if (json_object_get(params, "proto"))
			return usage_fwd("list takes a network only");
		return 0;
	}
	if (strcmp(action, "add") && strcmp(action, "del"))
		return usage_fwd("add, del or list");
	if (!json_object_get(params, "network") ||
	    !json_object_get(params, "proto") || !port)
		return usage_fwd("missing network, protocol or port");
	if (set_port(params, "port", port))
		return usage_fwd("the port must be 1-65535");
	if (!strcmp(action, "del")) {
		if (target)
			return usage_fwd("del takes no target");
		return 0;
	}
	if (!target)
		return usage_fwd("missing the target IP:PORT");
	snprintf(ip, sizeof(ip), "%s", target);
	colon = strchr(ip, ':');
	if (!colon || set_port(params, "to_port", colon + 1))
		return usage_fwd("the target must be IP:PORT, like "
				 "10.10.0.5:80");
	*colon = 0;
	json_object_set_new(params, "ip", json_string(ip));
	json_object_del(params, "target");
	return 0;
}

/**
 * ctl_nat_forward_finish() - print the answer to "nat forward"
 * @res: result
 * @params: the request
 *
 * Return: exit code
 */
int ctl_nat_forward_finish(json_t *res, json_t *params)
{
	static const struct ctl_col cols[] = {
	    {"NETWORK", "network", 15}, {"PROTO", "proto", 5},
	    {"PORT", "port", 5},	{"TO", "ip", 15},
	    {"TO_PORT", "to_port", 7},
	};
	const char *action =
	    json_string_value(json_object_get(params, "action"));

	if (ctl_json) {
		json_dumpf(res, stdout, JSON_INDENT(2));
		printf("\n");
	} else if (!strcmp(action, "add")) {
		printf("forward %s created\n",
		       json_string_value(json_object_get(res, "name")));
	} else if (!strcmp(action, "del")) {
		printf("forward %s deleted\n",
		       json_string_value(json_object_get(res, "deleted")));
	} else {
		ctl_table(res, cols, ARRAY_SIZE(cols));
	}
	return 0;
}

/**
 * ctl_nat_sessions_print() - the text of "nat sessions"
 * @res: {"sessions": [...], "nats": [...]}
 */
void ctl_nat_sessions_print(json_t *res)
{
	static const struct ctl_col cols[] = {
	    {"NETWORK", "network", 12},	    {"KIND", "kind", 8},
	    {"PROTO", "proto", 5},	    {"INSIDE", "inside", 15},
	    {"PORT", "inside_port", 5},	    {"EXTERNAL", "external", 15},
	    {"PORT", "external_port", 5},   {"REMOTE", "remote", 15},
	    {"PORT", "remote_port", 5},	    {"STATE", "state", 11},
	    {"PKTS_OUT", "packets_out", 9}, {"PKTS_IN", "packets_in", 9},
	    {"EXPIRES", "expires_in", 7},
	};
	json_t *n;
	size_t i;

	ctl_table(json_object_get(res, "sessions"), cols, ARRAY_SIZE(cols));
	json_array_foreach(json_object_get(res, "nats"), i, n)
	{
		json_t *drops = json_object_get(n, "drops"), *v;
		const char *key;
		char a[64];

		printf("\n%s: address %s, %lld sessions, %lld mappings, %lld "
		       "forwards of %lld; %lld out, %lld in, %lld hairpin, "
		       "%lld exhausted\ndrops:",
		       json_string_value(json_object_get(n, "network")),
		       ctl_fmt(json_object_get(n, "address"), a, sizeof(a)),
		       (long long)json_integer_value(
			   json_object_get(n, "sessions")),
		       (long long)json_integer_value(
			   json_object_get(n, "mappings")),
		       (long long)json_integer_value(
			   json_object_get(n, "forwards")),
		       (long long)json_integer_value(
			   json_object_get(n, "capacity")),
		       (long long)json_integer_value(
			   json_object_get(n, "translated_out")),
		       (long long)json_integer_value(
			   json_object_get(n, "translated_in")),
		       (long long)json_integer_value(
			   json_object_get(n, "hairpin")),
		       (long long)json_integer_value(
			   json_object_get(n, "exhausted")));
		json_object_foreach(drops, key, v)
		{
			printf(" %s=%lld", key,
			       (long long)json_integer_value(v));
		}
		printf("%s\n", json_object_size(drops) ? "" : " none");
	}
}

/**
 * ctl_nat_flush_print() - the text of "nat flush"
 * @res: {"flushed": n}
 */
void ctl_nat_flush_print(json_t *res)
{
	printf("%lld NAT entries flushed\n",
	       (long long)json_integer_value(json_object_get(res, "flushed")));
}
