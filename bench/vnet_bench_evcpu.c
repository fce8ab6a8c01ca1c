// SPDX-License-Identifier: GPL-2.0-or-later
/* vnet_bench_evcpu.c - vnet-bench evcpu: what moving frames at a fixed rate
 * from one tap to another costs in CPU, through vnetd or a Linux bridge
 *
 *   vnet-bench evcpu --in A --out B --pid PID [--rate FPS] ...
 *	Through vnetd: A and B are taps vnetd serves.  Frames are sent on A's
 *	device with a packet socket (as a namespace's stack hands frames to
 *	its tap) and taken from B's device with another.
 *   vnet-bench evcpu --in NSA/A --out NSB/B [--pid PID] ...
 *	The same with A in network namespace NSA and B in NSB (names under
 *	/var/run/netns): a namespace's end of a veth pair whose other end is
 *	a vnetd veth port (the kernel fast path between them) or a port of a
 *	Linux bridge (then no --pid: the bridge has no process).
 *   vnet-bench evcpu [--rate FPS] ...
 *	Through the Linux bridge: the tool makes two taps in a bridge, writes
 *	frames into one tap's fd (as a VM's tap is written) and reads them
 *	from the other's.
 *   vnet-bench evcpu --vhost-user --in A.sock --out B.sock --pid PID ...
 *	Through vnetd's vhost-user ports: the generator and the sink are
 *	vhost-user front ends of our own (vmm-glue/vu_frontend.c, no VM) in
 *	shared memory, as a VM's virtio-net driver is.  The generator queues
 *	a tick's frames on its transmit ring and kicks only when the ring asks
 *	(avail_event with EVENT_IDX, else NO_NOTIFY); the sink sleeps in
 *	poll() on its receive queue's call eventfd, drains the ring, and asks
 *	for the next interrupt and looks once more before it sleeps again.
 *	This is the vnetd side of a VM's traffic; the bridge side of the same
 *	traffic is the bridge mode above (a VM's tap written by QEMU).
 *
 * Both sides run the same code: one generator thread that wakes every
 * 100 us and sends the frames then due with one writev() of a virtio-net
 * header and the frame each, and one sink thread that sleeps in poll() and
 * then reads with readv() until EAGAIN.  Both endpoints carry the virtio-net
 * header (IFF_VNET_HDR taps with the offloads vnetd sets, PACKET_VNET_HDR
 * sockets), and nothing bypasses a qdisc.  So the two sides differ only in
 * which end of the taps the switch holds, which is what a user-space switch
 * and a kernel bridge are.  Between veths both ends are packet sockets in
 * the namespaces, whatever switch holds the host ends.
 *
 * CPU is measured from the scheduler's run time (ns, not ticks): the switch
 * process, this process (generator and sink) and the ksoftirqd threads.
 * Without CONFIG_IRQ_TIME_ACCOUNTING, softirq work done on a task's way out
 * of a syscall (a bridge forwarding inside the generator's write, a tap
 * receiving inside vnetd's) is in that task's run time already.  The
 * machine's irq and softirq time from /proc/stat (250 Hz samples, shared
 * with any other load) is printed apart and not added.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sched.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "bench/vnet_bench.h"
#include "lib/util.h"
#include "vmm-glue/vu_frontend.h"

#define EV_TICK_NS  100000 /* the generator's period, by default */
#define EV_MAX_TICK 256	   /* frames at most per tick (catching up) */
#define EV_GRACE_MS 20	   /* the sink's time to take the last frames */
#define EV_PORT	    9000   /* UDP ports of the measured frames */

#define EV_STAMP_OFF  42 /* the send time's 8 bytes in the UDP payload */
#define EV_LAT_MAX_US 20000

/* Latency from the generator's send to the sink's read, microsecond buckets
 * (the last for any longer); counted by the sink thread only, from the
 * first generated frame on (ev_lat_on). */
static uint32_t ev_lat[EV_LAT_MAX_US + 1];
static _Atomic bool ev_lat_on;

static const uint8_t ev_dst[6] = {0x02, 0x76, 0x6e, 0x00, 0x00, 0x12};
static const uint8_t ev_src[6] = {0x02, 0x76, 0x6e, 0x00, 0x00, 0x11};

