// SPDX-License-Identifier: GPL-2.0-or-later
/* vnet_bench.c - vnet-bench: throughput of a switch between two tap ports
 *
 *   vnet-bench tap --in A --out B --pid PID [--size N] [--seconds S]
 *	Frames enter vnetd through tap A (sent from the host side with a
 *	packet socket) and are counted as they arrive on tap B; PID is vnetd's,
 *	for its CPU time.
 *   vnet-bench bridge [--size N] [--seconds S]
 *	The same job through the Linux bridge: the tool makes two taps and a
 *	bridge, writes frames into one tap and reads them from the other.
 *
 *   vnet-bench vhost --in A.sock[,...] --out B.sock[,...] [--queues N] ...
 *	Frontends of our own (no VM) on vhost-user ports; a socket named in
 *	both lists sends and receives (traffic both ways).  With --queues each
 *	frontend runs N queue pairs, transmits on them in turn with a source
 *	MAC per queue and frame slot, and the result gives per-queue rates.
 *
 *   vnet-bench evcpu [--in A --out B --pid PID] --rate FPS ...
 *	CPU per frame at a fixed rate through vnetd's taps, or without --in
 *	through a Linux bridge of two taps (vnet_bench_evcpu.c).
 *
 *   vnet-bench c2c [--seconds S]
 *	Once a second, the cache-line round trip between CPUs 0 and 1 (where
 *	the hypervisor put them; vnet_bench_c2c.c), for S seconds (0: until
 *	killed).
 *
 *   vnet-bench tso --in A.sock --out B.sock --pid PID [--size PAYLOAD]
 *                  [--cut] [--seconds S]
 *	TCP traffic as a guest with offloads sends it: A sends TCPv4 frames of
 *	PAYLOAD bytes (64000: super-frames with a TSO header; up to 1460: one
 *	MTU-sized segment each) with partial checksums, B takes them (with
 *	GUEST_TSO4, or without it with --cut, so that vnetd segments).  The
 *	figure is TCP payload Gbit/s delivered, and per core of vnetd's CPU.
 *
 * Sizes are Ethernet frame sizes with the 4-byte FCS, as RFC 2544 counts
 * them (a 64 B frame is 60 bytes handed to the device); Gbps counts those
 * bytes, without preamble and gap.  Each run prints one result line (and
 * JSON with --json).  Frames are unicast to a MAC the switch has learned behind
 *the output port, so it is the forwarding path that is measured, not flooding.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench/vnet_bench.h"
#include "lib/util.h"
#include "vmm-glue/vu_frontend.h"
#include "vnic/vnic.h"

#define GEN_BATCH 64

static const uint8_t dst_mac[6] = {0x02, 0x76, 0x6e, 0x00, 0x00, 0x02};
static const uint8_t src_mac[6] = {0x02, 0x76, 0x6e, 0x00, 0x00, 0x01};

static _Atomic bool stop_flag;
static _Atomic uint64_t sunk;

/* --ipv4: frames carry IPv4/UDP from 198.18.0.1 to 198.18.0.2 (the
 * benchmark range, RFC 2544) instead of a local experimental EtherType,
 * so the switch's IP paths (the IP guard) run on every frame; and each
 * sender sends from one MAC (02:76:6e:00:00:20 the first), as a VM does,
 * instead of twelve. */
static bool frame_ipv4;

/* Where a frame carries its send time: after the headers. */
static unsigned stamp_off(void)
{
	return frame_ipv4 ? 42 : 14;
}

static void build_frame(uint8_t *f, unsigned size, const uint8_t *dst,
			const uint8_t *src)
{
	uint8_t *ip = f + 14;
	uint32_t sum = 0;

	memset(f, 0, size);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x88; /* local experimental ethertype: no stack touches it */
	f[13] = 0xb5;
	for (unsigned i = 14; i < size; i++)
		f[i] = (uint8_t)i;
	if (!frame_ipv4 || size < 42)
		return;
	f[12] = 0x08;
	f[13] = 0x00;
	memset(ip, 0, 28);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((size - 14) >> 8);
	ip[3] = (uint8_t)(size - 14);
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, (const uint8_t[]){198, 18, 0, 1, 198, 18, 0, 2}, 8);
	for (unsigned i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = ~((sum & 0xffff) + (sum >> 16)) & 0xffff;
	ip[10] = (uint8_t)(sum >> 8);
	ip[11] = (uint8_t)sum;
	ip[20] = ip[22] = 0x23; /* UDP 9000 to 9000, no checksum */
	ip[21] = ip[23] = 0x28;
	ip[24] = (uint8_t)((size - 34) >> 8);
	ip[25] = (uint8_t)(size - 34);
}

static uint64_t read_u64(const char *path)
{
	FILE *f = fopen(path, "r");
	unsigned long long v = 0;

	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

static uint64_t dev_stat(const char *dev, const char *what)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", dev,
		 what);
	return read_u64(path);
}

/* CPU seconds (user+system) of a process, 0 if unknown. */
static double proc_cpu(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *f;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return 0;
	}
	fclose(f);
	p = strrchr(buf, ')');
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		   &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* CPU seconds the machine spent in hard and soft interrupts: where the
 * kernel runs a bridge's forwarding, and a tap's receive path. */
