// SPDX-License-Identifier: GPL-2.0-or-later
/* seccomp.c - a system call allow-list for datapath threads
 *
 * Datapath threads move frames between file descriptors and guest memory
 * that the control thread set up; they never open, bind, connect, exec or
 * change credentials.  Each one calls vnet_seccomp_datapath() first thing:
 * it gives up every capability of the thread, sets no_new_privs and
 * installs a classic BPF filter that allows only the calls in
 * dp_allowed[] below (found with strace -f on vnetd under the integration
 * tests, plus what glibc's malloc, free, usleep() and thread exit make).
 *
 * The filter is installed per thread, without SECCOMP_FILTER_FLAG_TSYNC: the
 * control thread keeps its full set (it opens taps, sockets, namespaces).
 *
 * A call outside the list is a bug or an attack on vnetd itself, never
 * something a guest can cause by sending bad frames, so the process stops.
 * It stops through SECCOMP_RET_TRAP and a SIGSYS handler rather than
 * SECCOMP_RET_KILL_PROCESS: the handler writes one log line naming the
 * system call number and the thread, then aborts (core dump).  The most
 * likely cause of a violation is a new glibc or kernel making a different
 * call for the same job (clock_gettime without vDSO, a new malloc path),
 * and the log line turns that into a one-line fix of the table; a silent
 * SIGSYS death would not.  Anything the handler itself calls (write,
 * getpid, gettid, tgkill on our own process, rt_sigprocmask) is on the
 * list, so it cannot trap again.
 *
 * Trust boundary: the filter assumes the datapath is compromised; it
 * denies PROT_EXEC mappings and signals to other processes.
 */
#include "seccomp.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/socket.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/* ASan and TSan runtimes make calls of their own (mmap of shadow memory,
 * reading /proc/self/maps, sigaltstack, ...): no filter in those builds. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define VNET_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define VNET_SANITIZED 1
#endif
#endif

#if defined(__x86_64__)
#define DP_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define DP_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#define DP_AUDIT_ARCH 0 /* no table for this architecture */
#endif

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error \
    "seccomp.c reads the low 32 bits of syscall arguments: little-endian only"
#endif

/* How an allowed call's arguments are checked. */
enum dp_check {
	DP_ANY,	    /* any arguments */
	DP_NO_EXEC, /* args[2] (prot) without PROT_EXEC */
	DP_EQ,	    /* args[arg] == val (low 32 bits) */
	DP_SELF,    /* args[arg] is this process's id */
};

/**
 * struct dp_rule - one allowed system call
 * @nr: its number
 * @check: how its arguments are checked
 * @arg: argument index for DP_EQ and DP_SELF
 * @val: value for DP_EQ
 */
struct dp_rule {
	long nr;
	enum dp_check check;
	unsigned char arg;
	__u32 val;
};

/* clang-format off */
#define ANY(name)      {.nr = __NR_##name, .check = DP_ANY}
#define NO_EXEC(name)  {.nr = __NR_##name, .check = DP_NO_EXEC}
#define EQ(name, a, v) {.nr = __NR_##name, .check = DP_EQ, .arg = (a), .val = (v)}
#define SELF(name, a)  {.nr = __NR_##name, .check = DP_SELF, .arg = (a)}
/* clang-format on */

