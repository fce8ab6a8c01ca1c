// SPDX-License-Identifier: GPL-2.0-or-later
/* team_port.c - a team as one uplink port: a vnic backend whose frames come
 * from and go to member ports (afpacket or pcap)
 *
 * Receive: one queue, whose fd is an epoll set of the members' receive fds,
 * so the datapath thread that owns the team wakes for any member.  Each
 * frame is classified where its member is still known: LACPDUs, beacons and
 * ARP probe replies go to the team (under its lock: a few frames a second),
 * other slow-protocol frames go on to the switch's reserved-multicast path
 * (dropped there and counted, never flooded), data frames pass the mode's
 * receive rule (team_rx_verdict()) lock-free.
 *
 * Transmit: each frame goes to the member team_tx_member() picks from the
 * map word loaded once per burst; its source is noted for announcements.
 *
 * Control: member changes, carrier (netlink), timers and status run on the
 * control thread (team_port_run() when the control thread's timer fires or
 * the event fd says the datapath saw something).  Frames the team itself
 * sends (LACPDUs, probes, announcements) go out with transmit queue 0 from
 * whichever thread holds the lock: the member backends (afpacket, pcap)
 * write through one socket call, which is safe from several threads.
 * A member is unpublished (its pointer cleared, its fd out of the epoll set)
 * and the switch's grace period passes (host->sync) before it is closed.
 */
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "../lib/log.h"
#include "../lib/pkt.h"
#include "../lib/timer.h"
#include "../lib/util.h"
#include "../vnic/vnic_provider.h"
#include "team_priv.h"

/**
 * struct team_mport - a member port as the team backend holds it
 * @v: the member's port, NULL when the slot is free (datapath reads it)
 * @ifindex: its device index (link events)
 * @fd: its receive fd in the epoll set, -1 if none
 * @mac: its device MAC
 * @broken: its backend failed for good; the control thread tells the team
 * @rx_packets, @rx_bytes, @tx_packets, @tx_bytes: data frames
 * @drops: frames dropped by team rule
 */
struct team_mport {
	_Atomic(struct vnic *) v;
	int ifindex;
	int fd;
	uint8_t mac[6];
	_Atomic bool broken;
	_Atomic uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	_Atomic uint64_t drops[TEAM_DROP_MAX];
};

/**
 * struct team_port - the team backend's port
 * @base: vnic base
 * @lock: guards @t except its lock-free hot-path parts
 * @t: the team
 * @mode: its mode (fixed)
 * @probe: its probing, for receive classification
 * @m: members, indexed like the team's
 * @epfd: epoll set of the members' receive fds (the rx fd)
 * @evfd: tells the control thread to run the team
 * @rr: member the next receive burst starts with
 * @carrying: link state last reported to the switch
 */
struct team_port {
	struct vnic base;
	pthread_mutex_t lock;
	struct team *t;
	enum team_mode mode;
	_Atomic int probe;
	struct team_mport m[TEAM_MAX_MEMBERS];
	int epfd, evfd;
	unsigned rr;
	int carrying;
	unsigned logged;
};

static const struct vnic_ops team_port_ops;

static struct team_port *to_tp(const struct vnic *v)
{
	return (struct team_port *)v;
}

static void kick(struct team_port *tp)
{
	uint64_t one = 1;

	if (write(tp->evfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		vlog_rl(VNIC, WARN, "%s: cannot wake the control thread: %s",
			tp->base.name, strerror(errno));
}

/* struct team_io send: the team's own frames, lock held. */
static void tp_send(void *arg, unsigned member, const uint8_t *frame,
		    size_t len, uint16_t tci)
{
	struct team_port *tp = arg;
	struct vnic *mv;
	struct pkt p = {
	    .data = (uint8_t *)frame, .len = (uint32_t)len, .ext = 1};
	struct pkt_out o = {.pkt = &p, .tci = tci};
	uint64_t bytes = 0;

	if (member >= TEAM_MAX_MEMBERS || !len)
		return;
	mv = atomic_load_explicit(&tp->m[member].v, memory_order_acquire);
	if (mv && !atomic_load(&tp->m[member].broken))
		(void)vnic_tx_burst(mv, 0, &o, 1, &bytes);
}

static int64_t wall_offset_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 -
	       (int64_t)timer_now_ms();
}

static unsigned link_speed(const char *dev)
{
	char path[64];
	unsigned speed = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/speed", dev);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%u", &speed) != 1)
		speed = 0;
	fclose(f);
	return speed > 10000000 ? 0 : speed;
}

