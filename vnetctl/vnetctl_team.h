/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vnetctl_team.h - the "team" commands, rows of the command table */
#ifndef VNET_VNETCTL_TEAM_H
#define VNET_VNETCTL_TEAM_H

#include "vnetctl.h"

extern const struct ctl_flag ctl_team_create_flags[];
extern const struct ctl_flag ctl_team_set_flags[];
extern const struct ctl_flag ctl_team_no_flags[];
extern const char *const ctl_team_args[];
extern const char *const ctl_team_member_args[];
void ctl_team_print_show(json_t *res);
void ctl_team_print_list(json_t *res);
void ctl_team_print_done(json_t *res);

/* Rows appended to ctl_cmds[] (vnetctl_cmds.c). */
#define CTL_TEAM_CMDS                                                          \
	{"team",                                                               \
	 "create",                                                             \
	 "team.create",                                                        \
	 ctl_team_args,                                                        \
	 ctl_team_create_flags,                                                \
	 "create a team of NICs: --mode MODE --members eth1,eth2",             \
	 ctl_team_print_done,                                                  \
	 NULL,                                                                 \
	 NULL},                                                                \
	    {"team",                                                           \
	     "set",                                                            \
	     "team.set",                                                       \
	     ctl_team_args,                                                    \
	     ctl_team_set_flags,                                               \
	     "change a team while it forwards (members, probing, delays)",     \
	     ctl_team_print_done,                                              \
	     NULL,                                                             \
	     NULL},                                                            \
	    {"team",                                                           \
	     "add-member",                                                     \
	     "team.add-member",                                                \
	     ctl_team_member_args,                                             \
	     ctl_team_no_flags,                                                \
	     "add a member NIC to a team (live)",                              \
	     ctl_team_print_done,                                              \
	     NULL,                                                             \
	     NULL},                                                            \
	    {"team",                                                           \
	     "del-member",                                                     \
	     "team.del-member",                                                \
	     ctl_team_member_args,                                             \
	     ctl_team_no_flags,                                                \
	     "remove a member NIC from a team (live)",                         \
	     ctl_team_print_done,                                              \
	     NULL,                                                             \
	     NULL},                                                            \
	    {"team",                                                           \
	     "delete",                                                         \
	     "team.delete",                                                    \
	     ctl_team_args,                                                    \
	     ctl_team_no_flags,                                                \
	     "delete a team (not while a network uses it)",                    \
	     ctl_team_print_done,                                              \
	     NULL,                                                             \
	     NULL},                                                            \
	    {"team",                                                           \
	     "list",                                                           \
	     "team.list",                                                      \
	     NULL,                                                             \
	     ctl_team_no_flags,                                                \
	     "list teams",                                                     \
	     ctl_team_print_list,                                              \
	     NULL,                                                             \
	     NULL},                                                            \
	{                                                                      \
		"team", "show", "team.show", ctl_team_args, ctl_team_no_flags, \
		    "a team: members, LACP, counters, failover history",       \
		    ctl_team_print_show, NULL, NULL                            \
	}

#endif
