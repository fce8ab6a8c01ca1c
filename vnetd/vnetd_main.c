// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetd_main.c - vnetd: start-up, the control thread's event loop, shutdown
 *
 * Start-up order: options, log, pid file (one vnetd per state), state file
 * lock, a check that no other vnetd answers on the control socket, state
 * file, switch and its datapath threads, event loop and timer service, restored
 * objects, link monitor, control socket.  Tear-down runs in reverse.  The
 * control thread sleeps in one epoll set whose entries point at handler
 * objects; its timers come from one timer service behind a timerfd.
 */
#include "vnetd.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/log.h"
#include "../lib/seccomp.h"
#include "../lib/util.h"
#include "../vnic/vnic.h"
#include "vnetd_caps.h"

#define VNETD_RUNDIR "/run/vnet"

static void usage(FILE *f)
{
	fprintf(
	    f, "usage: vnetd [options]\n"
	       "  -s, --socket PATH     control socket (" VNETD_RUNDIR
	       "/vnetd.sock)\n"
	       "  -S, --state PATH      state file (/var/lib/vnet/state.db)\n"
	       "  -p, --pidfile PATH    pid file (" VNETD_RUNDIR "/vnetd.pid)\n"
	       "  -l, --log-file PATH   log to a file (default stderr)\n"
	       "  -L, --log-level LVL   err, warn, info (default) or debug\n"
	       "  -g, --group NAME      group allowed to use the socket\n"
	       "  -u, --user NAME       run as this user (keeping the "
	       "capabilities it needs)\n"
	       "  -m, --metrics ADDR    serve Prometheus metrics on ADDR:PORT\n"
	       "                        or a Unix socket path\n"
	       "  -t, --threads N       datapath threads (1)\n"
	       "  -P, --poll            busy-poll datapath (one core each)\n"
	       "      --no-io-uring     taps read and write one frame per "
	       "system call\n"
	       "                        (also VNETD_IO_URING=0)\n"
	       "  -d, --daemon          detach and run in the background\n"
	       "  -h, --help            this text\n");
}