static double irq_cpu(void)
{
	unsigned long long v[8] = {0};
	FILE *f = fopen("/proc/stat", "r");
	double t = 0;

	if (!f)
		return 0;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
		   &v[2], &v[3], &v[4], &v[5], &v[6]) == 7)
		t = (double)(v[5] + v[6]);
	fclose(f);
	return t / (double)sysconf(_SC_CLK_TCK);
}

/* CPU seconds of this process (generator and sink threads). */
static double self_cpu(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Busy CPU seconds of the whole machine (all but idle and iowait). */
static double sys_busy(void)
{
	unsigned long long v[10] = {0};
	FILE *f = fopen("/proc/stat", "r");
	double busy = 0;

	if (!f)
		return 0;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8)
		busy = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]);
	fclose(f);
	return busy / (double)sysconf(_SC_CLK_TCK);
}

static double now_s(void)
{
	return (double)now_ns() / 1e9;
}

static int packet_socket(const char *dev)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET,
				  .sll_protocol = htons(ETH_P_ALL)};
	int one = 1, fd = socket(AF_PACKET, SOCK_RAW, 0);

	if (fd < 0)
		return -errno;
	sll.sll_ifindex = (int)if_nametoindex(dev);
	if (!sll.sll_ifindex ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		close(fd);
		return -ENODEV;
	}
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	return fd;
}

static int tap_open(const char *name)
{
	struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI};
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* CPU seconds that moving the frames cost, without other load on the
 * machine: the switch process, this one (generator and sink), and the
 * interrupt time of the whole machine (a bridge forwards there). */
struct cost {
	double sw, self, irq;
};

static void report(const struct opts *o, uint64_t frames, double secs,
		   double cpu_switch, double cpu_all, struct cost c)
{
	double mpps = (double)frames / secs / 1e6;
	double gbps = (double)frames * o->size * 8 / secs / 1e9;
	double m = frames ? 1e6 / (double)frames : 0;
	double per_m = (c.sw + c.self + c.irq) * m;

	if (o->json)
		printf("{\"switch\":\"%s\",\"size\":%u,\"seconds\":%.2f,"
		       "\"frames\":%llu,\"mpps\":%.4f,\"gbps\":%.4f,"
		       "\"switch_cpu\":%.3f,\"machine_cpu\":%.3f,"
		       "\"ns_per_frame_machine\":%.1f,\"rate\":%.0f,"
		       "\"cpu_s_per_mpkt\":%.3f,\"switch_s_per_mpkt\":%.3f,"
		       "\"gen_s_per_mpkt\":%.3f,\"irq_s_per_mpkt\":%.3f}\n",
		       o->label, o->size, secs, (unsigned long long)frames,
		       mpps, gbps, cpu_switch / secs, cpu_all / secs,
		       frames ? cpu_all / (double)frames * 1e9 : 0, o->rate,
		       per_m, c.sw * m, c.self * m, c.irq * m);
	else
		printf("%-13s %5u B  %8.3f Mpps  %7.3f Gbps  switch %4.0f%% "
		       "CPU  machine %4.0f%% CPU  %6.0f ns/frame  %.3f CPU-s "
		       "per Mpkt\n",
		       o->label, o->size, mpps, gbps, 100 * cpu_switch / secs,
		       100 * cpu_all / secs,
		       frames ? cpu_all / (double)frames * 1e9 : 0, per_m);
}

/* Send frames on @fd (packet socket or tap) until stop_flag; at @rate
 * frames per second when it is set, in ticks of 100 us (a frame or a few
 * per tick, as traffic of many flows arrives), else as fast as possible. */
static uint64_t generate(int fd, bool tap, const uint8_t *frame, unsigned size,
			 double rate)
{
	struct mmsghdr msgs[GEN_BATCH];
	struct iovec iov = {(void *)frame, size};
	uint64_t sent = 0, due = 0, t0 = now_ns();
	struct timespec next;

	clock_gettime(CLOCK_MONOTONIC, &next);
	for (int i = 0; i < GEN_BATCH; i++)
		msgs[i] = (struct mmsghdr){
		    .msg_hdr = {.msg_iov = &iov, .msg_iovlen = 1}};
	while (!atomic_load_explicit(&stop_flag, memory_order_relaxed)) {
		unsigned batch = GEN_BATCH;

		if (rate > 0) {
			next.tv_nsec += 100000;
			if (next.tv_nsec >= 1000000000) {
				next.tv_nsec -= 1000000000;
				next.tv_sec++;
			}
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next,
					NULL);
			due = (uint64_t)((double)(now_ns() - t0) * rate / 1e9);
			if (due <= sent)
				continue;
			batch = due - sent < GEN_BATCH ? (unsigned)(due - sent)
						       : GEN_BATCH;
		}
		if (tap) {
			for (unsigned i = 0; i < batch; i++)
				if (write(fd, frame, size) == (ssize_t)size)
					sent++;
		} else {
			int r = sendmmsg(fd, msgs, batch, 0);

			if (r > 0)
				sent += (uint64_t)r;
		}
	}
	return sent;
}

