// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vnic_vhost_burst.c - taking a burst of descriptor chains at once
 * (vu_vq_pop_burst): as many as the driver made available and no more,
 * each chain mapped where its descriptors say, a burst that ends early at a
 * chain with too many pieces to fit after the others (taken alone next
 * time), and a bad chain after good ones: the good ones taken, the fault
 * reported, the bad one left in the ring */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "vnic/vnic_vhost_priv.h"

#define QSIZE	 16
#define MEM_SIZE 0x10000
#define BUF_GPA	 0x4000 /* buffers: 256 bytes each from here */

struct ring {
	uint8_t mem[MEM_SIZE] __attribute__((aligned(4096)));
	struct vu_dev d;
	struct vu_vq vq;
};

static struct ring r;

static void ring_init(void)
{
	memset(&r, 0, sizeof(r));
	r.d.mem.nregions = 1;
	r.d.mem.r[0] =
	    (struct guest_region){0, 0x100000, MEM_SIZE, r.mem, NULL, 0};
	r.d.hdr_len = 12;
	r.vq.num = QSIZE;
	r.vq.num_set = r.vq.addr_set = true;
	r.vq.addr.desc_user_addr = 0x100000;
	r.vq.addr.avail_user_addr = 0x100000 + 16 * QSIZE;
	r.vq.addr.used_user_addr = 0x100000 + 0x1000;
	assert_int_equal(vu_vq_translate(&r.d, &r.vq), 0);
}

/* Descriptor @i: @len bytes of buffer @i, chained to @next when >= 0. */
static void desc_set(unsigned i, uint32_t len, uint16_t flags, int next)
{
	r.vq.desc[i].addr = BUF_GPA + 256 * (uint64_t)i;
	r.vq.desc[i].len = len;
	r.vq.desc[i].flags =
	    (uint16_t)(flags | (next >= 0 ? VRING_DESC_F_NEXT : 0));
	r.vq.desc[i].next = (uint16_t)(next >= 0 ? next : 0);
}

/* Make chains with these heads available, in order. */
static void avail_add(const uint16_t *heads, unsigned n)
{
	for (unsigned k = 0; k < n; k++)
		r.vq.avail->ring[(r.vq.avail->idx + k) % QSIZE] = heads[k];
	r.vq.avail->idx = (uint16_t)(r.vq.avail->idx + n);
}

static void test_takes_what_is_available(void **state)
{
	static const uint16_t heads[3] = {5, 2, 9};
	struct vu_chain ch[8];
	struct vu_iov iov[16];
	int fault = 1;

	(void)state;
	ring_init();
	for (unsigned i = 0; i < QSIZE; i++)
		desc_set(i, 100 + i, VRING_DESC_F_WRITE, -1);
	avail_add(heads, 3);
	assert_int_equal(
	    vu_vq_pop_burst(&r.d, &r.vq, true, ch, 8, iov, 16, &fault), 3);
	assert_int_equal(fault, 0);
	assert_int_equal(r.vq.last_avail, 3);
	for (unsigned k = 0; k < 3; k++) {
		assert_int_equal(ch[k].head, heads[k]);
		assert_int_equal(ch[k].niov, 1);
		assert_int_equal(ch[k].total, 100 + heads[k]);
		assert_ptr_equal(ch[k].iov, &iov[k]);
		assert_ptr_equal(ch[k].iov->hva,
				 r.mem + BUF_GPA + 256 * heads[k]);
	}
	/* Nothing more made available: nothing taken. */
	assert_int_equal(
	    vu_vq_pop_burst(&r.d, &r.vq, true, ch, 8, iov, 16, &fault), 0);
	assert_int_equal(fault, 0);
	/* Fewer wanted than available: the rest stay. */
	avail_add(heads, 3);
	assert_int_equal(
	    vu_vq_pop_burst(&r.d, &r.vq, true, ch, 2, iov, 16, &fault), 2);
	assert_int_equal(r.vq.last_avail, 5);
	vu_vq_unpop(&r.vq, 2);
	assert_int_equal(r.vq.last_avail, 3);
}

