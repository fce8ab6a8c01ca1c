// SPDX-License-Identifier: GPL-2.0-or-later
/* test_nat_table.c - the NAT table: TCP states and timeouts, UDP and ICMP
 * timeouts, mappings held by their sessions, expiry in bounded steps, the
 * region's validation (magic, version, header checksum, epoch, size,
 * damaged entries), attach after a restart keeping every connection,
 * flush, forwards kept, new external address, the quota per inside
 * address */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_nat_pkt.h"

static void expire_all(struct tnat *n, int64_t now)
{
	assert_true(nat_expire(n->t, now, 1u << 20));
}

static void tcp(struct tnat *n, bool out, uint8_t flags, int64_t now)
{
	struct tpkt p;

	if (out)
		tp_tcp(&p, VM1, 40000, REM, 80, flags, 0, 0);
	else
		tp_tcp(&p, REM, 80, EXT, 40000, flags, 0, 0);
	if ((out ? tnat_out(n, &p, now) : tnat_in(n, &p, now)) != NAT_FORWARD)
		fail_msg("tcp %s %#x: %s", out ? "out" : "in", flags,
			 nat_drop_name(n->v.drop));
}

static enum nat_tcp_state tcp_state(struct tnat *n)
{
	struct tfind f = tnat_find(n, NAT_PROTO_TCP, REM, 80);

	return f.si.kind ? f.si.state : NAT_TCP_NONE;
}

/* Handshake, data, close; each state's timeout applies. */
static void test_tcp_states(void **state)
{
	struct tnat *n = *state;
	int64_t t = T0;

	tcp(n, true, NAT_TCP_SYN, t);
	assert_int_equal(tcp_state(n), NAT_TCP_SYN_SENT);
	expire_all(n, t + 119);
	assert_int_equal(tcp_state(n), NAT_TCP_SYN_SENT);
	tcp(n, false, NAT_TCP_SYN | NAT_TCP_ACK, t += 100);
	assert_int_equal(tcp_state(n), NAT_TCP_SYN_RECV);
	tcp(n, true, NAT_TCP_ACK, t += 1);
	assert_int_equal(tcp_state(n), NAT_TCP_ESTABLISHED);
	/* Idle for two hours: still there (RFC 5382: >= 2 h 4 min). */
	expire_all(n, t + 7439);
	assert_int_equal(tcp_state(n), NAT_TCP_ESTABLISHED);
	t += 7439;
	tcp(n, false, NAT_TCP_ACK, t);
	tcp(n, false, NAT_TCP_FIN | NAT_TCP_ACK, t);
	assert_int_equal(tcp_state(n), NAT_TCP_FIN_WAIT);
	tcp(n, true, NAT_TCP_FIN | NAT_TCP_ACK, t);
	assert_int_equal(tcp_state(n), NAT_TCP_LAST_ACK);
	tcp(n, false, NAT_TCP_ACK, t);
	assert_int_equal(tcp_state(n), NAT_TCP_TIME_WAIT);
	expire_all(n, t + 119);
	assert_int_equal(tcp_state(n), NAT_TCP_TIME_WAIT);
	/* The same ports reopen from TIME_WAIT (time only moves on). */
	t += 119;
	tcp(n, true, NAT_TCP_SYN, t);
	assert_int_equal(tcp_state(n), NAT_TCP_SYN_SENT);
	tcp(n, false, NAT_TCP_RST | NAT_TCP_ACK, t);
	assert_int_equal(tcp_state(n), NAT_TCP_CLOSE);
	expire_all(n, t + 9);
	assert_int_equal(tcp_state(n), NAT_TCP_CLOSE);
	/* One side going on after a RST is not enough to undo it. */
	tcp(n, true, NAT_TCP_ACK, t + 9);
	assert_int_equal(tcp_state(n), NAT_TCP_CLOSE);
	expire_all(n, t + 18);
	assert_int_equal(tcp_state(n), NAT_TCP_CLOSE);
	expire_all(n, t + 20);
	assert_int_equal(tcp_state(n), NAT_TCP_NONE);
	/* The mapping outlives its last session by its own timeout. */
	assert_int_equal(tnat_find(n, 0, 0, 0).mappings, 1);
	expire_all(n, t + 19 + 119);
	assert_int_equal(tnat_find(n, 0, 0, 0).mappings, 1);
	expire_all(n, t + 19 + 121);
	assert_int_equal(tnat_find(n, 0, 0, 0).mappings, 0);
}

/* A RST both sides ignore (a spoofed one) does not end the connection. */
static void test_tcp_rst_ignored(void **state)
{
	struct tnat *n = *state;

	tcp(n, true, NAT_TCP_SYN, T0);
	tcp(n, false, NAT_TCP_SYN | NAT_TCP_ACK, T0);
	tcp(n, true, NAT_TCP_ACK, T0);
	tcp(n, false, NAT_TCP_RST, T0 + 1);
	assert_int_equal(tcp_state(n), NAT_TCP_CLOSE);
	tcp(n, false, NAT_TCP_ACK, T0 + 2);
	tcp(n, true, NAT_TCP_ACK, T0 + 2);
	assert_int_equal(tcp_state(n), NAT_TCP_ESTABLISHED);
	expire_all(n, T0 + 3000);
	assert_int_equal(tcp_state(n), NAT_TCP_ESTABLISHED);
}

/* TCP from VM1:40000 to REM:22 with sequence and acknowledgement numbers
 * and @len payload bytes; returns the action. */
static enum nat_action tcp_seq(struct tnat *n, bool out, uint8_t flags,
			       uint32_t seq, uint32_t ack, size_t len,
			       int64_t now)
{
	struct tpkt p;

	if (out)
		tp_tcp(&p, VM1, 40000, REM, 22, flags, 0, len);
	else
		tp_tcp(&p, REM, 22, EXT, 40000, flags, 0, len);
	tp_put32(p.b + 24, seq);
	tp_put32(p.b + 28, ack);
	tp_fix(p.b, false);
	return out ? tnat_out(n, &p, now) : tnat_in(n, &p, now);
}

static enum nat_tcp_state ssh_state(struct tnat *n)
{
	struct tfind f = tnat_find(n, NAT_PROTO_TCP, REM, 22);

	return f.si.kind ? f.si.state : NAT_TCP_NONE;
}

/* The VM's ssh connection: handshake (VM from 1000, server from 7000), 100
 * bytes from the VM, acknowledged. */
static void ssh_established(struct tnat *n)
{
	const uint8_t A = NAT_TCP_ACK;

	assert_int_equal(tcp_seq(n, true, NAT_TCP_SYN, 1000, 0, 0, T0),
			 NAT_FORWARD);
	assert_int_equal(tcp_seq(n, false, NAT_TCP_SYN | A, 7000, 1001, 0, T0),
			 NAT_FORWARD);
	assert_int_equal(tcp_seq(n, true, A, 1001, 7001, 0, T0), NAT_FORWARD);
	assert_int_equal(tcp_seq(n, true, A, 1001, 7001, 100, T0), NAT_FORWARD);
	assert_int_equal(tcp_seq(n, false, A, 7001, 1101, 0, T0), NAT_FORWARD);
	assert_int_equal(ssh_state(n), NAT_TCP_ESTABLISHED);
}

/* A blind RST (a guessed sequence number) leaves an idle connection as it
 * was, long after the 10 s a RST'd session lives; a RST in the window
 * still ends it. */
static void test_tcp_rst_spoofed(void **state)
{
	struct tnat *n = *state;
	const uint8_t A = NAT_TCP_ACK;
	struct nat_stats st;

	ssh_established(n);

	/* Spoofed from outside: passed on (the VM judges it), ignored here. */
	assert_int_equal(
	    tcp_seq(n, false, NAT_TCP_RST | A, 0x5eed0000, 1101, 0, T0 + 1),
	    NAT_FORWARD);
	assert_int_equal(
	    tcp_seq(n, false, NAT_TCP_RST, 7001 + 70000, 0, 0, T0 + 1),
	    NAT_FORWARD);
	assert_int_equal(ssh_state(n), NAT_TCP_ESTABLISHED);
	/* Spoofed data first, to stretch the window the RST is judged by:
	 * an ACK of data the VM never sent, then a lucky ACK with a sequence
	 * number far beyond anything in flight. */
	assert_int_equal(
	    tcp_seq(n, false, A, 0x40000000, 0x12345678, 100, T0 + 1),
	    NAT_FORWARD);
	assert_int_equal(tcp_seq(n, false, A, 0x40000000, 1101, 100, T0 + 1),
			 NAT_FORWARD);
	assert_int_equal(
	    tcp_seq(n, false, NAT_TCP_RST, 0x40000000 + 50, 0, 0, T0 + 1),
	    NAT_FORWARD);
	assert_int_equal(ssh_state(n), NAT_TCP_ESTABLISHED);
	/* A SYN (and a SYN/ACK) from outside with the sequence number the
	 * forger picks, then the RST right behind it. */
	assert_int_equal(
	    tcp_seq(n, false, NAT_TCP_SYN, 0x5eed0000, 0, 0, T0 + 1),
	    NAT_FORWARD);
	assert_int_equal(
	    tcp_seq(n, false, NAT_TCP_SYN | A, 0x6eed0000, 1101, 0, T0 + 1),
	    NAT_FORWARD);
	assert_int_equal(
	    tcp_seq(n, false, NAT_TCP_RST, 0x5eed0001, 0, 0, T0 + 1),
	    NAT_FORWARD);
	assert_int_equal(
	    tcp_seq(n, false, NAT_TCP_RST, 0x6eed0001, 0, 0, T0 + 1),
	    NAT_FORWARD);
	assert_int_equal(ssh_state(n), NAT_TCP_ESTABLISHED);
	nat_stats_get(n->t, &st);
	assert_int_equal(st.rst_ignored, 5);
	expire_all(n, T0 + 21);
	assert_int_equal(ssh_state(n), NAT_TCP_ESTABLISHED);
	expire_all(n, T0 + 3600);
	assert_int_equal(ssh_state(n), NAT_TCP_ESTABLISHED);
	/* The VM speaks after an hour: the connection is there. */
	assert_int_equal(tcp_seq(n, true, A, 1101, 7001, 10, T0 + 3600),
			 NAT_FORWARD);
	assert_int_equal(tcp_seq(n, false, A, 7001, 1111, 0, T0 + 3600),
			 NAT_FORWARD);

	/* The server's own RST (its next sequence number) ends it. */
	assert_int_equal(tcp_seq(n, false, NAT_TCP_RST, 7001, 0, 0, T0 + 3601),
			 NAT_FORWARD);
	assert_int_equal(ssh_state(n), NAT_TCP_CLOSE);
	expire_all(n, T0 + 3612);
	assert_int_equal(ssh_state(n), NAT_TCP_NONE);
}