struct ev_sink {
	int fd;
	struct vu_front *vu; /* or a vhost-user front end's receive queue */
	_Atomic bool stop;
	uint64_t frames; /* ours, read after the thread is joined */
};

/* CPU-time and wake-up snapshot. */
struct ev_snap {
	double t;	  /* monotonic seconds */
	double sw, self;  /* run time of the switch process, of this one */
	double ksoft;	  /* run time of every ksoftirqd thread */
	uint64_t sw_runs; /* times the switch's threads were switched in */
	double irq, busy; /* machine: irq+softirq, all but idle (ticks) */
};

static void ev_frame(uint8_t *f, unsigned len, const uint8_t *dst,
		     const uint8_t *src)
{
	uint8_t *ip = f + 14, *udp = ip + 20;
	uint32_t sum = 0;

	/* IPv4 UDP between two benchmark addresses (198.18.0.0/15), as
	 * traffic between guests is: each switch's fast path takes it (one
	 * with another type may not), and no stack takes it in, its
	 * destination MAC being no device's. */
	memset(f, 0, len);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = (uint8_t)((len - 14) >> 8);
	ip[3] = (uint8_t)(len - 14);
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, (const uint8_t[]){198, 18, 0, 1, 198, 18, 0, 2}, 8);
	for (unsigned i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = ~((sum & 0xffff) + (sum >> 16)) & 0xffff;
	ip[10] = (uint8_t)(sum >> 8);
	ip[11] = (uint8_t)sum;
	udp[0] = udp[2] = EV_PORT >> 8;
	udp[1] = udp[3] = EV_PORT & 0xff;
	udp[4] = (uint8_t)((len - 34) >> 8);
	udp[5] = (uint8_t)(len - 34);
	for (unsigned i = 42; i < len; i++)
		f[i] = (uint8_t)i;
}

/* Whether @len bytes at @f are one of the measured frames; the measured
 * ones' latency is counted. */
static bool ev_ours(const uint8_t *f, size_t len)
{
	uint64_t t, now;

	if (len < 42 || f[12] != 0x08 || f[13] != 0 || f[23] != 17 ||
	    f[36] != EV_PORT >> 8 || f[37] != (EV_PORT & 0xff))
		return false;
	if (len >= EV_STAMP_OFF + 8 &&
	    atomic_load_explicit(&ev_lat_on, memory_order_relaxed)) {
		memcpy(&t, f + EV_STAMP_OFF, 8);
		now = now_ns();
		t = now > t ? (now - t) / 1000 : 0;
		ev_lat[t < EV_LAT_MAX_US ? t : EV_LAT_MAX_US]++;
	}
	return true;
}

/* The latency (us) that @pct percent of the counted frames did not pass;
 * EV_LAT_MAX_US for "at least". */
static unsigned ev_lat_pct(double pct)
{
	uint64_t n = 0, seen = 0, want;

	for (unsigned i = 0; i <= EV_LAT_MAX_US; i++)
		n += ev_lat[i];
	if (!n)
		return 0;
	want = (uint64_t)((double)n * pct / 100.0 + 0.5);
	if (!want)
		want = 1;
	for (unsigned i = 0; i <= EV_LAT_MAX_US; i++) {
		seen += ev_lat[i];
		if (seen >= want)
			return i;
	}
	return EV_LAT_MAX_US;
}

/* Add the run time (ns) and switch-in count of every thread of @pid, from
 * /proc/PID/task/T/schedstat ("run_ns wait_ns timeslices"). */
static void ev_task_time(int pid, double *secs, uint64_t *runs)
{
	char path[64];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d))) {
		unsigned long long run, wait, n;
		char p2[600];
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p2, sizeof(p2), "%s/%s/schedstat", path, e->d_name);
		f = fopen(p2, "r");
		if (!f)
			continue;
		if (fscanf(f, "%llu %llu %llu", &run, &wait, &n) == 3) {
			*secs += (double)run / 1e9;
			*runs += n;
		}
		fclose(f);
	}
	closedir(d);
}

/* The ksoftirqd threads' pids (one per CPU); returns how many. */
static int ev_ksoftirqd(int *pids, int max)
{
	struct dirent *e;
	DIR *d = opendir("/proc");
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		char path[300], comm[64] = "";
		FILE *f;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) &&
		    !strncmp(comm, "ksoftirqd/", 10))
			pids[n++] = atoi(e->d_name);
		fclose(f);
	}
	closedir(d);
	return n;
}