static void *timer_thread(void *arg)
{
	double secs = *(double *)arg;

	usleep((useconds_t)(secs * 1e6));
	atomic_store(&stop_flag, true);
	return NULL;
}

static int run_tap(const struct opts *o)
{
	uint8_t frame[PKT_MAX_FRAME];
	double t0, t1, c0, c1, s0, s1, i0, i1, m0, m1;
	uint64_t rx0, rx1;
	pthread_t tid;
	int in, out;

	in = packet_socket(o->in);
	out = packet_socket(o->out);
	if (in < 0 || out < 0) {
		fprintf(stderr, "vnet-bench: no devices %s/%s\n", o->in,
			o->out);
		return 1;
	}
	/* Teach the switch where dst_mac lives: behind the output port. */
	build_frame(frame, 60, src_mac, dst_mac);
	for (int i = 0; i < 3; i++) {
		if (send(out, frame, 60, 0) < 0)
			perror("vnet-bench: learn frame");
		usleep(10000);
	}
	build_frame(frame, o->size - 4, dst_mac, src_mac);
	rx0 = dev_stat(o->out, "rx_packets");
	c0 = proc_cpu(o->pid);
	s0 = sys_busy();
	i0 = irq_cpu();
	m0 = self_cpu();
	t0 = now_s();
	pthread_create(&tid, NULL, timer_thread, (void *)&o->seconds);
	generate(in, false, frame, o->size - 4, o->rate);
	pthread_join(tid, NULL);
	t1 = now_s();
	rx1 = dev_stat(o->out, "rx_packets");
	c1 = proc_cpu(o->pid);
	s1 = sys_busy();
	i1 = irq_cpu();
	m1 = self_cpu();
	report(o, rx1 - rx0, t1 - t0, c1 - c0, s1 - s0,
	       (struct cost){c1 - c0, m1 - m0, i1 - i0});
	close(in);
	close(out);
	return 0;
}

static void *sink_thread(void *arg)
{
	int fd = *(int *)arg;
	uint8_t buf[PKT_MAX_FRAME];

	while (!atomic_load_explicit(&stop_flag, memory_order_relaxed)) {
		if (read(fd, buf, sizeof(buf)) > 0)
			atomic_fetch_add_explicit(&sunk, 1,
						  memory_order_relaxed);
	}
	return NULL;
}

static int sh(const char *cmd)
{
	int r = system(cmd);

	return r == 0 ? 0 : -1;
}

static int run_bridge(const struct opts *o)
{
	char cmd[512];
	uint8_t frame[PKT_MAX_FRAME];
	double t0, t1, s0, s1, i0, i1, m0, m1;
	pthread_t tid, sid;
	int a, b, pid = getpid(), ret = 1;
	char ta[16], tb[16], br[16];
	uint64_t got;

	snprintf(ta, sizeof(ta), "vbba%d", pid % 100000);
	snprintf(tb, sizeof(tb), "vbbb%d", pid % 100000);
	snprintf(br, sizeof(br), "vbbr%d", pid % 100000);
	a = tap_open(ta);
	b = tap_open(tb);
	if (a < 0 || b < 0) {
		fprintf(stderr, "vnet-bench: cannot create taps\n");
		return 1;
	}
	/* A benchmark may run ip(8); the daemon never does. */
	snprintf(cmd, sizeof(cmd),
		 "ip link add %s type bridge && ip link set %s master %s && "
		 "ip link set %s master %s && ip link set %s up && "
		 "ip link set %s up && ip link set %s up",
		 br, ta, br, tb, br, ta, tb, br);
	if (sh(cmd))
		goto out;
	usleep(200000);
	build_frame(frame, 60, src_mac, dst_mac);
	for (int i = 0; i < 3; i++) {
		if (write(b, frame, 60) < 0)
			perror("vnet-bench: learn frame");
		usleep(10000);
	}
	/* Drain what the bridge flooded while learning. */
	{
		int fl = fcntl(b, F_GETFL);
		uint8_t junk[2048];

		fcntl(b, F_SETFL, fl | O_NONBLOCK);
		while (read(b, junk, sizeof(junk)) > 0)
			;
		fcntl(b, F_SETFL, fl);
	}
	build_frame(frame, o->size - 4, dst_mac, src_mac);
	pthread_create(&sid, NULL, sink_thread, &b);
	s0 = sys_busy();
	i0 = irq_cpu();
	m0 = self_cpu();
	t0 = now_s();
	pthread_create(&tid, NULL, timer_thread, (void *)&o->seconds);
	generate(a, true, frame, o->size - 4, o->rate);
	pthread_join(tid, NULL);
	t1 = now_s();
	s1 = sys_busy();
	i1 = irq_cpu();
	m1 = self_cpu();
	got = atomic_load(&sunk);
	/* Unblock the sink's read with one last frame. */
	if (write(a, frame, o->size - 4) < 0)
		perror("vnet-bench: final frame");
	pthread_join(sid, NULL);
	report(o, got, t1 - t0, s1 - s0, s1 - s0,
	       (struct cost){0, m1 - m0, i1 - i0});
	ret = 0;
out:
	snprintf(cmd, sizeof(cmd), "ip link del %s 2>/dev/null", br);
	sh(cmd);
	close(a);
	close(b);
	return ret;
}

