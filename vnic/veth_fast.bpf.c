// SPDX-License-Identifier: GPL-2.0-or-later
/* veth_fast.bpf.c - the in-kernel fast path between veth ports
 *
 * Two programs share one decision.  veth_fast_tc runs at the TC ingress of
 * each veth port's host end: a unicast frame from a MAC the fast path knows
 * on this port to a MAC it knows on another enabled fast port of the same
 * network and VLAN is handed to the destination namespace's end with
 * bpf_redirect_peer() (the skb moves whole, GSO super-frames included, no
 * copy).  Everything else (tags, multicast, broadcast, unknown or slow-path
 * MACs, DHCP server messages, IPv4 ICMP redirects, anything but TCP and UDP
 * over IPv6) returns TC_ACT_OK and
 * goes on to vnetd's packet socket as before.  The packet socket sees frames
 * before TC ingress does, so veth_fast_sock, its socket filter, makes the
 * same decision and hides the frames the fast path takes: vnetd never
 * forwards them a second time.
 *
 * Learning is capped per port (fast_learned, recounted by vnetd once a
 * second) at the port's MAC limit; a MAC takes its place in the count
 * with an atomic compare-and-swap before it is learnt (BPF v3, Linux
 * 5.12).
 *
 * Trust: every byte of the frame comes from the namespace (untrusted).  The
 * headers are copied out with bpf_skb_load_bytes(), which fails on short
 * frames; anything not understood goes to the slow path, where vnetd's own
 * checks apply.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <stdbool.h>

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "vnic_fast.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VNIC_FAST_FDB);
	__type(key, struct vnic_fast_key);
	__type(value, struct vnic_fast_fdb);
} fast_fdb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VNIC_FAST_PORTS);
	__type(key, __u32);
	__type(value, struct vnic_fast_port);
} fast_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VNIC_FAST_PORTS);
	__type(key, __u32);
	__type(value, struct vnic_fast_stats);
} fast_stats SEC(".maps");

/* MACs learnt per port slot: the program adds the ones it learns, vnetd
 * corrects the count once a second by what it finds in fast_fdb (an
 * atomic add on its mapping of the array, never a store).  64-bit: an
 * array map lays its values out 8 bytes apart, and vnetd's mapping
 * indexes them as such. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, VNIC_FAST_PORTS);
	__type(key, __u32);
	__type(value, __u64);
} fast_learned SEC(".maps");

/* The headers the decision reads: Ethernet, then IPv4 or IPv6 and the
 * first bytes of UDP or ICMPv6. */
struct hdrs {
	__u8 dst[6];
	__u8 src[6];
	__u16 proto;
	__u8 l3[44];
};

#define IP4_PROTO     9
#define IP6_NEXT      6
#define TCP4_DOFF     (20 + 12) /* in l3: IPv4 with no options */
#define DHCP_SERVER   67
#define DHCP_CLIENT   68
#define DHCP6_CLIENT  546
#define DHCP6_SERVER  547
#define ICMP_REDIRECT 5
#define LEARN_TRIES   4 /* compare-and-swaps on a port's MAC count */

/* Frames a guard in vnetd must see: DHCP server messages (IPv4 UDP from
 * port 67 or to port 68, and UDP fragments; IPv6 UDP from port 547 or to
 * port 546) and routers' messages (IPv4 ICMP redirects, and ICMP
 * fragments).  Options make a frame harder to judge here, so every IPv4
 * frame with options goes to vnetd too; of IPv6 only TCP, and UDP between
 * other ports, right after the fixed header take the fast path (extension
 * headers, fragments among them, and all of ICMPv6: vnetd's path). */
