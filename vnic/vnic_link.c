// SPDX-License-Identifier: GPL-2.0-or-later
/* vnic_link.c - link and address control over rtnetlink (libnl-route-3)
 *
 * All device set-up vnetd does (links up, MTU, MAC, host vNIC addresses,
 * namespaces) goes through here; vnetd never runs ip(8) or any other command.
 * The monitor turns RTM_NEWLINK/RTM_DELLINK events into callbacks so the
 * switch can mark ports up or down.
 */
#include "vnic.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/log.h"
#include "../lib/util.h"

/* A link in vnetd's namespace, as the monitor last heard of it. */
struct vnic_known_link {
	int ifindex;
	char name[IFNAMSIZ];
};

struct vnic_monitor {
	struct nl_sock *sk;
	vnic_link_cb cb;
	void *arg;
	/* Every link in the namespace, by ifindex (sorted): after lost
	 * events, the links gone since are those missing from a dump. */
	struct vnic_known_link *known;
	size_t n_known, cap_known;
	uint64_t resyncs;
};

static int nl_to_errno(int nlerr)
{
	switch (-nlerr) {
	case NLE_EXIST:
		return -EEXIST;
	case NLE_NODEV:
	case NLE_OBJ_NOTFOUND:
		return -ENODEV;
	case NLE_PERM:
		return -EPERM;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_RANGE:
		return -ERANGE;
	default:
		return -EIO;
	}
}

/* One rtnetlink socket for the calls the control thread makes, kept open
 * for vnetd's life instead of one per call.  A netlink socket belongs to the
 * namespace it was opened in, so a call made while the thread is inside
 * another namespace (a tap created with --netns) or from another thread gets
 * a socket of its own for that call. */
static struct nl_sock *nl_cached;
static ino_t nl_cached_ns;
static pthread_t nl_cached_owner;

static ino_t netns_ino(void)
{
	struct stat st;

	return stat("/proc/thread-self/ns/net", &st) ? 0 : st.st_ino;
}

