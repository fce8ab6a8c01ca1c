// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_vhost_msg.c - libFuzzer target: the vhost-user message reader and
 * handler fed a stream of arbitrary messages over a real socket, each sent
 * in one or two pieces (bits 16-23 of the flags word choose where it is
 * cut, so partial messages are read too), with a memfd attached to memory
 * and log requests and an eventfd to the vring fd requests */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "lib/log.h"
#include "vnic/vnic.h"
#include "vnic/vnic_vhost_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int memfd = -1, evfd = -1;
	char path[64], err[256];
	struct vnic_params p = {
	    .kind = "vhost-user", .name = "fz", .mtu = 1500};
	struct vnic *v;
	int sv[2];
	size_t off = 0;

	if (memfd < 0) {
		for (int m = 0; m < LOG_MOD_MAX; m++)
			log_set_level((enum log_module)m, LOG_LVL_ERR);
		memfd = memfd_create("fz", 0);
		evfd = eventfd(0, EFD_NONBLOCK);
		if (ftruncate(memfd, 1 << 20))
			return 0;
	}
	snprintf(path, sizeof(path), "/tmp/vnet-fuzz-%d.sock", (int)getpid());
	p.path = path;
	if (vnic_open(&p, &v, err, sizeof(err)))
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
		vnic_close(v);
		return 0;
	}
	vnic_vhost_user_adopt(v, sv[1]); /* read without blocking */
	while (size - off >= sizeof(struct vhost_user_hdr)) {
		struct vhost_user_hdr h;
		size_t body;
		int fds[VU_MAX_REGIONS], nfds = 0;
		struct msghdr mh = {0};
		struct iovec iov;
		char cbuf[CMSG_SPACE(sizeof(fds))];
		size_t len, cut;
		int fd;

		memcpy(&h, data + off, sizeof(h));
		fd = vhost_user_request_fds(h.request) == -1 ? evfd : memfd;
		body = h.size < size - off - sizeof(h) ? h.size
						       : size - off - sizeof(h);
		if (h.request == VHOST_USER_SET_MEM_TABLE)
			nfds = body >= 4 ? (data[off + sizeof(h)] % 3) : 1;
		else if (vhost_user_request_fds(h.request) != 0)
			nfds = 1;
		for (int i = 0; i < nfds; i++)
			fds[i] = fd;
		len = sizeof(h) + body;
		cut = ((h.flags >> 16) & 0xff) % len; /* 0: in one piece */
		iov.iov_base = (void *)(data + off);
		iov.iov_len = cut ? cut : len;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		if (nfds) {
			struct cmsghdr *c;

			mh.msg_control = cbuf;
			mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
			memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
		}
		if (sendmsg(sv[0], &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			break;
		if (cut) {
			vnic_ctl_event(v); /* reads the first piece only */
			if (send(sv[0], data + off + cut, len - cut,
				 MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
				break;
		}
		off += len;
		vnic_ctl_event(v);
		{ /* drain replies so the socket never fills */
			char junk[8192];

			while (recv(sv[0], junk, sizeof(junk), MSG_DONTWAIT) >
			       0)
				;
		}
	}
	shutdown(sv[0], SHUT_WR);
	vnic_ctl_event(v);
	close(sv[0]);
	vnic_close(v);
	return 0;
}