static int tp_open(const struct vnic_params *params, struct vnic **out,
		   char *err, size_t errlen)
{
	snprintf(err, errlen, "a team is made with 'team create'");
	return -EINVAL;
}

/**
 * team_port_open() - a team port without members
 * @name: port name
 * @cfg: team settings
 * @mtu: network MTU
 * @out: the port
 * @err: filled with a sentence on failure
 * @errlen: room in @err
 *
 * Return: 0 or -errno
 */
int team_port_open(const char *name, const struct team_config *cfg,
		   unsigned mtu, struct vnic **out, char *err, size_t errlen)
{
	static const struct team_io io0;
	struct vnic_params vp = {.kind = "team", .name = name, .mtu = mtu};
	struct team_port *tp = calloc(1, sizeof(*tp));
	struct team_io io = io0;

	if (!tp)
		return -ENOMEM;
	vnic_base_init(&tp->base, &team_port_ops, &vp);
	pthread_mutex_init(&tp->lock, NULL);
	tp->mode = cfg->mode;
	atomic_init(&tp->probe, (int)cfg->probe);
	tp->carrying = -1;
	for (int i = 0; i < TEAM_MAX_MEMBERS; i++)
		tp->m[i].fd = -1;
	tp->epfd = epoll_create1(EPOLL_CLOEXEC);
	tp->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	io.send = tp_send;
	io.arg = tp;
	tp->t = tp->epfd >= 0 && tp->evfd >= 0
		    ? team_create(name, cfg, &io, timer_now_ms())
		    : NULL;
	if (!tp->t) {
		snprintf(err, errlen, "team '%s': %s", name, strerror(errno));
		if (tp->epfd >= 0)
			close(tp->epfd);
		if (tp->evfd >= 0)
			close(tp->evfd);
		free(tp);
		return -ENOMEM;
	}
	*out = &tp->base;
	return 0;
}

/* What the team takes on transmit: what every member takes (a member may
 * carry any frame), nothing without members.  Called under tp->lock. */
static void update_offloads(struct team_port *tp)
{
	unsigned ol = ~0u, n = 0;

	for (unsigned i = 0; i < TEAM_MAX_MEMBERS; i++) {
		struct vnic *mv = atomic_load(&tp->m[i].v);

		if (mv) {
			ol &= vnic_tx_offloads(mv);
			n++;
		}
	}
	atomic_store(&tp->base.tx_offloads, n ? ol : 0);
}

/**
 * team_port_member_add() - open a NIC and make it a member
 * @v: team port
 * @dev: device
 * @backend: "afpacket" or "pcap" (NULL: afpacket)
 * @err: filled with a sentence on failure
 * @errlen: room in @err
 *
 * Return: 0 or -errno
 */
