// SPDX-License-Identifier: GPL-2.0-or-later
/* pkt.c - the preallocated packet pool, checksums, egress tag handling */
#include "pkt.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

/**
 * struct pkt_pool - fixed set of packet buffers, owned by one thread
 * @count: buffers in the pool
 * @top: number of free buffers on @free
 * @free: stack of free packets
 * @pkts: descriptors
 * @mem: buffer memory, @count * PKT_BUF_SIZE bytes
 * @big_top: number of free super-frame buffers on @big_free
 * @big_free: stack of free super-frame packets (PKT_POOL_BIG of them)
 * @big_pkts: their descriptors
 * @big_mem: their memory, touched only as super-frames use it
 */
struct pkt_pool {
	unsigned count;
	unsigned top;
	struct pkt **free;
	struct pkt *pkts;
	uint8_t *mem;
	unsigned big_top;
	struct pkt *big_free[PKT_POOL_BIG];
	struct pkt big_pkts[PKT_POOL_BIG];
	uint8_t *big_mem;
};

/**
 * pkt_pool_create() - allocate every buffer a datapath thread will use
 * @count: number of buffers
 *
 * Not thread safe: one pool per thread; packets return to their own pool.
 *
 * Return: pool, or NULL on allocation failure
 */
struct pkt_pool *pkt_pool_create(unsigned count)
{
	struct pkt_pool *pool = calloc(1, sizeof(*pool));

	if (!pool)
		return NULL;
	pool->count = count;
	pool->pkts = calloc(count, sizeof(*pool->pkts));
	pool->free = calloc(count, sizeof(*pool->free));
	pool->mem =
	    mmap(NULL, (size_t)count * PKT_BUF_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pool->big_mem =
	    mmap(NULL, (size_t)PKT_POOL_BIG * PKT_BIG_BUF_SIZE,
		 PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!pool->pkts || !pool->free || pool->mem == MAP_FAILED ||
	    pool->big_mem == MAP_FAILED) {
		if (pool->mem == MAP_FAILED)
			pool->mem = NULL;
		if (pool->big_mem == MAP_FAILED)
			pool->big_mem = NULL;
		pkt_pool_destroy(pool);
		return NULL;
	}
	for (unsigned i = 0; i < count; i++) {
		struct pkt *p = &pool->pkts[i];

		p->pool = pool;
		p->buf = pool->mem + (size_t)i * PKT_BUF_SIZE;
		pool->free[pool->top++] = p;
	}
	for (unsigned i = 0; i < PKT_POOL_BIG; i++) {
		struct pkt *p = &pool->big_pkts[i];

		p->pool = pool;
		p->big = 1;
		p->buf = pool->big_mem + (size_t)i * PKT_BIG_BUF_SIZE;
		pool->big_free[pool->big_top++] = p;
	}
	return pool;
}

/**
 * pkt_pool_destroy() - free a pool; NULL is ignored
 * @pool: pool whose packets have all been returned
 */
void pkt_pool_destroy(struct pkt_pool *pool)
{
	if (!pool)
		return;
	if (pool->mem)
		munmap(pool->mem, (size_t)pool->count * PKT_BUF_SIZE);
	if (pool->big_mem)
		munmap(pool->big_mem, (size_t)PKT_POOL_BIG * PKT_BIG_BUF_SIZE);
	free(pool->pkts);
	free(pool->free);
	free(pool);
}

static void pkt_reset(struct pkt *p)
{
	p->data = p->buf + PKT_HEADROOM;
	p->len = 0;
	p->vlan = 0;
	p->tagged = 0;
	p->ext = 0;
	p->cookie = 0;
	p->ol = (struct pkt_offload){0};
}

/**
 * pkt_pool_alloc_bulk() - take up to @n packets
 * @pool: pool
 * @pkts: filled with the packets
 * @n: wanted
 *
 * Return: number taken (fewer when the pool runs low)
 */
unsigned pkt_pool_alloc_bulk(struct pkt_pool *pool, struct pkt **pkts,
			     unsigned n)
{
	if (n > pool->top)
		n = pool->top;
	for (unsigned i = 0; i < n; i++) {
		pkts[i] = pool->free[--pool->top];
		pkt_reset(pkts[i]);
	}
	return n;
}

/**
 * pkt_pool_alloc() - take one packet
 * @pool: pool
 *
 * Return: packet, or NULL when the pool is empty
 */
struct pkt *pkt_pool_alloc(struct pkt_pool *pool)
{
	struct pkt *p;

