// SPDX-License-Identifier: GPL-2.0-or-later
/* schema.c - option tables for configuration objects
 *
 * Values arrive from clients, imports and the state file, so every check
 * here treats them as untrusted: types, ranges, lengths and list sizes are
 * bounded before anything is built from them.
 */
#include "schema.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

#define LIST_MAX_DEFAULT 32

/**
 * schema_find() - an option by name
 * @s: table
 * @name: key
 *
 * Return: the option, or NULL
 */
const struct schema_opt *schema_find(const struct schema *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->opts[i].name, name))
			return &s->opts[i];
	return NULL;
}

/**
 * schema_duration_parse() - "90", "90s", "15m", "12h", "2d" to seconds
 * @s: text
 * @secs: result
 *
 * Return: 0 or -EINVAL
 */
int schema_duration_parse(const char *s, unsigned long *secs)
{
	unsigned long v = 0, unit = 1;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > 100000000ul)
			return -EINVAL;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	switch (*p) {
	case 0:
	case 's':
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	default:
		return -EINVAL;
	}
	if (*p && p[1])
		return -EINVAL;
	*secs = v * unit;
	return 0;
}

/**
 * schema_ipv4_parse() - a dotted-quad IPv4 address
 * @s: text
 * @addr: result, host byte order
 *
 * Return: whether @s is one
 */
bool schema_ipv4_parse(const char *s, uint32_t *addr)
{
	struct in_addr a;

	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return false;
	*addr = ntohl(a.s_addr);
	return true;
}

/* "ADDR/LEN": ADDR into @buf (INET6_ADDRSTRLEN bytes), LEN 0-@max. */
static bool cidr_split(const char *s, char *buf, unsigned long max,
		       unsigned *plen)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	unsigned long n;

	if (!slash || (size_t)(slash - s) >= INET6_ADDRSTRLEN ||
	    parse_uint(slash + 1, 0, max, &n))
		return false;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = 0;
	*plen = (unsigned)n;
	return true;
}

/**
 * schema_cidr4_parse() - "10.0.0.0/24"
 * @s: text
 * @addr: address part, host byte order
 * @plen: prefix length, 0-32
 *
 * Return: whether @s is one
 */
bool schema_cidr4_parse(const char *s, uint32_t *addr, unsigned *plen)
{
	char buf[INET6_ADDRSTRLEN];

	return cidr_split(s, buf, 32, plen) && schema_ipv4_parse(buf, addr);
}

/**
 * schema_range4_parse() - "10.0.0.100-10.0.0.200"
 * @s: text
 * @first: first address, host byte order
 * @last: last address, not below @first
 *
 * Return: whether @s is one
 */
bool schema_range4_parse(const char *s, uint32_t *first, uint32_t *last)
{
	char buf[32];
	const char *dash = s ? strchr(s, '-') : NULL;

	if (!dash || (size_t)(dash - s) >= sizeof(buf))
		return false;
	memcpy(buf, s, (size_t)(dash - s));
	buf[dash - s] = 0;
	return schema_ipv4_parse(buf, first) &&
	       schema_ipv4_parse(dash + 1, last) && *first <= *last;
}

/**
 * schema_ipv6_parse() - an IPv6 address in any RFC 4291 text form
 * @s: text
 * @addr: result, network byte order
 *
 * Return: whether @s is one
 */
bool schema_ipv6_parse(const char *s, uint8_t addr[16])
{
	return s && inet_pton(AF_INET6, s, addr) == 1;
}

/**
 * schema_cidr6_parse() - "fd00:1:2:3::/64"
 * @s: text
 * @addr: address part, network byte order, as written (host bits kept)
 * @plen: prefix length, 0-128
 *
 * Return: whether @s is one
 */
bool schema_cidr6_parse(const char *s, uint8_t addr[16], unsigned *plen)
{
	char buf[INET6_ADDRSTRLEN];

	return cidr_split(s, buf, 128, plen) && schema_ipv6_parse(buf, addr);
}

/* The canonical text of an IPv6 address (and prefix), so that two ways of
 * writing one network compare equal in the store and in "set". */
static json_t *ipv6_canonical(const uint8_t addr[16], int plen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	uint8_t a[16];

	memcpy(a, addr, 16);
	for (int i = 0; plen >= 0 && i < 16; i++) {
		int keep = plen - i * 8;

		a[i] &= keep >= 8   ? 0xff
			: keep <= 0 ? 0
				    : (uint8_t)(0xff << (8 - keep));
	}
	inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
	if (plen >= 0)
		snprintf(buf + strlen(buf), 8, "/%u", (unsigned)plen & 0xff);
	return json_string(buf);
}

static bool cidr_valid(const char *s)
{
	char buf[64], *slash;
	unsigned char a[16];
	unsigned long plen;
	int fam;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash)
		return false;
	*slash = 0;
	fam = strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(fam, buf, a) != 1)
		return false;
	return !parse_uint(slash + 1, 0, fam == AF_INET ? 32 : 128, &plen);
}

