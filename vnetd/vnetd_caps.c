// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetd_caps.c - least privilege: the capabilities vnetd keeps, --user
 *
 * vnetd starts as root, opens its pid file, log and state file, and then,
 * before any other thread exists, calls vnetd_caps_drop(): it keeps only
 * the capabilities that port set-up needs at run time (docs/security.md
 * says why each one), removes every other one from the bounding set, sets
 * no_new_privs and, with --user, becomes that user while keeping those
 * capabilities (PR_SET_KEEPCAPS, then setgroups/setgid/setuid, then
 * capset).  Datapath threads then start from this reduced set and drop
 * even that (lib/seccomp.c).
 *
 * The raw capget/capset calls are used so vnetd needs no libcap.
 */
#include "vnetd_caps.h"

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../lib/log.h"
#include "../lib/util.h"

#define CAP_BIT(c) (1ull << (c))

/* The capabilities vnetd keeps after start-up, and why. */
static const struct {
	int cap;
	const char *name;
	unsigned need; /* VNETD_CAPS_* flag it depends on, 0 = always */
} kept[] = {
    /* TUNSETIFF on /dev/net/tun, links up/down, MTU, addresses, deleting
     * taps, all over rtnetlink. */
    {CAP_NET_ADMIN, "net_admin", 0},
    /* AF_PACKET sockets of uplinks (afpacket and pcap backends). */
    {CAP_NET_RAW, "net_raw", 0},
    /* setns(CLONE_NEWNET) into /run/netns/NAME to make a tap there. */
    {CAP_SYS_ADMIN, "sys_admin", VNETD_CAPS_NETNS},
    /* Loading the veth fast path's BPF programs and maps (bpf(2)); the
     * TC attachment itself is under CAP_NET_ADMIN. */
    {CAP_BPF, "bpf", 0},
};

/**
 * vnetd_caps_kept() - the capabilities vnetd keeps after start-up
 * @flags: VNETD_CAPS_* options
 *
 * Return: a mask of CAP_BIT(CAP_*)
 */
uint64_t vnetd_caps_kept(unsigned flags)
{
	uint64_t m = 0;

	for (size_t i = 0; i < ARRAY_SIZE(kept); i++)
		if (!kept[i].need || (flags & kept[i].need))
			m |= CAP_BIT(kept[i].cap);
	return m;
}

/**
 * vnetd_user_lookup() - find the user vnetd is to run as
 * @name: user name, or a numeric uid that has a passwd entry
 * @uid: set to its uid
 * @gid: set to its primary group
 *
 * Return: 0, -ENOENT (no such user) or -EINVAL (root: --user is for
 * running as someone else)
 */
int vnetd_user_lookup(const char *name, uid_t *uid, gid_t *gid)
{
	struct passwd pw, *res = NULL;
	unsigned long v;
	char buf[4096];

	if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) || !res) {
		if (parse_uint(name, 0, (uid_t)-2, &v) ||
		    getpwuid_r((uid_t)v, &pw, buf, sizeof(buf), &res) || !res)
			return -ENOENT;
	}
	if (res->pw_uid == 0)
		return -EINVAL;
	*uid = res->pw_uid;
	*gid = res->pw_gid;
	return 0;
}

/* May @uid (primary group @gid) create and remove files in @st's dir? */
static bool dir_writable_by(const struct stat *st, uid_t uid, gid_t gid)
{
	mode_t need = S_IWOTH | S_IXOTH;

	if (st->st_uid == uid)
		need = S_IWUSR | S_IXUSR;
	else if (st->st_gid == gid)
		need = S_IWGRP | S_IXGRP;
	return (st->st_mode & need) == need;
}

/**
 * vnetd_user_give() - make a file vnetd keeps usable by the --user account
 * @path: state file, pid file or control socket path (before or after it
 *        exists); the state file's SQLite companions (-wal, -shm, -journal)
 *        go along
 * @uid: the user
 * @gid: its group
 * @own_dir: the directory is vnetd's own (/var/lib/vnet, /run/vnet): give
 *           it to the user; otherwise it must already be writable by them
 *
 * Call as root, before vnetd_caps_drop().  Symbolic links are never
 * followed when changing owners.
 *
 * Return: 0, -EACCES (the user could not create files next to @path; logged
 * with the fix), or -errno
 */
int vnetd_user_give(const char *path, uid_t uid, gid_t gid, bool own_dir)
{
	static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
	char dir[4096], f[4096];
	const char *slash = strrchr(path, '/');
	struct stat st;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (lstat(dir, &st))
		return -errno;
	if (own_dir && S_ISDIR(st.st_mode) && strcmp(dir, "/") &&
	    chown(dir, uid, gid))
		return -errno;
	if (!own_dir && !dir_writable_by(&st, uid, gid)) {
		vlog(MAIN, ERR,
		     "%s: not writable by uid %u; vnetd --user needs to create "
		     "and remove files there (chown or chmod it)",
		     dir, (unsigned)uid);
		return -EACCES;
	}
	for (size_t i = 0; i < ARRAY_SIZE(sfx); i++) {
		snprintf(f, sizeof(f), "%s%s", path, sfx[i]);
		if (lstat(f, &st) || S_ISLNK(st.st_mode))
			continue;
		if (lchown(f, uid, gid))
			return -errno;
	}
	return 0;
}