int team_port_member_add(struct vnic *v, const char *dev, const char *backend,
			 char *err, size_t errlen)
{
	struct team_port *tp = to_tp(v);
	struct vnic_params vp = {.kind = "uplink",
				 .name = dev,
				 .dev = dev,
				 .backend = backend,
				 .mtu = v->mtu};
	struct epoll_event ev = {.events = EPOLLIN};
	bool up = false, running = false;
	struct team_mport *mp;
	uint8_t mac[6] = {0};
	struct vnic *mv;
	int ret, i;

	ret = vnic_open(&vp, &mv, err, errlen);
	if (ret)
		return ret;
	(void)vnic_link_get_mac(dev, mac);
	(void)vnic_link_state(dev, &up, &running);
	pthread_mutex_lock(&tp->lock);
	/* The team takes the lowest free slot: publish the port there first,
	 * so frames the team sends on adding it (announcements) go out. */
	for (i = 0; i < TEAM_MAX_MEMBERS && tp->t->m[i].used; i++)
		;
	if (i < TEAM_MAX_MEMBERS) {
		mp = &tp->m[i];
		memset(mp->drops, 0, sizeof(mp->drops));
		atomic_store(&mp->rx_packets, 0);
		atomic_store(&mp->rx_bytes, 0);
		atomic_store(&mp->tx_packets, 0);
		atomic_store(&mp->tx_bytes, 0);
		atomic_store(&mp->broken, false);
		mp->ifindex = vnic_ifindex(mv);
		memcpy(mp->mac, mac, 6);
		atomic_store_explicit(&mp->v, mv, memory_order_release);
	}
	ret = team_member_add(tp->t, dev, mac, link_speed(dev), up && running,
			      timer_now_ms());
	if (ret < 0) {
		if (i < TEAM_MAX_MEMBERS)
			atomic_store(&tp->m[i].v, NULL);
		pthread_mutex_unlock(&tp->lock);
		snprintf(err, errlen, "team '%s': cannot add '%s': %s", v->name,
			 dev,
			 ret == -ENOSPC ? "the team is full" : strerror(-ret));
		/* It was published for a moment: as team_port_member_del(),
		 * no datapath thread may still be inside it. */
		if (i < TEAM_MAX_MEMBERS && v->host)
			v->host->sync(v->host->arg);
		vnic_close(mv);
		return ret;
	}
	mp = &tp->m[ret];
	update_offloads(tp);
	mp->fd = vnic_rx_fd(mv, 0);
	ev.data.u32 = (uint32_t)ret;
	if (mp->fd >= 0 && epoll_ctl(tp->epfd, EPOLL_CTL_ADD, mp->fd, &ev))
		mp->fd = -1;
	pthread_mutex_unlock(&tp->lock);
	kick(tp);
	return 0;
}

/**
 * team_port_member_del() - remove a member and close its port
 * @v: team port
 * @dev: device
 *
 * Return: 0 or -ENOENT
 */
int team_port_member_del(struct vnic *v, const char *dev)
{
	struct team_port *tp = to_tp(v);
	struct vnic *mv;
	int i;

	pthread_mutex_lock(&tp->lock);
	i = team_member_find(tp->t, dev);
	if (i < 0) {
		pthread_mutex_unlock(&tp->lock);
		return i;
	}
	(void)team_member_del(tp->t, dev, timer_now_ms());
	mv = atomic_exchange(&tp->m[i].v, NULL);
	update_offloads(tp);
	if (tp->m[i].fd >= 0)
		epoll_ctl(tp->epfd, EPOLL_CTL_DEL, tp->m[i].fd, NULL);
	tp->m[i].fd = -1;
	pthread_mutex_unlock(&tp->lock);
	/* No datapath thread may still be inside the member. */
	if (v->host)
		v->host->sync(v->host->arg);
	vnic_close(mv);
	kick(tp);
	return 0;
}

/**
 * team_port_configure() - change a live team's settings (not its mode)
 * @v: team port
 * @cfg: settings
 *
 * Return: 0 or -EINVAL
 */
int team_port_configure(struct vnic *v, const struct team_config *cfg)
{
	struct team_port *tp = to_tp(v);
	int ret;

	pthread_mutex_lock(&tp->lock);
	ret = team_configure(tp->t, cfg, timer_now_ms());
	if (!ret)
		atomic_store(&tp->probe, (int)cfg->probe);
	pthread_mutex_unlock(&tp->lock);
	kick(tp);
	return ret;
}

