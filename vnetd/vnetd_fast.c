// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetd_fast.c - veth ports' kernel fast path: which ports are on it, its
 * consistency with vnetd's MAC table, its status and counters
 *
 * The BPF program (vnic/veth_fast.bpf.c) forwards known unicast between the
 * veth ports of one network and VLAN, and learns the MACs it sees there.
 * vnetd keeps it honest once a second (fast_job): a MAC that vnetd's own
 * table has seen on a port outside the fast path more recently than the
 * program saw it on a veth port is marked as the slow path's, pinned MACs
 * (host vNICs) always; entries older than the network's aging time go, and
 * so do all entries of a port that goes down or away.  Between two runs the
 * program may deliver a moved MAC's frames to its old port for up to a
 * second, as a learning switch does before it sees the MAC again.
 *
 * The object is loaded with the first veth port and unloaded
 * FAST_GRACE_MS after the last has gone, unless a port comes meanwhile: a
 * guest deleting its namespace's end in a loop (the port goes and comes
 * back) must not make vnetd run the verifier each time.  A failure to load (no
 * CAP_BPF, a kernel without BPF, a verifier refusal, memory) is logged once and
 * tried again on a timer, after 1 s and then at doubling intervals up to a
 * minute; a port that could not be attached is tried again with it.  Meanwhile
 * the ports forward through vnetd alone, and "port show" says why and when the
 * next try is.
 */
#include "vnetd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/log.h"
#include "../vnic/vnic.h"
#include "../vnic/vnic_fast.h"

#define FAST_JOB_MS	  1000
#define FAST_RETRY_MIN_MS 1000
#define FAST_RETRY_MAX_MS 60000
#define FAST_GRACE_MS	  10000

/**
 * struct fast_slot - one veth port
 * @used: taken by a port
 * @attached: the program runs on its host end
 * @enabled: the entry says the port is up
 * @sw_port: switch port id
 * @net: network id
 * @vlan: access VLAN, 0 for none
 * @mac_limit: the port's MAC limit, as programmed
 * @mtu: its network's MTU, as programmed
 * @macs: MACs of the port counted in this run of the job
 * @learned: the program's count of them when this run began
 * @trunk: a trunk port, which stays off the fast path
 * @ifindex: host end
 * @rx_fd: the port's packet socket (its filter hides what the program took)
 * @link_fd: tcx link, -1 with a clsact qdisc or when not attached
 * @why: why the port is not on the fast path
 */
struct fast_slot {
	bool used, attached, enabled, trunk;
	int sw_port;
	unsigned net;
	unsigned vlan;
	unsigned mac_limit;
	unsigned mtu;
	unsigned macs;
	unsigned learned;
	int ifindex;
	int rx_fd;
	int link_fd;
	char why[256];
	/* What earlier attachments of the port moved (a VLAN change puts
	 * it on the fast path anew, and the kernel's counters restart). */
	struct vnic_fast_stats base;
};

/**
 * struct vnetd_fast - the fast path of one vnetd
 * @f: the loaded programs and maps, NULL when loading failed
 * @error: why loading failed
 * @job: the once-a-second consistency run
 * @retry: the next try to load, or to attach ports that failed
 * @retry_ms: its current interval
 * @grace: unloads it when no port came back since the last went
 * @tries: loads that failed in a row
 * @slots: ports by counter slot
 */
struct vnetd_fast {
	struct vnic_fast *f;
	char error[256];
	struct vtimer job;
	struct vtimer retry;
	struct vtimer grace;
	unsigned retry_ms;
	unsigned tries;
	struct fast_slot slots[VNIC_FAST_PORTS];
};

static struct fast_slot *slot_of(struct vnetd_fast *fp, int sw_port)
{
	for (unsigned i = 0; i < VNIC_FAST_PORTS; i++)
		if (fp->slots[i].used && fp->slots[i].sw_port == sw_port)
			return &fp->slots[i];
	return NULL;
}

