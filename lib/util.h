/* SPDX-License-Identifier: GPL-2.0-or-later */
/* util.h - small helpers shared by every subsystem */
#ifndef VNET_UTIL_H
#define VNET_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAC_STRLEN    18
#define VLAN_MAX      4094
#define NAME_MAX_LEN  15 /* IFNAMSIZ - 1: names are often device names */

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define must_check  __attribute__((warn_unused_result))

int mac_parse(const char *s, uint8_t mac[6]);
char *mac_format(const uint8_t mac[6], char buf[MAC_STRLEN]);
bool mac_is_multicast(const uint8_t mac[6]);
bool mac_is_zero(const uint8_t mac[6]);
void mac_random(uint8_t mac[6]);
bool name_valid(const char *s);
int vlan_list_parse(const char *s, uint8_t bitmap[512]);
int vlan_list_format(const uint8_t bitmap[512], char *buf, size_t size);
int parse_uint(const char *s, unsigned long min, unsigned long max,
	       unsigned long *out);
int mkdir_parents(const char *path, unsigned mode);

static inline bool vlan_bit_test(const uint8_t *bm, unsigned vid)
{
	return bm[vid >> 3] & (1u << (vid & 7));
}

static inline void vlan_bit_set(uint8_t *bm, unsigned vid)
{
	bm[vid >> 3] |= (uint8_t)(1u << (vid & 7));
}

/* now_sec() - coarse monotonic seconds; cheap enough for every burst */
static inline int64_t now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec;
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