/* A segment of 400 bytes from the server at @seq, in two fragments (IP
 * identification: the low bits of @seq): the TCP header and 100 bytes,
 * then 300 bytes. */
static void tcp_in_frags(struct tnat *n, uint32_t seq, uint32_t ack,
			 int64_t now)
{
	struct tpkt a, b;

	tp_tcp(&a, REM, 22, EXT, 40000, NAT_TCP_ACK, 0, 100);
	pkt_put_be16(a.b + 4, (uint16_t)seq);
	tp_put32(a.b + 24, seq);
	tp_put32(a.b + 28, ack);
	pkt_put_be16(a.b + 6, 0x2000); /* MF */
	tp_fix(a.b, false);
	tp_ip(&b, NAT_PROTO_TCP, REM, EXT, 300);
	pkt_put_be16(b.b + 4, (uint16_t)seq);
	pkt_put_be16(b.b + 6, 120 / 8); /* the rest, MF clear */
	tp_fix(b.b, false);
	assert_int_equal(tnat_in(n, &a, now), NAT_FORWARD);
	assert_int_equal(tnat_in(n, &b, now), NAT_FORWARD);
}

/* TCP in fragments: the window takes the whole segment (the first fragment
 * has the header, the last says where the segment ends), so the VM's ACK
 * of it counts, and the server's FIN after it closes the connection. */
static void test_tcp_fragments(void **state)
{
	struct tnat *n = *state;
	const uint8_t A = NAT_TCP_ACK;

	ssh_established(n);
	tcp_in_frags(n, 7001, 1101, T0 + 1);
	assert_int_equal(tcp_seq(n, true, A, 1101, 7401, 10, T0 + 1),
			 NAT_FORWARD);
	tcp_in_frags(n, 7401, 1111, T0 + 1);
	assert_int_equal(tcp_seq(n, true, A, 1111, 7801, 0, T0 + 1),
			 NAT_FORWARD);
	assert_int_equal(
	    tcp_seq(n, false, NAT_TCP_FIN | A, 7801, 1111, 0, T0 + 2),
	    NAT_FORWARD);
	assert_int_equal(ssh_state(n), NAT_TCP_FIN_WAIT);
	assert_int_equal(
	    tcp_seq(n, true, NAT_TCP_FIN | A, 1111, 7802, 0, T0 + 2),
	    NAT_FORWARD);
	assert_int_equal(tcp_seq(n, false, A, 7802, 1112, 0, T0 + 2),
			 NAT_FORWARD);
	assert_int_equal(ssh_state(n), NAT_TCP_TIME_WAIT);
}

/* A RST answering a segment carries that segment's ACK: data in flight
 * leaves a window between what was acked and what was sent. */
static void test_tcp_rst_in_flight(void **state)
{
	struct tnat *n = *state;
	const uint8_t A = NAT_TCP_ACK;

	tcp_seq(n, true, NAT_TCP_SYN, 1000, 0, 0, T0);
	tcp_seq(n, false, NAT_TCP_SYN | A, 7000, 1001, 0, T0);
	tcp_seq(n, true, A, 1001, 7001, 0, T0);
	/* The server sends 1000 bytes the VM has not acked yet. */
	tcp_seq(n, false, A, 7001, 1001, 1000, T0);
	assert_int_equal(ssh_state(n), NAT_TCP_ESTABLISHED);
	/* Beyond what the server sent, before what the VM acked: ignored. */
	tcp_seq(n, false, NAT_TCP_RST, 8002, 0, 0, T0);
	tcp_seq(n, false, NAT_TCP_RST, 7000, 0, 0, T0);
	assert_int_equal(ssh_state(n), NAT_TCP_ESTABLISHED);
	/* Inside: accepted. */
	tcp_seq(n, false, NAT_TCP_RST, 7500, 0, 0, T0);
	assert_int_equal(ssh_state(n), NAT_TCP_CLOSE);
	/* The port pair opens again from CLOSE with fresh numbers. */
	tcp_seq(n, true, NAT_TCP_SYN, 90000, 0, 0, T0 + 1);
	assert_int_equal(ssh_state(n), NAT_TCP_SYN_SENT);
	tcp_seq(n, false, NAT_TCP_SYN | A, 4000, 90001, 0, T0 + 1);
	tcp_seq(n, true, A, 90001, 4001, 0, T0 + 1);
	assert_int_equal(ssh_state(n), NAT_TCP_ESTABLISHED);
	/* From the VM's side too: its own RST is in its window. */
	tcp_seq(n, true, NAT_TCP_RST | A, 90001, 4001, 0, T0 + 2);
	assert_int_equal(ssh_state(n), NAT_TCP_CLOSE);
	/* A segment lost before the NAT leaves a gap in what the server
	 * sent; its RST at the end of what came after still counts. */
	tcp_seq(n, true, NAT_TCP_SYN, 50000, 0, 0, T0 + 3);
	tcp_seq(n, false, NAT_TCP_SYN | A, 3000, 50001, 0, T0 + 3);
	tcp_seq(n, true, A, 50001, 3001, 0, T0 + 3);
	tcp_seq(n, false, A, 3001 + 1448, 50001, 1448, T0 + 3);
	tcp_seq(n, false, NAT_TCP_RST, 3001 + 2 * 1448, 0, 0, T0 + 3);
	assert_int_equal(ssh_state(n), NAT_TCP_CLOSE);
}

/* A half-closed connection (the VM sent FIN, the server still works)
 * lives as long as an established one, and data after the FIN keeps it;
 * once both FINs are seen it closes in at least 4 minutes. */
static void test_tcp_half_close(void **state)
{
	struct tnat *n = *state;
	const uint8_t A = NAT_TCP_ACK, F = NAT_TCP_FIN;
	int64_t t = T0 + 600;

	tcp_seq(n, true, NAT_TCP_SYN, 1000, 0, 0, T0);
	tcp_seq(n, false, NAT_TCP_SYN | A, 7000, 1001, 0, T0);
	tcp_seq(n, true, A, 1001, 7001, 0, T0);
	/* A FIN spoofed from outside with a guessed sequence number. */
	tcp_seq(n, false, F | A, 0x5eed0000, 1001, 0, T0);
	assert_int_equal(ssh_state(n), NAT_TCP_ESTABLISHED);
	/* The request, then the VM's FIN (shutdown(SHUT_WR)). */
	tcp_seq(n, true, F | A, 1001, 7001, 50, T0);
	assert_int_equal(ssh_state(n), NAT_TCP_FIN_WAIT);
	tcp_seq(n, false, A, 7001, 1052, 0, T0);
	assert_int_equal(tnat_find(n, NAT_PROTO_TCP, REM, 22).si.expires,
			 T0 + 7440);
	/* The server thinks for ten minutes, then answers for an hour. */
	expire_all(n, t);
	assert_int_equal(ssh_state(n), NAT_TCP_FIN_WAIT);
	assert_int_equal(tcp_seq(n, false, A, 7001, 1052, 1000, t),
			 NAT_FORWARD);
	assert_int_equal(tcp_seq(n, true, A, 1052, 8001, 0, t), NAT_FORWARD);
	t += 3600;
	expire_all(n, t);
	assert_int_equal(tcp_seq(n, false, A, 8001, 1052, 1000, t),
			 NAT_FORWARD);
	/* Its FIN, the VM's last ACK: four minutes of TIME_WAIT. */
	tcp_seq(n, false, F | A, 9001, 1052, 0, t);
	assert_int_equal(ssh_state(n), NAT_TCP_LAST_ACK);
	assert_int_equal(tnat_find(n, NAT_PROTO_TCP, REM, 22).si.expires,
			 t + 240);
	tcp_seq(n, true, A, 1052, 9002, 0, t);
	assert_int_equal(ssh_state(n), NAT_TCP_TIME_WAIT);
	expire_all(n, t + 239);
	assert_int_equal(ssh_state(n), NAT_TCP_TIME_WAIT);
	expire_all(n, t + 241);
	assert_int_equal(ssh_state(n), NAT_TCP_NONE);
}