/* ---- vhost-user: two frontends of our own, no VM ---- */

#define LAT_SAMPLES 200000

struct sink {
	uint64_t frames;
	uint64_t qframes[VUF_MAX_QP]; /* by receive queue */
	unsigned q;		      /* queue being drained */
	uint64_t *lat;
	unsigned nlat;
	unsigned every;
};

static void sink_frame(const uint8_t *f, uint32_t len, void *arg)
{
	struct sink *s = arg;
	uint64_t sent;

	/* Count our frames only, not what the network floods (IPv6 chatter). */
	if (len < 14 ||
	    (frame_ipv4 ? len < 50 || f[12] != 0x08 || f[13] || f[23] != 17 ||
			      f[36] != 0x23 || f[37] != 0x28
			: f[12] != 0x88 || f[13] != 0xb5))
		return;
	s->frames++;
	s->qframes[s->q]++;
	if (len < stamp_off() + 8 || s->frames % s->every ||
	    s->nlat >= LAT_SAMPLES)
		return;
	memcpy(&sent, f + stamp_off(), sizeof(sent));
	s->lat[s->nlat++] = now_ns() - sent;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct(const uint64_t *v, unsigned n, double p)
{
	if (!n)
		return 0;
	return (double)v[(unsigned)((n - 1) * p)] / 1000.0;
}

#define VB_MAX_FE 8

static const char *size_name(unsigned size)
{
	static char buf[16];

	if (!size)
		return "imix";
	snprintf(buf, sizeof(buf), "%u", size);
	return buf;
}

static int split_socks(const char *list, char out[][108], int max)
{
	char buf[1024], *save = NULL, *tok;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok && n < max;
	     tok = strtok_r(NULL, ",", &save))
		snprintf(out[n++], 108, "%s", tok);
	return n;
}

/*
 * One thread does what a testpmd core does: transmit on the senders, receive
 * on the receivers, round and round, so the switch gets the other core to
 * itself.  N senders and M receivers give the VM-to-VM (1:1), 1-to-N and
 * N-to-1 scenarios; frame i of a sender goes to receiver i % M.  --size 0
 * sends IMIX (64, 594 and 1518 bytes in the ratio 7:4:1).
 */
/* Drain every receive queue of a receiver into the sink. */
static unsigned drain(struct vu_front *f, struct sink *s, unsigned max)
{
	unsigned n = 0;

	for (unsigned q = 0; q < f->qps; q++) {
		s->q = q;
		n += vu_front_rxq(f, q, sink_frame, s, max);
	}
	return n;
}

static void print_rates(const struct opts *o, const char *name,
			const uint64_t *v, double secs)
{
	if (o->queues < 2)
		return;
	printf(o->json ? ",\"%s\":[" : " %s ", name);
	for (unsigned q = 0; q < o->queues; q++)
		printf(o->json ? "%s%.4f" : "%s%.3f",
		       q ? (o->json ? "," : "/") : "",
		       (double)v[q] / secs / 1e6);
	printf(o->json ? "]" : " Mpps");
}