static void ev_stat(double *irq, double *busy)
{
	unsigned long long v[8] = {0};
	FILE *f = fopen("/proc/stat", "r");
	double hz = (double)sysconf(_SC_CLK_TCK);

	*irq = *busy = 0;
	if (!f)
		return;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
		*irq = (double)(v[5] + v[6]) / hz;
		*busy = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / hz;
	}
	fclose(f);
}

static void ev_take(struct ev_snap *s, int pid, const int *ks, int nks)
{
	struct rusage ru;
	uint64_t unused = 0;

	memset(s, 0, sizeof(*s));
	s->t = (double)now_ns() / 1e9;
	if (pid > 0)
		ev_task_time(pid, &s->sw, &s->sw_runs);
	for (int i = 0; i < nks; i++)
		ev_task_time(ks[i], &s->ksoft, &unused);
	if (!getrusage(RUSAGE_SELF, &ru))
		s->self =
		    (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	ev_stat(&s->irq, &s->busy);
}

/* Keep IPv6 (router solicitations, MLD) off a bench device: only the
 * measured frames cross it. */
static void ev_quiet(const char *dev)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 dev);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, "1", 1) < 0) {
		/* no IPv6: nothing to quiet */
	}
	close(fd);
}

/* A packet socket on @dev with a virtio-net header per frame; @rx: it takes
 * the device's incoming frames (else it only sends). */
static int ev_packet(const char *dev, bool rx)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET};
	int one = 1, fd;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	sll.sll_protocol = rx ? htons(ETH_P_ALL) : 0;
	sll.sll_ifindex = (int)if_nametoindex(dev);
	if (!sll.sll_ifindex ||
	    setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) ||
	    (rx && setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
			      sizeof(one))) ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		close(fd);
		return -ENODEV;
	}
	return fd;
}

/* A tap as vnetd opens its own: virtio-net header, the same offloads. */
static int ev_tap(const char *name)
{
	struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR};
	unsigned ol = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) || ioctl(fd, TUNSETOFFLOAD, ol)) {
		close(fd);
		return -errno;
	}
	return fd;
}

static ssize_t ev_send(int fd, const uint8_t *f, unsigned len)
{
	struct virtio_net_hdr h = {0};
	struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)f, len}};

	return writev(fd, iov, 2);
}

/* Read what is there; count our frames.  Return: false when nothing was. */
static bool ev_drain(int fd, uint64_t *frames)
{
	struct virtio_net_hdr h;
	uint8_t buf[2048];
	struct iovec iov[2] = {{&h, sizeof(h)}, {buf, sizeof(buf)}};
	bool any = false;
	ssize_t r;

	while ((r = readv(fd, iov, 2)) > 0) {
		any = true;
		if ((size_t)r >= sizeof(h) &&
		    ev_ours(buf, (size_t)r - sizeof(h)))
			(*frames)++;
	}
	return any;
}

static void ev_vu_frame(const uint8_t *f, uint32_t len, void *arg)
{
	uint64_t *frames = arg;

	if (ev_ours(f, len))
		(*frames)++;
}

/* Take what the front end's receive ring holds, as a driver's interrupt
 * handler and poll do: drain, ask for the next interrupt, look again.
 * Return: false when nothing was there. */
static bool ev_vu_drain(struct vu_front *f, uint64_t *frames)
{
	bool any = false;

	do {
		while (vu_front_rxq(f, 0, ev_vu_frame, frames, 256))
			any = true;
	} while (vu_front_rx_arm(f, 0));
	return any;
}

/* The sink of a vhost-user front end: sleeps on its call eventfd. */
static void ev_vu_sink(struct ev_sink *s)
{
	int fd = s->vu->vq[0].call_fd;

	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		uint64_t v;

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		if (read(fd, &v, sizeof(v)) < 0) {
			/* EAGAIN: taken already */
		}
		ev_vu_drain(s->vu, &s->frames);
	}
}