static struct nl_sock *nl_connect_new(void)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (!sk)
		return NULL;
	if (nl_connect(sk, NETLINK_ROUTE)) {
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

static struct nl_sock *nl_open(void)
{
	ino_t ns = netns_ino();

	if (nl_cached && ns && ns == nl_cached_ns &&
	    pthread_equal(pthread_self(), nl_cached_owner))
		return nl_cached;
	if (!nl_cached && ns) {
		nl_cached = nl_connect_new();
		nl_cached_ns = ns;
		nl_cached_owner = pthread_self();
		return nl_cached;
	}
	return nl_connect_new();
}

/* Give back a socket from nl_open(): only per-call sockets are freed. */
static void nl_release(struct nl_sock *sk)
{
	if (sk && sk != nl_cached)
		nl_socket_free(sk);
}

/**
 * vnic_link_close() - close the long-lived rtnetlink socket (at shutdown)
 */
void vnic_link_close(void)
{
	if (nl_cached)
		nl_socket_free(nl_cached);
	nl_cached = NULL;
}

/**
 * vnic_link_ifindex() - index of a device in the calling thread's namespace
 * @ifname: device name
 *
 * Return: index, or -ENODEV
 */
int vnic_link_ifindex(const char *ifname)
{
	struct nl_sock *sk = nl_open();
	struct rtnl_link *link = NULL;
	int ret;

	if (!sk)
		return -ENOMEM;
	ret = rtnl_link_get_kernel(sk, 0, ifname, &link);
	if (ret)
		ret = nl_to_errno(ret);
	else
		ret = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	nl_release(sk);
	return ret;
}

/**
 * vnic_link_set() - set a device's admin state, MTU and MAC in one request
 * @ifname: device
 * @up: 1 up, 0 down, -1 unchanged
 * @mtu: new MTU, 0 unchanged
 * @mac: new MAC, NULL unchanged
 *
 * Return: 0 or -errno
 */
int vnic_link_set(const char *ifname, int up, unsigned mtu, const uint8_t *mac)
{
	struct nl_sock *sk = nl_open();
	struct rtnl_link *link = NULL, *chg = NULL;
	struct nl_addr *addr = NULL;
	int ret;

	if (!sk)
		return -ENOMEM;
	ret = rtnl_link_get_kernel(sk, 0, ifname, &link);
	if (ret)
		goto out;
	chg = rtnl_link_alloc();
	if (!chg) {
		ret = -NLE_NOMEM;
		goto out;
	}
	if (up == 1)
		rtnl_link_set_flags(chg, IFF_UP);
	else if (up == 0)
		rtnl_link_unset_flags(chg, IFF_UP);
	if (mtu)
		rtnl_link_set_mtu(chg, mtu);
	if (mac) {
		addr = nl_addr_build(AF_LLC, mac, 6);
		if (!addr) {
			ret = -NLE_NOMEM;
			goto out;
		}
		rtnl_link_set_addr(chg, addr);
	}
	ret = rtnl_link_change(sk, link, chg, 0);
out:
	nl_addr_put(addr);
	rtnl_link_put(chg);
	rtnl_link_put(link);
	nl_release(sk);
	return ret ? nl_to_errno(ret) : 0;
}

/**
 * vnic_link_get_mac() - a device's MAC address
 * @ifname: device in the calling thread's namespace
 * @mac: result
 *
 * Return: 0 or -errno
 */
int vnic_link_get_mac(const char *ifname, uint8_t mac[6])
{
	struct nl_sock *sk = nl_open();
	struct rtnl_link *link = NULL;
	struct nl_addr *a;
	int ret;

	if (!sk)
		return -ENOMEM;
	ret = rtnl_link_get_kernel(sk, 0, ifname, &link);
	if (!ret) {
		a = rtnl_link_get_addr(link);
		if (a && nl_addr_get_len(a) == 6)
			memcpy(mac, nl_addr_get_binary_addr(a), 6);
		else
			ret = -NLE_NOADDR;
	}
	rtnl_link_put(link);
	nl_release(sk);
	return ret ? nl_to_errno(ret) : 0;
}

/**
 * vnic_link_state() - admin and carrier state of a device
 * @ifname: device
 * @up: set to IFF_UP
 * @running: set to IFF_RUNNING
 *
 * Return: 0 or -errno
 */
int vnic_link_state(const char *ifname, bool *up, bool *running)
{
	struct nl_sock *sk = nl_open();
	struct rtnl_link *link = NULL;
	int ret;

	if (!sk)
		return -ENOMEM;
	ret = rtnl_link_get_kernel(sk, 0, ifname, &link);
	if (!ret) {
		unsigned flags = rtnl_link_get_flags(link);

		*up = flags & IFF_UP;
		*running = flags & IFF_RUNNING;
	}
	rtnl_link_put(link);
	nl_release(sk);
	return ret ? nl_to_errno(ret) : 0;
}

static int addr_change(const char *ifname, const char *cidr, bool add)
{
	struct nl_sock *sk;
	struct rtnl_addr *a = NULL;
	struct nl_addr *local = NULL;
	int ifindex, ret;

	if (nl_addr_parse(cidr, AF_UNSPEC, &local) ||
	    (nl_addr_get_family(local) != AF_INET &&
	     nl_addr_get_family(local) != AF_INET6) ||
	    !strchr(cidr, '/')) {
		nl_addr_put(local);
		return -EINVAL;
	}
	ifindex = vnic_link_ifindex(ifname);
	if (ifindex < 0) {
		nl_addr_put(local);
		return ifindex;
	}
	sk = nl_open();
	a = rtnl_addr_alloc();
	if (!sk || !a) {
		ret = -ENOMEM;
		goto out;
	}
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_local(a, local);
	rtnl_addr_set_prefixlen(a, (int)nl_addr_get_prefixlen(local));
	ret = add ? rtnl_addr_add(sk, a, 0) : rtnl_addr_delete(sk, a, 0);
	ret = ret ? nl_to_errno(ret) : 0;
	if ((add && ret == -EEXIST) || (!add && ret == -EADDRNOTAVAIL))
		ret = 0;
out:
	rtnl_addr_put(a);
	nl_addr_put(local);
	nl_release(sk);
	return ret;
}

/**
 * vnic_link_addr_add() - add an address to a device
 * @ifname: device
 * @cidr: "10.0.0.1/24" or "fd00::1/64"; an address already there is fine
 *
 * Return: 0, -EINVAL for a bad address, or -errno
 */
int vnic_link_addr_add(const char *ifname, const char *cidr)
{
	return addr_change(ifname, cidr, true);
}

/**
 * vnic_link_addr_del() - remove an address from a device
 * @ifname: device
 * @cidr: "10.0.0.1/24" or "fd00::1/64"; an address not there is fine
 *
 * Return: 0, -EINVAL for a bad address, or -errno
 */
int vnic_link_addr_del(const char *ifname, const char *cidr)
{
	return addr_change(ifname, cidr, false);
}

/**
 * vnic_link_delete() - delete a device vnetd made (a tap whose port is gone)
 * @ifname: device
 * @netns: namespace it lives in, NULL for vnetd's own
 *
 * Return: 0 (also when it is gone already) or -errno
 */
int vnic_link_delete(const char *ifname, const char *netns)
{
	struct rtnl_link *link = NULL;
	struct nl_sock *sk;
	int saved = -1, ret;

	if (netns && (ret = vnic_netns_enter(netns, &saved)))
		return ret == -ENOENT ? 0 : ret;
	sk = nl_open();
	if (!sk) {
		vnic_netns_leave(saved);
		return -ENOMEM;
	}
	ret = rtnl_link_get_kernel(sk, 0, ifname, &link);
	if (!ret)
		ret = rtnl_link_delete(sk, link);
	ret = ret ? nl_to_errno(ret) : 0;
	rtnl_link_put(link);
	nl_release(sk);
	vnic_netns_leave(saved);
	return ret == -ENODEV ? 0 : ret;
}

/**
 * vnic_link_exists() - whether a device exists
 * @ifname: device
 * @netns: namespace to look in, NULL for vnetd's own
 *
 * Return: 1, 0 (no such device or namespace) or -errno
 */
int vnic_link_exists(const char *ifname, const char *netns)
{
	int saved = -1, ret;

	if (netns && (ret = vnic_netns_enter(netns, &saved)))
		return ret == -ENOENT ? 0 : ret;
	ret = vnic_link_ifindex(ifname);
	vnic_netns_leave(saved);
	return ret > 0 ? 1 : ret == -ENODEV ? 0 : ret;
}

/**
 * vnic_link_mac_in() - a device's MAC, in a namespace
 * @ifname: device
 * @netns: namespace it lives in, NULL for vnetd's own
 * @mac: result
 *
 * Return: 0 or -errno
 */
int vnic_link_mac_in(const char *ifname, const char *netns, uint8_t mac[6])
{
	int saved = -1, ret;

	if (netns && (ret = vnic_netns_enter(netns, &saved)))
		return ret;
	ret = vnic_link_get_mac(ifname, mac);
	vnic_netns_leave(saved);
	return ret;
}

/**
 * vnic_link_veth_host_name() - the name of a veth port's end in vnetd's
 * namespace
 * @name: the end in the port's namespace (the port's device)
 * @out: result, "vh-NAME", or for a NAME too long for that "vh" and eight
 *       hex digits of a hash of NAME (stable across restarts)
 */
void vnic_link_veth_host_name(const char *name, char out[VNIC_IFNAMSIZ])
{
	uint32_t h = 2166136261u;

	if (strlen(name) + 3 < VNIC_IFNAMSIZ) {
		snprintf(out, VNIC_IFNAMSIZ, "vh-%s", name);
		return;
	}
	for (const char *c = name; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	snprintf(out, VNIC_IFNAMSIZ, "vh%08x", h);
}

/* What a device in the calling thread's namespace is, as far as a veth
 * port cares: its index, whether it is a veth, its peer's index (in the
 * peer's namespace) and its ifalias. */
struct veth_info {
	int ifindex;
	int peer;
	bool veth;
	char alias[VNIC_VETH_MARKSIZ];
};

static int veth_info_get(const char *name, struct veth_info *vi)
{
	struct nl_sock *sk = nl_open();
	struct rtnl_link *link = NULL;
	const char *type, *alias;
	int ret;

	memset(vi, 0, sizeof(*vi));
	if (!sk)
		return -ENOMEM;
	ret = rtnl_link_get_kernel(sk, 0, name, &link);
	nl_release(sk);
	if (ret)
		return nl_to_errno(ret);
	type = rtnl_link_get_type(link);
	alias = rtnl_link_get_ifalias(link);
	vi->ifindex = rtnl_link_get_ifindex(link);
	vi->veth = type && !strcmp(type, "veth");
	vi->peer = rtnl_link_get_link(link);
	snprintf(vi->alias, sizeof(vi->alias), "%s", alias ? alias : "");
	rtnl_link_put(link);
	return 0;
}

/* Whether veth @h is the other end of @peer in @netns: each names the
 * other as its peer. */
static bool veth_pair_proven(const struct veth_info *h, const char *peer,
			     const char *netns)
{
	struct veth_info p;
	int saved = -1;
	bool ok;

	if (vnic_netns_enter(netns, &saved))
		return false;
	ok = !veth_info_get(peer, &p) && p.veth && p.peer == h->ifindex &&
	     h->peer == p.ifindex;
	vnic_netns_leave(saved);
	return ok;
}

/* Whose device @host is.  Return: 0 this port's pair, whole (@peer in
 * @netns; marked @mark, or unmarked, made by a vnetd before marks); 1 a
 * pair marked @mark whose other end is not @peer in @netns (left from a
 * namespace that went); -EEXIST another device, or a veth vnetd did not
 * make for this port; -ENODEV none; -errno.  *@ifindex: its index. */
static int veth_owner(const char *host, const char *peer, const char *netns,
		      const char *mark, int *ifindex)
{
	struct veth_info h;
	int ret = veth_info_get(host, &h);

	*ifindex = h.ifindex;
	if (ret)
		return ret;
	if (!h.veth)
		return -EEXIST;
	if (veth_pair_proven(&h, peer, netns))
		return 0;
	return strcmp(h.alias, mark) ? -EEXIST : 1;
}

/* Give device @ifindex the ifalias @alias. */
static int link_set_alias(int ifindex, const char *alias)
{
	struct rtnl_link *link = rtnl_link_alloc(), *chg = rtnl_link_alloc();
	struct nl_sock *sk = nl_open();
	int ret = -NLE_NOMEM;

	if (link && chg && sk) {
		rtnl_link_set_ifindex(link, ifindex);
		rtnl_link_set_ifalias(chg, alias);
		ret = rtnl_link_change(sk, link, chg, 0);
	}
	rtnl_link_put(chg);
	rtnl_link_put(link);
	nl_release(sk);
	return ret ? nl_to_errno(ret) : 0;
}

/**
 * vnic_link_delete_ifindex() - delete a device by its index
 * @ifindex: device in the calling thread's namespace
 *
 * By index, not name: another device may have taken the name since.
 *
 * Return: 0 (also when it is gone already) or -errno
 */
int vnic_link_delete_ifindex(int ifindex)
{
	struct rtnl_link *link = rtnl_link_alloc();
	struct nl_sock *sk = nl_open();
	int ret = -NLE_NOMEM;

	if (link && sk) {
		rtnl_link_set_ifindex(link, ifindex);
		ret = rtnl_link_delete(sk, link);
	}
	rtnl_link_put(link);
	nl_release(sk);
	ret = ret ? nl_to_errno(ret) : 0;
	return ret == -ENODEV ? 0 : ret;
}

static int veth_create(const char *host, const char *peer, int ns_fd,
		       const uint8_t *mac, unsigned mtu)
{
	struct rtnl_link *link = rtnl_link_veth_alloc(), *p = NULL;
	struct nl_addr *addr = NULL;
	struct nl_sock *sk = nl_open();
	int ret = -NLE_NOMEM;

	if (!link || !sk)
		goto out;
	p = rtnl_link_veth_get_peer(link);
	if (!p)
		goto out;
	rtnl_link_set_name(link, host);
	rtnl_link_set_name(p, peer);
	if (mtu) {
		rtnl_link_set_mtu(link, mtu);
		rtnl_link_set_mtu(p, mtu);
	}
	if (mac) {
		addr = nl_addr_build(AF_LLC, mac, 6);
		if (!addr)
			goto out;
		rtnl_link_set_addr(p, addr);
	}
	rtnl_link_set_ns_fd(p, ns_fd);
	ret = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
out:
	nl_addr_put(addr);
	rtnl_link_put(p);
	rtnl_link_veth_release(link);
	nl_release(sk);
	return ret ? nl_to_errno(ret) : 0;
}

/**
 * vnic_link_veth_mark() - the ifalias vnetd gives the host end of a veth
 * port's pair: "vnet:PORT"
 * @port: the port's name
 * @out: result
 */
void vnic_link_veth_mark(const char *port, char out[VNIC_VETH_MARKSIZ])
{
	snprintf(out, VNIC_VETH_MARKSIZ, "vnet:%s", port);
}

/**
 * vnic_link_veth_delete() - delete a veth port's pair by its host end
 * @host: the end in vnetd's namespace
 * @peer: the end in @netns
 * @netns: name under /run/netns
 * @mark: the ifalias vnetd gave @host (vnic_link_veth_mark())
 *
 * Only this port's pair goes: @host marked @mark, or (made by a vnetd
 * before marks) the other end of @peer in @netns.  Any other device named
 * @host is left alone.
 *
 * Return: 0 (also when there is none), -EEXIST for a device left alone,
 * or -errno
 */
int vnic_link_veth_delete(const char *host, const char *peer, const char *netns,
			  const char *mark)
{
	int ifindex, ret = veth_owner(host, peer, netns, mark, &ifindex);

	if (ret == -ENODEV)
		return 0;
	return ret < 0 ? ret : vnic_link_delete_ifindex(ifindex);
}

/**
 * vnic_link_veth_mtu() - set a veth pair's MTU on both ends (and both up)
 * @host: the end in vnetd's namespace
 * @peer: the end in @netns
 * @netns: name under /run/netns
 * @mtu: the MTU, 0 to leave it
 *
 * Return: 0 or -errno
 */
int vnic_link_veth_mtu(const char *host, const char *peer, const char *netns,
		       unsigned mtu)
{
	int saved = -1, ret = vnic_netns_enter(netns, &saved);

	if (!ret) {
		ret = vnic_link_set(peer, 1, mtu, NULL);
		vnic_netns_leave(saved);
	}
	return ret ? ret : vnic_link_set(host, 1, mtu, NULL);
}

/*
 * The end of a veth pair that stays in vnetd's namespace is a switch port,
 * not a host interface: no IPv6 on it.  With IPv6 on, the host's stack
 * took what the guest sent on it as if on a link of the host's own: a
 * router advertisement from the guest gave the host an address and a
 * default route through the guest; and the end's own link-local address,
 * router solicitations and MLD reports reached the guest past the switch.
 * A kernel without IPv6 has nothing to turn off.
 */
static void veth_host_no_ipv6(const char *host)
{
	char path[96];
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 host);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return;
	if (fd < 0 || write(fd, "1", 1) != 1)
		vlog_rl(NETLINK, WARN,
			"%s: cannot turn IPv6 off on it (%s): its guest's "
			"router advertisements reach the host's stack",
			host, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/**
 * vnic_link_veth_add() - make a veth pair with one end in a namespace
 * @host: the end that stays in vnetd's namespace
 * @peer: the end moved into @netns, set up there
 * @netns: name under /run/netns
 * @mark: ifalias that marks @host as this port's (vnic_link_veth_mark())
 * @mac: MAC for @peer, NULL for the kernel's random one
 * @mtu: MTU of both ends, 0 for the default
 *
 * Nothing is touched unless @netns exists.  This port's pair, left by an
 * earlier vnetd (@host the other end of @peer in @netns), is taken as it
 * is, marked, its MTU set; a pair marked @mark whose other end is not
 * there (its namespace went and came back) is replaced.  Any other device
 * named @host, a veth another tool made too, is never touched.
 *
 * Return: 0 or -errno (-ENOENT: no @netns; -EEXIST: @host is a device
 * that is not this port's, or @peer is another device in @netns)
 */
int vnic_link_veth_add(const char *host, const char *peer, const char *netns,
		       const char *mark, const uint8_t *mac, unsigned mtu)
{
	char path[128];
	int fd, saved = -1, ifindex, ret;

	if (!name_valid(netns))
		return -EINVAL;
	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = veth_owner(host, peer, netns, mark, &ifindex);
	if (!ret) {
		close(fd);
		veth_host_no_ipv6(host);
		ret = link_set_alias(ifindex, mark);
		return ret ? ret : vnic_link_veth_mtu(host, peer, netns, mtu);
	}
	if (ret == 1)
		ret = vnic_link_delete_ifindex(ifindex);
	else if (ret == -ENODEV)
		ret = 0;
	if (!ret)
		ret = veth_create(host, peer, fd, mac, mtu);
	close(fd);
	if (ret)
		return ret;
	ifindex = vnic_link_ifindex(host);
	ret = ifindex > 0 ? link_set_alias(ifindex, mark) : -ENODEV;
	if (!ret) {
		veth_host_no_ipv6(host); /* before it is up */
		ret = vnic_netns_enter(netns, &saved);
	}
	if (!ret) {
		ret = vnic_link_set(peer, 1, 0, NULL);
		vnic_netns_leave(saved);
	}
	if (!ret)
		ret = vnic_link_set(host, 1, 0, NULL);
	if (ret && ifindex > 0)
		(void)vnic_link_delete_ifindex(ifindex);
	return ret;
}

/**
 * vnic_netns_enter() - move the calling thread into a named network namespace
 * @netns: name under /run/netns
 * @saved_fd: set to an fd of the namespace to return to
 *
 * Return: 0 or -errno
 */
int vnic_netns_enter(const char *netns, int *saved_fd)
{
	char path[128];
	int fd, self, ret;

	if (!name_valid(netns))
		return -EINVAL;
	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	if (setns(fd, CLONE_NEWNET)) {
		ret = -errno;
		close(fd);
		close(self);
		return ret;
	}
	close(fd);
	*saved_fd = self;
	return 0;
}

/**
 * vnic_netns_leave() - return to the namespace saved by vnic_netns_enter()
 * @saved_fd: the saved fd; closed
 */
void vnic_netns_leave(int saved_fd)
{
	if (saved_fd < 0)
		return;
	if (setns(saved_fd, CLONE_NEWNET))
		vlog(NETLINK, ERR, "cannot return to vnetd's namespace: %s",
		     strerror(errno));
	close(saved_fd);
}

/* The link monitor's receive queue: 4 MB, some 4000 link messages. */
#define VNIC_MONITOR_RCVBUF (4 << 20)

static size_t known_find(const struct vnic_monitor *m, int ifindex, bool *hit)
{
	size_t lo = 0, hi = m->n_known;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->known[mid].ifindex < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	*hit = lo < m->n_known && m->known[lo].ifindex == ifindex;
	return lo;
}

/* Record that @ifindex exists (@name) or is gone (@name NULL).  Return:
 * false when memory ran out (the set is then incomplete: a later resync
 * may miss a deletion, and says so). */
static bool known_set(struct vnic_monitor *m, int ifindex, const char *name)
{
	bool hit;
	size_t i = known_find(m, ifindex, &hit);

	if (!name) {
		if (hit) {
			memmove(&m->known[i], &m->known[i + 1],
				(m->n_known - i - 1) * sizeof(*m->known));
			m->n_known--;
		}
		return true;
	}
	if (!hit) {
		if (m->n_known == m->cap_known) {
			size_t cap = m->cap_known ? m->cap_known * 2 : 64;
			struct vnic_known_link *k =
			    realloc(m->known, cap * sizeof(*k));

			if (!k)
				return false;
			m->known = k;
			m->cap_known = cap;
		}
		memmove(&m->known[i + 1], &m->known[i],
			(m->n_known - i) * sizeof(*m->known));
		m->n_known++;
		m->known[i].ifindex = ifindex;
	}
	snprintf(m->known[i].name, sizeof(m->known[i].name), "%s", name);
	return true;
}

static void link_event_of(struct rtnl_link *link, bool deleted,
			  struct vnic_link_event *ev)
{
	unsigned flags = rtnl_link_get_flags(link);

	ev->ifindex = rtnl_link_get_ifindex(link);
	ev->name = rtnl_link_get_name(link);
	ev->deleted = deleted;
	ev->up = flags & IFF_UP;
	ev->running = flags & IFF_RUNNING;
}

static void monitor_obj(struct nl_object *obj, void *arg)
{
	struct vnic_monitor *m = arg;
	struct vnic_link_event ev;

	if (strcmp(nl_object_get_type(obj), "route/link"))
		return;
	link_event_of((struct rtnl_link *)obj,
		      nl_object_get_msgtype(obj) == RTM_DELLINK, &ev);
	if (!known_set(m, ev.ifindex, ev.deleted ? NULL : ev.name))
		vlog_rl(NETLINK, WARN, "link monitor: out of memory");
	m->cb(&ev, m->arg);
}

static int monitor_msg(struct nl_msg *msg, void *arg)
{
	nl_msg_parse(msg, monitor_obj, arg);
	return NL_OK;
}

/* Dump the namespace's links.  Return: cache (nl_cache_free() it), or NULL
 * with the reason logged. */
static struct nl_cache *links_dump(void)
{
	struct nl_sock *sk = nl_open();
	struct nl_cache *cache = NULL;
	int ret;

	if (!sk) {
		vlog_rl(NETLINK, ERR, "link monitor: no netlink socket");
		return NULL;
	}
	ret = rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache);
	nl_release(sk);
	if (ret < 0) {
		vlog_rl(NETLINK, ERR, "link monitor: cannot list links: %s",
			nl_geterror(ret));
		return NULL;
	}
	return cache;
}

/*
 * Events were lost (the queue overflowed): what is queued is older than
 * the loss and is dropped unread; a dump then gives every link as it is
 * now, delivered as events, and every link the monitor knew of that the
 * dump lacks is delivered as deleted.  Listeners thus end where they
 * would have ended had nothing been lost (a link that came and went in
 * between is never seen; it was never anyone's).
 */
static void monitor_resync(struct vnic_monitor *m)
{
	struct vnic_known_link *old = m->known;
	size_t n_old = m->n_known;
	struct nl_cache *cache;
	struct nl_object *o;
	char buf[4096];
	bool oom = false;

	while (recv(nl_socket_get_fd(m->sk), buf, sizeof(buf), MSG_DONTWAIT) >=
	       0) {
		/* stale: the dump below supersedes it */
	}
	cache = links_dump();
	if (!cache)
		return; /* the known set stays; the next overflow tries again */
	m->resyncs++;
	m->known = NULL;
	m->n_known = m->cap_known = 0;
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct vnic_link_event ev;

		link_event_of((struct rtnl_link *)o, false, &ev);
		oom |= !known_set(m, ev.ifindex, ev.name);
		m->cb(&ev, m->arg);
	}
	nl_cache_free(cache);
	for (size_t i = 0; i < n_old; i++) {
		struct vnic_link_event ev = {.ifindex = old[i].ifindex,
					     .name = old[i].name,
					     .deleted = true};
		bool hit;

		known_find(m, ev.ifindex, &hit);
		if (!hit && !oom)
			m->cb(&ev, m->arg);
	}
	free(old);
	if (oom)
		vlog_rl(NETLINK, WARN,
			"link monitor: out of memory during a resync: "
			"deleted links may go unnoticed");
	vlog(NETLINK, INFO,
	     "link monitor: events were lost; %zu links checked again",
	     m->n_known);
}

/**
 * vnic_monitor_open() - subscribe to link events
 * @cb: called for each event from vnic_monitor_run()
 * @arg: passed to @cb
 * @rcvbuf: bytes of queue for events not yet read (0: 4 MB)
 *
 * The links present now are recorded (no events for them), so that after
 * an overflow of the queue the ones deleted meanwhile can still be told.
 *
 * Return: monitor, or NULL on failure
 */
struct vnic_monitor *vnic_monitor_open(vnic_link_cb cb, void *arg,
				       unsigned rcvbuf)
{
	struct vnic_monitor *m = calloc(1, sizeof(*m));
	struct nl_cache *cache;
	int size = rcvbuf ? (int)rcvbuf : VNIC_MONITOR_RCVBUF;

	if (!m)
		return NULL;
	m->cb = cb;
	m->arg = arg;
	m->sk = nl_socket_alloc();
	if (!m->sk)
		goto err;
	nl_socket_disable_seq_check(m->sk);
	nl_socket_modify_cb(m->sk, NL_CB_VALID, NL_CB_CUSTOM, monitor_msg, m);
	if (nl_connect(m->sk, NETLINK_ROUTE) ||
	    nl_socket_add_membership(m->sk, RTNLGRP_LINK) ||
	    nl_socket_set_nonblocking(m->sk))
		goto err;
	/* Room for a burst of link events (a network deleted with many
	 * ports, other software adding and removing devices): an overflowed
	 * queue loses events, and costs a resync.  Beyond rmem_max with
	 * CAP_NET_ADMIN. */
	if (setsockopt(nl_socket_get_fd(m->sk), SOL_SOCKET, SO_RCVBUFFORCE,
		       &size, sizeof(size)))
		(void)nl_socket_set_buffer_size(m->sk, size, 0);
	/* Subscribed first: a link made between the dump and now is in
	 * both, which known_set() takes twice without harm. */
	cache = links_dump();
	if (!cache)
		goto err;
	for (struct nl_object *o = nl_cache_get_first(cache); o;
	     o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;

		if (!known_set(m, rtnl_link_get_ifindex(l),
			       rtnl_link_get_name(l))) {
			nl_cache_free(cache);
			goto err;
		}
	}
	nl_cache_free(cache);
	return m;
err:
	vnic_monitor_close(m);
	return NULL;
}

/**
 * vnic_monitor_fd() - fd that becomes readable when events are pending
 * @m: monitor
 *
 * Return: fd
 */
int vnic_monitor_fd(const struct vnic_monitor *m)
{
	return nl_socket_get_fd(m->sk);
}

/**
 * vnic_monitor_run() - deliver pending events
 * @m: monitor
 */
void vnic_monitor_run(struct vnic_monitor *m)
{
	int ret = nl_recvmsgs_default(m->sk);

	/* libnl reports the kernel's ENOBUFS (the queue overflowed) as
	 * NLE_NOMEM. */
	if (ret == -NLE_NOMEM) {
		vlog_rl(NETLINK, WARN,
			"link monitor: events lost (receive queue overflow)");
		monitor_resync(m);
	} else if (ret < 0 && ret != -NLE_AGAIN)
		vlog_rl(NETLINK, WARN, "link monitor: %s", nl_geterror(ret));
}

/**
 * vnic_monitor_resyncs() - how often events were lost and links checked
 * again
 * @m: monitor
 *
 * Return: count
 */
uint64_t vnic_monitor_resyncs(const struct vnic_monitor *m)
{
	return m->resyncs;
}

/**
 * vnic_monitor_close() - stop listening; NULL is ignored
 * @m: monitor
 */
void vnic_monitor_close(struct vnic_monitor *m)
{
	if (!m)
		return;
	if (m->sk)
		nl_socket_free(m->sk);
	free(m->known);
	free(m);
}