/* An unanswered SYN goes after its timeout. */
static void test_tcp_syn_timeout(void **state)
{
	struct tnat *n = *state;
	struct nat_stats st;

	tcp(n, true, NAT_TCP_SYN, T0);
	/* RFC 5382 REQ-5: transitory idle timeout at least 4 minutes. */
	expire_all(n, T0 + 239);
	assert_int_equal(tcp_state(n), NAT_TCP_SYN_SENT);
	expire_all(n, T0 + 241);
	assert_int_equal(tcp_state(n), NAT_TCP_NONE);
	assert_int_equal(tnat_find(n, 0, 0, 0).mappings, 1);
	expire_all(n, T0 + 241 + 121);
	nat_stats_get(n->t, &st);
	assert_int_equal(st.expired, 2); /* session and mapping */
	assert_int_equal(st.sessions + st.mappings, 0);
}

/* UDP: 30 s unanswered, 120 s once answered; ICMP echo 60 s (RFC 5508
 * REQ-2: an ICMP query session timer must not expire in under 60 s). */
static void test_udp_icmp_timeouts(void **state)
{
	struct tnat *n = *state;
	struct tpkt p;

	tp_udp(&p, VM1, 1111, REM, 53, 4, false);
	assert_int_equal(tnat_out(n, &p, T0), NAT_FORWARD);
	tp_udp(&p, VM1, 2222, REM, 53, 4, false);
	assert_int_equal(tnat_out(n, &p, T0), NAT_FORWARD);
	tp_udp(&p, REM, 53, EXT, 2222, 4, false);
	assert_int_equal(tnat_in(n, &p, T0), NAT_FORWARD);
	tp_echo(&p, VM1, REM2, 8, 5);
	assert_int_equal(tnat_out(n, &p, T0), NAT_FORWARD);
	assert_int_equal(tnat_find(n, 0, 0, 0).sessions, 3);
	expire_all(n, T0 + 31);
	assert_int_equal(tnat_find(n, 0, 0, 0).sessions, 2);
	assert_true(tnat_find(n, NAT_PROTO_UDP, REM, 53).si.replied);
	assert_int_equal(tnat_find(n, NAT_PROTO_ICMP, REM2, 0).si.expires,
			 T0 + 60);
	expire_all(n, T0 + 50);
	assert_int_equal(tnat_find(n, 0, 0, 0).sessions, 2);
	/* A reply 50 s later still finds its session, and renews it. */
	tp_echo(&p, REM2, EXT, 0,
		tnat_find(n, NAT_PROTO_ICMP, REM2, 0).si.ext_port);
	assert_int_equal(tnat_in(n, &p, T0 + 50), NAT_FORWARD);
	expire_all(n, T0 + 109);
	assert_int_equal(tnat_find(n, 0, 0, 0).sessions, 2);
	expire_all(n, T0 + 119);
	assert_int_equal(tnat_find(n, 0, 0, 0).sessions, 1);
	expire_all(n, T0 + 121);
	assert_int_equal(tnat_find(n, 0, 0, 0).sessions, 0);
}

/* Expiry visits at most @budget slots and entries per call. */
static void test_expire_budget(void **state)
{
	struct tnat *n = *state;
	struct tpkt p;
	unsigned calls = 0;

	for (unsigned i = 0; i < 20; i++) {
		tp_udp(&p, VM1, (uint16_t)(20000 + i), REM, 53, 4, false);
		assert_int_equal(tnat_out(n, &p, T0), NAT_FORWARD);
	}
	assert_true(nat_expire(n->t, T0, 100));
	while (!nat_expire(n->t, T0 + 200, 8))
		calls++;
	assert_true(calls > 20);
	assert_int_equal(
	    tnat_find(n, 0, 0, 0).sessions + tnat_find(n, 0, 0, 0).mappings, 0);
	/* A clock far ahead: still bounded, and it catches up. */
	assert_false(nat_expire(n->t, T0 + 1000000, 100));
	while (!nat_expire(n->t, T0 + 1000000, 100))
		;
}

/* Some traffic of every kind, for the restart tests. */
static void populate(struct tnat *n)
{
	struct tpkt p;
	char err[160];

	tcp(n, true, NAT_TCP_SYN, T0);
	tcp(n, false, NAT_TCP_SYN | NAT_TCP_ACK, T0);
	tcp(n, true, NAT_TCP_ACK, T0);
	tp_udp(&p, VM2, 5353, REM2, 53, 4, false);
	assert_int_equal(tnat_out(n, &p, T0), NAT_FORWARD);
	tp_echo(&p, VM1, REM2, 8, 44);
	assert_int_equal(tnat_out(n, &p, T0), NAT_FORWARD);
	assert_int_equal(nat_forward_add(n->t, NAT_PROTO_TCP, 2222, VM5, 22,
					 err, sizeof(err)),
			 0);
	tp_tcp(&p, REM2, 60000, EXT, 2222, NAT_TCP_SYN, 0, 0);
	assert_int_equal(tnat_in(n, &p, T0), NAT_FORWARD);
}

struct snap {
	unsigned n;
	struct nat_session_info si[64];
};

static void snap_cb(const struct nat_session_info *si, void *arg)
{
	struct snap *s = arg;

	s->si[s->n++] = *si;
}

static struct snap take(const struct tnat *n)
{
	struct snap s;

	memset(&s, 0, sizeof(s));
	(void)nat_session_walk(n->t, 0, ~0u, snap_cb, &s);
	return s;
}

/* Restart: the region, copied elsewhere (another mapping of the file),
 * is attached by a new process with a new hash key; every connection is
 * there and translates as before. */
static void test_attach_restart(void **state)
{
	struct tnat *n = *state, m = *n;
	struct nat_attach_info info;
	struct snap a, b;
	struct tpkt p;
	char err[160];

	populate(n);
	a = take(n);
	m.mem = aligned_alloc(64, (n->size + 63) & ~(size_t)63);
	memcpy(m.mem, n->mem, n->size);
	m.cfg.hash_key[0] = 42;
	m.cfg.hash_key[1] = 43;
	assert_int_equal(nat_table_attach(m.mem, m.size, &m.cfg, T0 + 10, &m.t,
					  &info, err, sizeof(err)),
			 0);
	assert_int_equal(info.kept, a.n);
	assert_int_equal(info.discarded, 0);
	b = take(&m);
	assert_int_equal(b.n, a.n);
	assert_memory_equal(a.si, b.si, a.n * sizeof(a.si[0]));

	/* The established connection carries on in both directions. */
	tcp(&m, true, NAT_TCP_ACK, T0 + 10);
	tcp(&m, false, NAT_TCP_ACK, T0 + 10);
	assert_int_equal(tcp_state(&m), NAT_TCP_ESTABLISHED);
	tp_udp(&p, REM2, 53, EXT, 5353, 4, false);
	assert_int_equal(tnat_in(&m, &p, T0 + 10), NAT_FORWARD);
	assert_int_equal(tp_dst(&p), VM2);
	tp_tcp(&p, VM5, 22, REM2, 60000, NAT_TCP_SYN | NAT_TCP_ACK, 0, 0);
	assert_int_equal(tnat_out(&m, &p, T0 + 10), NAT_FORWARD);
	assert_int_equal(tp_sport(&p), 2222);
	/* A new flow does not take a port in use. */
	tp_tcp(&p, VM2, 40000, REM, 80, NAT_TCP_SYN, 0, 0);
	assert_int_equal(tnat_out(&m, &p, T0 + 10), NAT_FORWARD);
	assert_int_not_equal(tp_sport(&p), 40000);
	/* Expiry runs on the attached table. */
	expire_all(&m, T0 + 10 + 7441);
	assert_int_equal(tnat_find(&m, 0, 0, 0).sessions, 0);
	assert_int_equal(tnat_find(&m, 0, 0, 0).forwards, 1);
	tnat_stop(&m);
}

/* A damaged, foreign, old or other-boot region is refused with a reason. */
static void test_attach_refused(void **state)
{
	struct tnat *n = *state;
	struct nat_table *t = NULL;
	struct nat_hdr *h = n->mem, save = *h;
	struct nat_config cfg = n->cfg;
	char err[160];

	populate(n);
	save = *h;
	h->magic ^= 1;
	assert_int_equal(nat_table_attach(n->mem, n->size, &cfg, T0, &t, NULL,
					  err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "magic"));
	*h = save;
	h->version = 9;
	h->csum = nat_hdr_csum(h);
	assert_int_equal(nat_table_attach(n->mem, n->size, &cfg, T0, &t, NULL,
					  err, sizeof(err)),
			 -EPROTO);
	assert_non_null(strstr(err, "version 9"));
	*h = save;
	h->inside_net ^= 0x100; /* without a new checksum */
	assert_int_equal(nat_table_attach(n->mem, n->size, &cfg, T0, &t, NULL,
					  err, sizeof(err)),
			 -EBADMSG);
	assert_non_null(strstr(err, "checksum"));
	*h = save;
	h->csum ^= 1;
	assert_int_equal(nat_table_attach(n->mem, n->size, &cfg, T0, &t, NULL,
					  err, sizeof(err)),
			 -EBADMSG);
	*h = save;
	cfg.epoch++;
	assert_int_equal(nat_table_attach(n->mem, n->size, &cfg, T0, &t, NULL,
					  err, sizeof(err)),
			 -ESTALE);
	assert_non_null(strstr(err, "another boot"));
	cfg.epoch--;
	cfg.capacity = 128;
	assert_int_equal(nat_table_attach(n->mem, n->size, &cfg, T0, &t, NULL,
					  err, sizeof(err)),
			 -ERANGE);
	cfg.capacity = 64;
	assert_int_equal(
	    nat_table_attach(n->mem, 100, &cfg, T0, &t, NULL, err, sizeof(err)),
	    -EINVAL);
	assert_int_equal(nat_table_attach(n->mem, n->size - 1, &cfg, T0, &t,
					  NULL, err, sizeof(err)),
			 -ERANGE);
	assert_null(t);
	/* Untouched, it attaches. */
	assert_int_equal(nat_table_attach(n->mem, n->size, &cfg, T0, &t, NULL,
					  err, sizeof(err)),
			 0);
	nat_table_detach(t);
}