static int run_vhost(const struct opts *o)
{
	static const uint16_t imix[12] = {64, 64,  64,	64,  64,  64,
					  64, 594, 594, 594, 594, 1518};
	char in[VB_MAX_FE][108], out[VB_MAX_FE][108];
	int nin = split_socks(o->in, in, VB_MAX_FE);
	int nout = split_socks(o->out, out, VB_MAX_FE);
	unsigned nq = o->queues ? o->queues : 1;
	struct vu_front a[VB_MAX_FE], b[VB_MAX_FE], *rx[VB_MAX_FE];
	struct sink s = {.every = 1};
	/* Per sender, queue and frame slot: a source MAC of its own, so the
	 * switch spreads the conversations over the receiver's queues. */
	static uint8_t frame[VB_MAX_FE][VUF_MAX_QP][12][VUF_BUF_SIZE];
	/* 32 + 12 entries: a burst may start at any of the 12 frames, so small
	 * (rate-limited) bursts still cycle through every MAC and size. */
	const uint8_t *frames[VB_MAX_FE][VUF_MAX_QP][44];
	uint16_t lens[VB_MAX_FE][44];
	unsigned first[VB_MAX_FE] = {0};
	uint8_t dmac[VB_MAX_FE][6];
	uint64_t qsent[VUF_MAX_QP] = {0};
	char err[256];
	double t0, t1, c0, c1, s0, s1, next = 0, gap;
	uint64_t sent = 0, bytes_per_12 = 0, rounds = 0;

	for (int i = 0; i < nin; i++)
		if (vu_front_open_mq(&a[i], in[i], 256, nq, 5, err,
				     sizeof(err)))
			goto fail;
	/* A socket named as both sender and receiver is one frontend that
	 * does both (traffic both ways through each port). */
	for (int j = 0; j < nout; j++) {
		rx[j] = NULL;
		for (int i = 0; i < nin; i++)
			if (!strcmp(out[j], in[i]))
				rx[j] = &a[i];
		b[j].sock = b[j].memfd = -1;
		b[j].mem = NULL;
		if (!rx[j] && vu_front_open_mq(&b[j], out[j], 256, nq, 5, err,
					       sizeof(err)))
			goto fail;
		if (!rx[j])
			rx[j] = &b[j];
	}
	s.lat = calloc(LAT_SAMPLES, sizeof(*s.lat));
	/* Teach the switch where each receiver's MAC lives. */
	for (int j = 0; j < nout; j++) {
		const uint8_t *f0 = frame[0][0][0];
		uint16_t l0 = 60;

		memcpy(dmac[j], dst_mac, 6);
		dmac[j][5] = (uint8_t)(0x10 + j);
		build_frame(frame[0][0][0], 60, src_mac, dmac[j]);
		for (int k = 0; k < 3; k++) {
			vu_front_tx(rx[j], &f0, &l0, 1);
			usleep(20000);
		}
	}
	/* Learning frames flood to every other port: drain them all. */
	usleep(50000);
	for (int i = 0; i < nin; i++)
		while (drain(&a[i], &s, 256))
			;
	for (int j = 0; j < nout; j++)
		while (drain(rx[j], &s, 256))
			;
	for (int i = 0; i < nin; i++) {
		uint8_t smac[6];
		int to[VB_MAX_FE], nto = 0;

		for (int j = 0; j < nout; j++)
			if (rx[j] != &a[i])
				to[nto++] = j;
		if (!nto) {
			snprintf(err, sizeof(err), "%s has no one to send to",
				 in[i]);
			goto fail;
		}
		memcpy(smac, src_mac, 6);
		smac[5] = (uint8_t)(0x20 + i);
		for (unsigned q = 0; q < nq; q++) {
			/* --ipv4: one MAC per sender, as a VM has. */
			smac[4] = frame_ipv4 ? 0 : (uint8_t)q;
			for (int k = 0; k < 12; k++) {
				unsigned sz = o->size ? o->size : imix[k];

				smac[3] = frame_ipv4 ? 0 : (uint8_t)k;
				build_frame(frame[i][q][k], sz - 4,
					    dmac[to[(i + k) % nto]], smac);
				if (!i && !q)
					bytes_per_12 += sz;
			}
			for (int k = 0; k < 44; k++)
				frames[i][q][k] = frame[i][q][k % 12];
		}
		for (int k = 0; k < 44; k++) {
			unsigned sz = o->size ? o->size : imix[k % 12];

			lens[i][k] = (uint16_t)(sz - 4);
		}
	}
	s.frames = 0;
	memset(s.qframes, 0, sizeof(s.qframes));
	s.every = o->rate > 0 ? 1 : 64;
	gap = o->rate > 0 ? 1.0 / o->rate : 0;
	c0 = proc_cpu(o->pid);
	s0 = sys_busy();
	t0 = now_s();
	next = t0;
	for (;;) {
		double now = now_s();
		unsigned burst = 32;

		if (now - t0 >= o->seconds)
			break;
		if (gap > 0) {
			burst = 0;
			while (next <= now && burst < 32) {
				burst++;
				next += gap;
			}
		}
		for (int i = 0; burst && i < nin; i++) {
			uint64_t ts = now_ns();
			unsigned q = (unsigned)(rounds % nq), n;

			for (int k = 0; k < 12; k++)
				memcpy(frame[i][q][k] + stamp_off(), &ts,
				       sizeof(ts));
			n = vu_front_txq(&a[i], q, frames[i][q] + first[i],
					 lens[i] + first[i], burst);
			first[i] = (first[i] + n) % 12;
			sent += n;
			qsent[q] += n;
		}
		rounds++;
		for (int j = 0; j < nout; j++)
			drain(rx[j], &s, 256);
	}
	t1 = now_s();
	c1 = proc_cpu(o->pid);
	s1 = sys_busy();
	/* Frames still in the senders' rings are in flight, not lost: let
	 * the switch take them (for at most 2 s), then collect the rest. */
	for (bool busy = true; busy && now_s() - t1 < 2;) {
		busy = false;
		for (int i = 0; i < nin; i++)
			for (unsigned q = 0; q < nq; q++)
				busy |= vu_front_tx_pending(&a[i], q) > 0;
		for (int j = 0; j < nout; j++)
			busy |= drain(rx[j], &s, 256) > 0;
	}
	usleep(100000);
	{
		uint64_t during = s.frames;
		double avg = o->size ? o->size : bytes_per_12 / 12.0;
		double secs = t1 - t0;

		for (int j = 0; j < nout; j++)
			while (drain(rx[j], &s, 256))
				;
		qsort(s.lat, s.nlat, sizeof(*s.lat), cmp_u64);
		if (o->json)
			printf(
			    "{\"switch\":\"%s\",\"size\":%u,\"senders\":%d,"
			    "\"receivers\":%d,\"seconds\":%.2f,"
			    "\"sent\":%llu,\"frames\":%llu,\"lost\":%lld,"
			    "\"mpps\":%.4f,\"gbps\":%.4f,\"switch_cpu\":%.3f,"
			    "\"machine_cpu\":%.3f,\"switch_ns_per_frame\":%.1f,"
			    "\"lat_p50_us\":%.1f,\"lat_p99_us\":%.1f,"
			    "\"lat_p999_us\":%.1f,\"rate\":%.0f,"
			    "\"queues\":%u",
			    o->label, o->size, nin, nout, secs,
			    (unsigned long long)sent,
			    (unsigned long long)during,
			    (long long)(sent - s.frames),
			    (double)during / secs / 1e6,
			    (double)during * avg * 8 / secs / 1e9,
			    (c1 - c0) / secs, (s1 - s0) / secs,
			    during ? (c1 - c0) / (double)during * 1e9 : 0,
			    pct(s.lat, s.nlat, 0.5), pct(s.lat, s.nlat, 0.99),
			    pct(s.lat, s.nlat, 0.999), o->rate, nq);
		else
			printf(
			    "%-13s %5s B %dx%d %8.3f Mpps %7.3f Gbps sent %llu "
			    "lost %lld switch %4.0f%% CPU (%.0f ns/frame) "
			    "latency p50 %.1f p99 %.1f p99.9 %.1f us",
			    o->label, size_name(o->size), nin, nout,
			    (double)during / secs / 1e6,
			    (double)during * avg * 8 / secs / 1e9,
			    (unsigned long long)sent,
			    (long long)(sent - s.frames),
			    100 * (c1 - c0) / secs,
			    during ? (c1 - c0) / (double)during * 1e9 : 0,
			    pct(s.lat, s.nlat, 0.5), pct(s.lat, s.nlat, 0.99),
			    pct(s.lat, s.nlat, 0.999));
		print_rates(o, o->json ? "tx_queue_mpps" : "tx queues", qsent,
			    secs);
		print_rates(o, o->json ? "rx_queue_mpps" : "rx queues",
			    s.qframes, secs);
		printf(o->json ? "}\n" : "\n");
	}
	free(s.lat);
	for (int i = 0; i < nin; i++)
		vu_front_close(&a[i]);
	for (int j = 0; j < nout; j++)
		if (rx[j] == &b[j])
			vu_front_close(&b[j]);
	return 0;
fail:
	fprintf(stderr, "vnet-bench: %s\n", err);
	return 1;
}

