// SPDX-License-Identifier: GPL-2.0-or-later
/* test_lib_seccomp.c - the datapath allow-list: each probe runs in a forked
 * child after vnet_seccomp_datapath(); allowed calls return, the others end
 * the child with SIGABRT and a log line naming the call, and a thread that
 * did not install the filter is not bound by it */
#include <fcntl.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../lib/seccomp.h"

static int devnull = -1;

/* Probes: each makes one system call directly and returns its result. */
static long p_write(void)
{
	return syscall(SYS_write, devnull, "x", 1) == 1 ? 0 : -1;
}

static long p_mmap_rw(void)
{
	void *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return m == MAP_FAILED ? -1 : munmap(m, 1 << 20);
}

static long p_clock(void)
{
	struct timespec ts;

	return syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
}

static long p_netlink(void)
{
	int fd = (int)syscall(SYS_socket, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
			      NETLINK_ROUTE);

	return fd < 0 ? -1 : close(fd);
}

static long p_getpid(void)
{
	return syscall(SYS_getpid) > 0 ? 0 : -1;
}

static long p_open(void)
{
	return syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY);
}

static long p_inet(void)
{
	return syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0);
}

static long p_mmap_exec(void)
{
	return (long)mmap(NULL, 4096, PROT_READ | PROT_EXEC,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static long p_mprotect_exec(void)
{
	static char page[8192] __attribute__((aligned(4096)));

	return syscall(SYS_mprotect, page, 4096, PROT_READ | PROT_EXEC);
}

static long p_kill_init(void)
{
	return syscall(SYS_tgkill, 1, 1, 0);
}

static long p_setuid(void)
{
	return syscall(SYS_setuid, 0);
}

static long p_ioctl(void)
{
	int n;

	return syscall(SYS_ioctl, devnull, FIONREAD, &n);
}

static long p_execve(void)
{
	char *argv[] = {"/bin/true", NULL};

	return syscall(SYS_execve, "/bin/true", argv, NULL);
}

static long p_getppid(void)
{
	return syscall(SYS_getppid);
}

static const struct {
	const char *name;
	long (*probe)(void);
	long nr; /* the call the log line must name, when refused */
	bool allowed;
} cases[] = {
    {"write", p_write, SYS_write, true},
    {"mmap rw + munmap", p_mmap_rw, SYS_mmap, true},
    {"clock_gettime", p_clock, SYS_clock_gettime, true},
    {"netlink socket", p_netlink, SYS_socket, true},
    {"getpid", p_getpid, SYS_getpid, true},
    {"openat", p_open, SYS_openat, false},
    {"inet socket", p_inet, SYS_socket, false},
    {"mmap exec", p_mmap_exec, SYS_mmap, false},
    {"mprotect exec", p_mprotect_exec, SYS_mprotect, false},
    {"tgkill pid 1", p_kill_init, SYS_tgkill, false},
    {"setuid", p_setuid, SYS_setuid, false},
    {"ioctl", p_ioctl, SYS_ioctl, false},
    {"execve", p_execve, SYS_execve, false},
    {"getppid", p_getppid, SYS_getppid, false},
};

/* Run @probe confined in a child; its stderr (the log) goes to @log. */
static int run_confined(long (*probe)(void), FILE *log, int *status)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(fileno(log), STDERR_FILENO);
		if (vnet_seccomp_datapath())
			_exit(3);
		_exit(probe() < 0 ? 2 : 0);
	}
	return waitpid(pid, status, 0) == pid ? 0 : -1;
}

static void test_allow_list(void **state)
{
	(void)state;
	if (!vnet_seccomp_available())
		skip();
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	assert_true(devnull >= 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *log = tmpfile();
		char line[512] = "", want[64];
		int status;

		assert_non_null(log);
		assert_int_equal(run_confined(cases[i].probe, log, &status), 0);
		rewind(log);
		if (!fgets(line, sizeof(line), log))
			line[0] = 0;
		fclose(log);
		if (cases[i].allowed) {
			if (!WIFEXITED(status) || WEXITSTATUS(status))
				fail_msg("%s: refused (status 0x%x): %s",
					 cases[i].name, status, line);
			continue;
		}
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
			fail_msg(
			    "%s: not stopped by the filter (status 0x%x): %s",
			    cases[i].name, status, line);
		snprintf(want, sizeof(want), "system call %ld ", cases[i].nr);
		if (!strstr(line, want) || !strstr(line, "allow-list"))
			fail_msg("%s: log line does not name call %ld: %s",
				 cases[i].name, cases[i].nr, line);
	}
	close(devnull);
}

static void *confine_self(void *arg)
{
	*(int *)arg = vnet_seccomp_datapath();
	return NULL;
}

/* The filter binds the thread that installed it, not its siblings. */
static void test_per_thread(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	if (!vnet_seccomp_available())
		skip();
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		pthread_t t;
		int ret = -1;

		if (pthread_create(&t, NULL, confine_self, &ret) ||
		    pthread_join(t, NULL) || ret)
			_exit(3);
		/* This thread never installed it: getppid is fine here. */
		_exit(syscall(SYS_getppid) > 0 ? 0 : 2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_allow_list),
	    cmocka_unit_test(test_per_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