static __always_inline bool needs_guard(const struct hdrs *h, int l3_len)
{
	if (h->proto == bpf_htons(ETH_P_IP)) {
		__u8 ihl;

		if (l3_len < 28)
			return true;
		ihl = h->l3[0] & 0xf;
		if ((h->l3[0] >> 4) != 4 || ihl != 5)
			return true;
		/* ICMP: the type right after the header (bytes past the
		 * total length too: stricter than vnetd, never looser);
		 * fragments are vnetd's, as UDP's are. */
		if (h->l3[IP4_PROTO] == IPPROTO_ICMP)
			return (h->l3[6] & 0x3f) || h->l3[7] ||
			       h->l3[20] == ICMP_REDIRECT;
		if (h->l3[IP4_PROTO] != IPPROTO_UDP)
			return false;
		/* UDP fragments: vnetd judges them (a DHCP message could be
		 * cut anywhere); from the server's port or to a client's. */
		if ((h->l3[6] & 0x3f) || h->l3[7])
			return true;
		return (h->l3[20] == 0 && h->l3[21] == DHCP_SERVER) ||
		       (h->l3[22] == 0 && h->l3[23] == DHCP_CLIENT);
	}
	if (h->proto == bpf_htons(ETH_P_IPV6)) {
		__u8 next;

		if (l3_len < 44)
			return true;
		next = h->l3[IP6_NEXT];
		if (next == IPPROTO_TCP)
			return false;
		/* ICMPv6 (router advertisements and redirects: the router
		 * guard) and extension headers: vnetd judges them. */
		if (next != IPPROTO_UDP)
			return true;
		/* The ports right after the fixed header (bytes past the
		 * payload length too: stricter than vnetd, never looser). */
		return (h->l3[40] == DHCP6_SERVER >> 8 &&
			h->l3[41] == (DHCP6_SERVER & 0xff)) ||
		       (h->l3[42] == DHCP6_CLIENT >> 8 &&
			h->l3[43] == (DHCP6_CLIENT & 0xff));
	}
	/* ARP: unicast ARP is harmless to forward. */
	return false;
}

/* The kernel's skb behind the context (a kfunc of Linux 6.2; the object
 * loads without it), and the fields of it read here, relocated against
 * the running kernel's BTF. */
extern void *bpf_cast_to_kern_ctx(void *ctx) __ksym __weak;

struct sk_buff {
	__u8 encapsulation : 1;
	__u16 inner_transport_header;
	__u16 inner_network_header;
	__u16 mac_header;
} __attribute__((preserve_access_index));

/* The segment length past Ethernet of a super-frame a tunnel in the
 * namespace made (VXLAN, Geneve, FOU: UDP outside), whose gso_size counts
 * inner payload: every segment repeats the outer headers, the tunnel's and
 * the inner ones up to the inner TCP or UDP header, which the kernel
 * marked.  @seg: set to it; 0 for a frame that is not encapsulated, and
 * for one the kernel cannot tell (no kfunc) or whose marks do not make
 * sense (vnetd's then).  Return: whether the frame is encapsulated. */
static __always_inline bool tunnel_seg_len(struct __sk_buff *skb, __u32 *seg)
{
	struct sk_buff *k;
	__u16 mac, in3, in4;
	__u8 b[10], l4;

	*seg = 0;
	if (!bpf_cast_to_kern_ctx)
		return true;
	k = bpf_cast_to_kern_ctx(skb);
	if (!BPF_CORE_READ_BITFIELD(k, encapsulation))
		return false;
	mac = k->mac_header;
	in3 = k->inner_network_header;
	in4 = k->inner_transport_header;
	if (in3 <= mac || in4 <= in3 || in4 - mac > 512 ||
	    bpf_skb_load_bytes(skb, in3 - mac, b, sizeof(b)))
		return true;
	l4 = b[0] >> 4 == 4 ? b[9] : b[0] >> 4 == 6 ? b[6] : 0;
	if (l4 == IPPROTO_UDP) {
		*seg = skb->gso_size + (in4 - mac - ETH_HLEN) + 8;
	} else if (l4 == IPPROTO_TCP &&
		   !bpf_skb_load_bytes(skb, in4 - mac + 12, b, 1)) {
		*seg = skb->gso_size + (in4 - mac - ETH_HLEN) + (b[0] >> 4) * 4;
	}
	return true;
}

/* The length past Ethernet of each segment a GSO super-frame is cut into:
 * gso_size and the IP and TCP or UDP headers every segment repeats (no
 * IPv4 options, no IPv6 extension headers: needs_guard() sent those to
 * vnetd); 0 for a frame the fast path cannot judge so (vnetd's then).
 * @l3_len bytes of @h->l3 were copied: TCP's data offset is read from
 * there when it lies within (IPv4 without options: l3[32]), from the
 * frame only otherwise (IPv6: past the copy), so the common IPv4 TCP
 * super-frame costs no helper call here. */