static void test_chain_pieces(void **state)
{
	static const uint16_t heads[2] = {0, 3};
	struct vu_chain ch[4];
	struct vu_iov iov[8];
	int fault;

	(void)state;
	ring_init();
	desc_set(0, 12, 0, 1); /* header, then the frame in two pieces */
	desc_set(1, 50, 0, 2);
	desc_set(2, 10, 0, -1);
	desc_set(3, 60, 0, -1);
	avail_add(heads, 2);
	assert_int_equal(
	    vu_vq_pop_burst(&r.d, &r.vq, false, ch, 4, iov, 8, &fault), 2);
	assert_int_equal(fault, 0);
	assert_int_equal(ch[0].niov, 3);
	assert_int_equal(ch[0].total, 72);
	assert_ptr_equal(ch[1].iov, &iov[3]);
	assert_int_equal(ch[1].total, 60);
	/* Readable chains where the device writes: a fault, nothing taken. */
	ring_init();
	desc_set(0, 12, 0, -1);
	avail_add(heads, 1);
	assert_int_equal(
	    vu_vq_pop_burst(&r.d, &r.vq, true, ch, 4, iov, 8, &fault), 0);
	assert_int_equal(fault, -VU_FAULT_DIRECTION);
	assert_int_equal(r.vq.last_avail, 0);
}

static void test_bad_chain_after_good_ones(void **state)
{
	static const uint16_t heads[3] = {1, 2, 40}; /* 40: out of range */
	struct vu_chain ch[4];
	struct vu_iov iov[8];
	int fault;

	(void)state;
	ring_init();
	desc_set(1, 64, 0, -1);
	desc_set(2, 64, 0, -1);
	avail_add(heads, 3);
	assert_int_equal(
	    vu_vq_pop_burst(&r.d, &r.vq, false, ch, 4, iov, 8, &fault), 2);
	assert_int_equal(fault, -VU_FAULT_HEAD_RANGE);
	assert_int_equal(r.vq.last_avail, 2);
	assert_int_equal(ch[1].head, 2);
	/* The index moved by more than the ring: a fault before any chain. */
	ring_init();
	r.vq.avail->idx = QSIZE + 1;
	assert_int_equal(
	    vu_vq_pop_burst(&r.d, &r.vq, false, ch, 4, iov, 8, &fault), 0);
	assert_int_equal(fault, -VU_FAULT_AVAIL_IDX);
}

static void test_ends_where_pieces_run_out(void **state)
{
	static const uint16_t heads[3] = {0, 4, 8};
	struct vu_chain ch[4];
	struct vu_iov iov[VU_MAX_IOV + 2];
	int fault;

	(void)state;
	ring_init();
	/* Chain 0: 3 pieces; chain 4: 4 pieces; chain 8: 1 piece. */
	for (unsigned i = 0; i < 3; i++)
		desc_set(i, 8, 0, i < 2 ? (int)i + 1 : -1);
	for (unsigned i = 4; i < 8; i++)
		desc_set(i, 8, 0, i < 7 ? (int)i + 1 : -1);
	desc_set(8, 8, 0, -1);
	avail_add(heads, 3);
	/* Room for 5 pieces: the second chain does not fit after the first. */
	assert_int_equal(
	    vu_vq_pop_burst(&r.d, &r.vq, false, ch, 4, iov, 5, &fault), 1);
	assert_int_equal(fault, 0);
	assert_int_equal(r.vq.last_avail, 1);
	/* First in the next burst, it does, and the one-piece chain after it
	 * too. */
	assert_int_equal(
	    vu_vq_pop_burst(&r.d, &r.vq, false, ch, 4, iov, 5, &fault), 2);
	assert_int_equal(fault, 0);
	assert_int_equal(ch[0].head, 4);
	assert_int_equal(ch[0].niov, 4);
	assert_int_equal(ch[1].head, 8);
	assert_ptr_equal(ch[1].iov, &iov[4]);
	/* A first chain with more pieces than there is room for is a
	 * fault, as it is for vu_vq_pop(): it would never fit. */
	ring_init();
	for (unsigned i = 0; i < QSIZE; i++)
		desc_set(i, 8, 0, i + 1 < QSIZE ? (int)i + 1 : -1);
	avail_add(heads, 1);
	assert_int_equal(
	    vu_vq_pop_burst(&r.d, &r.vq, false, ch, 4, iov, 3, &fault), 0);
	assert_int_equal(fault, -VU_FAULT_TOO_MANY_SEGS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_takes_what_is_available),
	    cmocka_unit_test(test_chain_pieces),
	    cmocka_unit_test(test_bad_chain_after_good_ones),
	    cmocka_unit_test(test_ends_where_pieces_run_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
