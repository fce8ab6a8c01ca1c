// SPDX-License-Identifier: GPL-2.0-or-later
/* test_lib_pkt.c - pool, checksums, egress tags, TCP segmentation, parsers */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lib/pkt.h"
#include "lib/util.h"
#include "lib/vnet_hdr.h"

static void test_pool(void **state)
{
	struct pkt_pool *pool = pkt_pool_create(4);
	struct pkt *p[5];

	assert_int_equal(pkt_pool_alloc_bulk(pool, p, 5), 4);
	assert_null(pkt_pool_alloc(pool));
	assert_int_equal(p[0]->data - p[0]->buf, PKT_HEADROOM);
	pkt_free(p[2]);
	assert_int_equal(pkt_pool_avail(pool), 1);
	for (int i = 0; i < 4; i++)
		if (i != 2)
			pkt_free(p[i]);
	assert_int_equal(pkt_pool_avail(pool), 4);
	pkt_pool_destroy(pool);
}

static void test_csum(void **state)
{
	/* RFC 1071 example: 0001 f203 f4f5 f6f7 -> sum ddf2, csum 220d. */
	const uint8_t d[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};

	assert_int_equal(csum_fold(csum_partial(d, sizeof(d), 0)), 0x220d);
	assert_int_equal(csum_fold(csum_partial(d, 3, 0)),
			 (uint16_t) ~(0x0001 + 0xf200));
}

static void test_tx_iov(void **state)
{
	uint8_t f[20] = {1,    2,    3,	   4,	 5,    6,    7,
			 8,    9,    10,   11,	 12,   0x81, 0x00,
			 0x00, 0x0a, 0x08, 0x00, 0xaa, 0xbb};
	struct pkt p = {.data = f, .len = 20, .tagged = 1};
	struct iovec iov[3];
	uint8_t tag[4];

	assert_int_equal(pkt_tx_iov(&p, 10, tag, iov), 1);
	assert_int_equal(pkt_tx_iov(&p, 0, tag, iov), 2);
	assert_int_equal(iov[0].iov_len + iov[1].iov_len, 16);
	assert_int_equal(pkt_tx_len(&p, 0), 16);
	assert_int_equal(pkt_tx_iov(&p, 20, tag, iov), 3);
	assert_int_equal(pkt_get_be16(tag + 2), 20);
	assert_int_equal(iov[2].iov_len, 4);
	p.tagged = 0;
	assert_int_equal(pkt_tx_iov(&p, 0, tag, iov), 1);
	assert_int_equal(pkt_tx_iov(&p, 5, tag, iov), 3);
	assert_int_equal(pkt_tx_len(&p, 5), 24);
}

/* A TCPv4 frame with @payload bytes, checksum left partial. */
static size_t tcp4_frame(uint8_t *f, size_t payload)
{
	size_t len = 14 + 20 + 20 + payload;

	memset(f, 0, len);
	memcpy(f, (uint8_t[]){2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 8, 0}, 14);
	f[14] = 0x45;
	pkt_put_be16(f + 16, (uint16_t)(len - 14));
	f[22] = 64;
	f[23] = 6;
	memcpy(f + 26, (uint8_t[]){10, 0, 0, 1, 10, 0, 0, 2}, 8);
	pkt_put_be16(f + 24, csum_fold(csum_partial(f + 14, 20, 0)));
	pkt_put_be16(f + 34, 1234);
	pkt_put_be16(f + 36, 80);
	f[38] = 0x10; /* seq 0x10000000 */
	f[46] = 0x50;
	f[47] = 0x18; /* PSH|ACK */
	for (size_t i = 0; i < payload; i++)
		f[54 + i] = (uint8_t)i;
	return len;
}

static uint16_t tcp4_verify(const uint8_t *f, size_t len)
{
	size_t l4 = len - 34;
	uint32_t sum = csum_partial(f + 26, 8, 0) + 6 + (uint32_t)l4;

	return csum_fold(csum_partial(f + 34, l4, sum));
}

static void test_csum_complete(void **state)
{
	uint8_t f[200];
	size_t len = tcp4_frame(f, 100);
	struct virtio_net_hdr h = {.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				   .csum_start = 34,
				   .csum_offset = 16};
	uint32_t ps = csum_partial(f + 26, 8, 0) + 6 + (uint32_t)(len - 34);

	/* The field holds the folded pseudo-header sum, as the stack leaves
	 * it. */
	pkt_put_be16(f + 50, (uint16_t)~csum_fold(ps));
	assert_int_equal(vnet_hdr_csum_complete(&h, f, len), 0);
	assert_int_equal(tcp4_verify(f, len), 0);
	h.csum_start = 199;
	assert_int_equal(vnet_hdr_csum_complete(&h, f, len), -EINVAL);
	h.csum_start = 34;
	h.csum_offset = 0xffff;
	assert_int_equal(vnet_hdr_csum_complete(&h, f, len), -EINVAL);
}

