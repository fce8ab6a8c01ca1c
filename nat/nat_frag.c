// SPDX-License-Identifier: GPL-2.0-or-later
/* nat_frag.c - IP fragments: a first fragment's translation, remembered for
 * the fragments that follow it
 *
 * Fragments are not reassembled: that would take up to 64 KB per datagram
 * in flight and a copy.  The first fragment carries the L4 header, is
 * translated like a whole packet, and its new address is kept in a
 * fixed-size table (NAT_FRAG_SLOTS, process memory) for NAT_FRAG_TIMEOUT
 * seconds; later fragments only need that address.  A fragment that comes
 * before its first, or whose slot was taken by another datagram, is
 * dropped.
 *
 * Going out, the datagram also gets an identification of the NAT's own:
 * two VMs' datagrams to one remote may carry the same id, and once both
 * come from the external address the remote would put their fragments
 * together.  Coming in, two first fragments with one key (a remote that
 * repeats an id) but different destinations make the slot ambiguous: the
 * later fragments are dropped rather than risk handing one VM's data to
 * another.
 */
#include "nat_priv.h"

static unsigned frag_slot(const struct nat_table *t, unsigned dir, uint32_t src,
			  uint32_t dst, uint16_t id, uint8_t proto)
{
	return nat_hash(t, NAT_KEY_FRAG, proto, src, id, dst, (uint16_t)dir) &
	       (NAT_FRAG_SLOTS - 1);
}

/**
 * nat_frag_put() - remember a first fragment's translation
 * @t: table
 * @dir: enum nat_dir
 * @src: source as it arrived
 * @dst: destination as it arrived
 * @id: IP identification
 * @proto: protocol
 * @addr: the address written (new source out, new destination in)
 * @sess: a TCP segment's session, for its last fragment to complete the
 *        window (see nat_session_frag_first()), else NAT_NIL
 * @tcp_base: with @sess: the segment's sequence number less its TCP header
 *            length, plus its SYN and FIN
 * @now: caller's seconds
 *
 * The slot is taken over whatever it held: memory stays bounded, and the
 * datagram whose slot was taken loses its later fragments.  A first
 * fragment seen again (duplicated on the way) keeps its slot and id.
 *
 * Return: the identification to write into the datagram's fragments: a new
 * one going out, @id coming in
 */
uint16_t nat_frag_put(struct nat_table *t, unsigned dir, uint32_t src,
		      uint32_t dst, uint16_t id, uint8_t proto, uint32_t addr,
		      uint32_t sess, uint32_t tcp_base, int64_t now)
{
	struct nat_frag *f = &t->frag[frag_slot(t, dir, src, dst, id, proto)];
	bool same = f->expires > now && f->src == src && f->dst == dst &&
		    f->id == id && f->proto == proto && f->dir == dir;

	if (same) {
		if (f->addr != addr)
			f->addr = 0; /* ambiguous: drop what follows */
		return f->new_id;
	}
	f->src = src;
	f->dst = dst;
	f->id = id;
	f->proto = proto;
	f->dir = (uint8_t)dir;
	f->addr = addr;
	f->sess = sess;
	f->tcp_base = tcp_base;
	f->new_id = dir == NAT_DIR_OUT ? t->frag_id++ : id;
	f->expires = now + NAT_FRAG_TIMEOUT;
	return f->new_id;
}

/**
 * nat_frag_get() - the translation of a later fragment's datagram
 * @t: table
 * @dir: enum nat_dir
 * @src: source as it arrived
 * @dst: destination as it arrived
 * @id: IP identification
 * @proto: protocol
 * @now: caller's seconds
 * @addr: the address to write
 * @new_id: the identification to write
 * @sess: the TCP session the datagram's last fragment completes, or NAT_NIL
 * @tcp_base: see nat_frag_put()
 *
 * Return: true when the first fragment was seen (and was not ambiguous)
 */
bool nat_frag_get(const struct nat_table *t, unsigned dir, uint32_t src,
		  uint32_t dst, uint16_t id, uint8_t proto, int64_t now,
		  uint32_t *addr, uint16_t *new_id, uint32_t *sess,
		  uint32_t *tcp_base)
{
	const struct nat_frag *f =
	    &t->frag[frag_slot(t, dir, src, dst, id, proto)];

	if (f->expires <= now || f->src != src || f->dst != dst ||
	    f->id != id || f->proto != proto || f->dir != dir || !f->addr)
		return false;
	*addr = f->addr;
	*new_id = f->new_id;
	*sess = f->sess;
	*tcp_base = f->tcp_base;
	return true;
}
