/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vnet_bench.h - what vnet-bench's scenarios share */
#ifndef VNET_BENCH_H
#define VNET_BENCH_H

#include <stdbool.h>

struct opts {
	const char *in, *out, *label;
	unsigned size;
	double seconds;
	int pid;
	bool json;
	double rate;	  /* frames per second, 0 for as fast as possible */
	unsigned queues;  /* vhost-user queue pairs per frontend */
	bool cut;	  /* tso: the receiver takes no super-frames */
	bool vu;	  /* evcpu: --in and --out are vhost-user sockets */
	unsigned tick_us; /* evcpu: the generator's period, 0 for 100 us */
};

int bench_evcpu_run(const struct opts *o);
int bench_c2c_run(const struct opts *o);

#endif
