/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_team.h - a team whose frames are captured, for the team tests */
#ifndef VNET_TEST_TEAM_H
#define VNET_TEST_TEAM_H

#include <string.h>

#include "lib/pkt.h"
#include "teaming/team_priv.h"

#define CAP_MAX 512

/* Frames the team sent, in order. */
struct cap_frame {
	unsigned member;
	uint8_t f[TEAM_LACPDU_LEN];
	size_t len;
	uint16_t tci;
};

static struct {
	unsigned n;
	struct cap_frame fr[CAP_MAX];
} cap;

static void cap_send(void *arg, unsigned member, const uint8_t *frame,
		     size_t len, uint16_t tci)
{
	struct cap_frame *c;

	if (cap.n == CAP_MAX)
		return;
	c = &cap.fr[cap.n++];
	c->member = member;
	c->len = len < sizeof(c->f) ? len : sizeof(c->f);
	memcpy(c->f, frame, c->len);
	c->tci = tci;
}

static const struct team_io cap_io = {.send = cap_send};

static const uint8_t mac_m[4][6] = {
    {0x02, 0, 0, 0, 0, 0x10},
    {0x02, 0, 0, 0, 0, 0x11},
    {0x02, 0, 0, 0, 0, 0x12},
    {0x02, 0, 0, 0, 0, 0x13},
};

/* A team of @n members with carrier, mode @mode. */
static inline struct team *mk_team(enum team_mode mode, unsigned n,
				   struct team_config *cfg_out, uint64_t now)
{
	struct team_config cfg;
	struct team *t;
	char name[16];

	if (cfg_out)
		cfg = *cfg_out;
	else
		team_config_default(&cfg);
	cfg.mode = mode;
	t = team_create("t0", &cfg, &cap_io, now);
	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "eth%u", i);
		if (team_member_add(t, name, mac_m[i], 10000, true, now) !=
		    (int)i)
			return NULL;
	}
	cap.n = 0;
	return t;
}

/* Count captured frames on @member with ethertype @et. */
static inline unsigned cap_count(unsigned member, uint16_t et)
{
	unsigned n = 0;

	for (unsigned i = 0; i < cap.n; i++)
		n += cap.fr[i].member == member &&
		     pkt_get_be16(cap.fr[i].f + 12) == et;
	return n;
}

/* A frame in a pkt, from @src to @dst, with ethertype @et and @pl. */
static inline void mk_frame(struct pkt *p, uint8_t *buf, const uint8_t dst[6],
			    const uint8_t src[6], uint16_t et,
			    const uint8_t *pl, size_t pl_len, uint16_t in_port)
{
	memset(p, 0, sizeof(*p));
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	pkt_put_be16(buf + 12, et);
	memcpy(buf + 14, pl, pl_len);
	p->data = buf;
	p->len = (uint32_t)(14 + pl_len);
	p->in_port = in_port;
}

#endif
