// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_vhost_msg.c - libFuzzer target: the vhost-user message handler fed a
 * stream of arbitrary messages over a real socket, with a memfd attached
 * wherever a request carries fds */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
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
	static int memfd = -1;
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
	vnic_vhost_user_adopt(v, sv[1]);
	{ /* a cut-short message must not cost the fuzzer seconds */
		struct timeval tv = {0, 1000};

		setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	while (size - off >= sizeof(struct vhost_user_hdr)) {
		struct vhost_user_hdr h;
		size_t body;
		int fds[VU_MAX_REGIONS], nfds = 0;
		struct msghdr mh = {0};
		struct iovec iov;
		char cbuf[CMSG_SPACE(sizeof(fds))];

		memcpy(&h, data + off, sizeof(h));
		body = h.size < size - off - sizeof(h) ? h.size
						       : size - off - sizeof(h);
		if (h.request == VHOST_USER_SET_MEM_TABLE)
			nfds = body >= 4 ? (data[off + sizeof(h)] % 3) : 1;
		else if (vhost_user_request_fds(h.request) != 0)
			nfds = 1;
		for (int i = 0; i < nfds; i++)
			fds[i] = memfd;
		iov.iov_base = (void *)(data + off);
		iov.iov_len = sizeof(h) + body;
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
		off += sizeof(h) + body;
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
