// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetd_netns.c - namespaces appearing under /run/netns: ports that wait
 * for theirs (a veth port whose namespace was deleted) are opened again
 *
 * One inotify fd on the control thread's epoll set, non-blocking: a file
 * made or moved into /run/netns names a namespace (iproute2 then mounts the
 * namespace on it; the port's retry timer covers the moment in between).
 * Without the directory or inotify, ports fall back to their retry timer.
 */
#include "vnetd.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/log.h"

#define NETNS_DIR "/run/netns"

/**
 * struct vnetd_netns - the watch on /run/netns
 * @h: the control thread's handler
 * @fd: inotify fd
 */
struct vnetd_netns {
	struct vnetd_handler h;
	int fd;
};

static void netns_event(struct vnetd *d, struct vnetd_handler *h,
			uint32_t events)
{
	struct vnetd_netns *w = (struct vnetd_netns *)h;
	char buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (void *)p;

			if ((size_t)(buf + n - p) < sizeof(*ev) ||
			    ev->len > (size_t)(buf + n - p) - sizeof(*ev))
				break;
			if (ev->len && (ev->mask & (IN_CREATE | IN_MOVED_TO)) &&
			    memchr(ev->name, 0, ev->len))
				vnetd_port_netns_event(d, ev->name);
			p += sizeof(*ev) + ev->len;
		}
	}
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		vlog_rl(MAIN, WARN, "namespace watch: %s", strerror(errno));
}

/**
 * vnetd_netns_open() - watch /run/netns for namespaces that appear
 * @d: daemon (its epoll set is ready)
 * @out: the watch, NULL when it cannot be had (ports then rely on their
 *       retry timers)
 */
void vnetd_netns_open(struct vnetd *d, struct vnetd_netns **out)
{
	struct vnetd_netns *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (!w)
		return;
	/* iproute2 makes the directory with the first namespace; made now,
	 * it can be watched before that. */
	(void)mkdir(NETNS_DIR, 0755);
	w->h.fn = netns_event;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0 ||
	    inotify_add_watch(w->fd, NETNS_DIR,
			      IN_CREATE | IN_MOVED_TO | IN_ONLYDIR) < 0 ||
	    vnetd_watch(d, w->fd, EPOLLIN, &w->h)) {
		vlog(MAIN, INFO,
		     "cannot watch %s (%s): ports wait for their namespace "
		     "with timers",
		     NETNS_DIR, strerror(errno));
		if (w->fd >= 0)
			close(w->fd);
		free(w);
		return;
	}
	*out = w;
}

/**
 * vnetd_netns_close() - stop watching; NULL is ignored
 * @d: daemon
 * @w: the watch
 */
void vnetd_netns_close(struct vnetd *d, struct vnetd_netns *w)
{
	if (!w)
		return;
	vnetd_unwatch(d, w->fd);
	close(w->fd);
	free(w);
}