static void *ev_sink_main(void *arg)
{
	struct ev_sink *s = arg;

	if (s->vu) {
		ev_vu_sink(s);
		return NULL;
	}
	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		struct pollfd pfd = {.fd = s->fd, .events = POLLIN};

		if (poll(&pfd, 1, 50) > 0)
			ev_drain(s->fd, &s->frames);
	}
	return NULL;
}

/* Where the generator sends: a tap or packet socket, one frame per
 * writev(), or a vhost-user front end's transmit ring, a tick's frames at
 * once. */
struct ev_gen {
	int fd;
	struct vu_front *vu;
	uint8_t *f;
	unsigned len;
};

/* Send @n copies of the frame, stamped with the time; return how many
 * went. */
static unsigned ev_gen_send(const struct ev_gen *g, unsigned n)
{
	const uint8_t *frames[EV_MAX_TICK];
	uint16_t lens[EV_MAX_TICK];
	unsigned sent = 0;
	uint64_t t = now_ns();

	if (g->len >= EV_STAMP_OFF + 8)
		memcpy(g->f + EV_STAMP_OFF, &t, 8);

	if (g->vu) {
		for (unsigned i = 0; i < n; i++) {
			frames[i] = g->f;
			lens[i] = (uint16_t)g->len;
		}
		return vu_front_txq(g->vu, 0, frames, lens, n);
	}
	for (unsigned i = 0; i < n; i++)
		if (ev_send(g->fd, g->f, g->len) > 0)
			sent++;
	return sent;
}

/* Send @rate frames a second through @g for @secs, in ticks of @tick_ns
 * (at most EV_MAX_TICK a tick).  Return: frames sent. */
static uint64_t ev_generate(const struct ev_gen *g, double rate, double secs,
			    long tick_ns)
{
	uint64_t t0 = now_ns(), end = t0 + (uint64_t)(secs * 1e9);
	uint64_t sent = 0, tried = 0;
	struct timespec next;

	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		uint64_t now, due;

		next.tv_nsec += tick_ns;
		if (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		now = now_ns();
		if (now >= end)
			break;
		due = (uint64_t)((double)(now - t0) * rate / 1e9);
		if (due > tried) {
			unsigned n = due - tried < EV_MAX_TICK
					 ? (unsigned)(due - tried)
					 : EV_MAX_TICK;

			tried += n;
			sent += ev_gen_send(g, n);
		}
	}
	return sent;
}

static int ev_sh(const char *cmd)
{
	return system(cmd) == 0 ? 0 : -1;
}

struct ev_ends {
	int gen, sink, learn; /* learn: sends from the sink's side */
	char br[16], ta[16], tb[16];
	struct vu_front va, vb; /* vhost-user: generator, sink */
	bool vu;
};

/* Run in network namespace @ns (a name under /var/run/netns), or stay where
 * we are for NULL; *@back: the namespace to return to with ev_netns_leave().
 * Sockets keep the namespace they were made in. */
static int ev_netns_enter(const char *ns, int *back)
{
	char path[300];
	int fd;

	*back = -1;
	if (!ns)
		return 0;
	snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*back = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*back < 0 || setns(fd, CLONE_NEWNET)) {
		int err = -errno;

		close(fd);
		if (*back >= 0)
			close(*back);
		*back = -1;
		return err;
	}
	close(fd);
	return 0;
}

static int ev_netns_leave(int back)
{
	int ret = 0;

	if (back < 0)
		return 0;
	if (setns(back, CLONE_NEWNET))
		ret = -errno;
	close(back);
	return ret;
}

/* The packet sockets on endpoint @spec, "DEV" or "NS/DEV": *@fd sends
 * (@rx: and takes the device's incoming frames), *@tx, when asked for,
 * only sends. */
static int ev_open_end(const char *spec, bool rx, int *fd, int *tx)
{
	const char *slash = strchr(spec, '/');
	char ns[256];
	int back, err;

	if (slash && (size_t)(slash - spec) >= sizeof(ns))
		return -ENAMETOOLONG;
	if (slash)
		snprintf(ns, sizeof(ns), "%.*s", (int)(slash - spec), spec);
	err = ev_netns_enter(slash ? ns : NULL, &back);
	if (err)
		return err;
	spec = slash ? slash + 1 : spec;
	*fd = ev_packet(spec, rx);
	if (tx)
		*tx = ev_packet(spec, false);
	ev_quiet(spec);
	err = ev_netns_leave(back);
	if (*fd < 0 || (tx && *tx < 0))
		return -ENODEV;
	return err;
}