static bool printable(const char *s, size_t max)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if (n >= max || !isprint((unsigned char)*s))
			return false;
	return n > 0;
}

static json_t *normalize(const struct schema *s, json_t *in, const char *where,
			 char *err, size_t errlen);

/* Example durations inside @d's limits ("90s, 15m or 12h"), so a refusal
 * never suggests a value it refuses. */
static const char *duration_examples(const struct schema_opt *d, char *buf,
				     size_t size)
{
	static const struct {
		const char *text;
		unsigned long secs;
	} ex[] = {{"90s", 90}, {"15m", 900}, {"12h", 43200}, {"2d", 172800}};
	unsigned n = 0, k = 0;

	for (size_t i = 0; i < ARRAY_SIZE(ex); i++)
		n += ex[i].secs >= d->min && ex[i].secs <= d->max;
	snprintf(buf, size, "%lus", d->max);
	for (size_t i = 0, len = 0; i < ARRAY_SIZE(ex); i++) {
		if (ex[i].secs < d->min || ex[i].secs > d->max)
			continue;
		k++;
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0,
					"%s%s",
					k == 1	 ? ""
					: k == n ? " or "
						 : ", ",
					ex[i].text);
	}
	return buf;
}

/* Check one value; return its normalised form (a new reference) or NULL
 * with @err set. */
static json_t *opt_value(const struct schema_opt *d, json_t *v,
			 const char *where, char *err, size_t errlen)
{
	const char *s = json_string_value(v);
	size_t max = d->max ? d->max : LIST_MAX_DEFAULT, i;
	unsigned long ul;
	uint8_t mac[6], bm[512];
	uint32_t a, b;
	uint8_t a6[16];
	unsigned plen;
	json_t *e, *out;
	const char *want = NULL;

	switch (d->type) {
	case SCHEMA_NAME:
		if (s && name_valid(s))
			return json_incref(v);
		want = "1-15 letters, digits, '_', '.' or '-'";
		break;
	case SCHEMA_PATH:
		if (s && *s && strlen(s) < 108)
			return json_incref(v);
		want = "a path of 1-107 bytes";
		break;
	case SCHEMA_ENUM: {
		char list[160] = "";

		for (i = 0; s && d->choices[i]; i++)
			if (!strcmp(s, d->choices[i]))
				return json_incref(v);
		for (i = 0; d->choices[i]; i++)
			snprintf(list + strlen(list),
				 sizeof(list) - strlen(list), "%s%s",
				 i ? ", " : "", d->choices[i]);
		snprintf(err, errlen, "%s%s: must be one of %s", where, d->name,
			 list);
		return NULL;
	}
	case SCHEMA_UINT:
		if (json_is_integer(v) && json_integer_value(v) >= 0 &&
		    (unsigned long)json_integer_value(v) >= d->min &&
		    (unsigned long)json_integer_value(v) <= d->max)
			return json_incref(v);
		snprintf(err, errlen,
			 "%s%s: must be a whole number from %lu to %lu", where,
			 d->name, d->min, d->max);
		return NULL;
	case SCHEMA_DURATION: {
		char ex[64];

		if (json_is_integer(v) && json_integer_value(v) >= 0)
			ul = (unsigned long)json_integer_value(v);
		else if (!s || schema_duration_parse(s, &ul))
			ul = ULONG_MAX;
		if (ul >= d->min && ul <= d->max)
			return json_integer((json_int_t)ul);
		snprintf(err, errlen,
			 "%s%s: must be a duration from %lus to %lus, like %s",
			 where, d->name, d->min, d->max,
			 duration_examples(d, ex, sizeof(ex)));
		return NULL;
	}
	case SCHEMA_BOOL:
		if (json_is_boolean(v))
			return json_incref(v);
		want = "true or false";
		break;
	case SCHEMA_MAC:
		if (s && !mac_parse(s, mac) && !mac_is_multicast(mac) &&
		    !mac_is_zero(mac)) {
			char buf[MAC_STRLEN];

			return json_string(mac_format(mac, buf));
		}
		want = "a unicast MAC like 52:54:00:12:34:56";
		break;
	case SCHEMA_VLANS:
		if (s && !vlan_list_parse(s, bm))
			return json_incref(v);
		want = "a list of VLAN ids 1-4094 like 10,20-30";
		break;
	case SCHEMA_IPV4:
		if (schema_ipv4_parse(s, &a))
			return json_incref(v);
		want = "an IPv4 address like 192.168.50.1";
		break;
	case SCHEMA_CIDR4:
		if (schema_cidr4_parse(s, &a, &plen))
			return json_incref(v);
		want = "an IPv4 prefix like 192.168.50.0/24";
		break;
	case SCHEMA_IPV6:
		if (schema_ipv6_parse(s, a6))
			return ipv6_canonical(a6, -1);
		want = "an IPv6 address like fd00:1:2:3::1";
		break;
	case SCHEMA_CIDR6:
		if (schema_cidr6_parse(s, a6, &plen))
			return ipv6_canonical(a6, (int)plen);
		want = "an IPv6 prefix like fd00:1:2:3::/64";
		break;
	case SCHEMA_RANGE4:
		if (schema_range4_parse(s, &a, &b))
			return json_incref(v);
		want = "an address range like 192.168.50.100-192.168.50.200";
		break;
	case SCHEMA_STRING:
		if (s && printable(s, d->max ? d->max : 255))
			return json_incref(v);
		snprintf(err, errlen,
			 "%s%s: must be printable text of 1-%lu "
			 "bytes",
			 where, d->name, d->max ? d->max : 255);
		return NULL;
	case SCHEMA_ADDRS:
	case SCHEMA_IPV4_LIST:
		if (!json_is_array(v) || json_array_size(v) > max)
			goto bad_list;
		json_array_foreach(v, i, e)
		{
			const char *es = json_string_value(e);

			if (!es || (d->type == SCHEMA_ADDRS
					? !cidr_valid(es)
					: !schema_ipv4_parse(es, &a)))
				goto bad_list;
		}
		return json_incref(v);
	bad_list:
		snprintf(err, errlen, "%s%s: must be a list of at most %zu %s",
			 where, d->name, max,
			 d->type == SCHEMA_ADDRS
			     ? "addresses with prefix length, like 10.0.0.1/24"
			     : "IPv4 addresses");
		return NULL;
	case SCHEMA_LIST:
		if (!json_is_array(v) || json_array_size(v) > max) {
			snprintf(err, errlen,
				 "%s%s: must be a list of at most %zu objects",
				 where, d->name, max);
			return NULL;
		}
		out = json_array();
		json_array_foreach(v, i, e)
		{
			char sub_where[96];
			json_t *n;

			snprintf(sub_where, sizeof(sub_where), "%s%s[%zu].",
				 where, d->name, i);
			n = normalize(d->sub, e, sub_where, err, errlen);
			if (!n) {
				json_decref(out);
				return NULL;
			}
			json_array_append_new(out, n);
		}
		return out;
	}
	snprintf(err, errlen, "%s%s: must be %s", where, d->name,
		 want ? want : "valid");
	return NULL;
}

