// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetctl_team.c - the "team" commands: options and text output */
#include "vnetctl_team.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../lib/util.h"

const char *const ctl_team_args[] = {"name", NULL};
const char *const ctl_team_member_args[] = {"name", "member", NULL};
const struct ctl_flag ctl_team_no_flags[] = {{0}};

#define TEAM_LIVE_FLAGS                                                      \
	{"members", "members", CTL_STR, NULL,                                \
	 "member NICs, comma-separated: eth1,eth2"},                         \
	    {"primary", "primary", CTL_STR, NULL,                            \
	     "active-backup: the member preferred"},                         \
	    {"failback", "failback", CTL_STR, NULL,                          \
	     "on|off: return to the primary when it recovers (on)"},         \
	    {"probe", "probe", CTL_STR, NULL,                                \
	     "arp:IP[,IP] (ARP probes to targets) or beacon (3+ members)"},  \
	    {"probe-interval", "probe_interval", CTL_UINT, NULL,             \
	     "ms between probes (100); down after 2 missed"},                \
	    {"lacp-rate", "lacp_rate", CTL_STR, NULL,                        \
	     "fast|slow: LACPDUs every 1 s or 30 s"},                        \
	    {"lacp-fallback", "lacp_fallback", CTL_STR, NULL,                \
	     "active-backup: carry traffic while no LACP partner answers"},  \
	    {"hash", "hash", CTL_STR, NULL,                                  \
	     "static/lacp: l2, l23 (default) or l34"},                       \
	    {"updelay", "updelay", CTL_UINT, NULL,                           \
	     "ms a member's carrier must be up before use"},                 \
	{                                                                    \
		"downdelay", "downdelay", CTL_UINT, NULL,                    \
		    "ms a member's carrier may be down before it is dropped" \
	}

const struct ctl_flag ctl_team_create_flags[] = {
    {"mode", "mode", CTL_STR, NULL,
     "active-backup, balance-port, balance-mac, static or lacp"},
    {"backend", "backend", CTL_STR, NULL,
     "how members are read: afpacket (default) or pcap"},
    TEAM_LIVE_FLAGS,
    {0},
};

const struct ctl_flag ctl_team_set_flags[] = {
    TEAM_LIVE_FLAGS,
    {"no-primary", "primary", CTL_NULL, NULL, "no preferred member"},
    {"no-probe", "probe", CTL_NULL, NULL, "carrier only"},
    {0},
};

/**
 * ctl_team_print_done() - one line after a team change
 * @res: the team's status, or {"deleted": name}
 */
void ctl_team_print_done(json_t *res)
{
	const char *del = json_string_value(json_object_get(res, "deleted"));

	if (del)
		printf("deleted %s\n", del);
	else
		printf("team %s: %s, members %s, %s\n",
		       json_string_value(json_object_get(res, "name")),
		       json_string_value(json_object_get(res, "mode")),
		       json_string_value(json_object_get(res, "members")),
		       json_string_value(json_object_get(res, "state")));
}

/**
 * ctl_team_print_list() - "team list" as a table
 * @res: array of team statuses
 */
void ctl_team_print_list(json_t *res)
{
	static const struct ctl_col cols[] = {
	    {"NAME", "name", 15},	{"MODE", "mode", 13},
	    {"MEMBERS", "members", 24}, {"NETWORK", "network", 15},
	    {"STATE", "state", 9},
	};

	ctl_table(res, cols, ARRAY_SIZE(cols));
}

static long long jint(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static void print_lacp(json_t *m)
{
	json_t *l = json_object_get(m, "lacp"), *w;
	const char *side[] = {"actor", "partner"};
	size_t i;

	if (!l)
		return;
	printf("  %s: LACP %s, %s%s; PDUs %lld in, %lld out, %lld malformed; "
	       "%lld flaps%s%s\n",
	       json_string_value(json_object_get(m, "name")),
	       json_string_value(json_object_get(l, "rx_state")),
	       json_string_value(json_object_get(l, "mux_state")),
	       json_is_true(json_object_get(l, "selected")) ? ", selected" : "",
	       jint(l, "pdus_rx"), jint(l, "pdus_tx"), jint(l, "malformed"),
	       jint(l, "flaps"),
	       json_is_true(json_object_get(l, "damped")) ? " (damped)" : "",
	       json_is_true(json_object_get(l, "partner_churn"))
		   ? ", partner churn"
		   : "");
	for (int s = 0; s < 2; s++) {
		json_t *x = json_object_get(l, side[s]);

		printf(
		    "    %-8s system %d,%s key %lld port %lld,%lld:", side[s],
		    (int)jint(x, "system_priority"),
		    json_string_value(json_object_get(x, "system")),
		    jint(x, "key"), jint(x, "port_priority"), jint(x, "port"));
		w = json_object_get(x, "state");
		for (i = 0; i < json_array_size(w); i++)
			printf(" %s", json_string_value(json_array_get(w, i)));
		printf("\n");
	}
}

/**
 * ctl_team_print_show() - "team show" as text
 * @res: the team
 */
void ctl_team_print_show(json_t *res)
{
	static const char *const keys[] = {
	    "name",	   "mode",	    "state",	 "network",
	    "members",	   "primary",	    "failback",	 "probe",
	    "lacp_rate",   "lacp_fallback", "hash",	 "updelay",
	    "downdelay",   "system_mac",    "failovers", "announcements",
	    "macs_behind", "error",	    NULL};
	json_t *members = json_object_get(res, "member_list"), *m, *h;
	size_t i;

	ctl_kv(res, keys);
	if (!json_is_array(members))
		return;
	printf("\n%-15s %-14s %-7s %-4s %12s %12s  %s\n", "MEMBER", "ROLE",
	       "CARRIER", "PATH", "RX_PKTS", "TX_PKTS", "DROPS");
	json_array_foreach(members, i, m)
	{
		json_t *c = json_object_get(m, "counters"), *v;
		const char *key;
		bool any = false;

		printf("%-15s %-14s %-7s %-4s %12lld %12lld ",
		       json_string_value(json_object_get(m, "name")),
		       json_string_value(json_object_get(m, "role")),
		       json_is_true(json_object_get(m, "carrier")) ? "up"
								   : "down",
		       json_is_true(json_object_get(m, "path_ok")) ? "ok" : "-",
		       jint(c, "rx_packets"), jint(c, "tx_packets"));
		json_object_foreach(json_object_get(c, "drops"), key, v)
		{
			if (!json_integer_value(v))
				continue;
			printf(" %s=%lld", key,
			       (long long)json_integer_value(v));
			any = true;
		}
		printf("%s\n", any ? "" : " -");
	}
	json_array_foreach(members, i, m)
	{
		print_lacp(m);
	}
	printf("\nfailover history:\n");
	json_array_foreach(json_object_get(res, "history"), i, h)
	{
		long long ms = jint(h, "time_ms");
		time_t sec = (time_t)(ms / 1000);
		struct tm tm;
		char when[32];

		gmtime_r(&sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		printf("  %s.%03lldZ  %-15s -> %-15s %s\n", when, ms % 1000,
		       json_is_string(json_object_get(h, "from"))
			   ? json_string_value(json_object_get(h, "from"))
			   : "-",
		       json_is_string(json_object_get(h, "to"))
			   ? json_string_value(json_object_get(h, "to"))
			   : "-",
		       json_string_value(json_object_get(h, "reason")));
	}
}
