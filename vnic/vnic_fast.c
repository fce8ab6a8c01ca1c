// SPDX-License-Identifier: GPL-2.0-or-later
/* vnic_fast.c - loading and programming the veth fast path
 *
 * The BPF object (vnic/veth_fast.bpf.c) is built into vnetd
 * (vnic_fast_obj.S) and loaded with libbpf from memory.  Each veth port's
 * host end gets the TC program through a tcx link, which the kernel drops
 * with the last fd on it: when vnetd exits or is killed, no program keeps
 * forwarding behind its back.  Kernels without tcx get a clsact qdisc
 * instead (that one outlives vnetd; vnetd removes it when it stops the port
 * and when it attaches again).  The port's packet socket gets the socket
 * filter that hides the frames the fast path forwards.
 *
 * Everything here runs on the control thread; the datapath threads never
 * make a bpf() call.
 */
#include "vnic_fast.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../lib/log.h"

#ifndef SO_ATTACH_BPF
#define SO_ATTACH_BPF 50
#endif
/* Linux 6.6; libbpf 1.1's headers do not know it. */
#define VNIC_TCX_INGRESS 46

/* The object file, embedded by vnic_fast_obj.S. */
extern const char vnic_fast_obj_start[];
extern const uint64_t vnic_fast_obj_size;

/**
 * struct vnic_fast - the loaded fast path
 * @obj: libbpf object
 * @tc_fd: the TC ingress program
 * @sock_fd: the packet socket filter
 * @fdb_fd: map of MACs
 * @ports_fd: map of fast ports by host-end ifindex
 * @stats_fd: per-CPU counters by slot
 * @learned_fd: MACs learnt per slot
 * @learned: the same, mapped (vnetd's recount adds to it atomically)
 * @learned_size: bytes mapped
 * @ncpus: possible CPUs (entries of a per-CPU value)
 */
struct vnic_fast {
	struct bpf_object *obj;
	int tc_fd, sock_fd;
	int fdb_fd, ports_fd, stats_fd, learned_fd;
	__u64 *learned; /* 8 bytes apart, as the kernel lays them out */
	size_t learned_size;
	int ncpus;
	/* A map of maps nothing reads: updating it returns after an RCU
	 * grace period (the kernel waits for every BPF program running at
	 * the time), which vnic_fast_detach() needs when the detach itself
	 * did not wait. */
	int sync_fd, sync_inner_fd;
	unsigned long syncs;
};

/**
 * vnic_fast_key_make() - the fast path's key of a MAC in a network and VLAN
 * @k: key to fill (padding zeroed: the kernel hashes every byte)
 * @net: network id
 * @vlan: VLAN, 0 for none
 * @mac: address
 */
void vnic_fast_key_make(struct vnic_fast_key *k, unsigned net, unsigned vlan,
			const uint8_t mac[6])
{
	memset(k, 0, sizeof(*k));
	k->net = net;
	k->vlan = (__u16)vlan;
	memcpy(k->mac, mac, 6);
}

/**
 * vnic_fast_is_stale() - whether an entry was last seen too long ago
 * @e: entry
 * @now_ns: vnic_fast_now_ns()
 * @max_age_ns: the network's aging time
 *
 * Return: true if older than @max_age_ns (an entry stamped in the future,
 * which only a clock mix-up makes, is not stale)
 */
bool vnic_fast_is_stale(const struct vnic_fast_fdb *e, uint64_t now_ns,
			uint64_t max_age_ns)
{
	return now_ns > e->seen_ns && now_ns - e->seen_ns > max_age_ns;
}

/**
 * vnic_fast_now_ns() - the clock the BPF program stamps entries with
 *
 * Return: CLOCK_MONOTONIC in nanoseconds
 */
uint64_t vnic_fast_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* libbpf's warnings go to vnetd's log at debug level: the
 * caller reports the failure that matters in one sentence. */
static int __attribute__((format(printf, 2, 0)))
libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	if (n && line[n - 1] == '\n')
		line[n - 1] = 0;
	vlog(VNIC, DBG, "libbpf: %s", line);
	return 0;
}

static int find_fd(struct vnic_fast *f, const char *prog, const char *map,
		   int *fd)
{
	if (prog) {
		struct bpf_program *p =
		    bpf_object__find_program_by_name(f->obj, prog);

		*fd = p ? bpf_program__fd(p) : -ENOENT;
	} else {
		struct bpf_map *m = bpf_object__find_map_by_name(f->obj, map);

		*fd = m ? bpf_map__fd(m) : -ENOENT;
	}
	return *fd < 0 ? -ENOENT : 0;
}