/* Damaged entries are discarded one by one; the rest is kept. */
static void test_attach_repairs(void **state)
{
	struct tnat *n = *state;
	struct nat_table *t;
	struct nat_attach_info info;
	struct nat_entry *e;
	struct tpkt p;
	char err[160];
	unsigned live = 0, sess[8], ns = 0;

	populate(n);
	e = n->t->e;
	for (uint32_t i = 0; i < n->t->cap; i++) {
		if (e[i].kind)
			live++;
		if (e[i].kind == NAT_KIND_SESSION && ns < 8)
			sess[ns++] = i;
	}
	assert_true(ns >= 4);
	e[sess[0]].map = 1000000;	/* index out of range */
	e[sess[1]].proto = 47;		/* unknown protocol */
	e[sess[2]].state = 99;		/* no such state */
	e[sess[3]].expires += 1u << 30; /* far future */
	nat_table_detach(n->t);
	n->t = NULL;
	assert_int_equal(nat_table_attach(n->mem, n->size, &n->cfg, T0, &t,
					  &info, err, sizeof(err)),
			 0);
	n->t = t;
	assert_int_equal(info.discarded, 4);
	assert_int_equal(info.kept, live - 4);
	/* A duplicate of a live forward is dropped too. */
	{
		uint32_t src = NAT_NIL, dst = NAT_NIL;

		for (uint32_t i = 0; i < t->cap; i++) {
			if (e[i].kind == NAT_KIND_FORWARD && src == NAT_NIL)
				src = i;
			else if (!e[i].kind && dst == NAT_NIL)
				dst = i;
		}
		assert_int_not_equal(src, NAT_NIL);
		e[dst] = e[src];
		nat_table_detach(t);
		assert_int_equal(nat_table_attach(n->mem, n->size, &n->cfg, T0,
						  &t, &info, err, sizeof(err)),
				 0);
		n->t = t;
		assert_int_equal(info.discarded, 1);
	}
	/* What is left still works: new flows get entries. */
	tp_udp(&p, VM1, 999, REM, 53, 4, false);
	assert_int_equal(tnat_out(n, &p, T0), NAT_FORWARD);
}

/* Flush drops sessions and mappings, keeps forwards. */
static void test_flush(void **state)
{
	struct tnat *n = *state;
	struct tfind f;
	struct tpkt p;

	populate(n);
	assert_true(tnat_flush(n) > 0);
	f = tnat_find(n, 0, 0, 0);
	assert_int_equal(f.sessions + f.mappings, 0);
	assert_int_equal(f.forwards, 1);
	tp_tcp(&p, REM2, 60001, EXT, 2222, NAT_TCP_SYN, 0, 0);
	assert_int_equal(tnat_in(n, &p, T0), NAT_FORWARD);
}

static void count_cb(const struct nat_session_info *si, void *arg)
{
	(void)si;
	(*(unsigned *)arg)++;
}

/* A forward with @k sessions opened from outside and @u UDP flows of VM1's
 * through their own mappings. */
static void forward_with_sessions(struct tnat *n, unsigned k, unsigned u)
{
	struct tpkt p;
	char err[160];

	assert_int_equal(nat_forward_add(n->t, NAT_PROTO_TCP, 2222, VM5, 22,
					 err, sizeof(err)),
			 0);
	for (unsigned i = 0; i < k; i++) {
		tp_tcp(&p, REM2, (uint16_t)(10000 + i), EXT, 2222, NAT_TCP_SYN,
		       0, 0);
		assert_int_equal(tnat_in(n, &p, T0), NAT_FORWARD);
	}
	for (unsigned i = 0; i < u; i++) {
		tp_udp(&p, VM1, (uint16_t)(3000 + i), REM, 53, 4, false);
		assert_int_equal(tnat_out(n, &p, T0), NAT_FORWARD);
	}
}

/* The calls that may visit many entries visit at most their budget per
 * call (the gateway holds its lock for one call): freeing a forward's
 * sessions, a flush, a listing; a forward's sessions are found through the
 * forward, also after attach, and no one else's go with them. */
static void test_slices(void **state)
{
	struct tnat n, m;
	struct nat_attach_info info;
	struct nat_stats st;
	unsigned k, cnt = 0, calls = 0, total = 0;
	uint32_t pos = 0;
	char err[160];
	bool done;

	(void)state;
	tnat_cfg(&n, 4096);
	assert_int_equal(tnat_start(&n), 0);
	forward_with_sessions(&n, NAT_SLICE + 200, 10);
	nat_stats_get(n.t, &st);
	assert_int_equal(st.sessions, NAT_SLICE + 210);

	/* Listing: 16 entries looked at per call. */
	do {
		k = cnt;
		pos = nat_session_walk(n.t, pos, 16, count_cb, &cnt);
		assert_true(cnt - k <= 16);
		calls++;
	} while (pos);
	assert_int_equal(cnt, st.sessions + st.mappings + st.forwards);
	assert_true(calls >= 4096 / 16);

	/* Restart: the forward's sessions are still its own. */
	m = n;
	m.mem = aligned_alloc(64, (n.size + 63) & ~(size_t)63);
	memcpy(m.mem, n.mem, n.size);
	assert_int_equal(nat_table_attach(m.mem, m.size, &m.cfg, T0 + 1, &m.t,
					  &info, err, sizeof(err)),
			 0);
	assert_int_equal(nat_forward_del(m.t, NAT_PROTO_TCP, 2222), -EAGAIN);
	nat_stats_get(m.t, &st);
	assert_int_equal(st.sessions, 210);
	assert_int_equal(st.forwards, 1);
	assert_int_equal(nat_forward_del(m.t, NAT_PROTO_TCP, 2222), 0);
	nat_stats_get(m.t, &st);
	assert_int_equal(st.sessions, 10);
	assert_int_equal(st.mappings, 10);
	assert_int_equal(st.forwards, 0);
	assert_int_equal(tnat_find(&m, NAT_PROTO_UDP, REM, 53).sessions, 10);
	tnat_stop(&m);

	/* Flush: 16 entries looked at per call, forwards stay. */
	pos = 0;
	calls = 0;
	do {
		done = nat_flush(n.t, &pos, 16, &k);
		assert_true(k <= 16);
		total += k;
		calls++;
	} while (!done);
	assert_int_equal(total, NAT_SLICE + 210 + 10);
	assert_int_equal(calls, 2 * 4096 / 16);
	nat_stats_get(n.t, &st);
	assert_int_equal(st.sessions + st.mappings, 0);
	assert_int_equal(st.forwards, 1);
	tnat_stop(&n);
}

/* Forwards take at most a quarter of the table, and a forward that does
 * not fit is refused with the table unchanged. */
static void test_forward_limits(void **state)
{
	struct tnat *n = *state;
	struct nat_stats st;
	struct tpkt p;
	char err[160];
	unsigned max = NAT_FORWARDS_MAX(64), i;

	assert_int_equal(max, 16);
	for (i = 0; i < max - 2; i++) /* an even number left for flows */
		assert_int_equal(nat_forward_add(n->t, NAT_PROTO_TCP,
						 (uint16_t)(1000 + i), VM5, 80,
						 err, sizeof(err)),
				 0);
	/* Answered flows (early drop takes none) fill the rest. */
	for (i = 0;; i++) {
		tp_udp(&p, VM1, (uint16_t)(2000 + i), REM, 53, 8, false);
		if (tnat_out(n, &p, T0) != NAT_FORWARD)
			break;
		tp_udp(&p, REM, 53, EXT, (uint16_t)(2000 + i), 8, false);
		assert_int_equal(tnat_in(n, &p, T0), NAT_FORWARD);
	}
	assert_int_equal(n->v.drop, NAT_DROP_TABLE_FULL);
	nat_stats_get(n->t, &st);
	err[0] = 0;
	assert_int_equal(nat_forward_add(n->t, NAT_PROTO_TCP, 3000, VM5, 80,
					 err, sizeof(err)),
			 -ENOSPC);
	assert_non_null(strstr(err, "table full"));
	assert_int_equal(tnat_flush(n), st.sessions + st.mappings);
	assert_int_equal(nat_forward_add(n->t, NAT_PROTO_TCP, 3000, VM5, 80,
					 err, sizeof(err)),
			 0);
	assert_int_equal(nat_forward_add(n->t, NAT_PROTO_TCP, 3002, VM5, 80,
					 err, sizeof(err)),
			 0);
	/* The quarter is reached: the next is refused, nothing stored. */
	err[0] = 0;
	assert_int_equal(nat_forward_add(n->t, NAT_PROTO_UDP, 3001, VM5, 80,
					 err, sizeof(err)),
			 -ENOSPC);
	assert_non_null(strstr(err, "a quarter of it"));
	nat_stats_get(n->t, &st);
	assert_int_equal(st.forwards, max);
	tp_udp(&p, REM2, 4000, EXT, 3001, 8, false);
	assert_int_not_equal(tnat_in(n, &p, T0), NAT_FORWARD);
	/* Room for sessions is left. */
	tp_udp(&p, VM1, 5000, REM, 53, 8, false);
	assert_int_equal(tnat_out(n, &p, T0), NAT_FORWARD);
}

