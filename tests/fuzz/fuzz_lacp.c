// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_lacp.c - libFuzzer target: a slow-protocol frame from the wire on a
 * team member (LACPDU parse, receive machine, marker reply), then the same
 * bytes as a probe reply, a beacon and a data frame; a parsed LACPDU must
 * build back to the same TLVs.  The same bytes also leave through an
 * active-backup team (addresses learned from ARP and neighbour discovery)
 * whose failovers announce them. */
#include <stdint.h>
#include <string.h>

#include "lib/pkt.h"
#include "teaming/team_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t sent;

static void count_send(void *arg, unsigned member, const uint8_t *frame,
		       size_t len, uint16_t tci)
{
	if (member >= TEAM_MAX_MEMBERS || len > 128)
		__builtin_trap();
	sent++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[2][6] = {{2, 0, 0, 0, 0, 1},
					  {2, 0, 0, 0, 0, 2}};
	static struct team *t, *ab;
	static uint64_t now;
	struct pkt p = {.data = (uint8_t *)(uintptr_t)data,
			.len = (uint32_t)size};
	struct team_io io = {.send = count_send};
	struct lacp_pdu pdu;
	uint8_t buf[TEAM_LACPDU_LEN];

	if (!t) {
		struct team_config cfg;

		team_config_default(&cfg);
		cfg.mode = TEAM_MODE_LACP;
		cfg.lacp_fast = true;
		cfg.lacp_fallback = true;
		t = team_create("fz", &cfg, &io, 0);
		if (!t || team_member_add(t, "a", mac[0], 1000, true, 0) != 0 ||
		    team_member_add(t, "b", mac[1], 1000, true, 0) != 1)
			__builtin_trap();
		team_config_default(&cfg);
		ab = team_create("fa", &cfg, &io, 0);
		if (!ab || team_member_add(ab, "a", mac[0], 1000, true, 0) ||
		    team_member_add(ab, "b", mac[1], 1000, true, 0) != 1)
			__builtin_trap();
	}
	now += 100;
	p.in_port = (uint16_t)(size % 7);
	team_note_tx(ab, &p, (uint16_t)(size & 0x10), size & 1, now);
	if (size & 2)
		team_member_carrier(ab, 0, !(size & 4), now);
	if (!lacp_pdu_parse(data, size, &pdu)) {
		if (lacp_pdu_build(buf, sizeof(buf), data + 6, &pdu) !=
			TEAM_LACPDU_LEN ||
		    memcmp(buf + 16, data + 16, 2) ||
		    memcmp(buf + 18, data + 18, 14))
			__builtin_trap();
	}
	(void)team_slow_rx(t, size & 1, data, size, now);
	team_arp_rx(t, 0, data, size, now);
	team_beacon_rx(t, 1, data, size, now);
	if (size >= 14)
		(void)team_rx_verdict(t, team_map(t), size & 1, data, size,
				      now);
	team_run(t, now);
	return 0;
}
