// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_vhost_vq.c - libFuzzer target: the device-side descriptor walker on
 * rings and tables a guest filled with arbitrary bytes */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "vnic/vnic_vhost_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A mapped piece must be its guest address translated, inside one region
 * (so a region hint, right or wrong, changes nothing). */
static void check_piece(const struct guest_mem *m, const struct vu_iov *io)
{
	for (unsigned i = 0; i < m->nregions; i++) {
		const struct guest_region *r = &m->r[i];

		if (io->gpa < r->gpa || io->gpa - r->gpa >= r->size)
			continue;
		if (io->hva != r->hva + (io->gpa - r->gpa) ||
		    io->len > r->size - (io->gpa - r->gpa))
			__builtin_trap();
		return;
	}
	__builtin_trap();
}

#define MEM_SIZE (1u << 16)
#define QSIZE	 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *mem;
	struct vu_dev d = {0};
	struct vu_vq vq = {0};
	struct vu_iov iov[VU_MAX_IOV];
	unsigned niov;
	uint16_t head;
	uint64_t total;

	if (!mem)
		mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (size < 4)
		return 0;
	memset(mem, 0, MEM_SIZE);
	/* Two regions with a hole between them: splits and misses. */
	d.mem.nregions = 2;
	d.mem.r[0] = (struct guest_region){0, 0x100000, 0x8000, mem, NULL, 0};
	d.mem.r[1] = (struct guest_region){0x10000,	 0x200000, 0x8000,
					   mem + 0x8000, NULL,	   0};
	d.indirect = data[0] & 1;
	d.event_idx = data[0] & 2;
	d.hdr_len = 12;
	memcpy(mem, data + 4, size - 4 < 0x8000 ? size - 4 : 0x8000);
	vq.num = QSIZE;
	vq.num_set = vq.addr_set = true;
	vq.addr.desc_user_addr = 0x100000;
	vq.addr.avail_user_addr = 0x100000 + 16 * QSIZE;
	vq.addr.used_user_addr = 0x100000 + 0x1000;
	vq.last_avail = data[1];
	vq.mem_hint = data[3] >> 6; /* any hint, even out of range */
	if (vu_vq_translate(&d, &vq))
		return 0;
	if (data[0] & 4) { /* the same rings through the burst walker */
		static struct vu_iov biov[2 * VU_MAX_IOV];
		struct vu_chain ch[QSIZE];
		unsigned room = data[3] % (2 * VU_MAX_IOV) + 1;
		int fault;
		unsigned n =
		    vu_vq_pop_burst(&d, &vq, data[2] & 1, ch,
				    data[1] % QSIZE + 1, biov, room, &fault);

		for (unsigned c = 0; c < n; c++) {
			if (ch[c].head >= QSIZE || ch[c].niov > VU_MAX_IOV ||
			    ch[c].iov < biov ||
			    ch[c].iov + ch[c].niov > biov + room)
				__builtin_trap();
			for (unsigned k = 0; k < ch[c].niov; k++) {
				if (ch[c].iov[k].hva < mem ||
				    ch[c].iov[k].hva + ch[c].iov[k].len >
					mem + MEM_SIZE)
					__builtin_trap();
				check_piece(&d.mem, &ch[c].iov[k]);
			}
			vu_vq_push(&d, &vq, ch[c].head, ch[c].total);
		}
		vu_vq_flush(&d, &vq);
		return 0;
	}
	for (int i = 0; i < 2 * QSIZE; i++) {
		int r =
		    vu_vq_pop(&d, &vq, data[2] & 1, iov,
			      data[3] % VU_MAX_IOV + 1, &niov, &head, &total);

		if (r <= 0)
			break;
		if (head >= QSIZE || niov > VU_MAX_IOV)
			__builtin_trap();
		for (unsigned k = 0; k < niov; k++) {
			/* Every piece must lie inside the mapped memory. */
			if (iov[k].hva < mem ||
			    iov[k].hva + iov[k].len > mem + MEM_SIZE)
				__builtin_trap();
			check_piece(&d.mem, &iov[k]);
			if (data[2] & 1)
				memset(iov[k].hva, 0xab, iov[k].len);
		}
		vu_vq_push(&d, &vq, head, (uint32_t)total);
	}
	vu_vq_flush(&d, &vq);
	return 0;
}