static void fwd_cb(const struct nat_session_info *si, void *arg)
{
	*(struct nat_session_info *)arg = *si;
}

/* A new external address: old mappings go, forwards follow. */
static void test_new_address(void **state)
{
	struct tnat *n = *state;
	struct nat_config cfg = n->cfg;
	struct nat_session_info fw;
	struct tfind f;
	struct tpkt p;
	char err[160];

	populate(n);
	cfg.ext_addr[0] = EXT2;
	assert_int_equal(nat_table_configure(n->t, &cfg, T0, err, sizeof(err)),
			 0);
	f = tnat_find(n, 0, 0, 0);
	assert_int_equal(f.mappings, 0);
	assert_int_equal(f.forwards, 1);
	assert_int_equal(f.sessions, 1); /* the forward's */
	(void)nat_forward_walk(n->t, 0, ~0u, fwd_cb, &fw);
	assert_int_equal(fw.ext_ip, EXT2);
	tp_tcp(&p, VM5, 22, REM2, 60000, NAT_TCP_ACK, 0, 0);
	assert_int_equal(tnat_out(n, &p, T0), NAT_FORWARD);
	assert_int_equal(tp_src(&p), EXT2);
	/* And the header says so: a restart keeps it. */
	{
		struct nat_table *t;

		nat_table_detach(n->t);
		assert_int_equal(nat_table_attach(n->mem, n->size, &cfg, T0, &t,
						  NULL, err, sizeof(err)),
				 0);
		n->t = t;
		assert_int_equal(tnat_find(n, 0, 0, 0).forwards, 1);
	}
	/* Settings are checked. */
	cfg.ext_addr[0] = IP4(10, 10, 0, 9);
	assert_int_equal(nat_table_configure(n->t, &cfg, T0, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "inside"));
}

/* Several external addresses: a VM always appears as the same one
 * (paired pooling), and the VMs spread over them. */
static void test_paired_pool(void **state)
{
	struct tnat n;
	struct tpkt p;
	uint32_t first[40];
	unsigned on2 = 0;

	(void)state;
	tnat_cfg(&n, 256);
	n.cfg.ext_addr[1] = EXT2;
	n.cfg.n_ext = 2;
	assert_int_equal(tnat_start(&n), 0);
	for (unsigned i = 0; i < 40; i++) {
		tp_udp(&p, IP4(10, 10, 0, 10 + i), 5000 + i, REM, 53, 4, false);
		assert_int_equal(tnat_out(&n, &p, T0), NAT_FORWARD);
		first[i] = tp_src(&p);
		on2 += first[i] == EXT2;
	}
	assert_true(on2 > 5 && on2 < 35);
	for (unsigned i = 0; i < 40; i++) {
		tp_tcp(&p, IP4(10, 10, 0, 10 + i), 2000, REM2, 80, NAT_TCP_SYN,
		       0, 0);
		assert_int_equal(tnat_out(&n, &p, T0), NAT_FORWARD);
		assert_int_equal(tp_src(&p), first[i]);
	}
	/* Replies to either address come back. */
	tp_udp(&p, REM, 53, first[0], 5000, 4, false);
	assert_int_equal(tnat_in(&n, &p, T0), NAT_FORWARD);
	assert_int_equal(tp_dst(&p), IP4(10, 10, 0, 10));
	tnat_stop(&n);
}

/* Settings a table refuses, each with its sentence. */
static void test_config_checks(void **state)
{
	static const char *const want[] = {
	    "table size",
	    "table size",
	    "prefix",
	    "external addresses",
	    "external addresses",
	    "unusable",
	    "unusable",
	    "inside",
	    "twice",
	    "empty",
	    "MTU",
	    "unusable",
	    "unusable",
	    "unusable",
	};
	struct tnat n;
	char err[160];

	(void)state;
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct nat_config *c = &n.cfg;

		tnat_cfg(&n, 64);
		switch (i) {
		case 0:
			c->capacity = 8;
			break;
		case 1:
			c->capacity = NAT_MAX_CAPACITY + 1;
			break;
		case 2:
			c->inside_prefix = 31;
			break;
		case 3:
			c->n_ext = 0;
			break;
		case 4:
			c->n_ext = NAT_MAX_EXT + 1;
			break;
		case 5:
			c->ext_addr[0] = 0;
			break;
		case 6:
			c->ext_addr[0] = IP4(224, 0, 0, 1);
			break;
		case 7:
			c->ext_addr[0] = IP4(10, 10, 0, 1);
			break;
		case 8:
			c->ext_addr[1] = EXT;
			c->n_ext = 2;
			break;
		case 9:
			c->port_min = 3000;
			c->port_max = 2000;
			break;
		case 10:
			c->ext_mtu = 500;
			break;
		case 11:
			c->ext_addr[0] = IP4(0, 0, 0, 1);
			break;
		case 12:
			c->ext_addr[0] = IP4(127, 0, 0, 1);
			break;
		case 13:
			c->ext_addr[0] = IP4(240, 0, 0, 1);
			break;
		}
		err[0] = 0;
		assert_int_equal(nat_check_config(c, err, sizeof(err)),
				 -EINVAL);
		if (!strstr(err, want[i]))
			fail_msg("case %u: \"%s\" lacks \"%s\"", i, err,
				 want[i]);
	}
	tnat_cfg(&n, 64);
	assert_int_equal(nat_check_config(&n.cfg, err, sizeof(err)), 0);
	assert_int_equal(nat_table_size(8), 0);
}

/* The child of test_kill9: traffic of every kind until it is killed. */
static void churn(void *mem, size_t size, const struct nat_config *cfg,
		  volatile int64_t *clock)
{
	struct nat_table *t;
	struct nat_verdict v;
	struct tpkt p;
	char err[160];
	int64_t now = T0;

	if (nat_table_init(mem, size, cfg, now, &t, err, sizeof(err)) ||
	    nat_forward_add(t, NAT_PROTO_TCP, 8080, VM5, 80, err, sizeof(err)))
		_exit(1);
	clock[1] = 1; /* formatted: the parent may kill from now on */
	for (uint32_t i = 0;; i++) {
		uint32_t vm = IP4(10, 10, 0, 2 + i % 200);
		uint16_t port = (uint16_t)(1024 + (i / 200) % 60000);

		switch (i % 4) {
		case 0:
			tp_udp(&p, vm, port, REM + i % 7, 53, 8, false);
			nat_out(t, p.b, p.len, 0, now, &v);
			break;
		case 1:
			tp_tcp(&p, vm, port, REM, 443, NAT_TCP_SYN, 1460, 0);
			nat_out(t, p.b, p.len, 0, now, &v);
			break;
		case 2:
			tp_tcp(&p, REM2, port, EXT, 8080, NAT_TCP_SYN, 0, 0);
			nat_in(t, p.b, p.len, 0, now, &v);
			break;
		case 3:
			tp_tcp(&p, REM, 443, EXT, port,
			       i & 4 ? NAT_TCP_RST : NAT_TCP_SYN | NAT_TCP_ACK,
			       0, 0);
			nat_in(t, p.b, p.len, 0, now, &v);
			break;
		}
		if (!(i & 255)) {
			*clock = ++now;
			nat_expire(t, now, 256);
		}
	}
}

/* kill -9 at an arbitrary instruction leaves a region that attaches with
 * nothing discarded: entries are made live last and freed first. */
static void test_kill9(void **state)
{
	struct tnat n;
	size_t size;
	void *mem;
	volatile int64_t *clock;
	unsigned rounds_kept = 0;

	(void)state;
	tnat_cfg(&n, 4096);
	size = nat_table_size(n.cfg.capacity);
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	clock = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(mem != MAP_FAILED && clock != MAP_FAILED);
	for (int r = 0; r < 6; r++) {
		struct timespec ts = {0, (10 + 17 * r) * 1000000L};
		struct nat_attach_info info;
		struct nat_table *t;
		char err[160];
		pid_t pid;
		int st;

		*clock = T0;
		clock[1] = 0;
		pid = fork();
		assert_true(pid >= 0);
		if (!pid)
			churn(mem, size, &n.cfg, clock);
		/* Kill it in the middle of traffic, not before it formatted
		 * the table (a loaded machine may not have run it yet). */
		for (int w = 0; w < 5000 && !clock[1]; w++)
			usleep(1000);
		assert_true(clock[1]);
		nanosleep(&ts, NULL);
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFSIGNALED(st));
		assert_int_equal(nat_table_attach(mem, size, &n.cfg, *clock, &t,
						  &info, err, sizeof(err)),
				 0);
		assert_int_equal(info.discarded, 0);
		rounds_kept += info.kept > 1;
		nat_table_detach(t);
	}
	assert_true(rounds_kept > 0);
	munmap(mem, size);
	munmap((void *)clock, 4096);
}