static int ev_open_vnet(const struct opts *o, struct ev_ends *e)
{
	if (ev_open_end(o->in, false, &e->gen, NULL))
		return -ENODEV;
	return ev_open_end(o->out, true, &e->sink, &e->learn);
}

/* Two vhost-user front ends on vnetd's ports @o->in and @o->out. */
static int ev_open_vu(const struct opts *o, struct ev_ends *e)
{
	char err[256];

	e->va.sock = e->vb.sock = e->va.memfd = e->vb.memfd = -1;
	e->va.mem = e->vb.mem = NULL;
	e->vu = true;
	if (vu_front_open(&e->va, o->in, 256, 5, err, sizeof(err)) ||
	    vu_front_open(&e->vb, o->out, 256, 5, err, sizeof(err))) {
		fprintf(stderr, "vnet-bench: %s\n", err);
		return -EIO;
	}
	return 0;
}

static int ev_open_bridge(struct ev_ends *e)
{
	int pid = getpid() % 100000;
	char cmd[400];

	snprintf(e->br, sizeof(e->br), "vecbr%d", pid);
	snprintf(e->ta, sizeof(e->ta), "veca%d", pid);
	snprintf(e->tb, sizeof(e->tb), "vecb%d", pid);
	e->gen = ev_tap(e->ta);
	e->sink = ev_tap(e->tb);
	e->learn = e->sink;
	if (e->gen < 0 || e->sink < 0)
		return -ENODEV;
	/* A benchmark may run ip(8); the daemon never does. */
	snprintf(cmd, sizeof(cmd),
		 "ip link add %s type bridge && "
		 "echo 1 > /proc/sys/net/ipv6/conf/%s/disable_ipv6; "
		 "ip link set %s master %s && ip link set %s master %s && "
		 "ip link set %s up && ip link set %s up && ip link set %s up",
		 e->br, e->br, e->ta, e->br, e->tb, e->br, e->ta, e->tb, e->br);
	ev_quiet(e->ta);
	ev_quiet(e->tb);
	return ev_sh(cmd);
}

static void ev_close(struct ev_ends *e)
{
	char cmd[64];

	if (e->br[0]) {
		snprintf(cmd, sizeof(cmd), "ip link del %s 2>/dev/null", e->br);
		ev_sh(cmd);
	}
	if (e->learn >= 0 && e->learn != e->sink)
		close(e->learn);
	if (e->gen >= 0)
		close(e->gen);
	if (e->sink >= 0)
		close(e->sink);
	if (e->vu) {
		vu_front_close(&e->va);
		vu_front_close(&e->vb);
	}
}

/* Teach the switch that ev_dst is behind the sink (frames from it), then
 * drop what that flooded; @frame is scratch. */
static void ev_learn(struct ev_ends *e, uint8_t *frame)
{
	const uint8_t *f0 = frame;
	uint16_t l0 = 60;
	uint64_t junk = 0;

	ev_frame(frame, 60, ev_src, ev_dst);
	for (int i = 0; i < 3; i++) {
		if (e->vu)
			vu_front_tx(&e->vb, &f0, &l0, 1);
		else if (ev_send(e->learn, frame, 60) < 0)
			perror("vnet-bench: learn frame");
		usleep(10000);
	}
	usleep(50000);
	if (e->vu) {
		ev_vu_drain(&e->va, &junk);
		ev_vu_drain(&e->vb, &junk);
	} else {
		ev_drain(e->sink, &junk);
	}
}

