// SPDX-License-Identifier: GPL-2.0-or-later
/* test_lib_vnet_hdr_uso.c - the receive fallback cuts UDP super-frames
 * (GSO_UDP_L4) into datagrams: what an uplink or veth port does with one
 * it cannot take whole */
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

#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

/* A UDP frame over IPv4 or IPv6 with @payload bytes; returns its length. */
static size_t udp_frame(uint8_t *f, bool v6, size_t payload)
{
	size_t l4 = v6 ? 54 : 34, len = l4 + 8 + payload;

	memset(f, 0, len);
	memcpy(f, (uint8_t[]){2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2}, 12);
	if (v6) {
		pkt_put_be16(f + 12, ETHERTYPE_IPV6);
		f[14] = 0x60;
		pkt_put_be16(f + 18, (uint16_t)(len - 54));
		f[20] = 17;
		f[21] = 64;
		f[22] = 0xfd;
		f[37] = 1;
		f[38] = 0xfd;
		f[53] = 2;
	} else {
		pkt_put_be16(f + 12, ETHERTYPE_IPV4);
		f[14] = 0x45;
		pkt_put_be16(f + 16, (uint16_t)(len - 14));
		pkt_put_be16(f + 18, 0x1234); /* IP ID */
		f[22] = 64;
		f[23] = 17;
		memcpy(f + 26, (uint8_t[]){10, 0, 0, 1, 10, 0, 0, 2}, 8);
		pkt_put_be16(f + 24, csum_fold(csum_partial(f + 14, 20, 0)));
	}
	pkt_put_be16(f + l4, 4433);
	pkt_put_be16(f + l4 + 2, 5000);
	pkt_put_be16(f + l4 + 4, (uint16_t)(len - l4));
	for (size_t i = 0; i < payload; i++)
		f[l4 + 8 + i] = (uint8_t)(i * 7 + i / 251);
	return len;
}

/* Zero when the UDP checksum of the datagram in @f checks. */
static uint16_t udp_verify(const uint8_t *f, size_t len, bool v6)
{
	size_t l4 = v6 ? 54 : 34, n = len - l4;
	uint32_t sum =
	    v6 ? csum_partial(f + 22, 32, 0) : csum_partial(f + 26, 8, 0);

	return csum_fold(csum_partial(f + l4, n, sum + 17 + (uint32_t)n));
}

/* 3 full datagrams and a short one, cut over two calls; each a datagram
 * of its own with the right lengths, checksum and payload. */
static void cut_one(bool v6)
{
	static uint8_t f[64 + 4000];
	size_t l4 = v6 ? 54 : 34, len = udp_frame(f, v6, 4000), off = 0;
	struct virtio_net_hdr h = {.gso_type = VIRTIO_NET_HDR_GSO_UDP_L4,
				   .gso_size = 1200};
	struct pkt_pool *pool = pkt_pool_create(8);
	struct pkt *out[8];
	int n;

	assert_int_equal(vnet_hdr_gso_segment(&h, f, len, &off, pool, out, 3),
			 3);
	assert_int_equal(off, 3600);
	n = vnet_hdr_gso_segment(&h, f, len, &off, pool, out + 3, 5);
	assert_int_equal(n, 1);
	assert_int_equal(off, SIZE_MAX);
	for (int i = 0; i < 4; i++) {
		const uint8_t *d = out[i]->data;
		size_t want = i < 3 ? 1200 : 400;

		assert_int_equal(out[i]->len, l4 + 8 + want);
		assert_int_equal(pkt_get_be16(d + l4 + 4), 8 + want);
		assert_int_equal(udp_verify(d, out[i]->len, v6), 0);
		assert_memory_equal(d + l4 + 8, f + l4 + 8 + (size_t)i * 1200,
				    want);
		if (v6) {
			assert_int_equal(pkt_get_be16(d + 18), 8 + want);
		} else {
			assert_int_equal(pkt_get_be16(d + 16), 28 + want);
			assert_int_equal(pkt_get_be16(d + 18), 0x1234 + i);
			assert_int_equal(csum_fold(csum_partial(d + 14, 20, 0)),
					 0);
		}
		pkt_free(out[i]);
	}
	assert_int_equal(pkt_pool_avail(pool), 8);
	pkt_pool_destroy(pool);
}

static void test_cut_udp4(void **state)
{
	cut_one(false);
}

static void test_cut_udp6(void **state)
{
	cut_one(true);
}

/* What the fallback still refuses: a type the headers do not match, UFO,
 * more datagrams than a UDP_SEGMENT sender may make. */
static void test_refused(void **state)
{
	static uint8_t f[64 + 8000];
	size_t len = udp_frame(f, false, 8000), off = 0;
	struct virtio_net_hdr h = {.gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
				   .gso_size = 1200};
	struct pkt_pool *pool = pkt_pool_create(8);
	struct pkt *out[8];

	assert_int_equal(vnet_hdr_gso_segment(&h, f, len, &off, pool, out, 8),
			 -EPROTONOSUPPORT);
	h.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	assert_int_equal(vnet_hdr_gso_segment(&h, f, len, &off, pool, out, 8),
			 -EPROTONOSUPPORT);
	h.gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
	h.gso_size = 8000 / VNET_HDR_MAX_UDP_SEGS - 1;
	assert_int_equal(vnet_hdr_gso_segment(&h, f, len, &off, pool, out, 8),
			 -EINVAL);
	h.gso_size = 8000 / VNET_HDR_MAX_UDP_SEGS + 1;
	assert_int_equal(vnet_hdr_gso_segment(&h, f, len, &off, pool, out, 8),
			 8);
	for (int i = 0; i < 8; i++)
		pkt_free(out[i]);
	pkt_pool_destroy(pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cut_udp4),
	    cmocka_unit_test(test_cut_udp6),
	    cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