static int caps_get(uint64_t *permitted)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	*permitted = d[0].permitted | (uint64_t)d[1].permitted << 32;
	return 0;
}

static int caps_set(uint64_t m)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	d[0].permitted = d[0].effective = (uint32_t)m;
	d[1].permitted = d[1].effective = (uint32_t)(m >> 32);
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

/* Are the supplementary groups exactly @want (@n of them) already? */
static bool groups_are(const gid_t *want, int n)
{
	gid_t cur[64];
	int m = getgroups(ARRAY_SIZE(cur), cur);

	if (m != n)
		return false;
	for (int i = 0; i < n; i++) {
		bool found = false;

		for (int k = 0; k < m; k++)
			found |= cur[k] == want[i];
		if (!found)
			return false;
	}
	return true;
}

/* Number of threads in this process: credentials are per thread. */
static int thread_count(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static int cap_last(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int last = CAP_LAST_CAP;

	if (f) {
		if (fscanf(f, "%d", &last) != 1)
			last = CAP_LAST_CAP;
		fclose(f);
	}
	return last < 63 ? last : 63;
}

/**
 * vnetd_caps_drop() - keep only the capabilities port set-up needs
 * @uid: user to become, or (uid_t)-1 to stay root
 * @gid: that user's group (ignored when staying root)
 * @sock_gid: the control socket's group (--group), or (gid_t)-1: made the
 *            only supplementary group, so that vnetd may give its socket to
 *            it without CAP_CHOWN
 * @flags: VNETD_CAPS_* options
 *
 * Call in the main thread after the pid file, log and state file are open
 * and before any other thread starts (credentials are per thread; glibc
 * would have to change them in every thread).  Afterwards the process holds
 * exactly vnetd_caps_kept(@flags) in its effective, permitted and bounding
 * sets, nothing inheritable or ambient, and no_new_privs is set.
 *
 * Return: 0, -EBUSY (threads are running already), or -errno; logged
 */
int vnetd_caps_drop(uid_t uid, gid_t gid, gid_t sock_gid, unsigned flags)
{
	bool become = uid != (uid_t)-1 && uid != 0;
	uint64_t keep = vnetd_caps_kept(flags), have = 0;
	int last = cap_last(), ret, n = thread_count();
	const char *step;
	char names[128] = "";
	gid_t groups[1];
	int ngroups = 0;

	if (n != 1) {
		vlog(MAIN, ERR,
		     "capabilities must be dropped before threads "
		     "start (%d running)",
		     n);
		return -EBUSY;
	}
	step = "capget";
	ret = caps_get(&have);
	if (ret)
		goto err;
	keep &= have;
	step = "keepcaps";
	if (become && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
		goto err_errno;
	/* Under a service manager that set them already (SupplementaryGroups=)
	 * and took CAP_SETGID away, there is nothing to change. */
	step = "setgroups";
	if (sock_gid != (gid_t)-1 && (!become || sock_gid != gid))
		groups[ngroups++] = sock_gid;
	if (!groups_are(groups, ngroups) && setgroups(ngroups, groups))
		goto err_errno;
	/* Needs CAP_SETPCAP, which goes last. */
	step = "bounding set";
	for (int c = 0; (have & CAP_BIT(CAP_SETPCAP)) && c <= last; c++)
		if (!(keep & CAP_BIT(c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0))
			goto err_errno;
	step = "setgid/setuid";
	if (become && (setresgid(gid, gid, gid) || setresuid(uid, uid, uid)))
		goto err_errno;
	step = "capset";
	ret = caps_set(keep);
	if (ret)
		goto err;
	step = "ambient set";
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) &&
	    errno != EINVAL)
		goto err_errno;
	step = "no_new_privs";
	if ((become && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0)) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		goto err_errno;
	/* Belt and braces: there is no way back. */
	step = "check";
	if (become && (setuid(0) == 0 || seteuid(0) == 0)) {
		ret = -EPERM;
		goto err;
	}
	for (size_t i = 0; i < ARRAY_SIZE(kept); i++)
		if (keep & CAP_BIT(kept[i].cap))
			snprintf(names + strlen(names),
				 sizeof(names) - strlen(names), "%s%s",
				 names[0] ? "," : "", kept[i].name);
	vlog(MAIN, INFO, "running as uid %u gid %u with capabilities %s",
	     (unsigned)getuid(), (unsigned)getgid(),
	     names[0] ? names : "(none)");
	return 0;

err_errno:
	ret = -errno;
err:
	vlog(MAIN, ERR, "dropping privileges: %s: %s", step, strerror(-ret));
	return ret;
}