/**
 * team_port_link_event() - a kernel device changed: tell the team if it is
 * one of its members
 * @v: team port
 * @ifindex: device index
 * @deleted: the device left the namespace
 * @up: administratively up
 * @running: carrier
 *
 * Return: true if the device is a member
 */
bool team_port_link_event(struct vnic *v, int ifindex, bool deleted, bool up,
			  bool running)
{
	struct team_port *tp = to_tp(v);
	unsigned speed;

	for (unsigned i = 0; i < TEAM_MAX_MEMBERS; i++) {
		if (!atomic_load(&tp->m[i].v) || tp->m[i].ifindex != ifindex)
			continue;
		/* A link that comes up (or changes while up) may have
		 * another speed than the one read when the member was added
		 * (then perhaps still negotiating: unknown): LACP's key. */
		speed = !deleted && up && running ? link_speed(tp->t->m[i].name)
						  : 0;
		pthread_mutex_lock(&tp->lock);
		if (deleted) {
			team_member_gone(tp->t, i, timer_now_ms());
		} else {
			if (up && running)
				team_member_speed(tp->t, i, speed,
						  timer_now_ms());
			team_member_carrier(tp->t, i, up && running,
					    timer_now_ms());
		}
		pthread_mutex_unlock(&tp->lock);
		kick(tp);
		return true;
	}
	return false;
}

/* Log the history entries recorded since the last call (lock held).  A
 * flapping peer can make many: rate-limited. */
static void log_history(struct team_port *tp)
{
	const struct team *t = tp->t;

	if (t->n_hist - tp->logged > TEAM_HISTORY)
		tp->logged = t->n_hist - TEAM_HISTORY;
	for (; tp->logged < t->n_hist; tp->logged++) {
		const struct team_event *e =
		    &t->hist[tp->logged % TEAM_HISTORY];

		vlog_rl(VNIC, INFO, "team %s: %s -> %s: %s", tp->base.name,
			e->from[0] ? e->from : "-", e->to[0] ? e->to : "-",
			team_reason_text(e->reason));
	}
}

/**
 * team_port_run() - the team's timers and deferred work (control thread)
 * @v: team port
 *
 * Return: when to call again, monotonic ms
 */
uint64_t team_port_run(struct vnic *v)
{
	struct team_port *tp = to_tp(v);
	uint64_t now = timer_now_ms(), next, junk;
	bool carrying;

	while (read(tp->evfd, &junk, sizeof(junk)) > 0)
		;
	pthread_mutex_lock(&tp->lock);
	for (unsigned i = 0; i < TEAM_MAX_MEMBERS; i++)
		if (atomic_load(&tp->m[i].broken))
			team_member_gone(tp->t, i, now);
	tp->t->wake = false;
	next = team_run(tp->t, now);
	carrying = team_carrying(tp->t);
	log_history(tp);
	pthread_mutex_unlock(&tp->lock);
	if (v->host && tp->carrying != (int)carrying) {
		tp->carrying = carrying;
		v->host->link(v->host->arg, carrying);
	}
	return next;
}

/**
 * team_port_event_fd() - fd readable when the control thread should call
 * team_port_run() soon
 * @v: team port
 *
 * Return: fd
 */
int team_port_event_fd(const struct vnic *v)
{
	return to_tp(v)->evfd;
}

/**
 * team_port_system() - the team's system ID (LACP system, beacons)
 * @v: team port
 * @mac: filled in (all zero before the first member)
 */
void team_port_system(struct vnic *v, uint8_t mac[6])
{
	struct team_port *tp = to_tp(v);

	pthread_mutex_lock(&tp->lock);
	memcpy(mac, tp->t->sys_mac, 6);
	pthread_mutex_unlock(&tp->lock);
}

