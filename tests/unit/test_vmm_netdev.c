// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vmm_netdev.c - virtio-net as vnet-vmm serves it itself: the device
 * configuration layout, the --net argument, which queue is the control
 * queue, its commands (VQ_PAIRS_SET), and taking chains from a queue the
 * VMM serves (vmm_vq_pop/push) with every malformed chain refused */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../vmm-glue/vmm_net.h"

#define MEM	(16u << 20)
#define F_V1	(1ull << 32)
#define F_MQ	(1ull << 22)
#define F_CTRL	(1ull << 17)
#define F_INDIR (1ull << 28)
#define F_EVIDX (1ull << 29)
#define QBASE \
	0x100000u /* the control queue: desc, avail +0x1000, used +0x2000 */
#define QSIZE 8
#define BUF   0x200000u

static uint8_t *ram;
static struct vmm_mem mem;
static struct vmm_virtio v;
static int notified = -1;

static void test_devcfg(void **state)
{
	static const uint8_t mac[6] = {2, 0x11, 0x22, 0x33, 0x44, 0x55};
	static const uint8_t want[VMM_NET_DEVCFG_SIZE] = {
	    2, 0x11, 0x22, 0x33, 0x44, 0x55, 1, 0, 4, 0, 0xa0, 0x0f};
	uint8_t cfg[VMM_NET_DEVCFG_SIZE];

	vmm_net_devcfg(cfg, mac, true, 4, 4000);
	assert_memory_equal(cfg, want, sizeof(want));
	vmm_net_devcfg(cfg, mac, false, 1, 1500);
	assert_int_equal(cfg[6], 0);
	assert_int_equal(cfg[8], 1);
	assert_int_equal(cfg[10] | cfg[11] << 8, 1500);
}

static void test_ctrl_queue_index(void **state)
{
	assert_int_equal(vmm_net_ctrl_queue(F_V1, 4), -1);
	assert_int_equal(vmm_net_ctrl_queue(F_V1 | F_CTRL, 4), 2);
	assert_int_equal(vmm_net_ctrl_queue(F_V1 | F_CTRL | F_MQ, 4), 8);
	assert_int_equal(vmm_net_ctrl_queue(F_V1 | F_CTRL | F_MQ, 8), 16);
}

/* What goes to vnetd in SET_FEATURES: accepted, offered by vnet-vmm and
 * by vnetd; IN_ORDER (35) and LOG_ALL (26) from vnetd's offer never pass
 * unless vnet-vmm offered them. */
static void test_vu_features(void **state)
{
	const uint64_t in_order = 1ull << 35, log_all = 1ull << 26;
	const uint64_t backend = F_V1 | F_CTRL | in_order | log_all;
	const uint64_t proto = 1ull << 30;

	assert_int_equal(vmm_net_vu_features(F_V1 | in_order | log_all,
					     F_V1 | F_CTRL, backend, false),
			 F_V1);
	assert_int_equal(vmm_net_vu_features(F_V1 | F_CTRL | F_MQ,
					     F_V1 | F_CTRL | F_MQ, backend,
					     true),
			 F_V1 | F_CTRL | proto);
	assert_int_equal(vmm_net_vu_features(0, ~0ull, backend, false), 0);
}

static void test_ctrl_parse(void **state)
{
	static const struct {
		uint8_t cmd[6];
		size_t len;
		uint8_t ack;
		unsigned pairs;
	} t[] = {
	    {{4, 0, 2, 0}, 4, VIRTIO_NET_OK, 2},
	    {{4, 0, 4, 0}, 4, VIRTIO_NET_OK, 4},
	    {{4, 0, 1, 0}, 4, VIRTIO_NET_OK, 1},
	    {{4, 0, 5, 0}, 4, VIRTIO_NET_ERR, 0},      /* above max */
	    {{4, 0, 0, 0}, 4, VIRTIO_NET_ERR, 0},      /* zero pairs */
	    {{4, 0, 2, 1}, 4, VIRTIO_NET_ERR, 0},      /* 258 */
	    {{4, 0, 2}, 3, VIRTIO_NET_ERR, 0},	       /* short data */
	    {{4, 1, 2, 0}, 4, VIRTIO_NET_ERR, 0},      /* RSS_CONFIG */
	    {{0, 0, 1}, 3, VIRTIO_NET_ERR, 0},	       /* CTRL_RX promisc */
	    {{4}, 1, VIRTIO_NET_ERR, 0},	       /* no command */
	    {{0}, 0, VIRTIO_NET_ERR, 0},	       /* nothing */
	    {{4, 0, 3, 0, 9, 9}, 6, VIRTIO_NET_OK, 3}, /* trailing bytes */
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		unsigned pairs = 0;

		assert_int_equal(
		    vmm_net_ctrl_parse(t[i].cmd, t[i].len, 4, &pairs),
		    t[i].ack);
		assert_int_equal(pairs, t[i].pairs);
	}
}

