// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetd_sd.c - readiness and shutdown notices to the service manager
 *
 * systemd's Type=notify protocol without libsystemd: one datagram with
 * "READY=1" or "STOPPING=1" sent to the Unix socket named by NOTIFY_SOCKET
 * (a path, or "@name" for the abstract namespace).  Without the variable
 * (vnetd not started by systemd) nothing is sent.
 */
#include "vnetd.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/**
 * vnetd_sd_notify() - tell the service manager about a state change
 * @state: newline-separated assignments ("READY=1", "STOPPING=1")
 *
 * Return: 1 when sent, 0 when there is no service manager to tell, -errno
 */
int vnetd_sd_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t plen;
	socklen_t sl;
	ssize_t n;
	int fd;

	if (!path || !*path)
		return 0;
	plen = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || plen >= sizeof(sa.sun_path))
		return -EINVAL;
	memcpy(sa.sun_path, path, plen);
	if (path[0] == '@')
		sa.sun_path[0] = 0;
	sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		   (struct sockaddr *)&sa, sl);
	close(fd);
	return n < 0 ? -errno : 1;
}
