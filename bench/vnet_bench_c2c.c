// SPDX-License-Identifier: GPL-2.0-or-later
/* vnet_bench_c2c.c - vnet-bench c2c: how far apart CPUs 0 and 1 are
 *
 * A switch on one CPU and its guests' driver on another hand every ring
 * entry and buffer header across as a cache line.  What that costs depends
 * on where the two CPUs sit: on a host whose caches are split (an AMD EPYC's
 * core complexes each have their own L3), a virtual machine's two vCPUs on
 * one complex pass a line in tens of nanoseconds, on two complexes in
 * hundreds, and the hypervisor may move them between the two at any moment.
 * Forwarding rates follow (docs/performance.md).  So benchmarks that pin
 * the switch and the frontends to CPUs 1 and 0 run this beside them.
 *
 * Once a second, at SCHED_FIFO priority (the busy-polling threads on both
 * CPUs are set aside for about 2 ms), two threads pinned to CPUs 0 and 1
 * bounce one cache line 5 x 2000 times; the best batch's mean round trip is
 * printed with the wall-clock time: "EPOCH-SECONDS NANOSECONDS".
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vnet_bench.h"

#define C2C_BATCHES 5
#define C2C_TRIPS   2000

static _Alignas(64) _Atomic long c2c_line;
static _Alignas(64) _Atomic int c2c_go;
/* Posted for each measurement: between them CPU 1's thread sleeps, so the
 * switch polling there is not woken thousands of times a second. */
static sem_t c2c_start;

static double c2c_now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int c2c_pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	return pthread_setaffinity_np(pthread_self(), sizeof(s), &s);
}

/* CPU 1's side: answer each odd value with the next even one; a negative
 * value ends a measurement, c2c_go < 0 the thread. */
static void *c2c_pong(void *arg)
{
	(void)arg;
	if (c2c_pin(1))
		return NULL;
	for (;;) {
		while (sem_wait(&c2c_start))
			;
		if (atomic_load(&c2c_go) < 0)
			return NULL;
		for (long i = 0;; i++) {
			long v;

			while ((v = atomic_load_explicit(
				    &c2c_line, memory_order_acquire)) !=
			       2 * i + 1)
				if (v < 0)
					goto done;
			atomic_store_explicit(&c2c_line, 2 * i + 2,
					      memory_order_release);
		}
	done:
		atomic_store(&c2c_go, 0);
	}
}

/* One measurement from CPU 0: the best batch's mean round trip, in ns. */
static double c2c_measure(void)
{
	double best = 0;
	long i = 0;

	atomic_store(&c2c_line, 0);
	atomic_store(&c2c_go, 1);
	sem_post(&c2c_start);
	for (int b = 0; b < C2C_BATCHES; b++) {
		double t0 = c2c_now(CLOCK_MONOTONIC), ns;

		for (int k = 0; k < C2C_TRIPS; k++, i++) {
			atomic_store_explicit(&c2c_line, 2 * i + 1,
					      memory_order_release);
			while (atomic_load_explicit(&c2c_line,
						    memory_order_acquire) !=
			       2 * i + 2)
				;
		}
		ns = (c2c_now(CLOCK_MONOTONIC) - t0) / C2C_TRIPS * 1e9;
		if (!b || ns < best)
			best = ns;
	}
	atomic_store(&c2c_line, -1);
	while (atomic_load(&c2c_go) > 0)
		usleep(100);
	return best;
}

/**
 * bench_c2c_run() - print the CPU 0 <-> CPU 1 cache-line round trip once a
 * second, for @o->seconds (0: until killed)
 * @o: options (seconds)
 *
 * Return: exit status (0, or 1 when the CPUs cannot be used)
 */
int bench_c2c_run(const struct opts *o)
{
	struct sched_param sp = {.sched_priority = 50};
	double end = c2c_now(CLOCK_MONOTONIC) + o->seconds;
	pthread_t t;
	int err;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		fprintf(stderr, "vnet-bench c2c: needs CPUs 0 and 1\n");
		return 1;
	}
	/* Preempt the pollers for the moment of a measurement; without the
	 * privilege a measurement shares the CPUs and reads high. */
	if (sched_setscheduler(0, SCHED_FIFO, &sp))
		fprintf(stderr,
			"vnet-bench c2c: SCHED_FIFO: %s (figures may read "
			"high on busy CPUs)\n",
			strerror(errno));
	sem_init(&c2c_start, 0, 0);
	err = pthread_create(&t, NULL, c2c_pong, NULL);
	if (err || c2c_pin(0)) {
		fprintf(stderr, "vnet-bench c2c: cannot run on CPUs 0 and 1\n");
		if (!err) {
			atomic_store(&c2c_go, -1);
			sem_post(&c2c_start);
			pthread_join(t, NULL);
		}
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (!o->seconds || c2c_now(CLOCK_MONOTONIC) < end) {
		double ns = c2c_measure();

		printf("%.3f %.0f\n", c2c_now(CLOCK_REALTIME), ns);
		sleep(1);
	}
	atomic_store(&c2c_go, -1);
	sem_post(&c2c_start);
	pthread_join(t, NULL);
	return 0;
}