static int parse_args(int argc, char **argv, struct vnetd *d)
{
	static const struct option longopts[] = {
	    {"socket", required_argument, NULL, 's'},
	    {"state", required_argument, NULL, 'S'},
	    {"pidfile", required_argument, NULL, 'p'},
	    {"log-file", required_argument, NULL, 'l'},
	    {"log-level", required_argument, NULL, 'L'},
	    {"group", required_argument, NULL, 'g'},
	    {"user", required_argument, NULL, 'u'},
	    {"metrics", required_argument, NULL, 'm'},
	    {"threads", required_argument, NULL, 't'},
	    {"poll", no_argument, NULL, 'P'},
	    {"daemon", no_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {"no-io-uring", no_argument, NULL, 'U'},
	    {0},
	};
	struct vnetd_opts *o = &d->opts;
	unsigned long v;
	int c, lvl;

	o->socket_path = VNETD_RUNDIR "/vnetd.sock";
	o->state_path = "/var/lib/vnet/state.db";
	o->pid_path = VNETD_RUNDIR "/vnetd.pid";
	o->threads = 1;
	o->uid = (uid_t)-1;
	o->gid = (gid_t)-1;
	while ((c = getopt_long(argc, argv, "s:S:p:l:L:g:m:u:t:Pdh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 's':
			o->socket_path = optarg;
			break;
		case 'S':
			o->state_path = optarg;
			break;
		case 'p':
			o->pid_path = optarg;
			break;
		case 'l':
			o->log_path = optarg;
			break;
		case 'L':
			lvl = log_level_from_name(optarg);
			if (lvl < 0) {
				fprintf(stderr,
					"vnetd: --log-level: err, warn, info "
					"or debug\n");
				return -EINVAL;
			}
			for (int m = 0; m < LOG_MOD_MAX; m++)
				log_set_level((enum log_module)m,
					      (enum log_level)lvl);
			break;
		case 'g':
			o->socket_group = optarg;
			break;
		case 'm':
			if (!vnetd_metrics_addr_ok(optarg)) {
				fprintf(
				    stderr,
				    "vnetd: --metrics %s: not ADDRESS:PORT, "
				    "[ADDRESS]:PORT or an absolute socket "
				    "path\n",
				    optarg);
				return -EINVAL;
			}
			o->metrics_addr = optarg;
			break;
		case 'u':
			if (vnetd_user_lookup(optarg, &o->uid, &o->gid)) {
				fprintf(stderr,
					"vnetd: --user: no such "
					"(non-root) user '%s'\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 't':
			if (parse_uint(optarg, 1, 64, &v)) {
				fprintf(stderr, "vnetd: --threads: 1-64\n");
				return -EINVAL;
			}
			o->threads = (unsigned)v;
			break;
		case 'P':
			o->poll = true;
			break;
		case 'd':
			o->daemon = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'U': /* long option only */
			vnic_io_uring_allow(false);
			break;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vnetd: unexpected argument '%s'\n",
			argv[optind]);
		return -EINVAL;
	}
	if (o->socket_group) {
		struct group *g = getgrnam(o->socket_group);

		if (!g) {
			fprintf(stderr, "vnetd: no group '%s'\n",
				o->socket_group);
			return -EINVAL;
		}
		d->sock_gid = g->gr_gid;
	}
	return 0;
}

/* Take @path's lock without waiting (its directory made with @dir_mode
 * when missing): -EEXIST after naming the holder (its pid, which it wrote
 * into the file) when another vnetd has it. */
static int file_lock(const char *path, const char *what, unsigned dir_mode,
		     int *fd_out)
{
	char buf[32];
	int fd, n = mkdir_parents(path, dir_mode);

	if (n)
		return n;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		n = (int)read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = 0;
		vlog(MAIN, ERR, "another vnetd (pid %ld) uses %s %s",
		     strtol(buf, NULL, 10), what, path);
		close(fd);
		return -EEXIST;
	}
	*fd_out = fd;
	return 0;
}

/* Lock the pid file: a second vnetd on the same files refuses to start. */
static int pidfile_lock(const char *path, int *fd_out)
{
	return file_lock(path, "the pid file", 0755, fd_out);
}

/* Where @state leads: its symbolic links followed even when the last
 * one dangles (the state file is made later, through it), a relative
 * target taken from the link's directory, and the directory part made
 * real when it exists.  Every name of one file gives one path. */
static int state_real_path(const char *state, char *out, size_t size)
{
	char cur[PATH_MAX], target[PATH_MAX], *slash, *real;
	const char *dir = ".", *base = cur;
	size_t keep;
	int hops = 0, n;
	ssize_t len;

	if ((size_t)snprintf(cur, sizeof(cur), "%s", state) >= sizeof(cur))
		return -ENAMETOOLONG;
	while ((len = readlink(cur, target, sizeof(target) - 1)) >= 0) {
		if (++hops > 40)
			return -ELOOP;
		target[len] = 0;
		slash = strrchr(cur, '/');
		keep =
		    target[0] == '/' || !slash ? 0 : (size_t)(slash + 1 - cur);
		if ((size_t)snprintf(cur + keep, sizeof(cur) - keep, "%s",
				     target) >= sizeof(cur) - keep)
			return -ENAMETOOLONG;
	}
	slash = strrchr(cur, '/');
	if (slash == cur) {
		dir = "/";
		base = cur + 1;
	} else if (slash) {
		*slash = 0;
		dir = cur;
		base = slash + 1;
	}
	real = realpath(dir, NULL);
	if (real)
		n = snprintf(out, size, "%s%s%s", real,
			     strcmp(real, "/") ? "/" : "", base);
	else
		n = snprintf(out, size, "%s%s%s",
			     slash && slash != cur ? dir : "", slash ? "/" : "",
			     base);
	free(real);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* Lock the state file through "<state>.lock" beside it (its real path, so
 * a link to it, dangling or not, locks the same file), before anything is
 * read from it: two vnetd with different pid files must not both restore
 * one state and open the same devices.  The lock file stays: removing it
 * would let a third vnetd lock a new file while a second waits on the old
 * one. */
static int statefile_lock(const char *state, int *fd_out)
{
	char real[PATH_MAX], path[PATH_MAX];
	int ret = state_real_path(state, real, sizeof(real));

	if (ret)
		return ret;
	if ((size_t)snprintf(path, sizeof(path), "%s.lock", real) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	return file_lock(path, "the state file", 0750, fd_out);
}

/* Write our pid into a locked file, and say why when it fails (a full
 * disk: a short write is ENOSPC). */
static int pidfile_write(int fd, const char *what, const char *path)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());

	errno = ENOSPC;
	if (ftruncate(fd, 0) || pwrite(fd, buf, (size_t)n, 0) != n) {
		vlog(MAIN, ERR, "%s %s: cannot write vnetd's pid: %s", what,
		     path, strerror(errno));
		return -errno;
	}
	return 0;
}

static int daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	return chdir("/") ? -errno : 0;
}

static void link_cb(const struct vnic_link_event *ev, void *arg)
{
	vnetd_link_event(arg, ev->ifindex, ev->name, ev->deleted, ev->up,
			 ev->running);
}

/**
 * vnetd_watch() - add an fd to the control thread's epoll set
 * @d: daemon
 * @fd: fd
 * @events: EPOLLIN, ...
 * @h: handler called when it is ready (embedded in its owner)
 *
 * Return: 0 or -errno
 */
int vnetd_watch(struct vnetd *d, int fd, uint32_t events,
		struct vnetd_handler *h)
{
	struct epoll_event ev = {.events = events, .data.ptr = h};

	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

/**
 * vnetd_watch_mod() - change the events an fd is watched for
 * @d: daemon
 * @fd: fd
 * @events: EPOLLIN, ...
 * @h: handler
 *
 * Return: 0 or -errno
 */
int vnetd_watch_mod(struct vnetd *d, int fd, uint32_t events,
		    struct vnetd_handler *h)
{
	struct epoll_event ev = {.events = events, .data.ptr = h};

	return epoll_ctl(d->epfd, EPOLL_CTL_MOD, fd, &ev) ? -errno : 0;
}

/**
 * vnetd_unwatch() - remove an fd from the control thread's epoll set
 * @d: daemon
 * @fd: fd
 */
void vnetd_unwatch(struct vnetd *d, int fd)
{
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, fd, NULL);
}

/**
 * vnetd_defer_free() - free memory once the current batch of events is
 * handled (a handler inside it may still be pending in that batch)
 * @d: daemon
 * @p: memory from malloc()
 */
void vnetd_defer_free(struct vnetd *d, void *p)
{
	if (d->n_deferred == d->cap_deferred) {
		size_t cap = d->cap_deferred ? d->cap_deferred * 2 : 16;
		void **n = realloc(d->deferred, cap * sizeof(*n));

		if (!n) {
			/* Leak rather than risk a use after free. */
			vlog_rl(MAIN, ERR, "out of memory; leaking an object");
			return;
		}
		d->deferred = n;
		d->cap_deferred = cap;
	}
	d->deferred[d->n_deferred++] = p;
}

static void free_deferred(struct vnetd *d)
{
	for (size_t i = 0; i < d->n_deferred; i++)
		free(d->deferred[i]);
	d->n_deferred = 0;
}

/* The control thread's own fds: signals, timers, link events. */
struct loop_fds {
	struct vnetd_handler sig, tmr, nl;
	int sfd;
	struct vtimer housekeeping;
};

static struct loop_fds *loop_of(struct vnetd_handler *h, size_t off)
{
	return (struct loop_fds *)((char *)h - off);
}

static void on_signal(struct vnetd *d, struct vnetd_handler *h, uint32_t ev)
{
	struct loop_fds *l = loop_of(h, offsetof(struct loop_fds, sig));
	struct signalfd_siginfo si;

	if (read(l->sfd, &si, sizeof(si)) == sizeof(si)) {
		vlog(MAIN, INFO, "signal %u: shutting down", si.ssi_signo);
		d->stop = true;
	}
}

static void on_timer(struct vnetd *d, struct vnetd_handler *h, uint32_t ev)
{
	timer_svc_run(d->timers);
}

static void on_netlink(struct vnetd *d, struct vnetd_handler *h, uint32_t ev)
{
	vnic_monitor_run(d->mon);
}

/* The switch's own periodic work: MAC aging, table rebuilds, ports that
 * failed in the datapath. */
#define HOUSEKEEPING_MS 1000

static void housekeeping(struct vtimer *t, void *arg)
{
	struct vnetd *d = arg;

	vswitch_run(d->sw);
	if (vtimer_arm(d->timers, t, HOUSEKEEPING_MS))
		vlog(MAIN, ERR, "cannot schedule the switch's housekeeping");
}

static void loop(struct vnetd *d)
{
	struct epoll_event evs[32];

	while (!d->stop) {
		int n = epoll_wait(d->epfd, evs, ARRAY_SIZE(evs), -1);

		if (n < 0 && errno != EINTR) {
			vlog(MAIN, ERR, "epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			struct vnetd_handler *h = evs[i].data.ptr;

			h->fn(d, h, evs[i].events);
		}
		free_deferred(d);
	}
}

/* First thing in each datapath thread: it keeps no capability and may make
 * only the system calls the datapath makes (lib/seccomp.c). */
static void dp_thread_start(unsigned idx, void *arg)
{
	(void)idx;
	(void)arg;
	(void)vnet_seccomp_datapath();
}

/* After the state file is open and before any other thread exists: hand
 * vnetd's files to --user, keep only the capabilities docs/security.md
 * lists, and switch user. */
static int drop_privileges(struct vnetd *d)
{
	uid_t run_uid = d->opts.uid;
	gid_t run_gid = d->opts.gid;

	if (run_uid != (uid_t)-1 &&
	    (vnetd_user_give(
		 d->opts.state_path, run_uid, run_gid,
		 !strcmp(d->opts.state_path, "/var/lib/vnet/state.db")) ||
	     vnetd_user_give(
		 d->opts.pid_path, run_uid, run_gid,
		 !strcmp(d->opts.pid_path, VNETD_RUNDIR "/vnetd.pid")) ||
	     vnetd_user_give(
		 d->opts.socket_path, run_uid, run_gid,
		 !strcmp(d->opts.socket_path, VNETD_RUNDIR "/vnetd.sock"))))
		return -1;
	return vnetd_caps_drop(run_uid, run_gid,
			       d->opts.socket_group ? d->sock_gid : (gid_t)-1,
			       VNETD_CAPS_NETNS);
}

/*
 * Every guest's vhost-user socket and tap, every gateway's DNS relay
 * sockets and every control connection is a descriptor: the soft limit (1024
 * by default) goes up to the hard one, which the unit sets (LimitNOFILE).
 */
static void nofile_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl)) {
		vlog(MAIN, WARN, "file descriptor limit: %s", strerror(errno));
		return;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t old = rl.rlim_cur;

		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl)) {
			vlog(MAIN, WARN,
			     "cannot raise the file descriptor limit from %llu "
			     "to %llu: %s",
			     (unsigned long long)old,
			     (unsigned long long)rl.rlim_max, strerror(errno));
			return;
		}
	}
	vlog(MAIN, INFO, "file descriptor limit %llu",
	     (unsigned long long)rl.rlim_cur);
}

