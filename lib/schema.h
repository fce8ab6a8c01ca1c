/* SPDX-License-Identifier: GPL-2.0-or-later */
/* schema.h - option tables for configuration objects: types, ranges,
 * defaults, which options may change on a live object
 *
 * Every configurable object kind (network, port, and the services' kinds)
 * describes its keys in one table.  schema_normalize() checks a JSON object
 * against the table and returns the normalised object: keys in table order
 * (so output never changes order between runs), defaults filled in,
 * durations in seconds, lists of objects checked element by element.
 * Unknown keys are refused by name; keywords match exactly.
 */
#ifndef VNET_SCHEMA_H
#define VNET_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum schema_type {
	SCHEMA_NAME,	  /* 1-15 letters, digits, '_', '.', '-' */
	SCHEMA_ENUM,	  /* one of @choices */
	SCHEMA_UINT,	  /* whole number in [min, max] */
	SCHEMA_BOOL,	  /* true or false */
	SCHEMA_MAC,	  /* unicast MAC, "52:54:00:12:34:56" */
	SCHEMA_VLANS,	  /* VLAN list, "10,20-30" */
	SCHEMA_ADDRS,	  /* list of IPv4/IPv6 addresses with prefix */
	SCHEMA_PATH,	  /* 1-107 bytes (a Unix socket path) */
	SCHEMA_IPV4,	  /* "10.0.0.1" */
	SCHEMA_CIDR4,	  /* "10.0.0.0/24" */
	SCHEMA_RANGE4,	  /* "10.0.0.100-10.0.0.200", first <= last */
	SCHEMA_DURATION,  /* 90, "90", "90s", "15m", "12h", "2d" -> seconds */
	SCHEMA_STRING,	  /* printable text, at most @max bytes */
	SCHEMA_IPV4_LIST, /* list of IPv4 addresses, at most @max */
	SCHEMA_LIST,  /* list of objects checked against @sub, at most @max */
	SCHEMA_IPV6,  /* "fd00::1", stored in canonical form (RFC 5952) */
	SCHEMA_CIDR6, /* "fd00:1:2:3::/64", canonical, host bits cleared */
};

#define SCHEMA_REQUIRED 0x1u /* must be given */
#define SCHEMA_LIVE	0x2u /* may change while the object exists */

struct schema;

/**
 * struct schema_opt - one configuration key
 * @name: key, matched exactly
 * @type: value type
 * @min: lowest value (UINT, DURATION in seconds)
 * @max: highest value (UINT, DURATION); most bytes (STRING); most elements
 *       (lists; 0 = 32)
 * @def: default (UINT, DURATION; 0 for none)
 * @flags: SCHEMA_REQUIRED, SCHEMA_LIVE
 * @choices: allowed values (ENUM), NULL-terminated
 * @sub: element table (LIST)
 * @desc: what it means, for messages and help
 */
struct schema_opt {
	const char *name;
	enum schema_type type;
	unsigned long min, max, def;
	unsigned flags;
	const char *const *choices;
	const struct schema *sub;
	const char *desc;
};

/**
 * struct schema - an option table
 * @opts: keys
 * @n: how many
 */
struct schema {
	const struct schema_opt *opts;
	size_t n;
};

json_t *schema_normalize(const struct schema *s, json_t *in, char *err,
			 size_t errlen);
const struct schema_opt *schema_find(const struct schema *s, const char *name);
int schema_duration_parse(const char *s, unsigned long *secs);
bool schema_ipv4_parse(const char *s, uint32_t *addr);
bool schema_cidr4_parse(const char *s, uint32_t *addr, unsigned *plen);
bool schema_range4_parse(const char *s, uint32_t *first, uint32_t *last);
bool schema_ipv6_parse(const char *s, uint8_t addr[16]);
bool schema_cidr6_parse(const char *s, uint8_t addr[16], unsigned *plen);

#endif