/* ---- the per-address quota ---- */

static void set_quota(struct tnat *n, uint32_t q)
{
	char err[160];

	n->cfg.sessions_per_ip = q;
	assert_int_equal(
	    nat_table_configure(n->t, &n->cfg, T0, err, sizeof(err)), 0);
}

/* UDP from @ip:@sport to REM:@rport at @now; the action. */
static enum nat_action udp_out(struct tnat *n, uint32_t ip, uint16_t sport,
			       uint16_t rport, int64_t now)
{
	struct tpkt p;

	tp_udp(&p, ip, sport, REM, rport, 4, false);
	return tnat_out(n, &p, now);
}

static uint64_t drops_of(const struct tnat *n, enum nat_drop d)
{
	struct nat_stats st;

	nat_stats_get(n->t, &st);
	return st.drops[d];
}

/*
 * An address at its quota: its new flows are dropped under "quota", its
 * flows in place carry on both ways, another address opens flows; as its
 * sessions expire it opens new ones (through the mappings it kept first,
 * new ports once those have gone too).
 */
static void test_quota(void **state)
{
	struct tnat *n = *state;
	struct tpkt p;

	set_quota(n, 7);
	/* Three flows from three ports: a mapping and a session each. */
	for (uint16_t i = 0; i < 3; i++)
		assert_int_equal(udp_out(n, VM1, 5000 + i, 53, T0),
				 NAT_FORWARD);
	assert_int_equal(nat_ip_count(n->t, VM1), 6);
	/* A fourth port needs two more entries: refused. */
	assert_int_equal(udp_out(n, VM1, 5003, 53, T0), NAT_DROP);
	assert_int_equal(n->v.drop, NAT_DROP_QUOTA);
	assert_int_equal(drops_of(n, NAT_DROP_QUOTA), 1);
	/* Dropped as it came: the source is the VM's, for the log line. */
	tp_udp(&p, VM1, 5003, REM, 53, 4, false);
	assert_int_equal(tnat_out(n, &p, T0), NAT_DROP);
	assert_int_equal(tp_src(&p), VM1);
	/* One more session through a mapping it has fits, then no more. */
	assert_int_equal(udp_out(n, VM1, 5000, 54, T0), NAT_FORWARD);
	assert_int_equal(nat_ip_count(n->t, VM1), 7);
	assert_int_equal(udp_out(n, VM1, 5001, 55, T0), NAT_DROP);
	assert_int_equal(n->v.drop, NAT_DROP_QUOTA);
	/* Its flows in place go on, out and in. */
	assert_int_equal(udp_out(n, VM1, 5002, 53, T0 + 1), NAT_FORWARD);
	tp_udp(&p, REM, 53, EXT, 5002, 4, false);
	assert_int_equal(tnat_in(n, &p, T0 + 1), NAT_FORWARD);
	assert_int_equal(tp_dst(&p), VM1);
	/* Another address is not held back. */
	for (uint16_t i = 0; i < 3; i++)
		assert_int_equal(udp_out(n, VM2, 6000 + i, 53, T0),
				 NAT_FORWARD);
	assert_int_equal(nat_ip_count(n->t, VM2), 6);
	assert_int_equal(nat_ip_count(n->t, VM1), 7);
	assert_int_equal(drops_of(n, NAT_DROP_QUOTA), 3);
	/* The one-way sessions expire after 30 s (the answered one after
	 * 120): their mappings stay, so a session through one fits ... */
	expire_all(n, T0 + 31);
	assert_int_equal(nat_ip_count(n->t, VM1), 4);
	assert_int_equal(udp_out(n, VM1, 5000, 56, T0 + 31), NAT_FORWARD);
	/* ... and no new port yet (4 + 1 + 2 > 7) ... */
	assert_int_equal(udp_out(n, VM1, 5003, 53, T0 + 31), NAT_FORWARD);
	assert_int_equal(nat_ip_count(n->t, VM1), 7);
	assert_int_equal(udp_out(n, VM1, 5004, 53, T0 + 31), NAT_DROP);
	/* ... until everything has gone (expiry runs as time goes). */
	for (int64_t t = T0 + 40; t <= T0 + 400; t += 10)
		expire_all(n, t);
	assert_int_equal(nat_ip_count(n->t, VM1), 0);
	assert_int_equal(nat_ip_count(n->t, VM2), 0);
	for (uint16_t i = 0; i < 3; i++)
		assert_int_equal(udp_out(n, VM1, 5004 + i, 53, T0 + 400),
				 NAT_FORWARD);
	/* 0: no quota. */
	set_quota(n, 0);
	assert_int_equal(udp_out(n, VM1, 5010, 53, T0 + 400), NAT_FORWARD);
	assert_int_equal(nat_ip_count(n->t, VM1), 8);
}

/*
 * Forwards and the sessions remotes open through them are the
 * administrator's and the remotes' doing: not counted, not refused; the
 * target's own flows are, and the counts follow a flush.
 */
static void test_quota_forward(void **state)
{
	struct tnat *n = *state;
	struct tpkt p;
	char err[160];

	set_quota(n, 2);
	assert_int_equal(nat_forward_add(n->t, NAT_PROTO_TCP, 2222, VM5, 22,
					 err, sizeof(err)),
			 0);
	for (uint16_t i = 0; i < 5; i++) {
		tp_tcp(&p, REM2, (uint16_t)(10000 + i), EXT, 2222, NAT_TCP_SYN,
		       0, 0);
		assert_int_equal(tnat_in(n, &p, T0), NAT_FORWARD);
	}
	/* The server answers the connections made to it. */
	tp_tcp(&p, VM5, 22, REM2, 10000, NAT_TCP_SYN | NAT_TCP_ACK, 0, 0);
	assert_int_equal(tnat_out(n, &p, T0), NAT_FORWARD);
	assert_int_equal(nat_ip_count(n->t, VM5), 0);
	/* Its own flows count: one fits, a second does not. */
	assert_int_equal(udp_out(n, VM5, 7000, 53, T0), NAT_FORWARD);
	assert_int_equal(udp_out(n, VM5, 7001, 53, T0), NAT_DROP);
	assert_int_equal(n->v.drop, NAT_DROP_QUOTA);
	assert_int_equal(nat_ip_count(n->t, VM5), 2);
	/* A flow from the forwarded port to a new remote is the VM's. */
	tp_tcp(&p, VM5, 22, REM, 443, NAT_TCP_SYN, 0, 0);
	assert_int_equal(tnat_out(n, &p, T0), NAT_DROP);
	assert_int_equal(n->v.drop, NAT_DROP_QUOTA);
	tnat_flush(n);
	assert_int_equal(nat_ip_count(n->t, VM5), 0);
	tp_tcp(&p, VM5, 22, REM, 443, NAT_TCP_SYN, 0, 0);
	assert_int_equal(tnat_out(n, &p, T0), NAT_FORWARD);
	assert_int_equal(nat_ip_count(n->t, VM5), 1);
}

/*
 * A SYN/ACK with no session answers nothing through a forward (a SYN
 * through one makes its session as it comes in) nor without a mapping: a
 * forward's target cannot open sessions in remotes' names, outside its
 * quota, and hold the table with its own RSTs.  Through the VM's dynamic
 * mapping it answers a SYN endpoint-independent filtering let in, and
 * counts.
 */