static void ev_report(const struct opts *o, uint64_t sent, uint64_t got,
		      const struct ev_snap *a, const struct ev_snap *b,
		      double gen_secs)
{
	double m = got ? 1e6 / (double)got : 0;
	double sw = b->sw - a->sw, self = b->self - a->self;
	double ks = b->ksoft - a->ksoft, irq = b->irq - a->irq;
	double total = sw + self + ks;

	if (o->json)
		printf("{\"switch\":\"%s\",\"rate\":%.0f,\"seconds\":%.3f,"
		       "\"sent\":%llu,\"frames\":%llu,\"sent_mpps\":%.4f,"
		       "\"mpps\":%.4f,\"total_s_per_mpkt\":%.3f,"
		       "\"switch_s_per_mpkt\":%.3f,\"gen_s_per_mpkt\":%.3f,"
		       "\"ksoftirqd_s_per_mpkt\":%.3f,"
		       "\"machine_irq_s_per_mpkt\":%.3f,"
		       "\"switch_runs_per_frame\":%.3f,\"machine_busy\":%.3f,"
		       "\"lat_p50_us\":%u,\"lat_p99_us\":%u}\n",
		       o->label, o->rate, gen_secs, (unsigned long long)sent,
		       (unsigned long long)got, (double)sent / gen_secs / 1e6,
		       (double)got / gen_secs / 1e6, total * m, sw * m,
		       self * m, ks * m, irq * m,
		       got ? (double)(b->sw_runs - a->sw_runs) / (double)got
			   : 0,
		       (b->busy - a->busy) / (b->t - a->t), ev_lat_pct(50),
		       ev_lat_pct(99));
	else
		printf("%-13s %8.0f pps asked  %.4f Mpps sent  %.4f Mpps "
		       "through  %.2f CPU-s per Mpkt (switch %.2f, gen/sink "
		       "%.2f, ksoftirqd %.2f; machine irq %.2f)  latency "
		       "p50 %u us, p99 %u us\n",
		       o->label, o->rate, (double)sent / gen_secs / 1e6,
		       (double)got / gen_secs / 1e6, total * m, sw * m,
		       self * m, ks * m, irq * m, ev_lat_pct(50),
		       ev_lat_pct(99));
}

/**
 * bench_evcpu_run() - vnet-bench evcpu: CPU per frame at a fixed rate,
 * between two devices (@o->in, @o->out, each "DEV" or "NS/DEV", through
 * the switch process @o->pid if any), between two vhost-user front ends on
 * vnetd's sockets @o->in and @o->out (@o->vu), or through a Linux bridge of
 * two taps the tool makes (no @o->in)
 * @o: options; @o->rate must be set
 *
 * Return: exit status
 */
int bench_evcpu_run(const struct opts *o)
{
	struct ev_ends e = {.gen = -1, .sink = -1, .learn = -1};
	struct ev_gen g;
	struct ev_sink s = {.frames = 0};
	uint8_t frame[2048];
	struct ev_snap a, b;
	int ks[64], nks, ret = 1;
	uint64_t sent;
	unsigned len = o->size - 4; /* the FCS is the device's */
	pthread_t sid;
	double gen_secs;

	if (o->rate <= 0 || o->size > sizeof(frame) + 4) {
		fprintf(stderr, "vnet-bench: evcpu needs --rate, a size up to "
				"2048\n");
		return 2;
	}
	if (o->vu   ? ev_open_vu(o, &e)
	    : o->in ? ev_open_vnet(o, &e)
		    : ev_open_bridge(&e)) {
		fprintf(stderr, "vnet-bench: evcpu: cannot set up the %s\n",
			o->in ? "devices" : "bridge");
		goto out;
	}
	usleep(200000);
	ev_learn(&e, frame);
	ev_frame(frame, len, ev_dst, ev_src);
	nks = ev_ksoftirqd(ks, (int)ARRAY_SIZE(ks));
	s.fd = e.sink;
	s.vu = e.vu ? &e.vb : NULL;
	g = (struct ev_gen){e.gen, e.vu ? &e.va : NULL, frame, len};
	if (pthread_create(&sid, NULL, ev_sink_main, &s))
		goto out;
	ev_take(&a, o->pid, ks, nks);
	atomic_store(&ev_lat_on, true);
	sent = ev_generate(&g, o->rate, o->seconds,
			   o->tick_us ? (long)o->tick_us * 1000 : EV_TICK_NS);
	gen_secs = (double)now_ns() / 1e9 - a.t;
	usleep(EV_GRACE_MS * 1000);
	ev_take(&b, o->pid, ks, nks);
	atomic_store(&s.stop, true);
	pthread_join(sid, NULL);
	ev_report(o, sent, s.frames, &a, &b, gen_secs);
	ret = 0;
out:
	ev_close(&e);
	return ret;
}