/* Tests only: VNETD_FAST_FAIL_LOADS=N makes the first N loads of this
 * process fail as a kernel refusal would, so the retry can be watched. */
static bool load_fails_on_purpose(void)
{
	static unsigned failed;
	const char *env = getenv("VNETD_FAST_FAIL_LOADS");

	if (!env || failed >= strtoul(env, NULL, 10))
		return false;
	failed++;
	return true;
}

/* Map fast_learned (BPF_F_MMAPABLE) into vnetd: the recount adds to a
 * count with the same atomic operation the program takes a place with. */
static int learned_map(struct vnic_fast *f)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t size = VNIC_FAST_PORTS * sizeof(__u64);
	void *p;

	if (page <= 0)
		return -EINVAL;
	f->learned_size =
	    (size + (size_t)page - 1) / (size_t)page * (size_t)page;
	p = mmap(NULL, f->learned_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 f->learned_fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	f->learned = p;
	return 0;
}

/* The map of maps behind fast_sync(): one array of one entry, the value
 * another array of one. */
static int sync_open(struct vnic_fast *f)
{
	struct bpf_map_create_opts o = {.sz = sizeof(o)};
	int ret;

	f->sync_inner_fd =
	    bpf_map_create(BPF_MAP_TYPE_ARRAY, "fast_sync_in", 4, 4, 1, NULL);
	if (f->sync_inner_fd < 0)
		return -errno;
	o.inner_map_fd = (__u32)f->sync_inner_fd;
	f->sync_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "fast_sync", 4,
				    4, 1, &o);
	if (f->sync_fd >= 0)
		return 0;
	ret = -errno;
	close(f->sync_inner_fd);
	return ret;
}

/* Return once every BPF program that was running when called has ended:
 * an update of a map of maps waits for an RCU grace period
 * (maybe_wait_bpf_programs() in the kernel), and the programs run within
 * RCU read-side sections. */
static int fast_sync(struct vnic_fast *f)
{
	__u32 zero = 0;

	f->syncs++;
	return bpf_map_update_elem(f->sync_fd, &zero, &f->sync_inner_fd,
				   BPF_ANY)
		   ? -errno
		   : 0;
}

/**
 * vnic_fast_syncs() - grace periods vnic_fast_detach() waited for itself
 * (the kernel's detach had not waited for running programs)
 * @f: fast path
 *
 * Return: how many since vnic_fast_open()
 */
unsigned long vnic_fast_syncs(const struct vnic_fast *f)
{
	return f->syncs;
}

/**
 * vnic_fast_open() - load the fast path's programs and maps
 * @out: the fast path
 * @err: a sentence for the user on failure
 * @errlen: room in @err
 *
 * Return: 0, or -errno (no CAP_BPF, a kernel without BPF, a verifier refusal)
 */
int vnic_fast_open(struct vnic_fast **out, char *err, size_t errlen)
{
	/* Spelled out rather than LIBBPF_OPTS(), which cppcheck cannot
	 * expand. */
	struct bpf_object_open_opts opts = {.sz = sizeof(opts),
					    .object_name = "veth_fast"};
	struct vnic_fast *f = calloc(1, sizeof(*f));
	int ret;

	if (!f)
		return -ENOMEM;
	libbpf_set_print(libbpf_log);
	f->obj = bpf_object__open_mem(vnic_fast_obj_start,
				      (size_t)vnic_fast_obj_size, &opts);
	if (!f->obj) {
		ret = -errno;
		snprintf(err, errlen, "cannot open the BPF object: %s",
			 strerror(-ret));
		free(f);
		return ret;
	}
	ret = load_fails_on_purpose() ? -EPERM : bpf_object__load(f->obj);
	if (ret) {
		snprintf(err, errlen, "cannot load the BPF programs: %s",
			 strerror(-ret));
		goto fail;
	}
	if (find_fd(f, "veth_fast_tc", NULL, &f->tc_fd) ||
	    find_fd(f, "veth_fast_sock", NULL, &f->sock_fd) ||
	    find_fd(f, NULL, "fast_fdb", &f->fdb_fd) ||
	    find_fd(f, NULL, "fast_ports", &f->ports_fd) ||
	    find_fd(f, NULL, "fast_stats", &f->stats_fd) ||
	    find_fd(f, NULL, "fast_learned", &f->learned_fd)) {
		ret = -ENOENT;
		snprintf(err, errlen, "the BPF object lacks a program or map");
		goto fail;
	}
	f->ncpus = libbpf_num_possible_cpus();
	if (f->ncpus <= 0) {
		ret = f->ncpus ? f->ncpus : -EINVAL;
		snprintf(err, errlen, "cannot count the CPUs: %s",
			 strerror(-ret));
		goto fail;
	}
	ret = learned_map(f);
	if (ret) {
		snprintf(err, errlen, "cannot map the learning counts: %s",
			 strerror(-ret));
		goto fail;
	}
	ret = sync_open(f);
	if (ret) {
		snprintf(err, errlen, "cannot create the BPF map of maps: %s",
			 strerror(-ret));
		munmap(f->learned, f->learned_size);
		goto fail;
	}
	*out = f;
	return 0;
fail:
	bpf_object__close(f->obj);
	free(f);
	return ret;
}