static void test_synack_answers(void **state)
{
	struct tnat *n = *state;
	struct tpkt p;
	char err[160];
	uint16_t port;

	set_quota(n, 2);
	assert_int_equal(nat_forward_add(n->t, NAT_PROTO_TCP, 2222, VM5, 22,
					 err, sizeof(err)),
			 0);
	for (uint16_t i = 0; i < 100; i++) {
		tp_tcp(&p, VM5, 22, REM, (uint16_t)(1000 + i),
		       NAT_TCP_SYN | NAT_TCP_ACK, 0, 0);
		assert_int_equal(tnat_out(n, &p, T0), NAT_DROP);
		assert_int_equal(n->v.drop, NAT_DROP_TCP_NOT_SYN);
		tp_tcp(&p, VM5, 22, REM, (uint16_t)(1000 + i), NAT_TCP_RST, 0,
		       0);
		assert_int_equal(tnat_out(n, &p, T0), NAT_DROP);
	}
	assert_int_equal(tnat_find(n, NAT_PROTO_TCP, REM, 1000).sessions, 0);
	assert_int_equal(nat_ip_count(n->t, VM5), 0);
	/* Nor from a port with no mapping. */
	tp_tcp(&p, VM1, 8000, REM, 1000, NAT_TCP_SYN | NAT_TCP_ACK, 0, 0);
	assert_int_equal(tnat_out(n, &p, T0), NAT_DROP);
	assert_int_equal(n->v.drop, NAT_DROP_TCP_NOT_SYN);
	/* Others' flows are not held back. */
	assert_int_equal(udp_out(n, VM1, 5000, 53, T0), NAT_FORWARD);
	/* A remote's SYN through the forward: answered, not counted. */
	tp_tcp(&p, REM2, 10000, EXT, 2222, NAT_TCP_SYN, 0, 0);
	assert_int_equal(tnat_in(n, &p, T0), NAT_FORWARD);
	tp_tcp(&p, VM5, 22, REM2, 10000, NAT_TCP_SYN | NAT_TCP_ACK, 0, 0);
	assert_int_equal(tnat_out(n, &p, T0), NAT_FORWARD);
	assert_int_equal(tp_sport(&p), 2222);
	assert_int_equal(nat_ip_count(n->t, VM5), 0);
	/* Through a dynamic mapping (EIF): VM2's SYN made it, a second
	 * remote's SYN comes in by it, VM2's SYN/ACK opens the session. */
	tp_tcp(&p, VM2, 40000, REM, 80, NAT_TCP_SYN, 0, 0);
	assert_int_equal(tnat_out(n, &p, T0), NAT_FORWARD);
	port = tp_sport(&p);
	assert_int_equal(nat_ip_count(n->t, VM2), 2);
	tp_tcp(&p, REM2, 7000, EXT, port, NAT_TCP_SYN, 0, 0);
	assert_int_equal(tnat_in(n, &p, T0), NAT_FORWARD);
	assert_int_equal(tp_dst(&p), VM2);
	set_quota(n, 3);
	tp_tcp(&p, VM2, 40000, REM2, 7000, NAT_TCP_SYN | NAT_TCP_ACK, 0, 0);
	assert_int_equal(tnat_out(n, &p, T0), NAT_FORWARD);
	assert_int_equal(nat_ip_count(n->t, VM2), 3);
	assert_int_equal(tnat_find(n, NAT_PROTO_TCP, REM2, 7000).si.state,
			 NAT_TCP_SYN_RECV);
}

/*
 * Early drop takes TCP sessions that never reached ESTABLISHED, whatever
 * state they are in: a remote's SYN through a forward then a RST, or the
 * server's SYN/ACK then a FIN, leave CLOSE and FIN_WAIT sessions their
 * sender can keep fresh; a full table of them still lets a new flow in.
 * An established connection stays, through its close too.
 */
static void test_early_drop_unestablished(void **state)
{
	struct tnat *n = *state;
	struct tpkt p;
	struct nat_stats st;
	char err[160];
	unsigned i;

	assert_int_equal(nat_forward_add(n->t, NAT_PROTO_TCP, 2222, VM5, 22,
					 err, sizeof(err)),
			 0);
	/* One established connection, then closed by a RST. */
	tcp(n, true, NAT_TCP_SYN, T0);
	tcp(n, false, NAT_TCP_SYN | NAT_TCP_ACK, T0);
	tcp(n, true, NAT_TCP_ACK, T0);
	tcp(n, true, NAT_TCP_RST, T0);
	assert_int_equal(tcp_state(n), NAT_TCP_CLOSE);
	/* Fill the table: SYN then RST, or SYN, SYN/ACK, FIN. */
	for (i = 0; i < 200; i++) {
		uint16_t rp = (uint16_t)(10000 + i);

		tp_tcp(&p, REM2, rp, EXT, 2222, NAT_TCP_SYN, 0, 0);
		if (tnat_in(n, &p, T0) != NAT_FORWARD)
			break;
		if (i & 1) {
			tp_tcp(&p, VM5, 22, REM2, rp, NAT_TCP_SYN | NAT_TCP_ACK,
			       0, 0);
			assert_int_equal(tnat_out(n, &p, T0), NAT_FORWARD);
			tp_tcp(&p, REM2, rp, EXT, 2222,
			       NAT_TCP_FIN | NAT_TCP_ACK, 0, 0);
		} else {
			tp_tcp(&p, REM2, rp, EXT, 2222, NAT_TCP_RST, 0, 0);
		}
		assert_int_equal(tnat_in(n, &p, T0), NAT_FORWARD);
	}
	assert_int_equal(i, 200); /* early drop made room each time */
	nat_stats_get(n->t, &st);
	assert_true(st.early_drops > 0);
	assert_int_equal(st.drops[NAT_DROP_TABLE_FULL], 0);
	/* Another VM's new flow gets in. */
	assert_int_equal(udp_out(n, VM1, 5000, 53, T0), NAT_FORWARD);
	/* The connection that was established is still there. */
	assert_int_equal(tcp_state(n), NAT_TCP_CLOSE);
}

/* A remote's segment through the forward on port 2222 to VM5:22,
 * acknowledging @ack. */
static enum nat_action fwd_ack(struct tnat *n, uint16_t rport, uint8_t flags,
			       uint32_t ack, int64_t now)
{
	struct tpkt p;

	tp_tcp(&p, REM2, rport, EXT, 2222, flags, 0, 0);
	tp_put32(p.b + 20 + 8, ack);
	tp_fix(p.b, false);
	return tnat_in(n, &p, now);
}

/*
 * A remote that never saw the server's SYN/ACK (a spoofed source) cannot
 * complete the handshake through a forward: its ACK must acknowledge the
 * SYN/ACK's ISN + 1.  A blind one is dropped and leaves the session in
 * SYN_RECV with its short timeout, open to early drop; the real one
 * establishes it.  A server sending data before the handshake completes
 * (TCP Fast Open) widens what may be acknowledged to its end.
 */
static void test_blind_ack(void **state)
{
	struct tnat *n = *state;
	struct tpkt p;
	struct nat_stats st;
	struct tfind f;
	char err[160];

	assert_int_equal(nat_forward_add(n->t, NAT_PROTO_TCP, 2222, VM5, 22,
					 err, sizeof(err)),
			 0);
	tp_tcp(&p, REM2, 10000, EXT, 2222, NAT_TCP_SYN, 0, 0);
	assert_int_equal(tnat_in(n, &p, T0), NAT_FORWARD);
	tp_tcp(&p, VM5, 22, REM2, 10000, NAT_TCP_SYN | NAT_TCP_ACK, 0, 0);
	assert_int_equal(tnat_out(n, &p, T0), NAT_FORWARD);
	/* Blind guesses: dropped, nothing moves. */
	assert_int_equal(fwd_ack(n, 10000, NAT_TCP_ACK, 0x12345678, T0 + 1),
			 NAT_DROP);
	assert_int_equal(n->v.drop, NAT_DROP_TCP_BAD_ACK);
	assert_int_equal(
	    fwd_ack(n, 10000, NAT_TCP_ACK | NAT_TCP_FIN, 0x9abcdef0, T0 + 1),
	    NAT_DROP);
	assert_int_equal(fwd_ack(n, 10000, NAT_TCP_ACK, 1002, T0 + 1),
			 NAT_DROP);
	f = tnat_find(n, NAT_PROTO_TCP, REM2, 10000);
	assert_int_equal(f.si.state, NAT_TCP_SYN_RECV);
	assert_int_equal(f.si.expires, T0 + 240);
	assert_int_equal(f.si.pkts_in, 1);
	nat_stats_get(n->t, &st);
	assert_int_equal(st.drops[NAT_DROP_TCP_BAD_ACK], 3);
	/* Close behind (a late duplicate): passed on, not established. */
	assert_int_equal(fwd_ack(n, 10000, NAT_TCP_ACK, 1000, T0 + 2),
			 NAT_FORWARD);
	assert_int_equal(tnat_find(n, NAT_PROTO_TCP, REM2, 10000).si.state,
			 NAT_TCP_SYN_RECV);
	/* The real ACK. */
	assert_int_equal(fwd_ack(n, 10000, NAT_TCP_ACK, 1001, T0 + 2),
			 NAT_FORWARD);
	f = tnat_find(n, NAT_PROTO_TCP, REM2, 10000);
	assert_int_equal(f.si.state, NAT_TCP_ESTABLISHED);
	assert_int_equal(f.si.expires, T0 + 2 + 7440);

	/* Fast Open: the server sends 100 bytes after its SYN/ACK. */
	tp_tcp(&p, REM2, 10001, EXT, 2222, NAT_TCP_SYN, 0, 0);
	assert_int_equal(tnat_in(n, &p, T0), NAT_FORWARD);
	tp_tcp(&p, VM5, 22, REM2, 10001, NAT_TCP_SYN | NAT_TCP_ACK, 0, 0);
	assert_int_equal(tnat_out(n, &p, T0), NAT_FORWARD);
	tp_tcp(&p, VM5, 22, REM2, 10001, NAT_TCP_ACK, 0, 100);
	assert_int_equal(tnat_out(n, &p, T0), NAT_FORWARD);
	assert_int_equal(fwd_ack(n, 10001, NAT_TCP_ACK, 1001, T0), NAT_FORWARD);
	assert_int_equal(tnat_find(n, NAT_PROTO_TCP, REM2, 10001).si.state,
			 NAT_TCP_SYN_RECV);
	assert_int_equal(fwd_ack(n, 10001, NAT_TCP_ACK, 1102, T0), NAT_DROP);
	assert_int_equal(fwd_ack(n, 10001, NAT_TCP_ACK, 1101, T0), NAT_FORWARD);
	assert_int_equal(tnat_find(n, NAT_PROTO_TCP, REM2, 10001).si.state,
			 NAT_TCP_ESTABLISHED);
}