static void test_net_spec(void **state)
{
	struct vmm_net_spec s;
	static const char *const bad[] = {"",
					  ",mac=52:54:00:00:00:01",
					  "lab,queues=0",
					  "lab,queues=9",
					  "lab,queues=x",
					  "lab,queues=",
					  "lab,queues=100",
					  "lab,mac=01:00:00:00:00:01",
					  "lab,mac=52:54:00:00:00",
					  "lab,foo",
					  "lab,sriov,listen",
					  "lab,sriov,queues=2",
					  "lab,listenx",
					  "lab,queue=2",
					  "lab,sriovx",
					  "lab,ioeventfd=",
					  "lab,ioeventfd=no",
					  "lab,ioeventfd=offf",
					  "lab,ioeventfd",
					  "lab,sriov,ioeventfd=on"};

	assert_int_equal(vmm_net_parse("lab", &s), 0);
	assert_string_equal(s.network, "lab");
	assert_int_equal(s.queues, 1);
	assert_false(s.has_mac || s.listen || s.sriov || s.name[0]);
	assert_int_equal(
	    vmm_net_parse("lab,mac=52:54:00:ab:cd:ef,name=p1,listen,queues=4",
			  &s),
	    0);
	assert_true(s.has_mac && s.listen && !s.sriov);
	assert_int_equal(s.mac[3], 0xab);
	assert_int_equal(s.mac[5], 0xef);
	assert_string_equal(s.name, "p1");
	assert_int_equal(s.queues, 4);
	assert_int_equal(vmm_net_parse("lab,sriov,name=vf", &s), 0);
	assert_true(s.sriov);
	assert_int_equal(vmm_net_parse("lab,queues=8", &s), 0);
	assert_int_equal(s.queues, 8);
	assert_false(s.no_ioeventfd);
	assert_int_equal(vmm_net_parse("lab,ioeventfd=off,queues=2", &s), 0);
	assert_true(s.no_ioeventfd);
	assert_int_equal(s.queues, 2);
	assert_int_equal(vmm_net_parse("lab,ioeventfd=off,ioeventfd=on", &s),
			 0);
	assert_false(s.no_ioeventfd);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(vmm_net_parse(bad[i], &s), -EINVAL);
}

/* ---- a queue the VMM serves ---- */

static bool be_notify(struct vmm_virtio *d, unsigned q)
{
	notified = (int)q;
	return q == 2;
}

static const struct vmm_virtio_ops ops = {.notify = be_notify};

static void wr(unsigned off, uint64_t val, unsigned size)
{
	vmm_virtio_common_write(&v, off, (const uint8_t *)&val, size);
}

static struct vring_desc_le *desc(unsigned i)
{
	return (struct vring_desc_le *)(ram + QBASE) + i;
}

static uint16_t *avail(void)
{
	return (uint16_t *)(ram + QBASE + 0x1000);
}

static uint8_t *used(void)
{
	return ram + QBASE + 0x2000;
}