static struct vnic_fast_port entry_of(struct vnetd_fast *fp,
				      const struct fast_slot *s)
{
	return (struct vnic_fast_port){.net = s->net,
				       .vlan = (__u16)s->vlan,
				       .enabled = s->enabled,
				       .slot = (__u32)(s - fp->slots),
				       .mac_limit = s->mac_limit,
				       .mtu = s->mtu};
}

static int program(struct vnetd_fast *fp, struct fast_slot *s)
{
	struct vnic_fast_port e = entry_of(fp, s);

	return vnic_fast_port_set(fp->f, s->ifindex, &e);
}

struct mark_ctx {
	struct vnetd *d;
	struct vnetd_fast *fp;
	unsigned net;
	uint64_t now;
};

static bool is_host_port(struct vnetd *d, int sw_port)
{
	struct vnetd_port *p = vnetd_port_by_id(d, sw_port);

	return p && !strcmp(jstr(p->obj.conf, "kind"), "host");
}

/* An entry of vnetd's MAC table: a MAC on a port outside the fast path is
 * the slow path's from the moment vnetd last saw it there.  A pinned MAC
 * (the gateway's, the NAT leg's, a configured one) and the host vNIC's are
 * the slow path's always, however long they have been quiet: their mark is
 * fresh at every run and replaces whatever a namespace made of it. */
static void mark_cb(const uint8_t mac[6], uint16_t vlan, int port, int64_t age,
		    bool pinned, void *arg)
{
	struct mark_ctx *c = arg;
	struct vnic_fast_key k;
	uint64_t ago = age > 0 ? (uint64_t)age * 1000000000ull : 0;
	bool held = pinned || is_host_port(c->d, port);

	if (slot_of(c->fp, port))
		return;
	if (held || ago > c->now)
		ago = 0;
	vnic_fast_key_make(&k, c->net, vlan, mac);
	(void)vnic_fast_fdb_mark(c->fp->f, &k, c->now - ago, held);
}

/* Mark network @net's slow-path MACs now (a port joins: no window in which
 * a namespace may take them before the job's next run). */
static void mark_net(struct vnetd *d, struct vnetd_fast *fp, unsigned net)
{
	struct mark_ctx c = {
	    .d = d, .fp = fp, .net = net, .now = vnic_fast_now_ns()};

	(void)vswitch_fdb_dump(d->sw, (int)net, mark_cb, &c);
}

/* Fast-path entries that go: older than their network's aging time, or
 * on a port that is not (or no longer) on the fast path and up. */
static bool age_cb(const struct vnic_fast_key *k, const struct vnic_fast_fdb *e,
		   void *arg)
{
	struct mark_ctx *c = arg;
	struct vnetd_net *net =
	    k->net < VSW_MAX_NETS ? c->d->nets[k->net] : NULL;
	uint64_t aging = net ? juint(net->obj.conf, "aging") : 0;
	struct fast_slot *s;

	if (!net || vnic_fast_is_stale(e, c->now, aging * 1000000000ull))
		return true;
	if (!e->ifindex)
		return false;
	s = e->slot < VNIC_FAST_PORTS ? &c->fp->slots[e->slot] : NULL;
	if (!s || !s->used || !s->attached || !s->enabled ||
	    s->ifindex != (int)e->ifindex)
		return true;
	s->macs++;
	return false;
}

/* Bring a slot's entry in line with its port: up (link and backend) and
 * MAC limit.  The job runs it every second (a backend breaking, a limit
 * set); link changes run it as they happen. */
static void slot_sync(struct vnetd *d, struct vnetd_fast *fp,
		      struct fast_slot *s)
{
	bool up = vswitch_port_up(d->sw, s->sw_port);
	unsigned limit = vswitch_port_mac_limit(d->sw, s->sw_port);

	if (up == s->enabled && limit == s->mac_limit)
		return;
	s->enabled = up;
	s->mac_limit = limit;
	if (s->attached && program(fp, s))
		vlog(MAIN, WARN, "fast path: cannot update ifindex %d",
		     s->ifindex);
}

