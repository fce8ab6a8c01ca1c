// SPDX-License-Identifier: GPL-2.0-or-later
/* vnic_uring.c - batched reads and writes on one fd through io_uring
 *
 * A tap moves one frame per read() or write(): a burst of 32 frames costs 32
 * system calls.  Here a burst is one io_uring_enter(): one READV or WRITEV
 * entry per frame, submitted together, waited for together.  Each ring
 * serves one fd and one direction, and one thread at a time (its user
 * serialises).
 *
 * Every operation carries RWF_NOWAIT.  The tap's fd is O_NONBLOCK, but
 * io_uring does not take that as "fail at once" for a file that can be
 * polled: a read of an empty tap would park until a frame came (measured on
 * 6.18: two reads of an empty queue stayed pending, and frames that came
 * later completed them out of order).  With RWF_NOWAIT a read past the
 * queue's end completes with -EAGAIN, a write the device cannot take now
 * with -EAGAIN, both inline: no io-wq worker, no completion arriving after
 * the call, frames read in the order of their entries.
 *
 * Hardening.  io_uring operations are not system calls: the datapath's
 * seccomp filter (lib/seccomp.c) sees only io_uring_enter() and cannot
 * tell a READV from an OPENAT or a CONNECT.  So the ring restricts itself:
 * it is created disabled on the control thread, its one fd is registered,
 * and IORING_REGISTER_RESTRICTIONS then allows one opcode (READV for a
 * receive ring, WRITEV for a transmit ring) on that registered fd only
 * (IOSQE_FIXED_FILE required, no other SQE flag) and no register operation
 * but unregistering that fd, before the ring is enabled.  A compromised
 * datapath thread can use the ring for nothing but the tap it already reads or
 * writes; io_uring_setup and io_uring_register are not on its allow-list, so it
 * cannot make a ring without the restriction either.
 *
 * Where io_uring_setup() fails (kernel.io_uring_disabled, a container's
 * seccomp profile, an old kernel) or the user turned it off (vnetd
 * --no-io-uring, VNETD_IO_URING=0), vnic_uring_open() says so and the
 * caller stays with readv()/writev().
 */
#include "vnic_uring.h"
#include "vnic_uring_priv.h"

#include <errno.h>
#include <liburing.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/log.h"
#include "../lib/util.h"
#include "vnic.h"

#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x00000008
#endif

/* Tries of io_uring_enter() that submit or complete nothing before a ring
 * is given up. */
#define URING_STALLS 8

static atomic_bool uring_off;
static atomic_bool uring_said;

/**
 * vnic_io_uring_allow() - let taps use io_uring, or keep them on readv()
 * and writev()
 * @on: false keeps every tap opened from now on off io_uring
 *
 * The environment variable VNETD_IO_URING=0 turns it off too.
 */
void vnic_io_uring_allow(bool on)
{
	atomic_store(&uring_off, !on);
}

static bool uring_wanted(void)
{
	const char *env = getenv("VNETD_IO_URING");

	if (atomic_load(&uring_off))
		return false;
	return !env || strcmp(env, "0");
}

/* Say once why taps go without io_uring. */
static void uring_fallback(const char *why, int err)
{
	if (atomic_exchange(&uring_said, true))
		return;
	vlog(VNIC, INFO, "taps use readv/writev, one call per frame: %s%s%s",
	     why, err ? ": " : "", err ? strerror(err) : "");
}

static int uring_setup(struct io_uring *ring)
{
	struct io_uring_params p;
	unsigned extra = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN;
	int ret;

	/* The two extras are 5.18 and 5.19; the ring works without them. */
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_R_DISABLED | extra;
	ret = io_uring_queue_init_params(VNIC_URING_MAX, ring, &p);
	if (ret == -EINVAL) {
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_R_DISABLED;
		ret = io_uring_queue_init_params(VNIC_URING_MAX, ring, &p);
	}
	return ret;
}

/* One opcode, on the registered fd only, and of the register operations
 * only the unregistering of that fd (vnic_uring_close()).  Through
 * io_uring_register(): Debian's liburing 2.3 declares
 * io_uring_register_restrictions() and io_uring_enable_rings() but its
 * shared library does not export them. */
static int uring_restrict(struct io_uring *ring, bool write)
{
	struct io_uring_restriction r[4];
	int ret;

	memset(r, 0, sizeof(r));
	r[0].opcode = IORING_RESTRICTION_SQE_OP;
	r[0].sqe_op = write ? IORING_OP_WRITEV : IORING_OP_READV;
	r[1].opcode = IORING_RESTRICTION_SQE_FLAGS_REQUIRED;
	r[1].sqe_flags = IOSQE_FIXED_FILE;
	r[2].opcode = IORING_RESTRICTION_SQE_FLAGS_ALLOWED;
	r[2].sqe_flags = IOSQE_FIXED_FILE;
	r[3].opcode = IORING_RESTRICTION_REGISTER_OP;
	r[3].register_op = IORING_UNREGISTER_FILES;
	ret = io_uring_register(ring->ring_fd, IORING_REGISTER_RESTRICTIONS, r,
				ARRAY_SIZE(r));
	if (ret >= 0)
		ret = io_uring_register(ring->ring_fd,
					IORING_REGISTER_ENABLE_RINGS, NULL, 0);
	return ret < 0 ? ret : 0;
}

/**
 * vnic_uring_open() - a restricted ring for reads or writes on @fd
 * @fd: the file (an O_NONBLOCK tap); the ring keeps its own reference
 * @write: WRITEV entries, else READV
 * @out: the ring
 *
 * Control thread.  When io_uring is turned off or the kernel refuses it,
 * logs the reason once (INFO) and fails; the caller goes on without.
 *
 * Return: 0, -EOPNOTSUPP when turned off, or -errno
 */