/* A running device with queue 2 at QBASE (features @feat). */
static void start(uint64_t feat)
{
	wr(VIO_C_STATUS, 0, 1);
	wr(VIO_C_STATUS, VIO_S_ACKNOWLEDGE | VIO_S_DRIVER, 1);
	wr(VIO_C_GFSELECT, 0, 4);
	wr(VIO_C_GF, (uint32_t)feat, 4);
	wr(VIO_C_GFSELECT, 1, 4);
	wr(VIO_C_GF, feat >> 32, 4);
	wr(VIO_C_STATUS, VIO_S_ACKNOWLEDGE | VIO_S_DRIVER | VIO_S_FEATURES_OK,
	   1);
	wr(VIO_C_Q_SELECT, 2, 2);
	wr(VIO_C_Q_SIZE, QSIZE, 2);
	wr(VIO_C_Q_DESC, QBASE, 8);
	wr(VIO_C_Q_DRIVER, QBASE + 0x1000, 8);
	wr(VIO_C_Q_DEVICE, QBASE + 0x2000, 8);
	wr(VIO_C_Q_ENABLE, 1, 2);
	wr(VIO_C_STATUS,
	   VIO_S_ACKNOWLEDGE | VIO_S_DRIVER | VIO_S_FEATURES_OK |
	       VIO_S_DRIVER_OK,
	   1);
	assert_int_equal(v.broken, VIO_BROKEN_NONE);
}

static int setup(void **state)
{
	uint8_t cfg[VMM_NET_DEVCFG_SIZE] = {0};

	if (!ram)
		ram = calloc(1, MEM);
	memset(ram, 0, 4u << 20);
	assert_int_equal(vmm_mem_init_buf(&mem, ram, MEM), 0);
	assert_int_equal(vmm_virtio_init(&v, 1, &mem, 0xe0000000u, 5,
					 F_MQ | F_CTRL | F_INDIR | F_EVIDX, cfg,
					 sizeof(cfg), &ops, NULL),
			 0);
	notified = -1;
	return 0;
}

static void set_desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	*desc(i) = (struct vring_desc_le){addr, len, flags, next};
}

static void post(uint16_t head)
{
	uint16_t idx = avail()[1];

	avail()[2 + idx % QSIZE] = head;
	avail()[1] = (uint16_t)(idx + 1);
}

/* The MQ command as Linux sends it: header+data readable, ack writable. */
static void test_pop_push(void **state)
{
	struct vmm_vq_state s = {0};
	struct vmm_vq_chain c;
	uint16_t uidx;

	start(F_V1 | F_MQ | F_CTRL | F_EVIDX);
	memcpy(ram + BUF, "\x04\x00\x02\x00", 4);
	set_desc(0, BUF, 2, VRING_DESC_F_NEXT, 1);
	set_desc(1, BUF + 2, 2, VRING_DESC_F_NEXT, 2);
	set_desc(2, BUF + 0x100, 1, VRING_DESC_F_WRITE, 0);
	assert_int_equal(vmm_vq_pop(&v, 2, &s, &c), 0); /* empty */
	post(0);
	assert_int_equal(vmm_vq_pop(&v, 2, &s, &c), 1);
	assert_int_equal(c.head, 0);
	assert_int_equal(c.nseg, 3);
	assert_int_equal(c.nread, 2);
	assert_ptr_equal(c.seg[2].p, ram + BUF + 0x100);
	assert_int_equal(vmm_vq_pop(&v, 2, &s, &c), 0);
	assert_int_equal(vmm_vq_push(&v, 2, &s, 0, 1), 0);
	memcpy(&uidx, used() + 2, 2);
	assert_int_equal(uidx, 1);
	assert_int_equal(used()[4], 0);		    /* id */
	assert_int_equal(used()[8], 1);		    /* len */
	assert_int_equal(used()[4 + 8 * QSIZE], 1); /* avail_event */
	/* a notification of queue 2 goes to the backend, not the counter */
	{
		uint8_t d[2] = {2, 0};

		v.pci.cfg[PCI_COMMAND] |= PCI_COMMAND_MEMORY;
		v.pci.bar_rw(&v, 0, VIO_NOTIFY_OFF + 2 * VIO_NOTIFY_MULT, d, 2,
			     true);
		assert_int_equal(notified, 2);
		assert_int_equal(v.slow_notifies, 0);
		v.pci.bar_rw(&v, 0, VIO_NOTIFY_OFF, d, 2, true);
		assert_int_equal(notified, 0);
		assert_int_equal(v.slow_notifies, 1);
	}
}