/**
 * team_port_system_avoid() - make the team's system ID differ from other
 * teams' (see team_system_avoid()); before the port joins a switch
 * @v: team port
 * @taken: the other running teams' system IDs
 * @n_taken: entries in @taken
 *
 * Return: true if the ID changed
 */
bool team_port_system_avoid(struct vnic *v, const uint8_t (*taken)[6],
			    unsigned n_taken)
{
	struct team_port *tp = to_tp(v);
	bool changed;

	pthread_mutex_lock(&tp->lock);
	changed = team_system_avoid(tp->t, taken, n_taken);
	pthread_mutex_unlock(&tp->lock);
	return changed;
}

/**
 * team_port_leases() - tell the team the DHCP leases of its network (see
 * team_leases_set())
 * @v: team port
 * @l: leases
 * @n: entries in @l
 */
void team_port_leases(struct vnic *v, const struct team_lease *l, unsigned n)
{
	struct team_port *tp = to_tp(v);

	pthread_mutex_lock(&tp->lock);
	team_leases_set(tp->t, l, n);
	pthread_mutex_unlock(&tp->lock);
}

/**
 * team_port_status() - the team's state and per-member counters as JSON
 * @v: team port
 * @obj: object to fill
 */
void team_port_status(struct vnic *v, json_t *obj)
{
	struct team_port *tp = to_tp(v);
	json_t *members, *mo;
	size_t k;

	pthread_mutex_lock(&tp->lock);
	team_status(tp->t, obj, timer_now_ms(), wall_offset_ms());
	pthread_mutex_unlock(&tp->lock);
	vnic_describe(v, obj); /* super-frames passed whole or cut for it */
	members = json_object_get(obj, "member_list");
	json_array_foreach(members, k, mo)
	{
		int i = team_member_find(
		    tp->t, json_string_value(json_object_get(mo, "name")));
		struct team_mport *mp;
		json_t *c, *drops;

		if (i < 0)
			continue;
		mp = &tp->m[i];
		c = json_pack(
		    "{s:I,s:I,s:I,s:I}", "rx_packets",
		    (json_int_t)atomic_load(&mp->rx_packets), "rx_bytes",
		    (json_int_t)atomic_load(&mp->rx_bytes), "tx_packets",
		    (json_int_t)atomic_load(&mp->tx_packets), "tx_bytes",
		    (json_int_t)atomic_load(&mp->tx_bytes));
		drops = json_object();
		for (int d = 0; d < TEAM_DROP_MAX; d++)
			json_object_set_new(
			    drops, team_drop_name((enum team_drop)d),
			    json_integer(
				(json_int_t)atomic_load(&mp->drops[d])));
		json_object_set_new(c, "drops", drops);
		json_object_set_new(mo, "counters", c);
	}
}

static void tp_close(struct vnic *v)
{
	struct team_port *tp = to_tp(v);

	pthread_mutex_lock(&tp->lock);
	team_leave(tp->t); /* LACP partners: before the members close */
	pthread_mutex_unlock(&tp->lock);
	for (unsigned i = 0; i < TEAM_MAX_MEMBERS; i++)
		vnic_close(atomic_load(&tp->m[i].v));
	team_destroy(tp->t);
	close(tp->epfd);
	close(tp->evfd);
	pthread_mutex_destroy(&tp->lock);
	free(tp);
}

static void count(struct team_mport *mp, int d)
{
	atomic_fetch_add_explicit(&mp->drops[d], 1, memory_order_relaxed);
}

/* One received frame: -1 to deliver it, 0 when the team took or dropped
 * it.  @wake tells the caller the control thread should run the team (what
 * carries traffic changed, or a deadline moved earlier): a flood of
 * LACPDUs costs the control thread nothing. */