int main(int argc, char **argv)
{
	struct vnetd d = {.epfd = -1};
	struct loop_fds l = {.sfd = -1};
	struct vsw_config swcfg;
	sigset_t mask;
	int pid_fd = -1, state_fd = -1, ret;

	if (parse_args(argc, argv, &d))
		return 2;
	if (log_open(d.opts.log_path)) {
		fprintf(stderr, "vnetd: cannot open log file %s: %s\n",
			d.opts.log_path, strerror(errno));
		return 1;
	}
	if (d.opts.daemon && daemonize()) {
		vlog(MAIN, ERR, "cannot daemonize: %s", strerror(errno));
		return 1;
	}
	d.started = now_sec();
	nofile_raise();
	ret = pidfile_lock(d.opts.pid_path, &pid_fd);
	if (ret) {
		if (ret != -EEXIST)
			vlog(MAIN, ERR, "pid file %s: %s", d.opts.pid_path,
			     strerror(-ret));
		return 1;
	}
	if (pidfile_write(pid_fd, "pid file", d.opts.pid_path))
		goto err_pid;
	ret = statefile_lock(d.opts.state_path, &state_fd);
	if (ret) {
		if (ret != -EEXIST)
			vlog(MAIN, ERR, "lock of state file %s: %s",
			     d.opts.state_path, strerror(-ret));
		goto err_pid;
	}
	if (pidfile_write(state_fd, "lock of state file", d.opts.state_path))
		goto err_pid;
	/* Before anything is restored: another vnetd's socket stays its. */
	if (vnetd_rpc_check_socket(d.opts.socket_path))
		goto err_pid;
	if (vnetd_store_open(d.opts.state_path, &d.store))
		goto err_pid;
	if (drop_privileges(&d))
		goto err_store;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	swcfg = (struct vsw_config){.threads = d.opts.threads,
				    .poll = d.opts.poll,
				    .thread_start = dp_thread_start};
	d.sw = vswitch_create(&swcfg);
	if (!d.sw)
		goto err_store;
	vswitch_set_fault_hook(d.sw, vnetd_port_fault, &d);
	if (vswitch_start(d.sw))
		goto err_switch;
	d.epfd = epoll_create1(EPOLL_CLOEXEC);
	d.timers = timer_svc_create();
	l.sig.fn = on_signal;
	l.tmr.fn = on_timer;
	l.nl.fn = on_netlink;
	l.sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (d.epfd < 0 || !d.timers || l.sfd < 0 ||
	    vnetd_watch(&d, l.sfd, EPOLLIN, &l.sig) ||
	    vnetd_watch(&d, timer_svc_fd(d.timers), EPOLLIN, &l.tmr)) {
		vlog(MAIN, ERR, "event loop set-up: %s", strerror(errno));
		goto err_loop;
	}
	/* The taps of the state file were our predecessor's: a killed one's
	 * rings may hold them for some milliseconds more. */
	vnic_tap_busy_wait(true);
	ret = vnetd_restore(&d);
	vnic_tap_busy_wait(false);
	if (ret)
		goto err_objs;
	/* Every stored object is back: each gateway starts once, with its
	 * network's reservations and forwards. */
	vnetd_gw_start_restored(&d);
	vtimer_init(&l.housekeeping, housekeeping, &d);
	if (vtimer_arm(d.timers, &l.housekeeping, HOUSEKEEPING_MS))
		goto err_objs;
	d.mon = vnic_monitor_open(link_cb, &d, 0);
	if (!d.mon || vnetd_watch(&d, vnic_monitor_fd(d.mon), EPOLLIN, &l.nl)) {
		vlog(MAIN, ERR, "cannot subscribe to link events");
		goto err_mon;
	}
	vnetd_netns_open(&d, &d.netns);
	if (vnetd_rpc_open(&d, &d.rpc))
		goto err_mon;
	if (vnetd_metrics_open(&d, &d.metrics))
		goto err_rpc;
	vlog(MAIN, INFO, "vnetd ready (pid %d)", (int)getpid());
	vnetd_sd_notify("READY=1");

	loop(&d);

	vnetd_sd_notify("STOPPING=1");
	vnetd_metrics_close(d.metrics);
	vnetd_rpc_close(d.rpc);
	vnetd_netns_close(&d, d.netns);
	vnic_monitor_close(d.mon);
	vnetd_shutdown(&d);
	free_deferred(&d);
	timer_svc_destroy(d.timers);
	close(l.sfd);
	close(d.epfd);
	vswitch_destroy(d.sw);
	vnic_link_close();
	vnetd_store_close(d.store);
	free(d.deferred);
	unlink(d.opts.pid_path);
	close(pid_fd);
	if (state_fd >= 0)
		close(state_fd);
	vlog(MAIN, INFO, "vnetd stopped");
	log_close();
	return 0;

err_rpc:
	vnetd_rpc_close(d.rpc);
err_mon:
	vnetd_netns_close(&d, d.netns);
	vnic_monitor_close(d.mon);
err_objs:
	vnetd_shutdown(&d);
	free_deferred(&d);
err_loop:
	timer_svc_destroy(d.timers);
	if (l.sfd >= 0)
		close(l.sfd);
	if (d.epfd >= 0)
		close(d.epfd);
err_switch:
	vswitch_destroy(d.sw);
	vnic_link_close();
err_store:
	vnetd_store_close(d.store);
	free(d.deferred);
err_pid:
	unlink(d.opts.pid_path);
	close(pid_fd);
	if (state_fd >= 0)
		close(state_fd);
	vlog(MAIN, ERR, "vnetd failed to start");
	return 1;
}