static void test_indirect(void **state)
{
	struct vmm_vq_state s = {0};
	struct vmm_vq_chain c;
	struct vring_desc_le *t = (struct vring_desc_le *)(ram + BUF + 0x1000);

	start(F_V1 | F_CTRL | F_INDIR);
	t[0] = (struct vring_desc_le){BUF, 4, VRING_DESC_F_NEXT, 1};
	t[1] = (struct vring_desc_le){BUF + 0x100, 1, VRING_DESC_F_WRITE, 0};
	set_desc(3, BUF + 0x1000, 32, VRING_DESC_F_INDIRECT, 0);
	post(3);
	assert_int_equal(vmm_vq_pop(&v, 2, &s, &c), 1);
	assert_int_equal(c.head, 3);
	assert_int_equal(c.nseg, 2);
	assert_int_equal(c.nread, 1);
}

/* Each malformed chain breaks the device; nothing is read out of bounds. */
static void test_bad_chains(void **state)
{
	static const struct {
		const char *what;
		uint64_t feat;
	} cases[] = {
	    {"head out of range", 0},
	    {"next out of range", 0},
	    {"loop", 0},
	    {"buffer outside RAM", 0},
	    {"readable after writable", 0},
	    {"indirect not negotiated", 0},
	    {"indirect length not a multiple of 16", F_INDIR},
	    {"nested indirect", F_INDIR},
	    {"indirect with next", F_INDIR},
	    {"available index too far ahead", 0},
	    {"too many segments", F_INDIR},
	};
	struct vring_desc_le *t = (struct vring_desc_le *)(ram + BUF + 0x1000);

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vmm_vq_state s = {0};
		struct vmm_vq_chain c;

		setup(state);
		start(F_V1 | F_CTRL | cases[i].feat);
		set_desc(0, BUF, 4, VRING_DESC_F_NEXT, 1);
		set_desc(1, BUF + 0x100, 1, VRING_DESC_F_WRITE, 0);
		switch (i) {
		case 0:
			post(QSIZE);
			break;
		case 1:
			set_desc(1, BUF, 4, VRING_DESC_F_NEXT, QSIZE + 3);
			post(0);
			break;
		case 2:
			set_desc(1, BUF, 4, VRING_DESC_F_NEXT, 0);
			post(0);
			break;
		case 3:
			set_desc(1, MEM - 2, 4, VRING_DESC_F_WRITE, 0);
			post(0);
			break;
		case 4:
			set_desc(0, BUF, 4,
				 VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
			set_desc(1, BUF, 4, 0, 0);
			post(0);
			break;
		case 5:
		case 6:
			set_desc(0, BUF + 0x1000, i == 5 ? 32 : 24,
				 VRING_DESC_F_INDIRECT, 0);
			post(0);
			break;
		case 7:
			t[0] = (struct vring_desc_le){BUF + 0x1000, 16,
						      VRING_DESC_F_INDIRECT, 0};
			set_desc(0, BUF + 0x1000, 16, VRING_DESC_F_INDIRECT, 0);
			post(0);
			break;
		case 8:
			set_desc(0, BUF + 0x1000, 16,
				 VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
			post(0);
			break;
		case 9:
			avail()[1] = QSIZE + 1;
			break;
		case 10: /* an indirect table of 10 readable buffers */
			for (unsigned d = 0; d < 10; d++)
				t[d] = (struct vring_desc_le){
				    BUF, 1, d < 9 ? VRING_DESC_F_NEXT : 0,
				    (uint16_t)(d + 1)};
			set_desc(0, BUF + 0x1000, 160, VRING_DESC_F_INDIRECT,
				 0);
			post(0);
			break;
		}
		if (vmm_vq_pop(&v, 2, &s, &c) != -EINVAL)
			fail_msg("not refused: %s", cases[i].what);
		assert_int_equal(v.broken, VIO_BROKEN_CHAIN);
		assert_int_equal(vmm_vq_pop(&v, 2, &s, &c), -EIO);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_devcfg),
	    cmocka_unit_test(test_ctrl_queue_index),
	    cmocka_unit_test(test_ctrl_parse),
	    cmocka_unit_test(test_vu_features),
	    cmocka_unit_test(test_net_spec),
	    cmocka_unit_test_setup(test_pop_push, setup),
	    cmocka_unit_test_setup(test_indirect, setup),
	    cmocka_unit_test_setup(test_bad_chains, setup),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	free(ram);
	return rc;
}
