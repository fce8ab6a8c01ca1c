// SPDX-License-Identifier: GPL-2.0-or-later
/* vmm_main.c - vnet-vmm: `vnet-vmm run --kernel K [--initrd I] [--cmdline
 * S] [--mem 512M] [--cpus N] [--net NET[,mac=M][,name=P][,listen]]
 * [--console serial|none]`.
 * Loads the kernel, starts the vCPUs and waits until the guest powers off,
 * resets or triple-faults, or until SIGTERM/SIGINT; the exit status says
 * which (docs/vnet-vmm.md). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vmm_net.h"
#include "vmm_priv.h"
#include "vmm_vfio.h"

#define EXIT_SETUP 1
#define EXIT_USAGE 2

struct vmm_opts {
	const char *kernel, *initrd, *cmdline, *rpc_sock;
	uint64_t mem;
	unsigned cpus;
	bool console;
	bool timing;
	unsigned nnets;
	const char *nets[VMM_MAX_NICS];
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vnet-vmm run --kernel FILE [--initrd FILE] "
		"[--cmdline TEXT]\n"
		"                    [--mem SIZE] [--cpus N] "
		"[--net NETWORK[,mac=MAC][,name=PORT][,listen][,queues=N]\n"
		"                           [,ioeventfd=on|off]]...\n"
		"                    [--net "
		"NETWORK[,mac=MAC][,name=PORT],sriov]...\n"
		"                    [--console serial|none] [--socket PATH] "
		"[--timing]\n"
		"  SIZE takes K, M or G (default 512M); --socket is vnetd's "
		"(default %s)\n"
		"exit status: 0 guest powered off, 3 reset, 4 triple fault, "
		"5 KVM error,\n"
		"             143 SIGTERM/SIGINT, 1 set-up error, 2 usage\n"
		"       vnet-vmm vfio-check PCI [--hold SECONDS] | --net "
		"NETWORK[,name=PORT][,mac=MAC][,sriov] [--socket PATH]\n"
		"         (open a vfio-pci function, or one vnetd hands out, "
		"as run would, without KVM)\n",
		VMM_DEFAULT_RPC_SOCK);
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'G':
	case 'g':
		v <<= 10; /* fall through */
	case 'M':
	case 'm':
		v <<= 10; /* fall through */
	case 'K':
	case 'k':
		v <<= 10;
		end++;
		break;
	case '\0':
		v <<= 20; /* plain numbers are MiB */
		break;
	default:
		return -EINVAL;
	}
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct vmm_opts *o)
{
	static const struct option lopts[] = {
	    {"kernel", required_argument, NULL, 'k'},
	    {"initrd", required_argument, NULL, 'i'},
	    {"cmdline", required_argument, NULL, 'c'},
	    {"mem", required_argument, NULL, 'm'},
	    {"cpus", required_argument, NULL, 'p'},
	    {"net", required_argument, NULL, 'n'},
	    {"console", required_argument, NULL, 'C'},
	    {"socket", required_argument, NULL, 's'},
	    {"timing", no_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	int c;

	*o = (struct vmm_opts){.cmdline = "",
			       .mem = 512ull << 20,
			       .cpus = 1,
			       .console = true,
			       .rpc_sock = VMM_DEFAULT_RPC_SOCK};
	if (argc < 2 || strcmp(argv[1], "run")) {
		if (argc >= 2 &&
		    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))) {
			usage(stdout);
			exit(0);
		}
		usage(stderr);
		return -EINVAL;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'k':
			o->kernel = optarg;
			break;
		case 'i':
			o->initrd = optarg;
			break;
		case 'c':
			o->cmdline = optarg;
			break;
		case 'm':
			if (parse_size(optarg, &o->mem)) {
				fprintf(stderr,
					"vnet-vmm: --mem %s is not a size "
					"(e.g. 512M).\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 'p':
			o->cpus = (unsigned)strtoul(optarg, &end, 10);
			if (*end || !o->cpus || o->cpus > VMM_MAX_CPUS) {
				fprintf(stderr,
					"vnet-vmm: --cpus takes 1 to %d.\n",
					VMM_MAX_CPUS);
				return -EINVAL;
			}
			break;
		case 'n':
			if (o->nnets == VMM_MAX_NICS) {
				fprintf(stderr,
					"vnet-vmm: at most %d --net options.\n",
					VMM_MAX_NICS);
				return -EINVAL;
			}
			o->nets[o->nnets++] = optarg;
			break;
		case 'C':
			if (strcmp(optarg, "serial") &&
			    strcmp(optarg, "none")) {
				fprintf(stderr,
					"vnet-vmm: --console takes serial or "
					"none.\n");
				return -EINVAL;
			}
			o->console = !strcmp(optarg, "serial");
			break;
		case 's':
			o->rpc_sock = optarg;
			break;
		case 't':
			o->timing = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc || !o->kernel) {
		fprintf(stderr, "vnet-vmm: run needs --kernel FILE.\n");
		return -EINVAL;
	}
	return 0;
}

/* The whole file, mapped read-only; NULL with a sentence in @err. */
static uint8_t *map_file(const char *what, const char *path, size_t *len,
			 char *err, size_t errlen)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "cannot open the %s %s: %s", what, path,
			 strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || !st.st_size) {
		snprintf(err, errlen, "the %s %s is not a non-empty file", what,
			 path);
		close(fd);
		return NULL;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "cannot map the %s %s: %s", what, path,
			 strerror(errno));
		return NULL;
	}
	*len = (size_t)st.st_size;
	return p;
}

