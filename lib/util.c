// SPDX-License-Identifier: GPL-2.0-or-later
/* util.c - MAC addresses, names, VLAN lists, number parsing */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

/**
 * mac_parse() - parse "aa:bb:cc:dd:ee:ff"
 * @s: text
 * @mac: result
 *
 * Return: 0 or -EINVAL
 */
int mac_parse(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[0]) ||
		    !isxdigit((unsigned char)s[1]))
			return -EINVAL;
		mac[i] = (uint8_t)strtoul((char[]){s[0], s[1], 0}, NULL, 16);
		s += 2;
		if (i < 5 && *s++ != ':')
			return -EINVAL;
	}
	return *s ? -EINVAL : 0;
}

/**
 * mac_format() - format a MAC address
 * @mac: address
 * @buf: room for MAC_STRLEN bytes
 *
 * Return: @buf
 */
char *mac_format(const uint8_t mac[6], char buf[MAC_STRLEN])
{
	snprintf(buf, MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0],
		 mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

/**
 * mac_is_multicast() - group bit set (includes broadcast)
 * @mac: address
 *
 * Return: true for multicast
 */
bool mac_is_multicast(const uint8_t mac[6])
{
	return mac[0] & 1;
}

/**
 * mac_is_zero() - all-zero address
 * @mac: address
 *
 * Return: true if zero
 */
bool mac_is_zero(const uint8_t mac[6])
{
	return !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]);
}

/**
 * mac_random() - locally administered unicast address
 * @mac: result
 */
void mac_random(uint8_t mac[6])
{
	if (getrandom(mac, 6, 0) != 6) {
		uint64_t t = now_ns();

		memcpy(mac, &t, 6);
	}
	mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02);
}

/**
 * name_valid() - network and port names: 1-15 of [A-Za-z0-9_.-], not "." or
 * ".."; they become device names, file names and SQL keys
 * @s: name
 *
 * Return: true if acceptable
 */
bool name_valid(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > NAME_MAX_LEN || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return false;
	return true;
}

/**
 * parse_uint() - whole decimal number within bounds
 * @s: text
 * @min: lowest accepted
 * @max: highest accepted
 * @out: result
 *
 * Return: 0, -EINVAL for no number, -ERANGE when out of bounds
 */
int parse_uint(const char *s, unsigned long min, unsigned long max,
	       unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/**
 * vlan_list_parse() - "10,20,30-40" into a 4096-bit map
 * @s: text
 * @bitmap: result, cleared first
 *
 * Return: 0, -EINVAL for bad syntax, -ERANGE for VIDs outside 1-4094
 */
int vlan_list_parse(const char *s, uint8_t bitmap[512])
{
	char buf[1024], *save = NULL, *tok;

	memset(bitmap, 0, 512);
	if (strlen(s) >= sizeof(buf) || !*s)
		return -EINVAL;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok, '-');
		unsigned long lo, hi;
		int ret;

		if (dash)
			*dash = 0;
		ret = parse_uint(tok, 1, VLAN_MAX, &lo);
		if (ret)
			return ret;
		hi = lo;
		if (dash) {
			ret = parse_uint(dash + 1, 1, VLAN_MAX, &hi);
			if (ret)
				return ret;
			if (hi < lo)
				return -EINVAL;
		}
		for (unsigned long v = lo; v <= hi; v++)
			vlan_bit_set(bitmap, (unsigned)v);
	}
	return 0;
}

/**
 * vlan_list_format() - a 4096-bit map as "10,20,30-40"
 * @bitmap: map
 * @buf: output
 * @size: room in @buf
 *
 * Return: 0 or -ENOSPC
 */
int vlan_list_format(const uint8_t bitmap[512], char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = 0;
	for (unsigned v = 1; v <= VLAN_MAX; v++) {
		unsigned e = v;
		int w;

		if (!vlan_bit_test(bitmap, v))
			continue;
		while (e + 1 <= VLAN_MAX && vlan_bit_test(bitmap, e + 1))
			e++;
		if (e == v)
			w = snprintf(buf + n, size - n, "%s%u", n ? "," : "",
				     v);
		else
			w = snprintf(buf + n, size - n, "%s%u-%u", n ? "," : "",
				     v, e);
		if (w < 0 || (size_t)w >= size - n)
			return -ENOSPC;
		n += (size_t)w;
		v = e;
	}
	return 0;
}

/**
 * mkdir_parents() - create the directories leading to a file, like mkdir -p
 * @path: a file's path; its directory and those above it are created
 * @mode: mode of directories created
 *
 * Return: 0 or -errno
 */
int mkdir_parents(const char *path, unsigned mode)
{
	char dir[4096];
	char *slash;

	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = 0;
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(dir, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, mode) && errno != EEXIST)
		return -errno;
	return 0;
}