static __always_inline __u32 gso_seg_len(struct __sk_buff *skb,
					 const struct hdrs *h, int l3_len)
{
	__u32 l3 = 20;
	__u8 proto, doff;

	if (h->proto == bpf_htons(ETH_P_IP)) {
		proto = h->l3[IP4_PROTO];
		l3 = (h->l3[0] & 0xf) * 4;
	} else if (h->proto == bpf_htons(ETH_P_IPV6)) {
		l3 = 40;
		proto = h->l3[IP6_NEXT];
	} else {
		return 0;
	}
	if (proto == IPPROTO_UDP) {
		__u32 seg;

		return tunnel_seg_len(skb, &seg) ? seg : skb->gso_size + l3 + 8;
	}
	if (proto != IPPROTO_TCP)
		return 0;
	/* TCP's data offset: the header's length in 32-bit words. */
	if (l3 == 20 && h->proto == bpf_htons(ETH_P_IP) &&
	    l3_len >= TCP4_DOFF + 1)
		doff = h->l3[TCP4_DOFF];
	else if (bpf_skb_load_bytes(skb, ETH_HLEN + l3 + 12, &doff, 1))
		return 0;
	return skb->gso_size + l3 + (doff >> 4) * 4;
}

static __always_inline void learn(const struct vnic_fast_port *in,
				  __u32 ifindex, const __u8 *src)
{
	struct vnic_fast_key k = {.net = in->net, .vlan = in->vlan};
	struct vnic_fast_fdb *e, ne;
	__u64 now = bpf_ktime_get_ns();

	__builtin_memcpy(k.mac, src, 6);
	e = bpf_map_lookup_elem(&fast_fdb, &k);
	if (e && e->ifindex == ifindex && now - e->seen_ns < VNIC_FAST_LEARN_NS)
		return;
	/* vnetd marks MACs it knows on slow ports (ifindex 0) and refreshes
	 * the mark while they are active there, pinned ones always: a
	 * namespace cannot take such a MAC over while the mark is fresh. */
	if (e && e->ifindex == 0 &&
	    (e->slot == VNIC_FAST_HELD ||
	     now - e->seen_ns < 2 * VNIC_FAST_LEARN_NS))
		return;
	/* A MAC new to this port counts against its limit: a namespace that
	 * sprays source MACs fills neither the table nor vnetd's view. */
	if (!e || e->ifindex != ifindex) {
		__u32 slot = in->slot;
		__u64 *n = bpf_map_lookup_elem(&fast_learned, &slot);
		__u64 limit =
		    in->mac_limit ? in->mac_limit : VNIC_FAST_PORT_MACS;
		__u64 seen;

		/* A port at its limit stops here on a plain read: a
		 * namespace spraying MACs costs no atomic per frame.  Below
		 * it, take a place with a compare-and-swap from the count
		 * just read: two CPUs learning at once never pass the limit
		 * together, and no place is taken over it, so none is given
		 * back (a give-back could undo vnetd's recount, or wrap a
		 * count it had just lowered).  A count that changed
		 * meanwhile (another CPU, the recount) is read again, a few
		 * times; then this frame learns nothing (vnetd's path
		 * forwards it) and the next tries again. */
		if (!n)
			return;
		seen = *n;
		for (int i = 0; i < LEARN_TRIES; i++) {
			__u64 was;

			if (seen >= limit)
				return;
			was = __sync_val_compare_and_swap(n, seen, seen + 1);
			if (was == seen)
				break;
			seen = was;
			if (i == LEARN_TRIES - 1)
				return;
		}
	}
	ne.ifindex = ifindex;
	ne.slot = in->slot;
	ne.seen_ns = now;
	bpf_map_update_elem(&fast_fdb, &k, &ne, BPF_ANY);
}

/* The fast-path decision: the destination's host end ifindex, or 0 for
 * the slow path.  @in_out is set to the ingress and egress port entries. */
static __always_inline __u32 decide(struct __sk_buff *skb,
				    struct vnic_fast_port **pin,
				    struct vnic_fast_port **pout)
{
	__u32 ifindex = skb->ifindex;
	struct vnic_fast_port *in, *out;
	struct vnic_fast_key k = {};
	struct vnic_fast_fdb *e;
	struct hdrs h;
	int l3_len;