/* A port's carrier changed: the program must stop forwarding to a port
 * that went down now, not at the next run of the job (a frame it sends
 * there is lost, where vnetd would flood it to the ports still up). */
static void fast_link(void *arg, int sw_port, bool up)
{
	struct vnetd *d = arg;
	struct fast_slot *s = d->fast ? slot_of(d->fast, sw_port) : NULL;

	if (s)
		slot_sync(d, d->fast, s);
}

static void fast_job(struct vtimer *t, void *arg)
{
	struct vnetd *d = arg;
	struct vnetd_fast *fp = d->fast;
	struct mark_ctx c = {.d = d, .fp = fp, .now = vnic_fast_now_ns()};
	bool nets[VSW_MAX_NETS] = {false};

	for (unsigned i = 0; i < VNIC_FAST_PORTS; i++) {
		struct fast_slot *s = &fp->slots[i];

		if (!s->used || !s->attached)
			continue;
		nets[s->net] = true;
		s->macs = 0;
		s->learned = vnic_fast_learned_get(fp->f, i);
		slot_sync(d, fp, s);
	}
	for (c.net = 0; c.net < VSW_MAX_NETS; c.net++)
		if (nets[c.net])
			(void)vswitch_fdb_dump(d->sw, (int)c.net, mark_cb, &c);
	(void)vnic_fast_fdb_foreach(fp->f, age_cb, &c);
	/* Each count moves by what the walk found against what it was
	 * before the walk: places the program took during the walk for
	 * MACs the walk did not see yet stay taken. */
	for (unsigned i = 0; i < VNIC_FAST_PORTS; i++)
		if (fp->slots[i].used && fp->slots[i].attached)
			vnic_fast_learned_fix(fp->f, i, fp->slots[i].learned,
					      fp->slots[i].macs);
	if (vtimer_arm(d->timers, t, FAST_JOB_MS))
		vlog(MAIN, ERR, "fast path: cannot schedule its MAC aging");
}

static void fast_retry(struct vtimer *t, void *arg);
static void fast_grace(struct vtimer *t, void *arg);

/* Objects loaded since vnetd started ("port show": fast_path_loads). */
static unsigned long fast_loads;

/* Load the object; a failure is logged the first time only. */
static int fast_load(struct vnetd_fast *fp)
{
	int ret = vnic_fast_open(&fp->f, fp->error, sizeof(fp->error));

	if (!ret) {
		fast_loads++;
		if (fp->tries)
			vlog_rl(MAIN, INFO,
				"fast path loaded after %u failed tries",
				fp->tries);
		fp->tries = 0;
		return 0;
	}
	fp->f = NULL;
	if (!fp->tries++)
		vlog_rl(MAIN, WARN,
			"veth ports forward through vnetd only until the "
			"kernel fast path loads (%s); trying again",
			fp->error);
	return ret;
}

/* Try again later: at the first failure after @FAST_RETRY_MIN_MS, then
 * doubling (@again: this failure follows one). */
static void retry_later(struct vnetd *d, struct vnetd_fast *fp, bool again)
{
	unsigned next = again ? fp->retry_ms * 2 : FAST_RETRY_MIN_MS;

	if (vtimer_armed(&fp->retry))
		return;
	fp->retry_ms = next > FAST_RETRY_MAX_MS ? FAST_RETRY_MAX_MS : next;
	if (vtimer_arm(d->timers, &fp->retry, fp->retry_ms))
		vlog(MAIN, ERR, "fast path: cannot schedule a retry");
}

static struct vnetd_fast *fast_get(struct vnetd *d)
{
	struct vnetd_fast *fp = d->fast;

	if (fp) {
		vtimer_cancel(d->timers, &fp->grace);
		return fp;
	}
	fp = calloc(1, sizeof(*fp));
	if (!fp)
		return NULL;
	vtimer_init(&fp->job, fast_job, d);
	vtimer_init(&fp->retry, fast_retry, d);
	vtimer_init(&fp->grace, fast_grace, d);
	d->fast = fp;
	vswitch_set_link_hook(d->sw, fast_link, d);
	if (fast_load(fp))
		retry_later(d, fp, false);
	return fp;
}