static int load_guest(struct vmm_vm *vm, const struct vmm_opts *o, char *err,
		      size_t errlen)
{
	char why[200];
	size_t klen = 0, ilen = 0;
	uint8_t *k = map_file("kernel", o->kernel, &klen, err, errlen);
	uint8_t *ird = NULL;
	uint64_t igpa = 0;
	struct vmm_boot b;
	int ret;

	if (!k)
		return -ENOENT;
	ret = vmm_load_kernel(&vm->mem, k, klen, &b, why, sizeof(why));
	if (ret) {
		snprintf(err, errlen, "the kernel %s cannot be booted: %s",
			 o->kernel, why);
		goto out;
	}
	if (o->initrd) {
		ird = map_file("initrd", o->initrd, &ilen, err, errlen);
		if (!ird) {
			ret = -ENOENT;
			goto out;
		}
		ret = vmm_place_initrd(&vm->mem, &b, ird, ilen, &igpa, err,
				       errlen);
		munmap(ird, ilen);
		if (ret)
			goto out;
	}
	ret = vmm_boot_finish(&vm->mem, k, klen, &b, o->cmdline, igpa, ilen,
			      err, errlen);
	if (!ret && vmm_mptable_build(&vm->mem, o->cpus)) {
		snprintf(err, errlen, "the MP table does not fit");
		ret = -EFAULT;
	}
	ret = ret ? ret : vmm_vcpu_boot_regs(vm, &b, err, errlen);
out:
	munmap(k, klen);
	return ret;
}

/* Wait for the guest to end or a signal; feed stdin to COM1; reconnect
 * NICs whose vnetd went away (every 200 ms until it is back). */
static enum vmm_ending wait_guest(struct vmm_vm *vm, const struct vmm_opts *o,
				  int sfd, struct vmm_nics *nics)
{
	struct pollfd pf[3 + VMM_MAX_NICS] = {
	    {.fd = vm->done_fd, .events = POLLIN},
	    {.fd = sfd, .events = POLLIN},
	    {.fd = o->console ? STDIN_FILENO : -1, .events = POLLIN}};
	bool stdin_open = o->console;

	while (atomic_load(&vm->ending) == VMM_END_RUNNING) {
		bool down = false;

		pf[2].fd = stdin_open ? STDIN_FILENO : -1;
		for (unsigned i = 0; i < nics->n; i++) {
			pf[3 + i].fd = vmm_nics_pollfd(nics, i);
			pf[3 + i].events = POLLIN;
			pf[3 + i].revents = 0;
			down |=
			    pf[3 + i].fd < 0 && vmm_nics_has_socket(nics, i);
		}
		if (poll(pf, 3 + nics->n, down ? 200 : -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si))
				vmm_vm_end(vm, VMM_END_SIGNAL);
		}
		if (pf[2].revents & POLLIN) {
			uint8_t buf[64];
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

			if (n > 0)
				vmm_uart_input(&vm->uart, buf, (unsigned)n);
			else
				stdin_open = false; /* EOF: the guest runs on */
		} else if (pf[2].revents & (POLLHUP | POLLERR)) {
			stdin_open = false;
		}
		for (unsigned i = 0; i < nics->n; i++)
			if ((pf[3 + i].fd < 0 &&
			     vmm_nics_has_socket(nics, i)) ||
			    pf[3 + i].revents)
				(void)vmm_nics_service(nics, i);
	}
	return (enum vmm_ending)atomic_load(&vm->ending);
}

/* vnet-vmm vfio-check PCI [--hold SECONDS] | --net
 * NETWORK[,name=PORT][,mac=MAC][,sriov] [--socket PATH]: the second asks
 * vnetd for a VF (as run --net NET,sriov does), checks it and gives it
 * back; --hold keeps the first open until the host asks for it back. */
