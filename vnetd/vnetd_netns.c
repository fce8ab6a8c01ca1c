// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetd_netns.c - namespaces appearing under /run/netns: ports that wait
 * for theirs (a veth port whose namespace was deleted) are opened again;
 * and leaving it: tap ports in them close their taps (which hold the
 * namespace) and wait for it
 *
 * One inotify fd on the control thread's epoll set, non-blocking: a file
 * made or moved into /run/netns names a namespace (iproute2 then mounts the
 * namespace on it; the port's retry timer covers the moment in between).
 * When the kernel's event queue overflowed, events were lost: every waiting
 * port is tried.  When the watch goes (the directory removed or moved
 * away; iproute2 makes it again with the next namespace), it is set again,
 * every second while the directory is missing, and every waiting port is
 * tried once it is back.  Without inotify, ports fall back to their retry
 * timers.
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

#define NETNS_DIR	 "/run/netns"
#define NETNS_REWATCH_MS 1000
#define NETNS_MASK                                                            \
	(IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_MOVE_SELF | \
	 IN_ONLYDIR)

/**
 * struct vnetd_netns - the watch on /run/netns
 * @h: the control thread's handler
 * @d: daemon
 * @fd: inotify fd
 * @wd: the watch, -1 while the directory is not watched
 * @dir: the directory watched
 * @rewatch: sets the watch again while the directory is missing
 */
struct vnetd_netns {
	struct vnetd_handler h;
	struct vnetd *d;
	int fd;
	int wd;
	const char *dir;
	struct vtimer rewatch;
};

/* Set the watch again; once set, every waiting port is tried (namespaces
 * may have come while nothing watched).  Missing: again in a second. */
static void netns_rewatch(struct vnetd_netns *w)
{
	w->wd = inotify_add_watch(w->fd, w->dir, NETNS_MASK);
	if (w->wd >= 0) {
		vlog(MAIN, INFO, "watching %s again", w->dir);
		vnetd_port_netns_event(w->d, NULL);
		return;
	}
	if (errno != ENOENT && errno != ENOTDIR)
		vlog_rl(MAIN, WARN, "cannot watch %s: %s; trying again", w->dir,
			strerror(errno));
	if (vtimer_arm(w->d->timers, &w->rewatch, NETNS_REWATCH_MS))
		vlog(MAIN, ERR,
		     "cannot schedule a new watch on %s: ports wait for their "
		     "namespace with timers",
		     w->dir);
}

static void rewatch_fire(struct vtimer *t, void *arg)
{
	netns_rewatch(arg);
}

static void netns_event(struct vnetd *d, struct vnetd_handler *h,
			uint32_t events)
{
	struct vnetd_netns *w = (struct vnetd_netns *)h;
	char buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	bool overflow = false, lost = false;
	ssize_t n;

	while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (void *)p;

			if ((size_t)(buf + n - p) < sizeof(*ev) ||
			    ev->len > (size_t)(buf + n - p) - sizeof(*ev))
				break;
			if (ev->mask & IN_Q_OVERFLOW)
				overflow = true;
			/* Moved away: watch where namespaces are made. */
			if ((ev->mask & IN_MOVE_SELF) && ev->wd == w->wd)
				(void)inotify_rm_watch(w->fd, w->wd);
			if ((ev->mask & IN_IGNORED) && ev->wd == w->wd) {
				w->wd = -1;
				lost = true;
			}
			if (ev->len &&
			    (ev->mask & (IN_DELETE | IN_MOVED_FROM)) &&
			    memchr(ev->name, 0, ev->len))
				vnetd_port_netns_gone(d, ev->name);
			if (ev->len && (ev->mask & (IN_CREATE | IN_MOVED_TO)) &&
			    memchr(ev->name, 0, ev->len))
				vnetd_port_netns_event(d, ev->name);
			p += sizeof(*ev) + ev->len;
		}
	}
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		vlog_rl(MAIN, WARN, "namespace watch: %s", strerror(errno));
	if (overflow) {
		vlog_rl(MAIN, INFO,
			"namespace watch: events lost; trying every port that "
			"waits for its namespace");
		vnetd_port_netns_gone(d, NULL);
		vnetd_port_netns_event(d, NULL);
	}
	if (lost) {
		vlog_rl(MAIN, INFO, "%s is gone: watching for it", w->dir);
		netns_rewatch(w);
	}
}

/**
 * vnetd_netns_open() - watch /run/netns for namespaces that appear
 * @d: daemon (its epoll set is ready)
 * @out: the watch, NULL when it cannot be had (ports then rely on their
 *       retry timers)
 *
 * Tests only: VNETD_NETNS_WATCH_DIR watches another directory (ports still
 * open their namespaces under /run/netns).
 */
void vnetd_netns_open(struct vnetd *d, struct vnetd_netns **out)
{
	struct vnetd_netns *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (!w)
		return;
	w->dir = getenv("VNETD_NETNS_WATCH_DIR");
	if (!w->dir || !*w->dir)
		w->dir = NETNS_DIR;
	/* iproute2 makes the directory with the first namespace; made now,
	 * it can be watched before that. */
	(void)mkdir(w->dir, 0755);
	w->h.fn = netns_event;
	w->d = d;
	vtimer_init(&w->rewatch, rewatch_fire, w);
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0 ||
	    (w->wd = inotify_add_watch(w->fd, w->dir, NETNS_MASK)) < 0 ||
	    vnetd_watch(d, w->fd, EPOLLIN, &w->h)) {
		vlog(MAIN, INFO,
		     "cannot watch %s (%s): ports wait for their namespace "
		     "with timers",
		     w->dir, strerror(errno));
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
	vtimer_cancel(d->timers, &w->rewatch);
	vnetd_unwatch(d, w->fd);
	close(w->fd);
	free(w);
}