/* "routes[2]." prints as "routes[2]: " before a sentence. */
static int where_len(const char *where)
{
	size_t n = strlen(where);

	return (int)(n ? n - 1 : 0);
}

static json_t *normalize(const struct schema *s, json_t *in, const char *where,
			 char *err, size_t errlen)
{
	json_t *conf, *v;
	const char *key;

	if (!json_is_object(in)) {
		snprintf(err, errlen, "%s: must be an object",
			 *where ? where : "parameters");
		return NULL;
	}
	json_object_foreach(in, key, v)
	{
		char known[384] = "";

		if (schema_find(s, key))
			continue;
		for (size_t k = 0; k < s->n; k++)
			snprintf(known + strlen(known),
				 sizeof(known) - strlen(known), "%s%s",
				 k ? ", " : "", s->opts[k].name);
		snprintf(
		    err, errlen, "%.*s%sunknown parameter '%s' (known: %s)",
		    where_len(where), where, *where ? ": " : "", key, known);
		return NULL;
	}
	conf = json_object();
	for (size_t i = 0; i < s->n; i++) {
		const struct schema_opt *d = &s->opts[i];
		json_t *n;

		v = json_object_get(in, d->name);
		if (v && !json_is_null(v)) {
			n = opt_value(d, v, where, err, errlen);
			if (!n)
				goto err;
			json_object_set_new(conf, d->name, n);
		} else if (d->flags & SCHEMA_REQUIRED) {
			snprintf(err, errlen,
				 "%.*s%smissing parameter '%s' (%s)",
				 where_len(where), where, *where ? ": " : "",
				 d->name, d->desc);
			goto err;
		} else if ((d->type == SCHEMA_UINT ||
			    d->type == SCHEMA_DURATION) &&
			   d->def) {
			json_object_set_new(conf, d->name,
					    json_integer((json_int_t)d->def));
		}
	}
	return conf;
err:
	json_decref(conf);
	return NULL;
}

/**
 * schema_normalize() - check an object against a table
 * @s: table
 * @in: the object (untrusted); a key whose value is null counts as absent
 * @err: set to a sentence naming the key and what it must be
 * @errlen: size of @err
 *
 * Return: the normalised object (new reference; keys in table order,
 * defaults filled in), or NULL with @err set
 */
json_t *schema_normalize(const struct schema *s, json_t *in, char *err,
			 size_t errlen)
{
	return normalize(s, in, "", err, errlen);
}