static int classify(struct team_port *tp, unsigned i, uint64_t map,
		    const struct pkt *p, uint64_t now, bool *wake)
{
	struct team_mport *mp = &tp->m[i];
	const uint8_t *f = p->data;
	int probe = atomic_load_explicit(&tp->probe, memory_order_relaxed);
	uint64_t loops = 0;
	uint16_t et;
	int ret;

	if (p->len < 14)
		return -1; /* the switch counts runts */
	et = pkt_get_be16(f + 12);
	if (et == TEAM_LACP_ETHERTYPE) {
		pthread_mutex_lock(&tp->lock);
		ret = team_slow_rx(tp->t, i, f, p->len, now);
		loops = tp->t->m[i].lacp.loopback;
		*wake |= tp->t->wake;
		tp->t->wake = false;
		pthread_mutex_unlock(&tp->lock);
		if (ret == -EINVAL)
			count(mp, TEAM_DROP_LACP_MALFORMED);
		if (ret == -EBUSY)
			count(mp, TEAM_DROP_MARKER_RATE);
		/* A loop sends one a second or more: said on the first,
		 * then every 600th (10 minutes at the fast rate). */
		if (ret == -ELOOP) {
			count(mp, TEAM_DROP_LACP_LOOPBACK);
			if (loops % 600 == 1)
				vlog_rl(VNIC, WARN,
					"team %s: member %s received the "
					"team's own LACPDU (%llu so far): it "
					"is looped back (cabled to another "
					"member, or to a port that reflects "
					"frames) and not aggregated",
					tp->base.name, tp->t->m[i].name,
					(unsigned long long)loops);
		}
		if (ret == -ENOTSUP) {
			count(mp, TEAM_DROP_SLOW_OTHER);
			return -1; /* the switch's reserved-group path */
		}
		return 0;
	}
	if ((et == TEAM_BEACON_ETHERTYPE && probe == TEAM_PROBE_BEACON) ||
	    (et == ETHERTYPE_ARP && probe == TEAM_PROBE_ARP &&
	     !memcmp(f, mp->mac, 6))) {
		pthread_mutex_lock(&tp->lock);
		if (et == ETHERTYPE_ARP)
			team_arp_rx(tp->t, i, f, p->len, now);
		else
			team_beacon_rx(tp->t, i, f, p->len, now);
		*wake |= tp->t->wake;
		tp->t->wake = false;
		pthread_mutex_unlock(&tp->lock);
		return 0;
	}
	ret = team_rx_verdict(tp->t, map, i, f, p->len, now);
	if (ret >= 0) {
		count(mp, ret);
		return 0;
	}
	atomic_fetch_add_explicit(&mp->rx_packets, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&mp->rx_bytes, p->len, memory_order_relaxed);
	return -1;
}

static int tp_rx_burst(struct vnic *v, unsigned rxq, struct pkt_pool *pool,
		       struct pkt **pkts, unsigned n)
{
	struct team_port *tp = to_tp(v);
	uint64_t map = team_map(tp->t), now = timer_now_ms();
	unsigned got = 0, start = tp->rr;
	bool wake = false;

	tp->rr = (tp->rr + 1) % TEAM_MAX_MEMBERS;
	for (unsigned k = 0; k < TEAM_MAX_MEMBERS && got < n; k++) {
		unsigned i = (start + k) % TEAM_MAX_MEMBERS;
		struct team_mport *mp = &tp->m[i];
		struct vnic *mv =
		    atomic_load_explicit(&mp->v, memory_order_acquire);
		int r;

		if (!mv ||
		    atomic_load_explicit(&mp->broken, memory_order_relaxed))
			continue;
		r = vnic_rx_burst(mv, 0, pool, pkts + got, n - got);
		if (r < 0) {
			/* The device is gone: stop polling it; the control
			 * thread tells the team. */
			atomic_store(&mp->broken, true);
			if (mp->fd >= 0)
				epoll_ctl(tp->epfd, EPOLL_CTL_DEL, mp->fd,
					  NULL);
			wake = true;
			continue;
		}
		for (unsigned j = got, end = got + (unsigned)r; j < end; j++) {
			if (classify(tp, i, map, pkts[j], now, &wake) < 0)
				pkts[got++] = pkts[j];
			else
				vnic_rx_done(mv, 0, &pkts[j], 1);
		}
	}
	if (wake)
		kick(tp);
	return (int)got;
}