static int vfio_check_main(int argc, char **argv)
{
	const char *sock = VMM_DEFAULT_RPC_SOCK, *spec = NULL;
	struct vmm_net_spec ns;
	struct vmm_net_vf vf;
	char err[512], port[64];
	int ret;

	if (argc == 3 && argv[2][0] != '-')
		return vmm_vfio_check(argv[2], stdout, 0);
	if (argc == 5 && argv[2][0] != '-' && !strcmp(argv[3], "--hold")) {
		char *end;
		unsigned long s = strtoul(argv[4], &end, 10);

		if (*end || end == argv[4] || !s || s > 86400) {
			fprintf(stderr,
				"vnet-vmm: --hold: seconds, 1 to 86400\n");
			return EXIT_USAGE;
		}
		return vmm_vfio_check(argv[2], stdout, (unsigned)s);
	}
	for (int i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--net"))
			spec = argv[i + 1];
		else if (!strcmp(argv[i], "--socket"))
			sock = argv[i + 1];
		else
			spec = NULL, i = argc;
	}
	if (!spec || argc % 2 || vmm_net_parse(spec, &ns) || ns.listen ||
	    ns.queues != 1) {
		fprintf(stderr,
			"usage: vnet-vmm vfio-check PCI [--hold SECONDS]\n"
			"       vnet-vmm vfio-check --net "
			"NETWORK[,name=PORT][,mac=MAC][,sriov] "
			"[--socket PATH]\n");
		return EXIT_USAGE;
	}
	if (ns.name[0])
		snprintf(port, sizeof(port), "%s", ns.name);
	else
		snprintf(port, sizeof(port), "vmm%d-check", (int)getpid());
	ret = vmm_net_sriov_claim(sock, ns.network, port, ns.mac, ns.has_mac,
				  &vf, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "vnet-vmm: %s.\n", err);
		if (ret != -EIO)
			(void)vmm_net_sriov_release(sock, port);
		return EXIT_SETUP;
	}
	printf("vfio-check: vnetd's port %s: VF %s of %s, MAC "
	       "%02x:%02x:%02x:%02x:%02x:%02x\n",
	       port, vf.pci, vf.pf, ns.mac[0], ns.mac[1], ns.mac[2], ns.mac[3],
	       ns.mac[4], ns.mac[5]);
	fflush(stdout);
	ret = vmm_vfio_check(vf.pci, stdout, 0);
	if (vmm_net_sriov_release(sock, port))
		ret = EXIT_SETUP;
	else
		printf("vfio-check: port %s deleted, VF %s given back\n", port,
		       vf.pci);
	return ret;
}

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	static struct vmm_vm vm;
	struct vmm_nics nics;
	struct vmm_opts o;
	enum vmm_ending how;
	char err[512];
	sigset_t set;
	int64_t t0 = realtime_ns();
	int sfd;

	if (argc >= 2 && !strcmp(argv[1], "vfio-check"))
		return vfio_check_main(argc, argv);
	if (parse_args(argc, argv, &o))
		return EXIT_USAGE;
	if (o.mem < VMM_MEM_MIN || o.mem > VMM_MEM_MAX) {
		fprintf(stderr,
			"vnet-vmm: --mem must be between %llu MiB and %llu "
			"MiB.\n",
			(unsigned long long)(VMM_MEM_MIN >> 20),
			(unsigned long long)(VMM_MEM_MAX >> 20));
		return EXIT_USAGE;
	}
	/* Signals go to the signalfd; vCPU threads inherit the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigdelset(&set, SIGUSR1);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);

	vmm_nics_init(&nics);
	if (vmm_vm_create(&vm, o.mem, o.cpus, err, sizeof(err)) ||
	    load_guest(&vm, &o, err, sizeof(err)) ||
	    vmm_nics_attach(&nics, &vm, o.rpc_sock, o.nets, o.nnets, err,
			    sizeof(err)) ||
	    vmm_vm_start(&vm, err, sizeof(err))) {
		fprintf(stderr, "vnet-vmm: %s.\n", err);
		vmm_nics_detach(&nics);
		vmm_vm_destroy(&vm);
		return EXIT_SETUP;
	}
	how = wait_guest(&vm, &o, sfd, &nics);
	vmm_vm_stop(&vm);
	if (o.timing)
		fprintf(stderr,
			"vnet-vmm: timing start_ns=%lld first_exit_ns=%lld "
			"main_to_first_exit_ms=%.3f\n",
			(long long)t0, (long long)vm.first_exit_ns,
			vm.first_exit_ns ? (vm.first_exit_ns - t0) / 1e6
					 : -1.0);
	vmm_nics_detach(&nics);
	fprintf(stderr, "vnet-vmm: %s%s%s.\n", vmm_ending_text(how),
		vm.detail[0] ? ": " : "", vm.detail);
	vmm_vm_destroy(&vm);
	close(sfd);
	return vmm_ending_status(how);
}
