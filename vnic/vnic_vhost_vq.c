// SPDX-License-Identifier: GPL-2.0-or-later
/* vnic_vhost_vq.c - split virtqueues from the device side, with every
 * guest-controlled value checked
 *
 * Ring layout is validated once when the addresses arrive (size, alignment,
 * wholly inside guest memory); every index and descriptor is checked on
 * every use: head and next below the table size, a chain counter bounded by
 * the table size (loops), indirect tables a multiple of 16 bytes inside one
 * region and not nested, directions as the queue requires, a bounded number
 * of segments.  A fault is reported, never clamped, and ends the queue.
 */
#include "vnic_vhost_priv.h"

#include <endian.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif
#include <errno.h>
#include <string.h>
#include <unistd.h>

#define VU_MAX_CHAIN_BYTES (16u << 20)

/* A full barrier (stores before later loads), for the store-load handshake
 * with the driver's notification suppression.  On x86 a locked add to the
 * stack orders the same as mfence at a fraction of its cost, as Linux's
 * smp_mb() and DPDK's rte_smp_mb() do; the value there is left as it was. */
static inline void vu_smp_mb(void)
{
#if defined(__x86_64__)
	__asm__ volatile("lock; addl $0,-128(%%rsp)" ::: "memory", "cc");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

/* Whether the CPU has PREFETCHW (AMD since K8, Intel since Broadwell).
 * Without -mprfchw the compiler turns a prefetch for writing into a read
 * prefetch, which brings a guest buffer's line in shared: the first store
 * into it then waits for the line to be taken from the front end's core. */
static bool vu_have_prefetchw;

static __attribute__((constructor)) void vu_probe_prefetchw(void)
{
#if defined(__x86_64__)
	unsigned a, b, c, d;

	if (__get_cpuid(0x80000001u, &a, &b, &c, &d))
		vu_have_prefetchw = c & bit_PRFCHW;
#endif
}

/* Ask for the cache line at @p in a state ready for stores. */
static inline void vu_prefetch_w(const void *p, bool pw)
{
#if defined(__x86_64__)
	if (pw) {
		__asm__ volatile("prefetchw %0" ::"m"(*(const char *)p));
		return;
	}
#endif
	__builtin_prefetch(p, 1, 3);
}

static const char *const vu_fault_descs[] = {
#define VU_FAULT_DESC(id, desc) desc,
    VU_FAULTS(VU_FAULT_DESC)
#undef VU_FAULT_DESC
};

/**
 * vu_fault_desc() - sentence for a fault
 * @f: fault
 *
 * Return: static string
 */
const char *vu_fault_desc(enum vu_fault f)
{
	return (unsigned)f < sizeof(vu_fault_descs) / sizeof(vu_fault_descs[0])
		   ? vu_fault_descs[f]
		   : "?";
}

static void *ring_map(const struct vu_dev *d, uint64_t uva, uint64_t size,
		      uint64_t align)
{
	uint64_t len = size;
	void *p;

	if (uva & (align - 1))
		return NULL;
	p = guest_mem_uva_to_hva(&d->mem, uva, &len);
	/* A ring must lie wholly inside one region, and be aligned where vnetd
	 * maps it too: a region mapped at an odd file offset moves it. */
	if (!p || len != size || ((uintptr_t)p & (align - 1)))
		return NULL;
	return p;
}

/**
 * vu_vq_translate() - map a queue's rings from the addresses the frontend
 * gave, checking size and alignment
 * @d: device (memory table)
 * @vq: queue with @num and @addr set
 *
 * Return: 0, -EINVAL for a bad size or layout, -EFAULT for rings outside
 * guest memory
 */
int vu_vq_translate(const struct vu_dev *d, struct vu_vq *vq)
{
	uint64_t n = vq->num;

	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
	if (!vq->num_set || !vq->addr_set)
		return -EINVAL;
	if (!n || n > VU_MAX_QUEUE_SIZE || (n & (n - 1)))
		return -EINVAL;
	vq->desc = ring_map(d, vq->addr.desc_user_addr, 16 * n, 16);
	vq->avail = ring_map(d, vq->addr.avail_user_addr, 6 + 2 * n, 2);
	vq->used = ring_map(d, vq->addr.used_user_addr, 6 + 8 * n, 4);
	if (!vq->desc || !vq->avail || !vq->used) {
		vq->desc = NULL;
		vq->avail = NULL;
		vq->used = NULL;
		return -EFAULT;
	}
	return 0;
}

/* ThreadSanitizer sees this process only.  A buffer one datapath thread
 * fills and publishes (used index, release) can come back as another
 * queue's frame, read by another thread after its avail index (acquire):
 * a front end forwarding in place, as testpmd does.  The order between the
 * two is made in the front end, so these annotations tell TSan what the
 * rings guarantee: every publish happens before every later look at an
 * avail index, on any queue.  No code in other builds. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define VU_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) || defined(VU_TSAN)
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
static char vu_guest_order;
#define GUEST_TAKEN()	  __tsan_acquire(&vu_guest_order)
#define GUEST_PUBLISHED() __tsan_release(&vu_guest_order)
#else
#define GUEST_TAKEN()	  ((void)0)
#define GUEST_PUBLISHED() ((void)0)
#endif

static uint16_t avail_idx(const struct vu_vq *vq)
{
	uint16_t idx =
	    le16toh(__atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE));

	GUEST_TAKEN();
	return idx;
}

/**
 * vu_vq_avail_fresh() - buffers available, read from the ring now
 * @vq: ready queue
 *
 * Return: count, or -VU_FAULT_AVAIL_IDX when the index is impossible
 */
int vu_vq_avail_fresh(struct vu_vq *vq)
{
	uint16_t n;

	vq->shadow_avail = avail_idx(vq);
	n = (uint16_t)(vq->shadow_avail - vq->last_avail);
	if (n > vq->num)
		return -VU_FAULT_AVAIL_IDX;
	return n;
}

/**
 * vu_vq_avail() - buffers the driver has made available and we have not
 * taken; the ring's index (a cache line the other side keeps writing) is
 * read only when what was seen last time is used up
 * @vq: ready queue
 *
 * Return: count, or -VU_FAULT_AVAIL_IDX when the index is impossible
 */
int vu_vq_avail(struct vu_vq *vq)
{
	uint16_t n = (uint16_t)(vq->shadow_avail - vq->last_avail);

	if (n && n <= vq->num)
		return n;
	return vu_vq_avail_fresh(vq);
}

/* Walk and map the chain whose head index is @idx (as read from the
 * avail ring, unchecked). */
static inline __attribute__((always_inline)) int
walk_chain(const struct vu_dev *d, const struct vu_vq *vq, uint16_t idx,
	   bool writable, struct vu_iov *iov, unsigned max, unsigned *niov,
	   uint64_t *total, unsigned *hint)
{
	const struct vring_desc_le *table = vq->desc;
	unsigned table_num = vq->num, count = 0, n = 0;
	bool indirect = false;
	uint64_t sum = 0;

	if (idx >= vq->num)
		return -VU_FAULT_HEAD_RANGE;
	for (;;) {
		struct vring_desc_le desc;
		uint16_t flags;
		uint64_t gpa;
		uint32_t len;

		if (++count > table_num)
			return -VU_FAULT_LOOP;
		/* One copy: the guest may change the table under us. */
		memcpy(&desc, &table[idx], sizeof(desc));
		flags = le16toh(desc.flags);
		if (flags & VRING_DESC_F_INDIRECT) {
			uint64_t tlen = le32toh(desc.len);
			uint64_t want = tlen;

			if (indirect || !d->indirect ||
			    (flags & VRING_DESC_F_NEXT) || !tlen || tlen % 16 ||
			    tlen / 16 > VU_MAX_QUEUE_SIZE)
				return -VU_FAULT_INDIRECT;
			table = guest_mem_gpa_to_hva(&d->mem,
						     le64toh(desc.addr), &tlen);
			if (!table || tlen != want)
				return -VU_FAULT_INDIRECT;
			table_num = (unsigned)(want / 16);
			indirect = true;
			count = 0;
			idx = 0;
			continue;
		}
		if (!!(flags & VRING_DESC_F_WRITE) != writable)
			return -VU_FAULT_DIRECTION;
		len = le32toh(desc.len);
		sum += len;
		if (sum > VU_MAX_CHAIN_BYTES)
			return -VU_FAULT_TOO_LONG;
		/* Map the buffer, splitting it at region boundaries. */
		for (gpa = le64toh(desc.addr); len;) {
			uint64_t l = len;
			uint8_t *p =
			    guest_mem_gpa_to_hva_hint(&d->mem, gpa, &l, hint);

			if (!p)
				return -VU_FAULT_BAD_ADDR;
			if (n >= max)
				return -VU_FAULT_TOO_MANY_SEGS;
			iov[n++] = (struct vu_iov){p, (uint32_t)l, gpa};
			gpa += l;
			len -= (uint32_t)l;
		}
		if (!(flags & VRING_DESC_F_NEXT))
			break;
		idx = le16toh(desc.next);
		if (idx >= table_num)
			return -VU_FAULT_NEXT_RANGE;
	}
	*niov = n;
	*total = sum;
	return 1;
}

/**
 * vu_vq_pop() - take the next available chain and map it
 * @d: device
 * @vq: ready queue
 * @writable: the chain must be device-writable (receive) or readable only
 * @iov: filled with the mapped pieces
 * @max: room in @iov (a chain with more pieces is a fault)
 * @niov: set to their count
 * @head: set to the chain's head index (to give back with vu_vq_push())
 * @total: set to the bytes the chain holds
 *
 * Return: 1 for a chain, 0 when none is available, or -fault
 */
int vu_vq_pop(const struct vu_dev *d, struct vu_vq *vq, bool writable,
	      struct vu_iov *iov, unsigned max, unsigned *niov, uint16_t *head,
	      uint64_t *total)
{
	int n = vu_vq_avail(vq);
	int r;

	if (n <= 0)
		return n;
	*head = le16toh(vq->avail->ring[vq->last_avail & (vq->num - 1)]);
	r = walk_chain(d, vq, *head, writable, iov, max, niov, total,
		       &vq->mem_hint);
	if (r == 1)
		vq->last_avail++;
	return r;
}

/* The usual chain, one descriptor whose buffer lies in one region, mapped
 * without the walk: false for anything else (including anything bad),
 * which walk_chain() then reads again, checks and maps on its own. */
static inline bool chain_one(const struct vu_dev *d, const struct vu_vq *vq,
			     uint16_t idx, bool writable, struct vu_iov *iov,
			     unsigned *hint)
{
	struct vring_desc_le desc;
	uint64_t gpa, l;
	uint32_t len;
	unsigned h;
	uint8_t *p;

	if (idx >= vq->num)
		return false;
	/* One copy: the guest may change the table under us. */
	memcpy(&desc, &vq->desc[idx], sizeof(desc));
	if (le16toh(desc.flags) != (writable ? VRING_DESC_F_WRITE : 0))
		return false;
	len = le32toh(desc.len);
	if (!len || len > VU_MAX_CHAIN_BYTES)
		return false;
	gpa = le64toh(desc.addr);
	l = len;
	/* Through a copy: only the rare miss needs the hint in memory. */
	h = *hint;
	p = guest_mem_gpa_to_hva_hint(&d->mem, gpa, &l, &h);
	*hint = h;
	if (!p || l != len)
		return false;
	*iov = (struct vu_iov){p, len, gpa};
	return true;
}

/* walk_chain() out of line, for the chains vu_vq_pop_burst() does not
 * map on its fast path: its loop keeps its registers. */
static __attribute__((noinline)) int
walk_chain_slow(const struct vu_dev *d, const struct vu_vq *vq, uint16_t idx,
		bool writable, struct vu_iov *iov, unsigned max, unsigned *niov,
		uint64_t *total, unsigned *hint)
{
	return walk_chain(d, vq, idx, writable, iov, max, niov, total, hint);
}

/* Start fetching a receive buffer's first lines: the virtio-net header,
 * which is compared before it is written (usually unchanged, so the line
 * can stay shared with the guest's core), and the frame's first line,
 * which will be written: fetched for writing. */
static inline void prefetch_rx_buf(const struct vu_dev *d,
				   const struct vu_iov *io, bool pw)
{
	const uint8_t *b = io->hva;
	uint64_t first = 64u - ((uintptr_t)b & 63u);

	if (first > d->hdr_len || io->len <= first) {
		vu_prefetch_w(b, pw);
	} else {
		__builtin_prefetch(b, 0, 3);
		vu_prefetch_w(b + first, pw);
	}
}

static inline __attribute__((always_inline)) unsigned
pop_burst(const struct vu_dev *d, struct vu_vq *vq, bool writable,
	  struct vu_chain *ch, unsigned max, struct vu_iov *iov,
	  unsigned max_iov, int *fault)
{
	uint16_t heads[VU_BURST_MAX];
	int avail = vu_vq_avail(vq);
	unsigned k, used = 0, mask = vq->num - 1u;
	/* The region of the last buffer, kept in a register for the burst
	 * (only a guess: every translation checks it). */
	unsigned hint = vq->mem_hint;
	bool pw = vu_have_prefetchw;

	*fault = 0;
	if (avail < 0) {
		*fault = avail;
		return 0;
	}
	if ((unsigned)avail < max)
		max = (unsigned)avail;
	if (max > VU_BURST_MAX)
		max = VU_BURST_MAX;
	/* The heads of the burst, each read once, and their descriptors on
	 * their way to the cache before the first walk. */
	for (k = 0; k < max; k++) {
		heads[k] = le16toh(
		    vq->avail->ring[(uint16_t)(vq->last_avail + k) & mask]);
		__builtin_prefetch(&vq->desc[heads[k] & mask]);
	}
	for (k = 0; k < max; k++) {
		unsigned room = max_iov - used, niov = 1;
		uint64_t total;

		if (room &&
		    chain_one(d, vq, heads[k], writable, iov + used, &hint)) {
			total = iov[used].len;
		} else {
			/* Copies: the fast path keeps these in registers. */
			unsigned h = hint, nv;
			uint64_t sum;
			int r = walk_chain_slow(
			    d, vq, heads[k], writable, iov + used,
			    room < VU_MAX_IOV ? room : VU_MAX_IOV, &nv, &sum,
			    &h);

			hint = h;
			if (r == -VU_FAULT_TOO_MANY_SEGS && k)
				break;
			if (r < 0) {
				*fault = r;
				break;
			}
			niov = nv;
			total = sum;
		}
		if (niov && writable)
			prefetch_rx_buf(d, &iov[used], pw);
		else if (niov)
			__builtin_prefetch(iov[used].hva, 0, 3);
		ch[k] = (struct vu_chain){iov + used, niov, heads[k],
					  total > UINT32_MAX ? UINT32_MAX
							     : (uint32_t)total};
		used += niov;
	}
	vq->mem_hint = hint;
	vq->last_avail = (uint16_t)(vq->last_avail + k);
	return k;
}

/**
 * vu_vq_pop_burst() - take up to @max available chains at once: the
 * driver's index is read once, every chain is walked and mapped, and the
 * first cache line of each chain's buffer is prefetched before the caller
 * copies anything
 * @d: device
 * @vq: ready queue
 * @writable: the chains must be device-writable (receive) or readable only
 * @ch: filled with the chains, in ring order
 * @max: room in @ch (at most VU_BURST_MAX are taken)
 * @iov: filled with their mapped pieces (chain k's at @ch[k].iov)
 * @max_iov: room in @iov; one chain may have VU_MAX_IOV pieces at most (more
 * is a fault), and the burst ends early at a chain that does not fit after
 * others (the next call takes it, or faults there on its own)
 * @fault: set to -fault when the chain after the last one taken is bad (the
 * chains taken before it are good), else 0
 *
 * Return: chains taken
 */
unsigned vu_vq_pop_burst(const struct vu_dev *d, struct vu_vq *vq,
			 bool writable, struct vu_chain *ch, unsigned max,
			 struct vu_iov *iov, unsigned max_iov, int *fault)
{
	/* One copy of the loop per direction: the descriptor flags wanted
	 * and the kind of prefetch become constants. */
	if (writable)
		return pop_burst(d, vq, true, ch, max, iov, max_iov, fault);
	return pop_burst(d, vq, false, ch, max, iov, max_iov, fault);
}

/**
 * vu_vq_unpop() - give back the last @n chains taken (not used after all)
 * @vq: queue
 * @n: chains
 */
void vu_vq_unpop(struct vu_vq *vq, uint16_t n)
{
	vq->last_avail = (uint16_t)(vq->last_avail - n);
}

/**
 * vu_log_write() - mark guest pages dirty for live migration
 * @d: device
 * @gpa: first byte written
 * @len: bytes written
 */
void vu_log_write(const struct vu_dev *d, uint64_t gpa, uint64_t len)
{
	uint64_t page, last;

	if (!vu_logging(d) || !d->log || !len)
		return;
	page = gpa / VU_LOG_PAGE;
	last = (gpa + len - 1) / VU_LOG_PAGE;
	for (; page <= last; page++) {
		if (page / 8 >= d->log_size)
			return; /* beyond the log the frontend gave */
		__atomic_fetch_or(&d->log[page / 8],
				  (uint8_t)(1u << (page % 8)),
				  __ATOMIC_RELAXED);
	}
}

/**
 * vu_log_used() - mark bytes of a queue's used ring dirty (live migration)
 * @d: device
 * @vq: queue
 * @off: offset in the used ring
 * @len: bytes
 */
void vu_log_used(const struct vu_dev *d, const struct vu_vq *vq, uint64_t off,
		 uint64_t len)
{
	if (vu_logging(d) && (vq->addr.flags & VHOST_VRING_F_LOG))
		vu_log_write(d, vq->addr.log_guest_addr + off, len);
}

/**
 * vu_vq_flush() - publish the used elements pushed since the last flush
 * @d: device
 * @vq: queue
 *
 * Return: true if anything was published
 */
bool vu_vq_flush(const struct vu_dev *d, struct vu_vq *vq)
{
	if (!vq->pending)
		return false;
	/* Elements and buffer contents before the index (release). */
	GUEST_PUBLISHED();
	__atomic_store_n(&vq->used->idx, htole16(vq->last_used),
			 __ATOMIC_RELEASE);
	vu_log_used(d, vq, 2, 2);
	vq->pending = 0;
	return true;
}

/**
 * vu_vq_notify() - interrupt the guest if it asked for one
 * @d: device
 * @vq: queue whose used index was just published
 */
void vu_vq_notify(const struct vu_dev *d, struct vu_vq *vq)
{
	uint64_t one = 1;
	bool kick;

	/* The used index store must be visible before we read the driver's
	 * suppression state. */
	vu_smp_mb();
	if (d->event_idx) {
		uint16_t event = le16toh(__atomic_load_n(
		    &vq->avail->ring[vq->num], __ATOMIC_RELAXED));

		kick =
		    !vq->signalled_valid ||
		    vring_need_event(event, vq->last_used, vq->signalled_used);
		vq->signalled_used = vq->last_used;
		vq->signalled_valid = true;
	} else {
		kick = !(le16toh(__atomic_load_n(&vq->avail->flags,
						 __ATOMIC_RELAXED)) &
			 VRING_AVAIL_F_NO_INTERRUPT);
	}
	if (kick && vq->call_fd >= 0) {
		if (write(vq->call_fd, &one, sizeof(one)) < 0) {
			/* eventfd full: the guest has a pending interrupt */
		}
		VQ_STAT_ADD(vq->kicks_sent, 1);
	}
}

/**
 * vu_vq_set_notify() - ask the driver for kicks, or tell it not to bother
 * @d: device
 * @vq: queue
 * @want: true to receive kicks for new buffers
 */
void vu_vq_set_notify(const struct vu_dev *d, struct vu_vq *vq, bool want)
{
	if (d->event_idx) {
		uint16_t *avail_event = (uint16_t *)&vq->used->ring[vq->num];

		/* Kick when the index passes what we have taken; or hardly
		 * ever: the driver's index is at least what we took, so an
		 * event one behind it is crossed only by a batch the driver
		 * began publishing before we took its start, or after 65536
		 * more buffers (a kick each, harmless). */
		__atomic_store_n(avail_event,
				 htole16((uint16_t)(vq->last_avail - !want)),
				 __ATOMIC_RELAXED);
		vu_log_used(d, vq, 4 + 8 * (uint64_t)vq->num, 2);
	} else {
		__atomic_store_n(&vq->used->flags,
				 htole16(want ? 0 : VRING_USED_F_NO_NOTIFY),
				 __ATOMIC_RELAXED);
		vu_log_used(d, vq, 0, 2);
	}
	vu_smp_mb();
}