/**
 * vnic_fast_close() - unload; links still attached keep their program until
 * their fds close; NULL is ignored
 * @f: fast path
 */
void vnic_fast_close(struct vnic_fast *f)
{
	if (!f)
		return;
	close(f->sync_fd);
	close(f->sync_inner_fd);
	munmap(f->learned, f->learned_size);
	bpf_object__close(f->obj);
	free(f);
}

static int tc_hook(int ifindex, bool attach, int prog_fd)
{
	struct bpf_tc_hook hook = {.sz = sizeof(hook),
				   .ifindex = ifindex,
				   .attach_point = BPF_TC_INGRESS};
	struct bpf_tc_opts o = {.sz = sizeof(o), .handle = 1, .priority = 1};
	int ret;

	if (!attach) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		ret = bpf_tc_hook_destroy(&hook);
		return ret == -ENOENT ? 0 : ret;
	}
	ret = bpf_tc_hook_create(&hook);
	if (ret && ret != -EEXIST)
		return ret;
	o.prog_fd = prog_fd;
	o.flags = BPF_TC_F_REPLACE;
	return bpf_tc_attach(&hook, &o);
}

/**
 * vnic_fast_attach() - put a veth port's host end on the fast path
 * @f: fast path
 * @ifindex: the host end
 * @sock_fd: the port's packet socket (gets the filter), -1 for none
 * @port: its entry (network, VLAN, slot, enabled)
 * @link_fd: set to the tcx link's fd, or -1 when a clsact qdisc was used
 * @err: a sentence for the user on failure
 * @errlen: room in @err
 *
 * The port entry and the socket filter go first, the TC program last, so
 * no frame is forwarded by both paths while the port joins.
 *
 * Return: 0 or -errno; on failure nothing stays attached
 */
int vnic_fast_attach(struct vnic_fast *f, int ifindex, int sock_fd,
		     const struct vnic_fast_port *port, int *link_fd, char *err,
		     size_t errlen)
{
	__u32 key = (__u32)ifindex;
	int ret;

	*link_fd = -1;
	vnic_fast_stats_clear(f, port->slot);
	vnic_fast_learned_set(f, port->slot, 0);
	if (bpf_map_update_elem(f->ports_fd, &key, port, BPF_ANY)) {
		ret = -errno;
		snprintf(err, errlen, "cannot add the port to the BPF map: %s",
			 strerror(-ret));
		return ret;
	}
	if (sock_fd >= 0 && setsockopt(sock_fd, SOL_SOCKET, SO_ATTACH_BPF,
				       &f->sock_fd, sizeof(f->sock_fd))) {
		ret = -errno;
		snprintf(err, errlen, "cannot filter the packet socket: %s",
			 strerror(-ret));
		goto fail;
	}
	/* A clsact qdisc left by an earlier vnetd on an old kernel goes. */
	(void)tc_hook(ifindex, false, -1);
	ret = bpf_link_create(f->tc_fd, ifindex,
			      (enum bpf_attach_type)VNIC_TCX_INGRESS, NULL);
	if (ret >= 0) {
		*link_fd = ret;
		return 0;
	}
	ret = tc_hook(ifindex, true, f->tc_fd);
	if (!ret) {
		vlog(VNIC, INFO,
		     "ifindex %d: no tcx in this kernel, the fast path uses a "
		     "clsact qdisc (it outlives a killed vnetd)",
		     ifindex);
		return 0;
	}
	snprintf(err, errlen, "cannot attach the TC program: %s",
		 strerror(-ret));
fail:
	if (sock_fd >= 0)
		(void)setsockopt(sock_fd, SOL_SOCKET, SO_DETACH_BPF, &key,
				 sizeof(key));
	(void)bpf_map_delete_elem(f->ports_fd, &key);
	return ret;
}

