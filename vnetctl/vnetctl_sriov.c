// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetctl_sriov.c - "vnetctl sriov ...": list PFs and VFs, set the VF
 * count, set a VF's MAC, VLAN, spoof checking, trust, rate and link state */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/util.h"
#include "vnetctl.h"

const char *const ctl_a_sriov_numvfs[] = {"pf", "numvfs", NULL};
const char *const ctl_a_sriov_vf[] = {"pf", "vf", NULL};

const struct ctl_flag ctl_f_sriov_vf[] = {
    {"mac", "mac", CTL_STR, NULL, "MAC address"},
    {"vlan", "vlan", CTL_UINT, NULL, "VLAN, 0 for none"},
    {"qos", "qos", CTL_UINT, NULL, "802.1p priority of the VLAN, 0-7"},
    {"vlan-proto", "vlan_proto", CTL_STR, NULL, "802.1Q or 802.1ad"},
    {"spoofchk", "spoofchk", CTL_STR, NULL, "spoof checking: on or off"},
    {"trust", "trust", CTL_STR, NULL, "trusted: on or off"},
    {"rate", "rate", CTL_STR, NULL, "transmit rate MIN:MAX, Mb/s (0: none)"},
    {"state", "state", CTL_STR, NULL, "link state: auto, enable or disable"},
    {0},
};

/* A positional number, sent as a JSON number. */
static int to_uint(json_t *params, const char *key, unsigned long max)
{
	const char *s = json_string_value(json_object_get(params, key));
	unsigned long v;
	char *end;

	if (!s)
		return 0;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max) {
		fprintf(stderr,
			"vnetctl: %s: a number from 0 to %lu, not '%s'\n", key,
			max, s);
		return CTL_ERR_USAGE;
	}
	json_object_set_new(params, key, json_integer((json_int_t)v));
	return 0;
}

/**
 * ctl_sriov_prepare_numvfs() - "sriov set-numvfs PF N": N as a number
 * @params: parameters
 *
 * Return: 0 or CTL_ERR_USAGE
 */
int ctl_sriov_prepare_numvfs(json_t *params)
{
	return to_uint(params, "numvfs", 65535);
}

/**
 * ctl_sriov_prepare_vf() - "sriov vf PF IDX ...": IDX as a number
 * @params: parameters
 *
 * Return: 0 or CTL_ERR_USAGE
 */
int ctl_sriov_prepare_vf(json_t *params)
{
	return to_uint(params, "vf", 65535);
}

/**
 * ctl_sriov_print_list() - PFs, each with a table of its VFs
 * @res: sriov.list result
 */
void ctl_sriov_print_list(json_t *res)
{
	static const struct ctl_col cols[] = {
	    {"VF", "vf", 3},
	    {"PCI", "pci", 12},
	    {"DRIVER", "driver", 8},
	    {"NETDEV", "netdev", 8},
	    {"GROUP", "iommu_group", 5},
	    {"MAC", "mac", 17},
	    {"VLAN", "vlan", 4},
	    {"QOS", "qos", 3},
	    {"SPOOFCHK", "spoofchk", 8},
	    {"TRUST", "trust", 5},
	    {"RATE", "rate", 9},
	    {"STATE", "state", 7},
	    {"PORT", "port", 12},
	    {"POOL", "pool", 8},
	};
	size_t i, k;
	json_t *pf, *vf;

	if (!json_array_size(res))
		printf("no SR-IOV physical functions\n");
	json_array_foreach(res, i, pf)
	{
		printf("%s%s  %s  %s  VFs %lld of %lld\n", i ? "\n" : "",
		       json_string_value(json_object_get(pf, "pf")),
		       json_string_value(json_object_get(pf, "pci")),
		       json_string_value(json_object_get(pf, "driver")),
		       (long long)json_integer_value(
			   json_object_get(pf, "num_vfs")),
		       (long long)json_integer_value(
			   json_object_get(pf, "total_vfs")));
		if (json_array_size(json_object_get(pf, "vfs")))
			ctl_table(json_object_get(pf, "vfs"), cols,
				  ARRAY_SIZE(cols));
		json_array_foreach(json_object_get(pf, "vfs"), k, vf)
		{
			const char *why =
			    json_string_value(json_object_get(vf, "skipped"));

			if (why)
				printf("VF %lld in %s's pool, %s\n",
				       (long long)json_integer_value(
					   json_object_get(vf, "vf")),
				       json_string_value(
					   json_object_get(vf, "pool")),
				       why);
		}
	}
}

/**
 * ctl_sriov_print_pf() - the PF after set-numvfs
 * @res: sriov.numvfs result
 */
void ctl_sriov_print_pf(json_t *res)
{
	printf(
	    "%s has %lld VFs (at most %lld)\n",
	    json_string_value(json_object_get(res, "name")),
	    (long long)json_integer_value(json_object_get(res, "num_vfs")),
	    (long long)json_integer_value(json_object_get(res, "total_vfs")));
}

/**
 * ctl_sriov_print_vf() - a VF's settings as the kernel reports them
 * @res: sriov.vf result
 */
void ctl_sriov_print_vf(json_t *res)
{
	static const char *const keys[] = {"mac",	 "vlan",     "qos",
					   "vlan_proto", "spoofchk", "trust",
					   "rate",	 "state",    NULL};

	printf("%s:\n", json_string_value(json_object_get(res, "name")));
	ctl_kv(json_object_get(res, "applied"), keys);
}