static bool fast_unused(const struct vnetd_fast *fp)
{
	for (unsigned i = 0; i < VNIC_FAST_PORTS; i++)
		if (fp->slots[i].used)
			return false;
	return true;
}

/**
 * vnetd_fast_close() - unload the fast path now (at shutdown, once no
 * port is left); nothing when it is not loaded
 * @d: daemon
 */
void vnetd_fast_close(struct vnetd *d)
{
	struct vnetd_fast *fp = d->fast;

	if (!fp)
		return;
	vtimer_cancel(d->timers, &fp->job);
	vtimer_cancel(d->timers, &fp->retry);
	vtimer_cancel(d->timers, &fp->grace);
	vswitch_set_link_hook(d->sw, NULL, NULL);
	vnic_fast_close(fp->f);
	free(fp);
	d->fast = NULL;
}

static void fast_grace(struct vtimer *t, void *arg)
{
	struct vnetd *d = arg;

	if (d->fast && fast_unused(d->fast))
		vnetd_fast_close(d);
}

/* A veth port went: the last one starts the grace period. */
static void fast_put(struct vnetd *d)
{
	struct vnetd_fast *fp = d->fast;

	if (!fast_unused(fp) || vtimer_armed(&fp->grace))
		return;
	if (vtimer_arm(d->timers, &fp->grace, FAST_GRACE_MS)) {
		vlog(MAIN, ERR, "fast path: cannot schedule its unload");
		vnetd_fast_close(d);
	}
}

/* Attach slot @s's port; false (the reason in s->why) when it failed. */
static bool slot_attach(struct vnetd *d, struct vnetd_fast *fp,
			struct fast_slot *s)
{
	struct vnic_fast_port e;

	mark_net(d, fp, s->net);
	e = entry_of(fp, s);
	if (vnic_fast_attach(fp->f, s->ifindex, s->rx_fd, &e, &s->link_fd,
			     s->why, sizeof(s->why)))
		return false;
	s->attached = true;
	s->why[0] = 0;
	if (!vtimer_armed(&fp->job) &&
	    vtimer_arm(d->timers, &fp->job, FAST_JOB_MS))
		vlog(MAIN, ERR, "fast path: cannot schedule its MAC aging");
	return true;
}

/* The retry timer: load the object if it is not, then attach every port
 * that should be on the fast path and is not. */
static void fast_retry(struct vtimer *t, void *arg)
{
	struct vnetd *d = arg;
	struct vnetd_fast *fp = d->fast;
	bool failed = false;

	if (!fp->f && fast_load(fp)) {
		retry_later(d, fp, true);
		return;
	}
	for (unsigned i = 0; i < VNIC_FAST_PORTS; i++) {
		struct fast_slot *s = &fp->slots[i];

		if (s->used && !s->attached && !s->trunk &&
		    !slot_attach(d, fp, s))
			failed = true;
	}
	if (failed)
		retry_later(d, fp, true);
}

/**
 * vnetd_fast_port_on() - put an active veth port on the fast path
 * @d: daemon
 * @p: the port (p->id set)
 * @net: its network id
 * @vlan: its access VLAN, 0 for none, -1 for a trunk (stays slow)
 * @mtu: its network's MTU
 *
 * A port that cannot be put on it keeps working through vnetd, and is
 * tried again on a timer; the reason shows in "port show".
 */
