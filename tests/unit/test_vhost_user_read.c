// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vhost_user_read.c - the non-blocking vhost-user message reader: a
 * message in pieces, sizes refused before the payload, fds only with the
 * header, a peer that leaves mid-message, replies that do not fit */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmm-glue/vhost_user.h"

/* One step: send these bytes (and an fd, or several), then read once and
 * expect this result. */
struct step {
	size_t off, len; /* bytes of the case's message */
	int nfds;	 /* eventfds sent with them */
	int want;	 /* vhost_user_read() result */
};

struct read_case {
	const char *name;
	struct vhost_user_hdr hdr;
	struct step steps[6];
	bool close_after; /* the peer closes after the last step */
	const char *err;  /* expected in the error sentence */
};

static const struct read_case cases[] = {
    {"whole", {VHOST_USER_SET_FEATURES, 1, 8}, {{0, 20, 0, 1}}, false, NULL},
    {"header and payload in pieces",
     {VHOST_USER_SET_VRING_ADDR, 1, 40},
     {{0, 1, 0, 0},
      {1, 10, 0, 0},
      {11, 1, 0, 0},
      {12, 39, 0, 0},
      {51, 1, 0, 1}},
     false,
     NULL},
    {"fds with the header",
     {VHOST_USER_SET_VRING_KICK, 1, 8},
     {{0, 5, 1, 0}, {5, 15, 0, 1}},
     false,
     NULL},
    {"payload over the request's maximum",
     {VHOST_USER_SET_VRING_NUM, 1, 100},
     {{0, 12, 0, -EMSGSIZE}},
     false,
     "SET_VRING_NUM with a 100-byte payload (at most 8)"},
    {"unknown request",
     {77, 1, 0},
     {{0, 12, 0, -EOPNOTSUPP}},
     false,
     "unsupported request 77"},
    {"fds after the header",
     {VHOST_USER_SET_VRING_CALL, 1, 8},
     {{0, 12, 0, 0}, {12, 8, 1, -EBADMSG}},
     false,
     "1 fds came after the header of SET_VRING_CALL"},
    {"too many fds",
     {VHOST_USER_SET_MEM_TABLE, 1, 8},
     {{0, 20, VU_MAX_FDS + 1, -EBADMSG}},
     false,
     "more than 8 fds"},
    {"gone mid-header",
     {VHOST_USER_SET_FEATURES, 1, 8},
     {{0, 5, 0, 0}},
     true,
     "closed the connection after 5 of the 12 header"},
    {"gone mid-payload",
     {VHOST_USER_SET_VRING_ADDR, 1, 40},
     {{0, 20, 1, 0}},
     true,
     "closed the connection after 20 of 52 bytes of SET_VRING_ADDR"},
    {"gone between messages",
     {VHOST_USER_SET_FEATURES, 1, 8},
     {{0, 20, 0, 1}},
     true,
     "closed the connection"},
};

static void send_piece(int s, const uint8_t *b, size_t len, int nfds)
{
	char cbuf[CMSG_SPACE((VU_MAX_FDS + 1) * sizeof(int))] = {0};
	struct iovec iov = {(void *)b, len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	int fds[VU_MAX_FDS + 1];

	if (nfds) {
		struct cmsghdr *c;

		for (int i = 0; i < nfds; i++)
			fds[i] = eventfd(0, 0);
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	assert_int_equal(sendmsg(s, &mh, 0), (ssize_t)len);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
}

static void test_read_cases(void **state)
{
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct read_case *c = &cases[k];
		struct vhost_user_reader rd = {.got = 0};
		uint8_t msg[12 + 64] = {0};
		char err[160] = "";
		int sv[2], ret = 0;

		print_message("case: %s\n", c->name);
		memcpy(msg, &c->hdr, sizeof(c->hdr));
		for (size_t i = 12; i < sizeof(msg); i++)
			msg[i] = (uint8_t)i;
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		for (const struct step *s = c->steps; s->len; s++) {
			send_piece(sv[0], msg + s->off, s->len, s->nfds);
			ret = vhost_user_read(sv[1], &rd, err, sizeof(err));
			assert_int_equal(ret, s->want);
			if (ret < 0) {
				/* reset: no fd left behind */
				assert_int_equal(rd.got, 0);
				assert_int_equal(rd.msg.nfds, 0);
			}
		}
		if (ret == 1) {
			assert_int_equal(rd.got, 12 + c->hdr.size);
			assert_memory_equal(rd.msg.payload.raw, msg + 12,
					    c->hdr.size);
			assert_int_equal(rd.msg.nfds, c->steps[0].nfds);
			vhost_user_reader_reset(&rd);
		}
		if (c->close_after) {
			close(sv[0]);
			sv[0] = -1;
			ret = vhost_user_read(sv[1], &rd, err, sizeof(err));
			assert_true(ret == -EPIPE || ret == -ECONNRESET);
		}
		if (c->err)
			assert_non_null(strstr(err, c->err));
		if (sv[0] >= 0)
			close(sv[0]);
		close(sv[1]);
	}
}

/* Two messages in one send: the reader stops at the first one's end, so the
 * second's bytes stay in the socket for the next read. */
static void test_read_stops_at_message_end(void **state)
{
	struct vhost_user_reader rd = {.got = 0};
	struct vhost_user_hdr h[2] = {{VHOST_USER_SET_OWNER, 1, 0},
				      {VHOST_USER_GET_FEATURES, 1, 0}};
	char err[160];
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(send(sv[0], h, sizeof(h), 0), (ssize_t)sizeof(h));
	assert_int_equal(vhost_user_read(sv[1], &rd, err, sizeof(err)), 1);
	assert_int_equal(rd.msg.hdr.request, VHOST_USER_SET_OWNER);
	vhost_user_reader_reset(&rd);
	assert_int_equal(vhost_user_read(sv[1], &rd, err, sizeof(err)), 1);
	assert_int_equal(rd.msg.hdr.request, VHOST_USER_GET_FEATURES);
	vhost_user_reader_reset(&rd);
	assert_int_equal(vhost_user_read(sv[1], &rd, err, sizeof(err)), 0);
	close(sv[0]);
	close(sv[1]);
}

/* A peer that does not read: sending fails at once with -EAGAIN. */
static void test_send_never_waits(void **state)
{
	struct vhost_user_msg m = {.hdr = {VHOST_USER_GET_FEATURES, 5, 8}};
	int sv[2], ret = 0, sent = 0;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	while (!(ret = vhost_user_send(sv[0], &m, NULL, 0)))
		sent++;
	assert_int_equal(ret, -EAGAIN);
	assert_true(sent > 100);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_cases),
	    cmocka_unit_test(test_read_stops_at_message_end),
	    cmocka_unit_test(test_send_never_waits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