/* ---- TCP super-frames over vhost-user (TSO) ---- */

/* Payload counted at the receiver, one frame per chain of merged buffers */
struct tso_sink {
	uint64_t frames, payload;
	unsigned skip; /* continuation buffers of the frame being read */
};

static void tso_frame_in(const uint8_t *f, uint32_t len, void *arg)
{
	struct tso_sink *s = arg;
	uint16_t nb;

	if (s->skip) {
		s->skip--;
		return;
	}
	/* The header sits before the frame in the first buffer. */
	memcpy(&nb, f - 2, sizeof(nb));
	s->skip = nb ? nb - 1u : 0;
	if (len < 54 || f[12] != 0x08 || f[13] != 0x00 || f[23] != 6)
		return;
	s->frames++;
	s->payload += (uint64_t)(((unsigned)f[16] << 8 | f[17]) - 40);
}

/* Turn on more features on a connected frontend (its queues restart). */
static int tso_features(struct vu_front *f, uint64_t add)
{
	uint64_t feat = f->features | add;
	struct vhost_user_msg r;

	if (vu_front_call(f, VHOST_USER_SET_FEATURES, &feat, sizeof(feat), NULL,
			  0, NULL) ||
	    vu_front_call(f, VHOST_USER_GET_QUEUE_NUM, NULL, 0, NULL, 0, &r))
		return -1;
	f->features = feat;
	return 0;
}

/* A TCPv4 frame with @payload bytes and a partial checksum, after its
 * virtio-net header (a TSO header when @payload exceeds one MSS). */
static size_t tso_build(uint8_t *b, unsigned payload, const uint8_t *dst)
{
	struct virtio_net_hdr_mrg h = {.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				       .csum_start = 34,
				       .csum_offset = 16};
	uint8_t *f = b + sizeof(h), *ip = f + 14, *tcp = f + 34;
	uint32_t sum;

	if (payload > 1460) {
		h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
		h.gso_size = 1448;
		h.hdr_len = 54;
	}
	memcpy(b, &h, sizeof(h));
	memset(f, 0, 54);
	memcpy(f, dst, 6);
	memcpy(f + 6, src_mac, 6);
	pkt_put_be16(f + 12, ETHERTYPE_IPV4);
	ip[0] = 0x45;
	pkt_put_be16(ip + 2, (uint16_t)(40 + payload));
	ip[6] = 0x40;
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	pkt_put_be16(ip + 10, csum_fold(csum_partial(ip, 20, 0)));
	pkt_put_be16(tcp, 40000);
	pkt_put_be16(tcp + 2, 5201);
	tcp[12] = 5 << 4;
	tcp[13] = 0x10;
	pkt_put_be16(tcp + 14, 65535);
	for (unsigned i = 0; i < payload; i++)
		f[54 + i] = (uint8_t)i;
	sum = csum_partial(ip + 12, 8, 0) + 6 + 20 + payload;
	pkt_put_be16(tcp + 16, (uint16_t)~csum_fold(sum));
	return sizeof(h) + 54 + payload;
}