void vnetd_fast_port_on(struct vnetd *d, struct vnetd_port *p, unsigned net,
			int vlan, unsigned mtu)
{
	struct vnetd_fast *fp = fast_get(d);
	struct vnic *v = vswitch_port_vnic(d->sw, p->id);
	struct fast_slot *s = NULL;

	if (!fp)
		return;
	for (unsigned i = 0; i < VNIC_FAST_PORTS && !s; i++)
		if (!fp->slots[i].used)
			s = &fp->slots[i];
	if (!s) {
		vlog(MAIN, WARN, "port %s: fast path full (%u ports)",
		     p->obj.name, VNIC_FAST_PORTS);
		return;
	}
	*s = (struct fast_slot){.used = true,
				.sw_port = p->id,
				.net = net,
				.vlan = vlan > 0 ? (unsigned)vlan : 0,
				.trunk = vlan < 0,
				.ifindex = vnic_ifindex(v),
				.rx_fd = vnic_rx_fd(v, 0),
				.link_fd = -1,
				.enabled = vswitch_port_up(d->sw, p->id),
				.mac_limit =
				    vswitch_port_mac_limit(d->sw, p->id),
				.mtu = mtu};
	if (s->trunk) {
		snprintf(s->why, sizeof(s->why),
			 "a trunk port: tagged frames take the slow path");
		return;
	}
	if (!fp->f)
		return; /* attached when the retry timer loads it */
	if (slot_attach(d, fp, s))
		return;
	vlog_rl(MAIN, WARN, "port %s: fast path off: %s; trying again",
		p->obj.name, s->why);
	retry_later(d, fp, false);
}

/**
 * vnetd_fast_port_off() - take a veth port off the fast path (before it
 * leaves the switch), with every MAC learnt on it
 * @d: daemon
 * @p: the port
 * @final: NULL, or filled: what the fast path moved for the port, read
 *         once the program is off it (zero when it had no slot)
 *
 * Return: true if the port had a fast-path slot
 */
bool vnetd_fast_port_off(struct vnetd *d, struct vnetd_port *p,
			 struct vnic_fast_stats *final)
{
	struct vnetd_fast *fp = d->fast;
	struct fast_slot *s = fp ? slot_of(fp, p->id) : NULL;

	if (final)
		memset(final, 0, sizeof(*final));
	if (!s)
		return false;
	/* The detach returns once no program instance that could count for
	 * the port still runs, on its host end or on another fast port
	 * forwarding to it (the tcx link's release waits for a grace
	 * period; where it does not, vnic_fast_detach() waits itself): the
	 * read below is final, nothing is counted on the slot after it. */
	if (s->attached)
		vnic_fast_detach(fp->f, s->ifindex, s->link_fd);
	if (final)
		(void)vnetd_fast_counters(d, p, final);
	memset(s, 0, sizeof(*s));
	fast_put(d);
	return true;
}

/**
 * vnetd_fast_port_vlan() - follow a veth port's new VLAN setting
 * @d: daemon
 * @p: the port
 * @vlan: new access VLAN, 0 for none, -1 for a trunk
 */
void vnetd_fast_port_vlan(struct vnetd *d, struct vnetd_port *p, int vlan)
{
	struct vnetd_fast *fp = d->fast;
	struct fast_slot *s = fp ? slot_of(fp, p->id) : NULL;
	struct vnic_fast_stats total;
	unsigned net, mtu;

	if (!s)
		return;
	net = s->net;
	mtu = s->mtu;
	(void)vnetd_fast_port_off(d, p, &total);
	vnetd_fast_port_on(d, p, net, vlan, mtu);
	fp = d->fast;
	s = fp ? slot_of(fp, p->id) : NULL;
	if (s)
		s->base = total;
}

/**
 * vnetd_fast_port_mtu() - follow a veth port's network's new MTU
 * @d: daemon
 * @p: the port
 * @mtu: the MTU: longer frames go to vnetd from now on
 */
void vnetd_fast_port_mtu(struct vnetd *d, struct vnetd_port *p, unsigned mtu)
{
	struct vnetd_fast *fp = d->fast;
	struct fast_slot *s = fp ? slot_of(fp, p->id) : NULL;

	if (!s || s->mtu == mtu)
		return;
	s->mtu = mtu;
	if (s->attached && program(fp, s))
		vlog(MAIN, WARN, "fast path: cannot update ifindex %d",
		     s->ifindex);
}