static bool match_ifindex(const struct vnic_fast_key *k,
			  const struct vnic_fast_fdb *e, void *arg)
{
	return e->ifindex == *(const __u32 *)arg;
}

/**
 * vnic_fast_detach() - take a host end off the fast path, with its MACs
 * @f: fast path
 * @ifindex: the host end
 * @link_fd: from vnic_fast_attach(); closed
 *
 * The packet socket keeps its filter: it finds no port entry any more and
 * passes every frame.  On return no program instance that may have seen
 * the port's entry is still running (on this port's host end or another
 * fast port's, forwarding to it): the port's counters are final.
 */
void vnic_fast_detach(struct vnic_fast *f, int ifindex, int link_fd)
{
	__u32 key = (__u32)ifindex;
	char name[IF_NAMESIZE];
	bool waited = false;
	int ret;

	/* The entry first: from then on both programs pass every frame to
	 * vnetd, so none is hidden from the socket and left unforwarded
	 * while the TC program goes. */
	(void)bpf_map_delete_elem(f->ports_fd, &key);
	if (link_fd >= 0) {
		/* The last fd on a tcx link releases it before close()
		 * returns, and tcx_link_release() waits for an RCU grace
		 * period (synchronize_rcu() in tcx_entry_sync()) once the
		 * program is off the device: every program that saw the
		 * entry above has ended, on every port.  That is so only
		 * while the device is there: one being unregistered lost
		 * its link before (dev_tcx_uninstall()) and the release
		 * waits for nothing.  A device still listed after the
		 * close was listed during it (unlisting comes first). */
		close(link_fd);
		waited = if_indextoname((unsigned)ifindex, name) != NULL;
	} else {
		/* A clsact qdisc's filter is freed after a grace period
		 * (tcf_queue_work()), but its deletion does not wait. */
		(void)tc_hook(ifindex, false, -1);
	}
	if (!waited && (ret = fast_sync(f)))
		vlog_rl(VNIC, WARN,
			"ifindex %d: cannot wait for the fast path's programs "
			"(%s): its last counts may be missed",
			ifindex, strerror(-ret));
	(void)vnic_fast_fdb_foreach(f, match_ifindex, &key);
}

/**
 * vnic_fast_port_set() - change a fast port's entry (VLAN, enabled)
 * @f: fast path
 * @ifindex: the host end
 * @port: new entry
 *
 * Return: 0 or -errno
 */
int vnic_fast_port_set(struct vnic_fast *f, int ifindex,
		       const struct vnic_fast_port *port)
{
	__u32 key = (__u32)ifindex;

	return bpf_map_update_elem(f->ports_fd, &key, port, BPF_EXIST) ? -errno
								       : 0;
}

/**
 * vnic_fast_fdb_foreach() - visit every fast-path MAC entry
 * @f: fast path
 * @fn: called per entry; returns true to delete it
 * @arg: passed to @fn
 *
 * Entries are deleted after the walk: deleting while walking a BPF hash
 * map restarts the walk.
 *
 * Return: entries deleted
 */
unsigned vnic_fast_fdb_foreach(struct vnic_fast *f, vnic_fast_fdb_fn fn,
			       void *arg)
{
	struct vnic_fast_key key, next, *del = NULL;
	struct vnic_fast_fdb e;
	size_t n = 0, cap = 0;
	void *prev = NULL;
	unsigned done = 0;

	while (!bpf_map_get_next_key(f->fdb_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(f->fdb_fd, &key, &e) ||
		    !fn(&key, &e, arg))
			continue;
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			void *p = realloc(del, ncap * sizeof(*del));

			if (!p)
				break;
			del = p;
			cap = ncap;
		}
		del[n++] = key;
	}
	for (size_t i = 0; i < n; i++)
		done += !bpf_map_delete_elem(f->fdb_fd, &del[i]);
	free(del);
	return done;
}