/* The allow-list: one line per call, with the reason it is here. */
static const struct dp_rule dp_allowed[] = {
    /* Frames and wake-ups. */
    ANY(read),	     /* eventfd wake-ups and kicks */
    ANY(write),	     /* eventfd calls, log lines */
    ANY(readv),	     /* tap receive: vnet header + frame */
    ANY(writev),     /* tap transmit */
    ANY(recvfrom),   /* packet sockets, libpcap */
    ANY(recvmsg),    /* packet sockets */
    ANY(recvmmsg),   /* packet sockets, bursts */
    ANY(sendto),     /* packet sockets, pcap_inject() */
    ANY(sendmsg),    /* packet sockets */
    ANY(sendmmsg),   /* AF_PACKET transmit bursts */
    ANY(getsockopt), /* SO_ERROR after a failed packet read */
    /* Tap bursts through io_uring (vnic/vnic_uring.c).  Operations in a
     * ring are not system calls and this filter never sees them: each ring
     * was made and restricted to READV or WRITEV on its one tap by the
     * control thread, and io_uring_setup and io_uring_register stay off
     * this list so that no thread here can make or change a ring. */
    ANY(io_uring_enter),
/* Sleeping and waking. */
#ifdef __NR_epoll_wait
    ANY(epoll_wait), /* event-mode sleep */
#endif
    ANY(epoll_pwait), /* epoll_wait() on arm64 */
#ifdef __NR_epoll_pwait2
    ANY(epoll_pwait2), /* a newer glibc's epoll_wait() */
#endif
    ANY(epoll_ctl), /* receive queues moving between threads */
#ifdef __NR_poll
    ANY(poll), /* libpcap's own wait */
#endif
    ANY(ppoll),		  /* poll() on arm64 */
    ANY(futex),		  /* locks, grace periods */
    ANY(nanosleep),	  /* usleep() back-off, older glibc */
    ANY(clock_nanosleep), /* usleep() back-off */
    ANY(sched_yield),	  /* spin-wait back-off */
    ANY(restart_syscall), /* a sleep resumed after a signal */
    ANY(timerfd_settime), /* the gateway port (DHCP, DNS) arms its timer */
    /* Time, when the vDSO cannot answer. */
    ANY(clock_gettime),
#ifdef __NR_gettimeofday
    ANY(gettimeofday),
#endif
    /* Memory: glibc malloc and free (thread arenas), never executable. */
    NO_EXEC(mmap),
    NO_EXEC(mprotect), /* arena growth */
    ANY(munmap),       /* free() of large blocks, guest memory */
    ANY(mremap),       /* realloc() of large blocks */
    ANY(madvise),      /* free() trimming, stack at thread exit */
    ANY(brk),	       /* the main arena */
    /* When a packet socket fails, vnic_alive() asks rtnetlink whether the
     * device is still there: a route netlink socket of its own (no
     * capability left to change anything through it), after checking
     * which namespace the thread is in. */
    EQ(socket, 0, AF_NETLINK),
    EQ(setsockopt, 1, SOL_SOCKET), /* its buffer sizes */
    ANY(bind),
    ANY(getsockname),
    ANY(newfstatat), /* stat("/proc/thread-self/ns/net") */
    ANY(close),
    /* Signals and the end: thread exit, abort() in the SIGSYS handler. */
    ANY(rt_sigreturn),
    ANY(rt_sigprocmask),
    ANY(getpid),
    ANY(gettid),
    SELF(tgkill, 0), /* raise(): this process only */
    ANY(exit),
    ANY(exit_group),
};

#define ARG_LO(i) offsetof(struct seccomp_data, args[i])

/* Room for the arch and x32 checks, 3 per rule, the two returns. */
#define DP_PROG_MAX (8 + 3 * ARRAY_SIZE(dp_allowed))

/* Jump targets resolved once the program is laid out (raw offsets are
 * below 256). */
enum { DP_TO_ALLOW = 256, DP_TO_TRAP };

struct dp_prog {
	struct sock_filter insn[DP_PROG_MAX];
	unsigned short jt[DP_PROG_MAX], jf[DP_PROG_MAX];
	unsigned n;
};

static void stmt(struct dp_prog *p, unsigned short code, __u32 k)
{
	p->jt[p->n] = p->jf[p->n] = 0;
	p->insn[p->n++] = (struct sock_filter)BPF_STMT(code, k);
}

static void jump(struct dp_prog *p, unsigned short code, __u32 k,
		 unsigned short jt, unsigned short jf)
{
	p->jt[p->n] = jt;
	p->jf[p->n] = jf;
	p->insn[p->n++] = (struct sock_filter)BPF_JUMP(code, k, 0, 0);
}

#define JEQ  (BPF_JMP | BPF_JEQ | BPF_K)
#define LD_W (BPF_LD | BPF_W | BPF_ABS)