/**
 * vnetd_fast_describe() - the fast path's facts for "port show"
 * @d: daemon
 * @p: a veth port
 * @s: its status object: "fast_path" on or off, "fast_path_error" why off
 */
void vnetd_fast_describe(struct vnetd *d, struct vnetd_port *p, json_t *s)
{
	struct vnetd_fast *fp = d->fast;
	struct fast_slot *sl = fp && p->id >= 0 ? slot_of(fp, p->id) : NULL;
	struct vnic *v = p->id >= 0 ? vswitch_port_vnic(d->sw, p->id) : NULL;
	uint64_t now = timer_now_ms();
	char why[400];

	json_object_set_new(s, "fast_path_loads",
			    json_integer((json_int_t)fast_loads));
	/* On only while the program runs on a device that is still there
	 * (its link goes with the device before vnetd hears of it). */
	if (sl && sl->attached && vnic_alive(v)) {
		json_object_set_new(s, "fast_path", json_string("on"));
		return;
	}
	json_object_set_new(s, "fast_path", json_string("off"));
	if (p->id < 0)
		snprintf(why, sizeof(why), "the port is not active");
	else if (!sl)
		snprintf(why, sizeof(why), "the port has no fast-path slot");
	else if (sl->attached)
		snprintf(why, sizeof(why), "its device is gone");
	else if (!sl->trunk && !fp->f)
		snprintf(why, sizeof(why),
			 "BPF load failed (%u tries): %.200s; next try in %llu "
			 "ms",
			 fp->tries, fp->error,
			 (unsigned long long)(fp->retry.when > now
						  ? fp->retry.when - now
						  : 0));
	else if (!sl->trunk && vtimer_armed(&fp->retry))
		snprintf(why, sizeof(why), "%.200s; next try in %llu ms",
			 sl->why,
			 (unsigned long long)(fp->retry.when > now
						  ? fp->retry.when - now
						  : 0));
	else
		snprintf(why, sizeof(why), "%s", sl->why);
	json_object_set_new(s, "fast_path_error", json_string(why));
}

/**
 * vnetd_fast_counters() - a veth port's fast-path counters
 * @d: daemon
 * @p: the port
 * @st: filled: what the fast path moved for the port since it was added
 *      (zero when it never was on the fast path)
 *
 * Return: true if the port has a fast-path slot (on it now, or earlier
 * with a setting that has since taken it off)
 */
bool vnetd_fast_counters(struct vnetd *d, struct vnetd_port *p,
			 struct vnic_fast_stats *st)
{
	struct vnetd_fast *fp = d->fast;
	struct fast_slot *s = fp && p->id >= 0 ? slot_of(fp, p->id) : NULL;
	struct vnic_fast_stats now;

	memset(st, 0, sizeof(*st));
	if (!s)
		return false;
	*st = s->base;
	if (!s->attached)
		return true;
	vnic_fast_stats(fp->f, (unsigned)(s - fp->slots), &now);
	vnic_fast_stats_add(st, &now);
	return true;
}

/**
 * vnetd_fast_stats_to_port() - count fast-path counters in a port's own
 * @f: what the fast path moved for the port
 * @st: the port's counters (rx and tx packets and bytes), incremented
 */
void vnetd_fast_stats_to_port(const struct vnic_fast_stats *f,
			      struct vsw_port_stats *st)
{
	st->rx_packets += f->rx_packets;
	st->rx_bytes += f->rx_bytes;
	st->tx_packets += f->tx_packets;
	st->tx_bytes += f->tx_bytes;
}

/**
 * vnetd_fast_add_stats() - add what the fast path moved to a port's counters
 * @d: daemon
 * @p: any port (only veth ports on the fast path have something to add)
 * @st: the switch's counters of the port, incremented
 */
void vnetd_fast_add_stats(struct vnetd *d, struct vnetd_port *p,
			  struct vsw_port_stats *st)
{
	struct vnic_fast_stats f;

	if (vnetd_fast_counters(d, p, &f))
		vnetd_fast_stats_to_port(&f, st);
}
