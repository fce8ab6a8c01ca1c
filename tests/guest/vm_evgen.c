// SPDX-License-Identifier: GPL-2.0-or-later
/* vm_evgen.c - the frame generator of bench/event-cpu-vm.sh (built static,
 * no part of vnet): it runs inside the QEMU test guest and, on the host,
 * makes a sink's MAC known to the switch.
 *
 *   vm_evgen serve TTY IFACE
 *	In the guest: print "READY" on TTY (a serial port the host holds the
 *	other end of), then read commands from it, one a line:
 *	  run RATE SECS DSTMAC  print "GO", send 64-byte frames (60 bytes and
 *	                        the FCS) to DSTMAC out of IFACE through an
 *	                        AF_PACKET socket at RATE frames/s for SECS
 *	                        seconds, paced in 100 us ticks, then print
 *	                        "DONE sent=N failed=F secs=T irqs=I" (I:
 *	                        the guest's virtio interrupts meanwhile);
 *	                        RATE 0 only ticks: the pacing's own cost
 *	  quit                  exit
 *   vm_evgen learn IFACE
 *	On the host, in the sink's namespace: send one broadcast frame from
 *	IFACE's MAC so the switch in front of it learns where that MAC is.
 *
 * Every frame goes through its own sendto(), as a guest's stack hands
 * frames to its NIC one by one; the qdisc is not bypassed.  A rate the
 * guest cannot reach is not hidden: each tick sends what is due since the
 * start (at most EVG_MAX_TICK frames), and DONE says what was sent.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define EVG_TICK_NS  100000 /* the pacing period */
#define EVG_MAX_TICK 256    /* frames at most per tick when behind */
#define EVG_ETYPE    0x88b5 /* local experimental: no stack takes it */
#define EVG_LEN	     60	    /* 64 bytes on the wire with the FCS */

struct evg {
	int fd;	     /* AF_PACKET socket bound to the interface */
	int ifindex; /* the interface's index */
	uint8_t mac[6];
};

static double evg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int evg_open(struct evg *g, const char *ifname)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET};
	struct ifreq ifr = {0};

	g->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	g->ifindex = (int)if_nametoindex(ifname);
	if (g->fd < 0 || !g->ifindex || strlen(ifname) >= IFNAMSIZ)
		return -1;
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(g->fd, SIOCGIFHWADDR, &ifr) < 0)
		return -1;
	memcpy(g->mac, ifr.ifr_hwaddr.sa_data, 6);
	sll.sll_ifindex = g->ifindex;
	return bind(g->fd, (struct sockaddr *)&sll, sizeof(sll));
}

static void evg_frame(uint8_t *f, const uint8_t *dst, const uint8_t *src)
{
	memset(f, 0, EVG_LEN);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = EVG_ETYPE >> 8;
	f[13] = EVG_ETYPE & 0xff;
	memcpy(f + 14, "vnet event-cpu-vm", 17);
}

static int evg_parse_mac(const char *s, uint8_t *mac)
{
	unsigned v[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4],
		   &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

/* The interrupts the guest took so far on lines named virtio*. */
static unsigned long long evg_irqs(void)
{
	unsigned long long sum = 0;
	char line[1024];
	FILE *f = fopen("/proc/interrupts", "r");

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long long n;
		char *p = strchr(line, ':');

		if (!p || !strstr(line, "virtio"))
			continue;
		for (p++; sscanf(p, "%llu", &n) == 1;) {
			sum += n;
			while (*p == ' ')
				p++;
			while (*p >= '0' && *p <= '9')
				p++;
		}
	}
	if (f)
		fclose(f);
	return sum;
}

/* Send at RATE frames/s for SECS seconds; report on OUT. */
static void evg_run(struct evg *g, FILE *out, double rate, double secs,
		    const uint8_t *dst)
{
	uint64_t sent = 0, failed = 0;
	unsigned long long irqs = evg_irqs();
	uint8_t f[EVG_LEN];
	struct timespec next;
	double t0, t;

	evg_frame(f, dst, g->mac);
	fprintf(out, "GO\n");
	fflush(out);
	clock_gettime(CLOCK_MONOTONIC, &next);
	t0 = evg_now();
	for (t = t0; t - t0 < secs; t = evg_now()) {
		uint64_t due = (uint64_t)(rate * (t - t0));

		for (int n = 0; sent + failed < due && n < EVG_MAX_TICK; n++) {
			if (send(g->fd, f, EVG_LEN, 0) == EVG_LEN)
				sent++;
			else
				failed++;
		}
		next.tv_nsec += EVG_TICK_NS;
		if (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next,
				       NULL) == EINTR)
			;
	}
	t = evg_now() - t0;
	fprintf(out, "DONE sent=%llu failed=%llu secs=%.4f irqs=%llu\n",
		(unsigned long long)sent, (unsigned long long)failed, t,
		evg_irqs() - irqs);
	fflush(out);
}

static int evg_serve(const char *tty, const char *ifname)
{
	struct termios tio;
	char line[256];
	struct evg g;
	FILE *in, *out;
	int fd;

	fd = open(tty, O_RDWR | O_NOCTTY);
	if (fd < 0 || evg_open(&g, ifname) < 0) {
		perror("vm_evgen");
		return 1;
	}
	if (tcgetattr(fd, &tio) == 0) {
		cfmakeraw(&tio);
		cfsetspeed(&tio, B115200);
		tcsetattr(fd, TCSANOW, &tio);
	}
	in = fdopen(fd, "r");
	out = fdopen(dup(fd), "w");
	if (!in || !out)
		return 1;
	fprintf(out, "READY\n");
	fflush(out);
	while (fgets(line, sizeof(line), in)) {
		char mac[32];
		double rate, secs;
		uint8_t dst[6];

		if (!strncmp(line, "quit", 4))
			break;
		if (sscanf(line, "run %lf %lf %31s", &rate, &secs, mac) == 3 &&
		    rate >= 0 && secs > 0 && evg_parse_mac(mac, dst) == 0)
			evg_run(&g, out, rate, secs, dst);
		else if (line[0] != '\n' && line[0] != '\r')
			fprintf(out, "ERROR %s", line);
		fflush(out);
	}
	return 0;
}

static int evg_learn(const char *ifname)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint8_t f[EVG_LEN];
	struct evg g;

	if (evg_open(&g, ifname) < 0) {
		perror("vm_evgen");
		return 1;
	}
	evg_frame(f, bcast, g.mac);
	return send(g.fd, f, EVG_LEN, 0) == EVG_LEN ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "serve"))
		return evg_serve(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "learn"))
		return evg_learn(argv[2]);
	fprintf(stderr, "usage: vm_evgen serve TTY IFACE | learn IFACE\n");
	return 2;
}
