/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vnic_uring_priv.h - a ring's insides, for vnic_uring.c and the unit test
 * that submits forbidden operations to it */
#ifndef VNIC_URING_PRIV_H
#define VNIC_URING_PRIV_H

#include <liburing.h>
#include <stdbool.h>

/**
 * struct vnic_uring - one ring, one fd, one direction
 * @ring: liburing's state
 * @write: WRITEV entries (else READV)
 * @broken: an io_uring_enter() failed for good; the ring is not used again
 *          (entries it did not take are still in its submission queue:
 *          another call would submit them, with buffers long gone).  Read
 *          by threads that do not hold the ring.
 */
struct vnic_uring {
	struct io_uring ring;
	bool write;
	_Atomic bool broken;
};

#endif