static int run_tso(const struct opts *o)
{
	uint64_t rx_feat = VU_BIT(VIRTIO_NET_F_GUEST_CSUM_BIT) |
			   (o->cut ? 0 : VU_BIT(VIRTIO_NET_F_GUEST_TSO4_BIT));
	struct vu_front a, b;
	struct tso_sink s = {0};
	struct vuf_vq *vq;
	const uint8_t *f0;
	uint8_t learn[60];
	uint16_t l0 = 60;
	size_t len, slot_size, area;
	unsigned slots;
	char err[256];
	double t0, t1, c0, c1;
	uint64_t sent = 0;

	if (vu_front_open(&a, o->in, 256, 5, err, sizeof(err)) ||
	    vu_front_open(&b, o->out, 256, 5, err, sizeof(err))) {
		fprintf(stderr, "vnet-bench: %s\n", err);
		return 1;
	}
	if (tso_features(&a, VU_BIT(VIRTIO_NET_F_CSUM_BIT) |
				 VU_BIT(VIRTIO_NET_F_HOST_TSO4_BIT)) ||
	    tso_features(&b, rx_feat)) {
		fprintf(stderr, "vnet-bench: the switch refused offloads\n");
		return 1;
	}
	/* Teach the switch where the receiver is. */
	build_frame(learn, 60, dst_mac, dst_mac);
	memset(learn, 0xff, 6);
	f0 = learn;
	for (int k = 0; k < 3; k++) {
		vu_front_tx(&b, &f0, &l0, 1);
		usleep(20000);
	}
	/* The sender's transmit buffers are one area: carve it into slots of
	 * one frame each, every slot its own descriptor, reused in order. */
	vq = &a.vq[1];
	len = tso_build(vq->bufs, o->size, dst_mac);
	slot_size = (len + 63) & ~(size_t)63;
	area = (size_t)vq->num * VUF_BUF_SIZE;
	slots = (unsigned)(area / slot_size);
	if (slots > vq->num)
		slots = vq->num;
	for (unsigned i = 0; i < slots; i++) {
		tso_build(vq->bufs + i * slot_size, o->size, dst_mac);
		vq->desc[i].addr = vq->buf_gpa + i * slot_size;
		vq->desc[i].len = (uint32_t)len;
		vq->desc[i].flags = 0;
	}
	while (vu_front_rx(&b, tso_frame_in, &s, 256))
		;
	s = (struct tso_sink){0};
	c0 = proc_cpu(o->pid);
	t0 = now_s();
	while (now_s() - t0 < o->seconds) {
		uint16_t used =
		    __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
		unsigned k = 0;

		while ((uint16_t)(vq->avail_idx + k - used) < slots && k < 32) {
			uint16_t i = (uint16_t)(vq->avail_idx + k);

			vq->avail->ring[i & (vq->num - 1)] = i % slots;
			k++;
		}
		if (k) {
			vq->avail_idx = (uint16_t)(vq->avail_idx + k);
			__atomic_store_n(&vq->avail->idx, vq->avail_idx,
					 __ATOMIC_RELEASE);
			vu_front_kick(&a, 1);
			sent += k;
		}
		vu_front_rx(&b, tso_frame_in, &s, 256);
	}
	t1 = now_s();
	c1 = proc_cpu(o->pid);
	{
		double secs = t1 - t0,
		       gbps = (double)s.payload * 8 / secs / 1e9;
		double cpu = (c1 - c0) / secs;

		printf(o->json ? "{\"switch\":\"%s\",\"payload\":%u,\"cut\":%s,"
				 "\"frames\":%llu,\"sent\":%llu,"
				 "\"payload_gbps\":%.3f,\"switch_cpu\":%.3f,"
				 "\"gbps_per_core\":%.3f}\n"
			       : "%-8s payload %5u B%s: %llu frames of %llu "
				 "sent, %.3f Gbit/s of TCP payload, switch "
				 "%.0f%% CPU, %.3f Gbit/s per switch core\n",
		       o->label, o->size,
		       o->json ? (o->cut ? "true" : "false")
			       : (o->cut ? " (cut by the switch)" : ""),
		       (unsigned long long)s.frames, (unsigned long long)sent,
		       gbps, o->json ? cpu : cpu * 100,
		       cpu > 0 ? gbps / cpu : 0);
	}
	vu_front_close(&a);
	vu_front_close(&b);
	return 0;
}