/* Lay out the filter; -E2BIG if a jump does not fit in 8 bits. */
static int build(struct dp_prog *p, pid_t self)
{
	unsigned allow, trap;

	p->n = 0;
	/* Another architecture's numbers mean other calls: refuse them. */
	stmt(p, LD_W, offsetof(struct seccomp_data, arch));
	jump(p, JEQ, DP_AUDIT_ARCH, 1, 0);
	stmt(p, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	stmt(p, LD_W, offsetof(struct seccomp_data, nr));
#ifdef __x86_64__
	/* x32 calls share the arch value; their numbers have bit 30 set. */
	jump(p, BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, DP_TO_TRAP, 0);
#endif
	for (size_t i = 0; i < ARRAY_SIZE(dp_allowed); i++) {
		const struct dp_rule *r = &dp_allowed[i];

		switch (r->check) {
		case DP_ANY:
			jump(p, JEQ, (__u32)r->nr, DP_TO_ALLOW, 0);
			break;
		case DP_NO_EXEC: /* not this call: skip its two checks */
			jump(p, JEQ, (__u32)r->nr, 0, 2);
			stmt(p, LD_W, ARG_LO(2));
			jump(p, BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC,
			     DP_TO_TRAP, DP_TO_ALLOW);
			break;
		case DP_EQ:
		case DP_SELF:
			jump(p, JEQ, (__u32)r->nr, 0, 2);
			stmt(p, LD_W, ARG_LO(r->arg));
			jump(p, JEQ, r->check == DP_SELF ? (__u32)self : r->val,
			     DP_TO_ALLOW, DP_TO_TRAP);
			break;
		}
	}
	trap = p->n;
	stmt(p, BPF_RET | BPF_K, SECCOMP_RET_TRAP);
	allow = p->n;
	stmt(p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW);

	for (unsigned i = 0; i < p->n; i++) {
		unsigned short want[2] = {p->jt[i], p->jf[i]};
		__u8 *slot[2] = {&p->insn[i].jt, &p->insn[i].jf};

		for (int k = 0; k < 2; k++) {
			unsigned off = want[k];

			if (want[k] == DP_TO_ALLOW)
				off = allow - i - 1;
			else if (want[k] == DP_TO_TRAP)
				off = trap - i - 1;
			if (off > 255)
				return -E2BIG;
			*slot[k] = (__u8)off;
		}
	}
	return 0;
}

/* Async-signal context: log_msg() only formats into stack buffers and makes
 * one write(); the process is about to abort anyway. */
static void dp_sigsys(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	/* Only calls on the allow-list here: another trap would kill us
	 * without a word. */
	log_msg(LOG_MOD_VSWITCH, LOG_LVL_ERR,
		"datapath thread %ld: system call %d (arch 0x%x) is not on "
		"the allow-list in lib/seccomp.c; aborting",
		(long)syscall(SYS_gettid), si->si_syscall, si->si_arch);
	abort();
}

/* Give up every capability of the calling thread (not the process). */
static int drop_thread_caps(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

/**
 * vnet_seccomp_available() - whether vnet_seccomp_datapath() installs a
 * filter in this build
 *
 * Return: false in sanitizer builds and on architectures without a table
 */
bool vnet_seccomp_available(void)
{
#ifdef VNET_SANITIZED
	return false;
#else
	return DP_AUDIT_ARCH != 0;
#endif
}

/**
 * vnet_seccomp_datapath() - confine the calling datapath thread
 *
 * Call first thing in each datapath thread.  Drops every capability of the
 * thread and sets no_new_privs (in every build), then installs the SIGSYS
 * handler that reports a violation and the allow-list (this thread and the
 * threads it creates only).  Logs the reason itself when it fails.
 *
 * Return: 0, -EOPNOTSUPP in sanitizer builds (logged once), or -errno
 */
int vnet_seccomp_datapath(void)
{
	static atomic_bool said;
	struct dp_prog prog = {.n = 0};
	struct sock_fprog fp;
	struct sigaction sa;
	int ret;

	/* A datapath thread needs no privilege, filter or not. */
	ret = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ? -errno : 0;
	if (!ret)
		ret = drop_thread_caps();
	if (!ret && !vnet_seccomp_available()) {
		if (!atomic_exchange(&said, true))
			vlog(VSWITCH, INFO,
			     "datapath seccomp filter left out: sanitizer "
			     "build or unknown architecture");
		return -EOPNOTSUPP;
	}
	/* Log lines format times with strftime(), which reads the time zone
	 * file on first use: load it while openat() is still allowed. */
	tzset();
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = dp_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (!ret)
		ret = build(&prog, getpid());
	if (!ret && sigaction(SIGSYS, &sa, NULL))
		ret = -errno;
	if (!ret) {
		fp.len = (unsigned short)prog.n;
		fp.filter = prog.insn;
		/* Per thread on purpose: no SECCOMP_FILTER_FLAG_TSYNC. */
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp))
			ret = -errno;
	}
	if (ret)
		vlog(VSWITCH, ERR, "datapath seccomp filter: %s",
		     strerror(-ret));
	return ret;
}
