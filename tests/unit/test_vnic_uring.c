// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vnic_uring.c - batched reads and writes through io_uring on a
 * message socket (one read or write per message, like a tap): several reads
 * in one call take the queued messages in order and end with -EAGAIN past
 * the queue's end, never waiting; writes past a full queue fail with
 * -EAGAIN; every call leaves nothing behind for the next; the rings refuse
 * every register operation once enabled (their restriction is in force);
 * turning io_uring off makes vnic_uring_open() refuse.  Skipped where the
 * kernel refuses io_uring. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <dirent.h>
#include <liburing.h>

#include "../../vnic/vnic.h"
#include "../../vnic/vnic_uring.h"
#include "../../vnic/vnic_uring_priv.h"

struct pair {
	int fd[2];
	struct vnic_uring *rx, *tx;
};

static int setup(void **state)
{
	static struct pair p;
	int ret;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, p.fd))
		return -1;
	vnic_io_uring_allow(true);
	ret = vnic_uring_open(p.fd[0], false, &p.rx);
	if (!ret)
		ret = vnic_uring_open(p.fd[1], true, &p.tx);
	if (ret) {
		vnic_uring_close(p.rx);
		p.rx = NULL;
		p.tx = NULL;
	}
	*state = &p;
	return 0;
}

static int teardown(void **state)
{
	struct pair *p = *state;

	vnic_uring_close(p->rx);
	vnic_uring_close(p->tx);
	close(p->fd[0]);
	close(p->fd[1]);
	return 0;
}

#define NEED_RING(p)                                                  \
	do {                                                          \
		if (!(p)->rx) {                                       \
			print_message("io_uring refused: skipped\n"); \
			skip();                                       \
		}                                                     \
	} while (0)

/* n iovecs of one buffer each, bytes set to the message's index. */
static void fill(struct iovec *iov, const struct iovec **iovs, unsigned *cnt,
		 uint8_t (*buf)[64], unsigned n, size_t len, bool mark)
{
	for (unsigned i = 0; i < n; i++) {
		if (mark)
			memset(buf[i], (int)(0x40 + i), len);
		iov[i] = (struct iovec){buf[i], len};
		iovs[i] = &iov[i];
		cnt[i] = 1;
	}
}

/* Three messages written in one call, read by five reads in one call: the
 * three in order, then -EAGAIN twice at once (the socket is empty). */
static void test_burst_in_order(void **state)
{
	struct pair *p = *state;
	struct iovec iov[VNIC_URING_MAX];
	const struct iovec *iovs[VNIC_URING_MAX];
	unsigned cnt[VNIC_URING_MAX];
	uint8_t buf[VNIC_URING_MAX][64];
	int res[VNIC_URING_MAX];

	NEED_RING(p);
	fill(iov, iovs, cnt, buf, 3, 10 + 1, true);
	iov[1].iov_len = 20;
	assert_int_equal(vnic_uring_rw(p->tx, iovs, cnt, 3, res), 0);
	assert_int_equal(res[0], 11);
	assert_int_equal(res[1], 20);
	assert_int_equal(res[2], 11);

	memset(buf, 0, sizeof(buf));
	fill(iov, iovs, cnt, buf, 5, 64, false);
	assert_int_equal(vnic_uring_rw(p->rx, iovs, cnt, 5, res), 0);
	assert_int_equal(res[0], 11);
	assert_int_equal(res[1], 20);
	assert_int_equal(res[2], 11);
	assert_int_equal(res[3], -EAGAIN);
	assert_int_equal(res[4], -EAGAIN);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(buf[i][0], 0x40 + i);
	assert_true(vnic_uring_usable(p->rx));
}

/* Writes past what the socket takes fail with -EAGAIN, not wait; after
 * the reader drains it, the ring writes again (nothing was left queued). */
static void test_full_queue(void **state)
{
	struct pair *p = *state;
	struct iovec iov[VNIC_URING_MAX];
	const struct iovec *iovs[VNIC_URING_MAX];
	unsigned cnt[VNIC_URING_MAX], ok = 0, full = 0;
	uint8_t buf[VNIC_URING_MAX][64];
	int res[VNIC_URING_MAX], small = 4096;
	char sink[64];

	NEED_RING(p);
	assert_int_equal(
	    setsockopt(p->fd[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)),
	    0);
	fill(iov, iovs, cnt, buf, VNIC_URING_MAX, 64, true);
	for (int round = 0; round < 64 && !full; round++) {
		assert_int_equal(
		    vnic_uring_rw(p->tx, iovs, cnt, VNIC_URING_MAX, res), 0);
		for (unsigned i = 0; i < VNIC_URING_MAX; i++) {
			if (res[i] == 64)
				ok++;
			else {
				assert_int_equal(res[i], -EAGAIN);
				full++;
			}
		}
	}
	assert_true(full > 0);
	assert_true(ok > 0);
	for (unsigned i = 0; i < ok; i++)
		assert_int_equal(read(p->fd[0], sink, sizeof(sink)), 64);
	assert_int_equal(read(p->fd[0], sink, sizeof(sink)), -1);
	assert_int_equal(vnic_uring_rw(p->tx, iovs, cnt, 1, res), 0);
	assert_int_equal(res[0], 64);
	assert_int_equal(read(p->fd[0], sink, sizeof(sink)), 64);
}