/**
 * vnic_fast_fdb_mark() - hold a MAC for the slow path
 * @f: fast path
 * @k: the MAC in its network and VLAN
 * @seen_ns: when vnetd's own table last saw it, on a port outside the fast
 *           path
 *
 * @force: replace any entry (a MAC that is the slow path's whatever a
 *         namespace sends: pinned, or the host vNIC's)
 *
 * Replaces a fast-path entry last seen before @seen_ns (the MAC moved to a
 * slow port) with a mark (ifindex 0): frames to it then go to vnetd, and the
 * program does not learn it on a veth port while the mark is fresh.
 *
 * Return: true if the entry was written
 */
bool vnic_fast_fdb_mark(struct vnic_fast *f, const struct vnic_fast_key *k,
			uint64_t seen_ns, bool force)
{
	struct vnic_fast_fdb e,
	    mark = {.seen_ns = seen_ns, .slot = force ? VNIC_FAST_HELD : 0};

	if (!force && !bpf_map_lookup_elem(f->fdb_fd, k, &e) &&
	    e.seen_ns >= seen_ns)
		return false;
	return !bpf_map_update_elem(f->fdb_fd, k, &mark, BPF_ANY);
}

/**
 * vnic_fast_stats() - a slot's counters summed over CPUs
 * @f: fast path
 * @slot: counter slot
 * @st: result (zero when unreadable)
 */
void vnic_fast_stats(struct vnic_fast *f, unsigned slot,
		     struct vnic_fast_stats *st)
{
	struct vnic_fast_stats *pc = calloc((size_t)f->ncpus, sizeof(*pc));
	__u32 key = slot;

	memset(st, 0, sizeof(*st));
	if (!pc)
		return;
	if (!bpf_map_lookup_elem(f->stats_fd, &key, pc))
		for (int i = 0; i < f->ncpus; i++)
			vnic_fast_stats_add(st, &pc[i]);
	free(pc);
}

/**
 * vnic_fast_stats_clear() - zero a slot's counters (a new port takes it)
 * @f: fast path
 * @slot: counter slot
 */
void vnic_fast_stats_clear(struct vnic_fast *f, unsigned slot)
{
	struct vnic_fast_stats *pc = calloc((size_t)f->ncpus, sizeof(*pc));
	__u32 key = slot;

	if (!pc)
		return;
	(void)bpf_map_update_elem(f->stats_fd, &key, pc, BPF_ANY);
	free(pc);
}

/**
 * vnic_fast_learned_set() - set how many MACs a slot holds (a port joins:
 * none; no program counts for the slot yet)
 * @f: fast path
 * @slot: counter slot
 * @n: MACs
 */
void vnic_fast_learned_set(struct vnic_fast *f, unsigned slot, unsigned n)
{
	if (slot < VNIC_FAST_PORTS)
		__atomic_store_n(&f->learned[slot], n, __ATOMIC_RELAXED);
}

/**
 * vnic_fast_learned_get() - how many MACs a slot holds now, as the program
 * counts them
 * @f: fast path
 * @slot: counter slot
 *
 * Return: the count (0 for a slot out of range)
 */
unsigned vnic_fast_learned_get(struct vnic_fast *f, unsigned slot)
{
	return slot < VNIC_FAST_PORTS ? (unsigned)__atomic_load_n(
					    &f->learned[slot], __ATOMIC_RELAXED)
				      : 0;
}

/**
 * vnic_fast_learned_fix() - correct a slot's count after vnetd counted its
 * MACs in the table
 * @f: fast path
 * @slot: counter slot
 * @before: vnic_fast_learned_get() taken before the table was walked
 * @counted: the slot's MACs found in the walk
 *
 * The count moves by @counted - @before with an atomic add, not a store:
 * a place the program took meanwhile (its MAC not yet in the table when
 * the walk passed) stays taken.  The program only ever adds (it takes a
 * place with a compare-and-swap below the limit, never gives one back),
 * so the count is at least @before here and the result at least
 * @counted: it cannot wrap.
 */
void vnic_fast_learned_fix(struct vnic_fast *f, unsigned slot, unsigned before,
			   unsigned counted)
{
	if (slot < VNIC_FAST_PORTS)
		(void)__atomic_fetch_add(&f->learned[slot],
					 (__u64)counted - (__u64)before,
					 __ATOMIC_RELAXED);
}