	return pkt_pool_alloc_bulk(pool, &p, 1) ? p : NULL;
}

/**
 * pkt_pool_alloc_big() - take one packet whose buffer holds a super-frame
 * (PKT_GSO_MAX_FRAME bytes after the headroom)
 * @pool: pool
 *
 * Return: packet, or NULL when every super-frame buffer is in use
 */
struct pkt *pkt_pool_alloc_big(struct pkt_pool *pool)
{
	struct pkt *p;

	if (!pool->big_top)
		return NULL;
	p = pool->big_free[--pool->big_top];
	pkt_reset(p);
	return p;
}

/**
 * pkt_free() - return a packet to its pool; foreign packets are ignored
 * @p: packet
 */
void pkt_free(struct pkt *p)
{
	if (!p || !p->pool)
		return;
	if (p->big)
		p->pool->big_free[p->pool->big_top++] = p;
	else
		p->pool->free[p->pool->top++] = p;
}

/**
 * pkt_pool_avail() - free buffers left
 * @pool: pool
 *
 * Return: count
 */
unsigned pkt_pool_avail(const struct pkt_pool *pool)
{
	return pool->top;
}

/**
 * csum_partial() - add bytes to a ones-complement sum
 * @buf: data
 * @len: bytes
 * @sum: running sum
 *
 * The bytes are summed eight at a time in host order and the result turned
 * into network order at the end: a ones-complement sum does not care in
 * which order the bytes of its words are (RFC 1071, 2.B), and a super-frame
 * cut into segments sums 64 KB.
 *
 * Return: new running sum (not folded)
 */
uint32_t csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *b = buf;
	uint64_t acc = 0, w, total;
	uint16_t folded;

	while (len >= 8) {
		memcpy(&w, b, 8);
		acc += w;
		acc += acc < w; /* end-around carry */
		b += 8;
		len -= 8;
	}
	w = 0;
	memcpy(&w, b, len); /* the last 0-7 bytes, zero padded */
	acc += w;
	acc += acc < w;
	acc = (acc & 0xffffffff) + (acc >> 32);
	acc = (acc & 0xffffffff) + (acc >> 32);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	folded = (uint16_t)acc;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	folded = __builtin_bswap16(folded);
#endif
	total = (uint64_t)sum + folded;
	return (uint32_t)((total & 0xffffffff) + (total >> 32));
}

/**
 * csum_fold() - fold a running sum into the 16-bit checksum field value
 * @sum: running sum
 *
 * Return: checksum, host order
 */
uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/**
 * pkt_tx_iov() - describe a frame as it leaves a port with the given tag
 * @p: packet, left untouched (it may be flooded to ports that tag it
 *     differently, or live in memory vnet does not own)
 * @tci: tag to send with, 0 for untagged
 * @tag: 4 bytes of scratch for a new tag; must live until the I/O is done
 * @iov: filled with up to three pieces
 *
 * Return: number of iovec entries used
 */
unsigned pkt_tx_iov(const struct pkt *p, uint16_t tci, uint8_t tag[4],
		    struct iovec iov[3])
{
	if (!p->tagged && !tci) {
		iov[0] = (struct iovec){p->data, p->len};
		return 1;
	}
	if (p->tagged && tci && pkt_get_be16(p->data + 14) == tci) {
		iov[0] = (struct iovec){p->data, p->len};
		return 1;
	}
	iov[0] = (struct iovec){p->data, 12};
	if (!tci) {
		iov[1] = (struct iovec){p->data + 16, p->len - 16};
		return 2;
	}
	pkt_put_be16(tag, ETHERTYPE_VLAN);
	pkt_put_be16(tag + 2, tci);
	iov[1] = (struct iovec){tag, 4};
	if (p->tagged)
		iov[2] = (struct iovec){p->data + 16, p->len - 16};
	else
		iov[2] = (struct iovec){p->data + 12, p->len - 12};
	return 3;
}

/**
 * pkt_tx_len() - length of a frame as it leaves with the given tag
 * @p: packet
 * @tci: tag, 0 for untagged
 *
 * Return: bytes on the wire
 */
uint32_t pkt_tx_len(const struct pkt *p, uint16_t tci)
{
	if (p->tagged && !tci)
		return p->len - 4;
	if (!p->tagged && tci)
		return p->len + 4;
	return p->len;
}