int vnic_uring_open(int fd, bool write, struct vnic_uring **out)
{
	struct vnic_uring *u;
	int ret;

	if (!uring_wanted()) {
		uring_fallback("io_uring turned off (--no-io-uring or "
			       "VNETD_IO_URING=0)",
			       0);
		return -EOPNOTSUPP;
	}
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->write = write;
	ret = uring_setup(&u->ring);
	if (ret) {
		uring_fallback("io_uring_setup failed", -ret);
		free(u);
		return ret;
	}
	ret = io_uring_register_files(&u->ring, &fd, 1);
	if (!ret)
		ret = uring_restrict(&u->ring, write);
	if (ret) {
		/* A ring that cannot be restricted is not used. */
		uring_fallback("io_uring ring cannot be restricted", -ret);
		io_uring_queue_exit(&u->ring);
		free(u);
		return ret;
	}
	*out = u;
	return 0;
}

/**
 * vnic_uring_close() - release a ring and its reference to the fd
 * @u: the ring, or NULL
 */
void vnic_uring_close(struct vnic_uring *u)
{
	if (!u)
		return;
	/* The ring lets go of the fd only when the kernel tears it down,
	 * asynchronously, some 20 ms after the close: a tap deleted now
	 * would outlive its port for that long.  Unregistered first, the fd
	 * is released before this returns. */
	if (io_uring_unregister_files(&u->ring))
		vlog(VNIC, WARN, "io_uring: cannot unregister a tap's fd");
	io_uring_queue_exit(&u->ring);
	free(u);
}

/**
 * vnic_uring_usable() - whether @u may still be used
 * @u: the ring, or NULL
 *
 * Return: false for NULL or a ring that failed for good
 */
bool vnic_uring_usable(const struct vnic_uring *u)
{
	return u && !atomic_load(&u->broken);
}

/* Take every completion there is; count those of this call. */
static unsigned uring_reap(struct vnic_uring *u, unsigned n, int *res)
{
	struct io_uring_cqe *cqe;
	unsigned head, seen = 0, mine = 0;

	io_uring_for_each_cqe(&u->ring, head, cqe)
	{
		uint64_t i = io_uring_cqe_get_data64(cqe);

		seen++;
		if (i < n && res[i] == -EINPROGRESS) {
			res[i] = cqe->res;
			mine++;
		}
	}
	io_uring_cq_advance(&u->ring, seen);
	return mine;
}

/**
 * vnic_uring_rw() - read or write @n buffers with one io_uring_enter()
 * @u: a usable ring
 * @iovs: @n iovec arrays, one per read or write
 * @cnts: their lengths
 * @n: 1 to VNIC_URING_MAX
 * @res: @n results, each the bytes moved or -errno (-EAGAIN: queue empty
 *       on read, full on write)
 *
 * Returns only when every entry has completed: the buffers are free again
 * and no completion is left behind for a later call.  The ring's
 * completion queue has twice the entries one call may submit and every call
 * empties it, so it cannot overflow; -EBUSY (overflow backlog) and
 * -EAGAIN (no memory for a request) are retried anyway, a few times.  When
 * io_uring_enter() fails for good, entries it did not take are never
 * submitted: the ring is marked broken, their @res say -EIO and the caller
 * goes on without the ring.  (Its entries in flight, if any, would still
 * write: but with RWF_NOWAIT an entry the kernel took has completed by the
 * time io_uring_enter() returns, so none is.)
 *
 * Return: 0, or -EIO when the ring broke during this call
 */
int vnic_uring_rw(struct vnic_uring *u, const struct iovec *const *iovs,
		  const unsigned *cnts, unsigned n, int *res)
{
	unsigned done = 0, stalls = 0;

	if (atomic_load(&u->broken)) { /* a caller that checked too early */
		for (unsigned i = 0; i < n; i++)
			res[i] = -EIO;
		return -EIO;
	}
	for (unsigned i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

		if (!sqe) { /* cannot happen: the ring is empty between calls */
			res[i] = -ENOBUFS;
			continue;
		}
		if (u->write)
			io_uring_prep_writev(sqe, 0, iovs[i], cnts[i], 0);
		else
			io_uring_prep_readv(sqe, 0, iovs[i], cnts[i], 0);
		sqe->flags = IOSQE_FIXED_FILE;
		sqe->rw_flags = RWF_NOWAIT;
		io_uring_sqe_set_data64(sqe, i);
		res[i] = -EINPROGRESS;
	}
	for (unsigned i = 0; i < n; i++)
		done += res[i] != -EINPROGRESS;
	while (done < n) {
		int r = io_uring_submit_and_wait(&u->ring, n - done);
		unsigned got = uring_reap(u, n, res);

		done += got;
		if (got)
			continue;
		/* No progress: interrupted, no memory, an overflow backlog. */
		if ((r >= 0 || r == -EINTR || r == -EAGAIN || r == -EBUSY) &&
		    ++stalls < URING_STALLS)
			continue;
		atomic_store(&u->broken, true);
		vlog_rl(VNIC, WARN,
			"io_uring_enter: %s; this tap goes on with "
			"readv/writev",
			strerror(r < 0 ? -r : EIO));
		for (unsigned i = 0; i < n; i++)
			if (res[i] == -EINPROGRESS)
				res[i] = -EIO;
		return -EIO;
	}
	return 0;
}