static void usage(void)
{
	fprintf(
	    stderr,
	    "usage: vnet-bench tap --in TAP --out TAP [--pid VNETD_PID]\n"
	    "                  [--size BYTES] [--seconds S] [--json]\n"
	    "       vnet-bench bridge [--size BYTES] [--seconds S] [--json]\n"
	    "       vnet-bench vhost --in A.sock[,A2...] --out B.sock[,B2...]\n"
	    "                  [--pid PID] [--size BYTES|imix] [--seconds S]\n"
	    "                  [--rate FPS] [--queues N] [--ipv4] [--json]\n"
	    "       vnet-bench tso --in A.sock --out B.sock [--pid PID]\n"
	    "                  [--size PAYLOAD] [--cut] [--seconds S] "
	    "[--json]\n"
	    "       vnet-bench evcpu [--in [NS/]DEV --out [NS/]DEV [--pid "
	    "PID]]\n"
	    "                  --rate FPS [--size BYTES] [--seconds S] "
	    "[--json]\n"
	    "       vnet-bench evcpu --vhost-user --in A.sock --out B.sock\n"
	    "                  [--pid PID] --rate FPS [--size BYTES] ...\n"
	    "       (evcpu: --tick-us N, the generator's period, 100 by "
	    "default)\n"
	    "       vnet-bench c2c [--seconds S]\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"in", required_argument, NULL, 'i'},
	    {"out", required_argument, NULL, 'o'},
	    {"pid", required_argument, NULL, 'p'},
	    {"size", required_argument, NULL, 's'},
	    {"seconds", required_argument, NULL, 't'},
	    {"label", required_argument, NULL, 'l'},
	    {"json", no_argument, NULL, 'j'},
	    {"rate", required_argument, NULL, 'r'},
	    {"queues", required_argument, NULL, 'q'},
	    {"cut", no_argument, NULL, 'c'},
	    {"vhost-user", no_argument, NULL, 'u'},
	    {"tick-us", required_argument, NULL, 'k'},
	    {"ipv4", no_argument, NULL, '4'},
	    {0},
	};
	struct opts o = {.size = 64, .seconds = 5};
	unsigned long v;
	int c;

	if (argc < 2) {
		usage();
		return 2;
	}
	while ((c = getopt_long(argc - 1, argv + 1, "", lo, NULL)) != -1) {
		switch (c) {
		case 'i':
			o.in = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'p':
			o.pid = atoi(optarg);
			break;
		case 's':
			if (!strcmp(optarg, "imix")) {
				o.size = 0;
				break;
			}
			if (parse_uint(optarg, 64, 64000, &v) ||
			    (v > 9018 && strcmp(argv[1], "tso"))) {
				fprintf(stderr,
					"vnet-bench: --size 64-9018 or imix\n");
				return 2;
			}
			o.size = (unsigned)v;
			break;
		case 't':
			o.seconds = atof(optarg);
			break;
		case 'l':
			o.label = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 'c':
			o.cut = true;
			break;
		case 'u':
			o.vu = true;
			break;
		case '4':
			frame_ipv4 = true;
			break;
		case 'k':
			if (parse_uint(optarg, 1, 1000000, &v)) {
				fprintf(stderr,
					"vnet-bench: --tick-us 1-1000000\n");
				return 2;
			}
			o.tick_us = (unsigned)v;
			break;
		case 'r':
			o.rate = atof(optarg);
			break;
		case 'q':
			if (parse_uint(optarg, 1, VUF_MAX_QP, &v)) {
				fprintf(stderr, "vnet-bench: --queues 1-%d\n",
					VUF_MAX_QP);
				return 2;
			}
			o.queues = (unsigned)v;
			break;
		default:
			usage();
			return 2;
		}
	}
	if (!strcmp(argv[1], "tso")) {
		if (!o.in || !o.out) {
			usage();
			return 2;
		}
		if (o.size == 64)
			o.size = 64000;
		if (o.size > 64000 || o.size < 64) {
			fprintf(stderr, "vnet-bench: tso --size 64-64000\n");
			return 2;
		}
		if (!o.label)
			o.label = "vnet";
		return run_tso(&o);
	}
	if (!o.size && strcmp(argv[1], "vhost")) {
		fprintf(stderr, "vnet-bench: imix is for the vhost scenario\n");
		return 2;
	}
	if (!strcmp(argv[1], "tap")) {
		if (!o.in || !o.out) {
			usage();
			return 2;
		}
		if (!o.label)
			o.label = "vnet";
		return run_tap(&o);
	}
	if (!strcmp(argv[1], "vhost")) {
		if (!o.in || !o.out) {
			usage();
			return 2;
		}
		if (!o.label)
			o.label = "vnet";
		return run_vhost(&o);
	}
	if (!strcmp(argv[1], "bridge")) {
		if (!o.label)
			o.label = "linux-bridge";
		return run_bridge(&o);
	}
	if (!strcmp(argv[1], "c2c"))
		return bench_c2c_run(&o);
	if (!strcmp(argv[1], "evcpu")) {
		if (!o.label)
			o.label = o.in ? "vnet" : "linux-bridge";
		if (!o.in != !o.out || (o.vu && !o.in)) {
			usage();
			return 2;
		}
		return bench_evcpu_run(&o);
	}
	usage();
	return 2;
}
