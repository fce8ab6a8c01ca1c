// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_sriov_nl.c - libFuzzer target: the RTM_NEWLINK parser that reads a
 * PF's VFs (IFLA_VFINFO_LIST: MAC, VLAN and VLAN lists, spoof checking,
 * trust, rates, link state) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sriov/sriov.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sriov_vf_info vfs[8];
	/* netlink messages are 4-byte aligned in the kernel's buffer */
	uint32_t *buf = malloc(size + 4);
	int n;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	n = sriov_nl_parse_link(buf, size, vfs, 8);
	if (n > 8)
		__builtin_trap();
	for (int i = 0; i < n; i++)
		if (vfs[i].cfg.vlan > 4095 || vfs[i].cfg.qos > 7 ||
		    vfs[i].cfg.link_state > SRIOV_LINK_DISABLE)
			__builtin_trap();
	free(buf);
	return 0;
}