static void test_gso(void **state)
{
	static uint8_t f[14 + 40 + 4000];
	size_t len = tcp4_frame(f, 4000), off = 0;
	struct virtio_net_hdr h = {.gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
				   .gso_size = 1448};
	struct pkt_pool *pool = pkt_pool_create(8);
	struct pkt *out[8];
	int n;

	/* Room for two: the frame is cut over two calls. */
	n = vnet_hdr_gso_segment(&h, f, len, &off, pool, out, 2);
	assert_int_equal(n, 2);
	assert_int_equal(off, 2896);
	n = vnet_hdr_gso_segment(&h, f, len, &off, pool, out + 2, 6);
	assert_int_equal(n, 1);
	assert_int_equal(off, SIZE_MAX);
	for (int i = 0; i < 3; i++) {
		const uint8_t *d = out[i]->data;
		size_t want = i < 2 ? 1448 : 4000 - 2 * 1448;

		assert_int_equal(out[i]->len, 54 + want);
		assert_int_equal(pkt_get_be16(d + 16), 40 + want);
		assert_int_equal(csum_fold(csum_partial(d + 14, 20, 0)), 0);
		assert_int_equal(tcp4_verify(d, out[i]->len), 0);
		assert_int_equal(d[54], (uint8_t)(i * 1448));
		assert_int_equal(d[47] & 0x08, i == 2 ? 0x08 : 0); /* PSH */
		assert_int_equal((uint32_t)d[38] << 24 | (uint32_t)d[39] << 16 |
				     (uint32_t)d[40] << 8 | d[41],
				 0x10000000u + (uint32_t)i * 1448);
	}
	for (int i = 0; i < 3; i++)
		pkt_free(out[i]);
	/* Bad sizes are refused, UDP is not cut. */
	off = 0;
	h.gso_size = 0;
	assert_int_equal(vnet_hdr_gso_segment(&h, f, len, &off, pool, out, 8),
			 -EINVAL);
	h.gso_size = 1448;
	h.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	assert_int_equal(vnet_hdr_gso_segment(&h, f, len, &off, pool, out, 8),
			 -EPROTONOSUPPORT);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	assert_int_equal(vnet_hdr_gso_segment(&h, f, 30, &off, pool, out, 8),
			 -EINVAL);
	pkt_pool_destroy(pool);
}

static void test_l4_csum_fill(void **state)
{
	uint8_t f[200];
	size_t len = tcp4_frame(f, 50);

	pkt_put_be16(f + 50, 0x1234);
	assert_int_equal(l4_csum_fill(f, len), 0);
	assert_int_equal(tcp4_verify(f, len), 0);
	assert_int_equal(l4_csum_fill(f, 20), -EINVAL);
}

static void test_parsers(void **state)
{
	uint8_t mac[6], bm[512];
	char buf[64];
	unsigned long v;

	assert_int_equal(mac_parse("52:54:00:ab:CD:ef", mac), 0);
	assert_string_equal(mac_format(mac, buf), "52:54:00:ab:cd:ef");
	assert_int_equal(mac_parse("52:54:00:ab:cd", mac), -EINVAL);
	assert_int_equal(mac_parse("52:54:00:ab:cd:ef:00", mac), -EINVAL);
	assert_int_equal(mac_parse("5g:54:00:ab:cd:ef", mac), -EINVAL);
	assert_true(name_valid("lab-1.a_b"));
	assert_false(name_valid(""));
	assert_false(name_valid("sixteen-chars-xx"));
	assert_false(name_valid("a/b"));
	assert_false(name_valid(".."));
	assert_int_equal(vlan_list_parse("10,20-22,4094", bm), 0);
	assert_true(vlan_bit_test(bm, 21));
	assert_false(vlan_bit_test(bm, 23));
	assert_int_equal(vlan_list_format(bm, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "10,20-22,4094");
	assert_int_equal(vlan_list_parse("0", bm), -ERANGE);
	assert_int_equal(vlan_list_parse("4095", bm), -ERANGE);
	assert_int_equal(vlan_list_parse("20-10", bm), -EINVAL);
	assert_int_equal(vlan_list_parse("1,,2", bm), 0);
	assert_int_equal(vlan_list_parse("x", bm), -EINVAL);
	assert_int_equal(parse_uint("12", 1, 20, &v), 0);
	assert_int_equal(parse_uint("21", 1, 20, &v), -ERANGE);
	assert_int_equal(parse_uint("-1", 0, 20, &v), -EINVAL);
	assert_int_equal(parse_uint("1x", 0, 20, &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pool),
	    cmocka_unit_test(test_csum),
	    cmocka_unit_test(test_tx_iov),
	    cmocka_unit_test(test_csum_complete),
	    cmocka_unit_test(test_gso),
	    cmocka_unit_test(test_l4_csum_fill),
	    cmocka_unit_test(test_parsers),
	};

	return cmocka_run_group_tests_name("lib_pkt", tests, NULL, NULL);
}
