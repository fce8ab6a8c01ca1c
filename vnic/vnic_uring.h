/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vnic_uring.h - batched reads and writes on one fd through io_uring
 * (private to vnic/)
 */
#ifndef VNET_VNIC_URING_H
#define VNET_VNIC_URING_H

#include <stdbool.h>
#include <sys/uio.h>

/* Operations one vnic_uring_rw() call takes at most. */
#define VNIC_URING_MAX 32

struct vnic_uring;

int vnic_uring_open(int fd, bool write, struct vnic_uring **out)
    __attribute__((warn_unused_result));
void vnic_uring_close(struct vnic_uring *u);
bool vnic_uring_usable(const struct vnic_uring *u);
int vnic_uring_rw(struct vnic_uring *u, const struct iovec *const *iovs,
		  const unsigned *cnts, unsigned n, int *res);

#endif
