// SPDX-License-Identifier: GPL-2.0-or-later
/* log.c - levelled, per-module, rate-limited logging in logfmt lines */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define LOG_RL_BURST	5 /* lines per interval and call site */
#define LOG_RL_INTERVAL 5 /* seconds */

static const char *const log_mod_names[] = {
#define LOG_MOD_NAME(id, name) name,
    LOG_MODULES(LOG_MOD_NAME)
#undef LOG_MOD_NAME
};

static const char *const log_lvl_names[] = {"err", "warn", "info", "debug"};

static _Atomic int log_levels[LOG_MOD_MAX] = {
#define LOG_MOD_DEFAULT(id, name) [LOG_MOD_##id] = LOG_LVL_INFO,
    LOG_MODULES(LOG_MOD_DEFAULT)
#undef LOG_MOD_DEFAULT
};

static int log_fd = STDERR_FILENO;

/**
 * log_open() - send log lines to a file instead of stderr
 * @path: file to append to; NULL keeps stderr
 *
 * Return: 0 or -errno
 */
int log_open(const char *path)
{
	int fd;

	if (!path)
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = fd;
	return 0;
}

/**
 * log_close() - close a log file opened with log_open()
 */
void log_close(void)
{
	if (log_fd != STDERR_FILENO) {
		close(log_fd);
		log_fd = STDERR_FILENO;
	}
}

/**
 * log_set_level() - change a module's threshold at run time
 * @mod: module
 * @lvl: most verbose level still printed
 */
void log_set_level(enum log_module mod, enum log_level lvl)
{
	if (mod < LOG_MOD_MAX && lvl < LOG_LVL_MAX)
		atomic_store_explicit(&log_levels[mod], lvl,
				      memory_order_relaxed);
}

/**
 * log_get_level() - a module's threshold
 * @mod: module
 *
 * Return: level
 */
enum log_level log_get_level(enum log_module mod)
{
	return atomic_load_explicit(&log_levels[mod], memory_order_relaxed);
}

/**
 * log_enabled() - whether a line of this level would be printed
 * @mod: module
 * @lvl: level of the line
 *
 * Return: true if printed
 */
bool log_enabled(enum log_module mod, enum log_level lvl)
{
	return (int)lvl <=
	       atomic_load_explicit(&log_levels[mod], memory_order_relaxed);
}

/**
 * log_level_from_name() - parse "err", "warn", "info" or "debug"
 * @name: level name, matched exactly
 *
 * Return: level, or -EINVAL
 */
int log_level_from_name(const char *name)
{
	for (int i = 0; i < LOG_LVL_MAX; i++)
		if (!strcmp(name, log_lvl_names[i]))
			return i;
	return -EINVAL;
}

/**
 * log_level_name() - name of a level
 * @lvl: level
 *
 * Return: static string
 */
const char *log_level_name(enum log_level lvl)
{
	return lvl < LOG_LVL_MAX ? log_lvl_names[lvl] : "?";
}

/**
 * log_module_from_name() - parse a module name
 * @name: module name, matched exactly
 *
 * Return: module, or -EINVAL
 */
int log_module_from_name(const char *name)
{
	for (int i = 0; i < LOG_MOD_MAX; i++)
		if (!strcmp(name, log_mod_names[i]))
			return i;
	return -EINVAL;
}

/**
 * log_module_name() - name of a module
 * @mod: module
 *
 * Return: static string
 */
const char *log_module_name(enum log_module mod)
{
	return mod < LOG_MOD_MAX ? log_mod_names[mod] : "?";
}

/**
 * log_ratelimit_allow() - take a token from a call site's bucket
 * @rl: the call site's state (static, zero-initialised)
 * @suppressed: set to the count of lines swallowed before this one
 *
 * Racy between threads by design: an occasional extra or missing line is
 * harmless, a lock here is not.
 *
 * Return: true if the line may be printed
 */
bool log_ratelimit_allow(struct log_ratelimit *rl, uint32_t *suppressed)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	*suppressed = 0;
	if (ts.tv_sec - rl->last >= LOG_RL_INTERVAL || !rl->last) {
		rl->last = ts.tv_sec;
		rl->tokens = LOG_RL_BURST;
		*suppressed = rl->suppressed;
		rl->suppressed = 0;
	}
	if (!rl->tokens) {
		rl->suppressed++;
		return false;
	}
	rl->tokens--;
	return true;
}

/**
 * log_msg() - write one logfmt line: ts=... level=... module=... msg="..."
 * @mod: module
 * @lvl: level
 * @fmt: printf format of the message
 */
void log_msg(enum log_module mod, enum log_level lvl, const char *fmt, ...)
{
	char msg[1024], line[1400];
	struct timespec ts;
	struct tm tm;
	size_t n, o;
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "ts=%Y-%m-%dT%H:%M:%S", &tm);
	n += snprintf(line + n, sizeof(line) - n,
		      ".%03ldZ level=%s module=%s msg=\"", ts.tv_nsec / 1000000,
		      log_level_name(lvl), log_module_name(mod));
	/* Escape the message so one line stays one record. */
	for (o = 0; msg[o] && n < sizeof(line) - 4; o++) {
		unsigned char c = msg[o];

		if (c == '"' || c == '\\') {
			line[n++] = '\\';
			line[n++] = c;
		} else if (c < 0x20) {
			line[n++] = ' ';
		} else {
			line[n++] = c;
		}
	}
	line[n++] = '"';
	line[n++] = '\n';
	/* One write() per line: lines from several threads never interleave. */
	if (write(log_fd, line, n) < 0) {
		/* Nowhere left to report it. */
	}
	errno = saved;
}