/* A remote's handshake through the forward on port 2222 to VM5:22 from
 * REM2:@rport; the SYN's action (the rest follows only if it went). */
static enum nat_action fwd_connect(struct tnat *n, uint16_t rport,
				   bool complete, int64_t now)
{
	struct tpkt p;

	tp_tcp(&p, REM2, rport, EXT, 2222, NAT_TCP_SYN, 0, 0);
	if (tnat_in(n, &p, now) != NAT_FORWARD)
		return n->v.action;
	if (!complete)
		return NAT_FORWARD;
	tp_tcp(&p, VM5, 22, REM2, rport, NAT_TCP_SYN | NAT_TCP_ACK, 0, 0);
	assert_int_equal(tnat_out(n, &p, now), NAT_FORWARD);
	assert_int_equal(fwd_ack(n, rport, NAT_TCP_ACK, 1001, now),
			 NAT_FORWARD);
	return NAT_FORWARD;
}

/*
 * Sessions remotes open through forwards take at most half the table:
 * real handshakes beyond are dropped as forward_share and the VMs' own
 * flows still find room; a share full of SYNs nobody completed makes
 * room for a real client (early drop); the count is rebuilt at attach.
 */
static void test_forward_share(void **state)
{
	struct tnat *n = *state, m;
	struct nat_attach_info info;
	char err[160];
	uint16_t i;

	assert_int_equal(nat_forward_add(n->t, NAT_PROTO_TCP, 2222, VM5, 22,
					 err, sizeof(err)),
			 0);
	for (i = 0; i < 64; i++)
		if (fwd_connect(n, (uint16_t)(10000 + i), true, T0) !=
		    NAT_FORWARD)
			break;
	assert_int_equal(i, NAT_FWD_SESSIONS_MAX(64));
	assert_int_equal(n->v.drop, NAT_DROP_FORWARD_SHARE);
	assert_int_equal(drops_of(n, NAT_DROP_FORWARD_SHARE), 1);
	assert_int_equal(n->t->fwd_sess, 32);
	assert_int_equal(tnat_find(n, NAT_PROTO_TCP, REM2, 10000).si.state,
			 NAT_TCP_ESTABLISHED);
	/* The VMs' own flows are not held back. */
	for (uint16_t k = 0; k < 10; k++)
		assert_int_equal(udp_out(n, VM1, (uint16_t)(5000 + k), 53, T0),
				 NAT_FORWARD);
	/* Established connections carry on both ways. */
	assert_int_equal(fwd_ack(n, 10001, NAT_TCP_ACK, 1001, T0 + 1),
			 NAT_FORWARD);
	/* A restart counts them again and holds the share. */
	m = *n;
	nat_table_detach(n->t);
	assert_int_equal(nat_table_attach(m.mem, m.size, &m.cfg, T0 + 2, &n->t,
					  &info, err, sizeof(err)),
			 0);
	assert_int_equal(n->t->fwd_sess, 32);
	assert_int_equal(fwd_connect(n, 20000, true, T0 + 2), NAT_DROP);
	assert_int_equal(n->v.drop, NAT_DROP_FORWARD_SHARE);
	/* As they go, room comes back. */
	tnat_flush(n);
	assert_int_equal(n->t->fwd_sess, 0);
	/* A share full of SYNs: a real client still gets in. */
	for (i = 0; i < 32; i++)
		assert_int_equal(
		    fwd_connect(n, (uint16_t)(30000 + i), false, T0 + 2),
		    NAT_FORWARD);
	assert_int_equal(n->t->fwd_sess, 32);
	assert_int_equal(fwd_connect(n, 20000, true, T0 + 2), NAT_FORWARD);
	assert_int_equal(tnat_find(n, NAT_PROTO_TCP, REM2, 20000).si.state,
			 NAT_TCP_ESTABLISHED);
	assert_true(n->t->fwd_sess <= 32);
}

/* A table attached after a restart counts what it kept, and holds the
 * address at its quota still. */
static void test_quota_attach(void **state)
{
	struct tnat *n = *state, m = *n;
	struct nat_attach_info info;
	char err[160];

	set_quota(n, 4);
	assert_int_equal(udp_out(n, VM1, 5000, 53, T0), NAT_FORWARD);
	assert_int_equal(udp_out(n, VM1, 5000, 54, T0), NAT_FORWARD);
	assert_int_equal(udp_out(n, VM1, 5000, 55, T0), NAT_FORWARD);
	assert_int_equal(udp_out(n, VM2, 6000, 53, T0), NAT_FORWARD);
	m.mem = aligned_alloc(64, (n->size + 63) & ~(size_t)63);
	memcpy(m.mem, n->mem, n->size);
	m.cfg.hash_key[0] = 42;
	m.cfg.sessions_per_ip = 4;
	assert_int_equal(nat_table_attach(m.mem, m.size, &m.cfg, T0 + 1, &m.t,
					  &info, err, sizeof(err)),
			 0);
	assert_int_equal(info.kept, 6);
	assert_int_equal(nat_ip_count(m.t, VM1), 4);
	assert_int_equal(nat_ip_count(m.t, VM2), 2);
	assert_int_equal(udp_out(&m, VM1, 5000, 56, T0 + 1), NAT_DROP);
	assert_int_equal(m.v.drop, NAT_DROP_QUOTA);
	assert_int_equal(udp_out(&m, VM2, 6001, 53, T0 + 1), NAT_FORWARD);
	/* A new subnet of another size re-sizes the count and keeps it. */
	m.cfg.inside_net = IP4(10, 0, 0, 0);
	m.cfg.inside_prefix = 8;
	assert_int_equal(
	    nat_table_configure(m.t, &m.cfg, T0 + 1, err, sizeof(err)), 0);
	assert_int_equal(nat_ip_count(m.t, VM1), 4);
	assert_int_equal(nat_ip_count(m.t, VM2), 4);
	for (int64_t t = T0 + 10; t <= T0 + 400; t += 10)
		expire_all(&m, t);
	assert_int_equal(nat_ip_count(m.t, VM1), 0);
	assert_int_equal(udp_out(&m, VM1, 5000, 56, T0 + 400), NAT_FORWARD);
	tnat_stop(&m);
}

struct ipq_walk {
	unsigned n[256];
};

static void ipq_walk_cb(const struct nat_session_info *si, void *arg)
{
	struct ipq_walk *w = arg;

	if (si->kind != NAT_KIND_FORWARD)
		w->n[si->int_ip & 255]++;
}

/*
 * Many addresses in a small table: flows opened, answered, expired, early
 * dropped and flushed at random; after each step the count of every
 * address is what a walk of the table finds.
 */
static void test_quota_counts(void **state)
{
	struct tnat n;
	uint64_t r = 0x9e3779b97f4a7c15ull;
	int64_t now = T0;

	(void)state;
	tnat_cfg(&n, 64);
	n.cfg.sessions_per_ip = 5;
	assert_int_equal(tnat_start(&n), 0);
	for (unsigned step = 0; step < 3000; step++) {
		struct ipq_walk w = {0};
		uint32_t ip;
		struct tpkt p;

		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		ip = IP4(10, 10, 0, 2 + (unsigned)(r % 200));
		tp_udp(&p, ip, (uint16_t)(1024 + (r >> 8) % 4), REM,
		       (uint16_t)(1 + (r >> 16) % 3), 4, false);
		(void)tnat_out(&n, &p, now);
		if (n.v.action == NAT_FORWARD && (r >> 24) % 2) {
			uint16_t sp = tp_sport(&p), dp = tp_dport(&p);

			tp_udp(&p, REM, dp, EXT, sp, 4, false);
			(void)tnat_in(&n, &p, now);
		}
		if ((r >> 32) % 7 == 0)
			now += (int64_t)((r >> 40) % 60);
		if ((r >> 48) % 500 == 0)
			tnat_flush(&n);
		(void)nat_expire(n.t, now, 1 + (unsigned)((r >> 52) % 64));
		(void)nat_session_walk(n.t, 0, ~0u, ipq_walk_cb, &w);
		for (unsigned a = 0; a < 256; a++)
			if (nat_ip_count(n.t, IP4(10, 10, 0, a)) != w.n[a])
				fail_msg("step %u: 10.10.0.%u counted %u, "
					 "holds %u",
					 step, a,
					 nat_ip_count(n.t, IP4(10, 10, 0, a)),
					 w.n[a]);
	}
	tnat_stop(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_synack_answers, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_early_drop_unestablished,
					    tnat_setup, tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_tcp_states, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_tcp_rst_spoofed, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_tcp_fragments, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_tcp_rst_in_flight, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_tcp_half_close, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_tcp_rst_ignored, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_tcp_syn_timeout, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_udp_icmp_timeouts, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_expire_budget, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_attach_restart, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_attach_refused, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_attach_repairs, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_flush, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_forward_limits, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test(test_slices),
	    cmocka_unit_test(test_paired_pool),
	    cmocka_unit_test(test_kill9),
	    cmocka_unit_test(test_config_checks),
	    cmocka_unit_test_setup_teardown(test_new_address, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_quota, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_quota_forward, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_quota_attach, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test(test_quota_counts),
	    cmocka_unit_test_setup_teardown(test_blind_ack, tnat_setup,
					    tnat_teardown),
	    cmocka_unit_test_setup_teardown(test_forward_share, tnat_setup,
					    tnat_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
