/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vnetd_caps.h - least privilege: the capabilities vnetd keeps, --user */
#ifndef VNET_VNETD_CAPS_H
#define VNET_VNETD_CAPS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Keep CAP_SYS_ADMIN: setns() into named namespaces (port add --netns). */
#define VNETD_CAPS_NETNS 0x1u

uint64_t vnetd_caps_kept(unsigned flags);
int vnetd_user_lookup(const char *name, uid_t *uid, gid_t *gid);
int vnetd_user_give(const char *path, uid_t uid, gid_t gid, bool own_dir);
int vnetd_caps_drop(uid_t uid, gid_t gid, gid_t sock_gid, unsigned flags);

#endif