static int tp_tx_burst(struct vnic *v, unsigned txq, const struct pkt_out *out,
		       unsigned n, uint64_t *bytes)
{
	struct team_port *tp = to_tp(v);
	uint64_t map = team_map(tp->t), now = timer_now_ms();
	struct pkt_out q[TEAM_MAX_MEMBERS][PKT_BURST];
	bool port_mode = MAP_MODE(map) == TEAM_MODE_BALANCE_PORT;
	unsigned sent = 0;

	while (n) {
		unsigned cnt = n < PKT_BURST ? n : PKT_BURST;
		unsigned qn[TEAM_MAX_MEMBERS] = {0};

		for (unsigned k = 0; k < cnt; k++) {
			const struct pkt_out *o = &out[k];
			int m = team_tx_member(tp->t, map, o->pkt, o->tci);

			if (m < 0 || !atomic_load_explicit(
					 &tp->m[m].v, memory_order_acquire)) {
				vnic_count_drop(v, VNIC_DROP_TX_NO_QUEUE, 1);
				continue;
			}
			team_note_tx(tp->t, o->pkt, o->tci, (unsigned)m, now);
			if (port_mode)
				team_note_load(tp->t, o->pkt->in_port,
					       o->pkt->len);
			q[m][qn[m]++] = *o;
		}
		for (unsigned m = 0; m < TEAM_MAX_MEMBERS; m++) {
			struct team_mport *mp = &tp->m[m];
			struct vnic *mv;
			uint64_t b = 0;
			int r;

			if (!qn[m])
				continue;
			mv = atomic_load_explicit(&mp->v, memory_order_acquire);
			r = mv ? vnic_tx_burst(mv, txq, q[m], qn[m], &b)
			       : -ENODEV;
			if (r < 0) {
				atomic_store(&mp->broken, true);
				kick(tp);
				r = 0;
			}
			/* The member counted why it did not send the rest. */
			if ((unsigned)r < qn[m])
				vnic_count_drop(v, VNIC_DROP_TX_ERROR,
						qn[m] - (unsigned)r);
			sent += (unsigned)r;
			*bytes += b;
			atomic_fetch_add_explicit(&mp->tx_packets, (uint64_t)r,
						  memory_order_relaxed);
			atomic_fetch_add_explicit(&mp->tx_bytes, b,
						  memory_order_relaxed);
		}
		out += cnt;
		n -= cnt;
	}
	return (int)sent;
}

static int tp_rx_fd(const struct vnic *v, unsigned rxq)
{
	return to_tp(v)->epfd;
}

static void tp_describe(const struct vnic *v, json_t *obj)
{
	json_object_set_new(obj, "mode",
			    json_string(team_mode_name(to_tp(v)->mode)));
}

static void tp_mtu_changed(struct vnic *v, unsigned mtu)
{
	struct team_port *tp = to_tp(v);

	for (unsigned i = 0; i < TEAM_MAX_MEMBERS; i++) {
		struct vnic *mv = atomic_load(&tp->m[i].v);

		if (mv)
			vnic_mtu_changed(mv, mtu);
	}
}

static void tp_attach(struct vnic *v)
{
	struct team_port *tp = to_tp(v);

	tp->carrying = -1;
	kick(tp);
}

static const struct vnic_ops team_port_ops = {
    .kind = "team",
    .open = tp_open,
    .close = tp_close,
    .rx_burst = tp_rx_burst,
    .tx_burst = tp_tx_burst,
    .rx_fd = tp_rx_fd,
    .describe = tp_describe,
    .mtu_changed = tp_mtu_changed,
    .attach = tp_attach,
};