	in = bpf_map_lookup_elem(&fast_ports, &ifindex);
	if (!in || !in->enabled || skb->vlan_present)
		return 0;
	if (bpf_skb_load_bytes(skb, 0, &h, 14))
		return 0;
	/* A multicast or all-zero source is vnetd's to drop (bad_src_mac). */
	if ((h.src[0] & 1) ||
	    !(h.src[0] | h.src[1] | h.src[2] | h.src[3] | h.src[4] | h.src[5]))
		return 0;
	/* IPv4, IPv6 and ARP only: a tag of any kind (802.1Q, 802.1ad,
	 * 0x9100, ...) and every other type is vnetd's, which looks behind
	 * tags for the DHCP guard. */
	if (h.proto != bpf_htons(ETH_P_IP) &&
	    h.proto != bpf_htons(ETH_P_IPV6) && h.proto != bpf_htons(ETH_P_ARP))
		return 0;
	/* The verifier wants a constant length: the whole l3 area, or the
	 * 28 bytes an IPv4 header and UDP ports need in a short frame. */
	l3_len = 0;
	if (skb->len >= 14 + sizeof(h.l3)) {
		if (!bpf_skb_load_bytes(skb, 14, h.l3, sizeof(h.l3)))
			l3_len = sizeof(h.l3);
	} else if (skb->len >= 14 + 28) {
		if (!bpf_skb_load_bytes(skb, 14, h.l3, 28))
			l3_len = 28;
	}
	/* A frame for vnetd's guards teaches nothing here: vnetd may drop
	 * it (a DHCP server message, a router's), and a dropped frame must
	 * not move its source MAC to this port; vnetd learns it if kept. */
	if (needs_guard(&h, l3_len))
		return 0;
	learn(in, ifindex, h.src);
	if (h.dst[0] & 1)
		return 0;
	/* The source must be ours on this port: a MAC held by the slow path
	 * (not learnt above) stays there. */
	k.net = in->net;
	k.vlan = in->vlan;
	__builtin_memcpy(k.mac, h.src, 6);
	e = bpf_map_lookup_elem(&fast_fdb, &k);
	if (!e || e->ifindex != ifindex)
		return 0;
	__builtin_memcpy(k.mac, h.dst, 6);
	e = bpf_map_lookup_elem(&fast_fdb, &k);
	if (!e || !e->ifindex || e->ifindex == ifindex)
		return 0;
	ifindex = e->ifindex;
	out = bpf_map_lookup_elem(&fast_ports, &ifindex);
	if (!out || !out->enabled || out->net != in->net ||
	    out->vlan != in->vlan)
		return 0;
	/* A frame longer than the MTU allows is vnetd's to drop (oversize):
	 * the kernel would deliver it into the other namespace whatever its
	 * MTU.  A GSO super-frame is judged by its segments, as vnetd judges
	 * it: the peer takes the super-frame whole and would never cut it. */
	if (skb->gso_size) {
		__u32 seg = gso_seg_len(skb, &h, l3_len);

		if (!seg || seg > out->mtu)
			return 0;
	} else if (skb->len > ETH_HLEN + out->mtu) {
		return 0;
	}
	*pin = in;
	*pout = out;
	return ifindex;
}

static __always_inline void count(__u32 slot, bool rx, __u64 len, bool super)
{
	struct vnic_fast_stats *st = bpf_map_lookup_elem(&fast_stats, &slot);

	if (!st)
		return;
	if (rx) {
		st->rx_packets++;
		st->rx_bytes += len;
		st->rx_super += super;
	} else {
		st->tx_packets++;
		st->tx_bytes += len;
	}
}

SEC("tc")
int veth_fast_tc(struct __sk_buff *skb)
{
	struct vnic_fast_port *in = 0, *out = 0;
	__u32 to = decide(skb, &in, &out);
	bool super = skb->gso_segs > 1;
	__u64 len = skb->len;

	if (!to || !in || !out)
		return TC_ACT_OK;
	/* The frame was addressed to another MAC than the host end's: make
	 * the destination namespace take it as its own. */
	if (bpf_skb_change_type(skb, PACKET_HOST))
		return TC_ACT_OK;
	/* With no flags the helper always says TC_ACT_REDIRECT: what the
	 * kernel refuses after (the namespace's end gone or down) it drops
	 * and counts on its own devices, not here. */
	count(in->slot, true, len, super);
	count(out->slot, false, len, super);
	return bpf_redirect_peer(to, 0);
}

SEC("socket")
int veth_fast_sock(struct __sk_buff *skb)
{
	struct vnic_fast_port *in = 0, *out = 0;

	/* 0 hides the frame from vnetd; the whole frame otherwise. */
	return decide(skb, &in, &out) ? 0 : skb->len;
}

char LICENSE[] SEC("license") = "GPL";