/* The peer gone: reads see end of file (0), writes -EPIPE; no hang. */
static void test_peer_gone(void **state)
{
	struct pair *p = *state;
	struct iovec iov[2];
	const struct iovec *iovs[2];
	unsigned cnt[2];
	uint8_t buf[2][64];
	int res[2], sp[2];
	struct vnic_uring *tx;

	NEED_RING(p);
	signal(SIGPIPE, SIG_IGN); /* a socket's write sends it; a tap's not */
	assert_int_equal(
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sp), 0);
	assert_int_equal(vnic_uring_open(sp[1], true, &tx), 0);
	close(sp[0]);
	fill(iov, iovs, cnt, buf, 2, 64, true);
	assert_int_equal(vnic_uring_rw(tx, iovs, cnt, 2, res), 0);
	assert_int_equal(res[0], -EPIPE);
	assert_int_equal(res[1], -EPIPE);
	vnic_uring_close(tx);
	close(sp[1]);
}

/* Every io_uring fd of this process (the two rings of the fixture) refuses
 * a register operation that an unrestricted ring takes. */
static void test_restricted(void **state)
{
	struct pair *p = *state;
	struct io_uring_probe *probe;
	struct dirent *e;
	unsigned rings = 0;
	DIR *d;

	NEED_RING(p);
	probe = calloc(1, sizeof(*probe) + 256 * sizeof(probe->ops[0]));
	d = opendir("/proc/self/fd");
	assert_non_null(probe);
	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[300], link[64];
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len < 0)
			continue;
		link[len] = 0;
		if (strcmp(link, "anon_inode:[io_uring]"))
			continue;
		rings++;
		assert_int_equal(io_uring_register(atoi(e->d_name),
						   IORING_REGISTER_PROBE, probe,
						   256),
				 -EACCES);
	}
	closedir(d);
	free(probe);
	assert_int_equal(rings, 2);
}

enum forbidden { F_NOP, F_READV, F_WRITEV, F_READV_RAW, F_OPENAT };

/* Submit one operation on @u's ring the way a compromised datapath thread
 * could (the ring is in its memory); return its completion's result. */
static int try_op(struct vnic_uring *u, enum forbidden what, int raw_fd)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
	static char buf[64];
	struct iovec iov = {buf, sizeof(buf)};
	struct io_uring_cqe *cqe;
	int res;

	assert_non_null(sqe);
	switch (what) {
	case F_NOP:
		io_uring_prep_nop(sqe);
		break;
	case F_READV:
		io_uring_prep_readv(sqe, 0, &iov, 1, 0);
		sqe->flags = IOSQE_FIXED_FILE;
		break;
	case F_WRITEV:
		io_uring_prep_writev(sqe, 0, &iov, 1, 0);
		sqe->flags = IOSQE_FIXED_FILE;
		break;
	case F_READV_RAW: /* the right opcode, but a plain fd */
		io_uring_prep_readv(sqe, raw_fd, &iov, 1, 0);
		break;
	case F_OPENAT:
		io_uring_prep_openat(sqe, AT_FDCWD, "/etc/hostname", O_RDONLY,
				     0);
		break;
	}
	sqe->rw_flags |= RWF_NOWAIT;
	assert_int_equal(io_uring_submit_and_wait(&u->ring, 1), 1);
	assert_int_equal(io_uring_peek_cqe(&u->ring, &cqe), 0);
	res = cqe->res;
	io_uring_cqe_seen(&u->ring, cqe);
	return res;
}

/* What the restriction forbids, tried on the rings themselves: other
 * opcodes, the other direction, a file that is not the registered one.
 * Each completes with -EACCES; the rings still work afterwards. */
static void test_forbidden_ops(void **state)
{
	struct pair *p = *state;
	struct iovec iov[2];
	const struct iovec *iovs[2];
	unsigned cnt[2];
	uint8_t buf[2][64];
	int res[2];

	NEED_RING(p);
	assert_int_equal(try_op(p->rx, F_NOP, -1), -EACCES);
	assert_int_equal(try_op(p->rx, F_WRITEV, -1), -EACCES);
	assert_int_equal(try_op(p->rx, F_READV_RAW, p->fd[0]), -EACCES);
	assert_int_equal(try_op(p->rx, F_OPENAT, -1), -EACCES);
	assert_int_equal(try_op(p->tx, F_READV, -1), -EACCES);
	assert_int_equal(try_op(p->tx, F_NOP, -1), -EACCES);
	assert_int_equal(try_op(p->tx, F_OPENAT, -1), -EACCES);
	/* and the allowed one still goes */
	fill(iov, iovs, cnt, buf, 1, 16, true);
	assert_int_equal(vnic_uring_rw(p->tx, iovs, cnt, 1, res), 0);
	assert_int_equal(res[0], 16);
	fill(iov, iovs, cnt, buf, 2, 64, false);
	assert_int_equal(vnic_uring_rw(p->rx, iovs, cnt, 2, res), 0);
	assert_int_equal(res[0], 16);
	assert_int_equal(res[1], -EAGAIN);
}

/* Turned off, no ring is made; NULL is never usable. */
static void test_turned_off(void **state)
{
	struct vnic_uring *u = NULL;
	int fd = open("/dev/null", O_RDWR);

	(void)state;
	assert_true(fd >= 0);
	assert_false(vnic_uring_usable(NULL));
	vnic_io_uring_allow(false);
	assert_int_equal(vnic_uring_open(fd, false, &u), -EOPNOTSUPP);
	assert_null(u);
	vnic_io_uring_allow(true);
	setenv("VNETD_IO_URING", "0", 1);
	assert_int_equal(vnic_uring_open(fd, false, &u), -EOPNOTSUPP);
	unsetenv("VNETD_IO_URING");
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_burst_in_order, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_full_queue, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_peer_gone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_restricted, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_forbidden_ops, setup,
					    teardown),
	    cmocka_unit_test(test_turned_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
