/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log.h - levelled, per-module, rate-limited logging in logfmt lines */
#ifndef VNET_LOG_H
#define VNET_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum log_level {
	LOG_LVL_ERR,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DBG,
	LOG_LVL_MAX,
};

/* Every module that logs is listed once here. */
#define LOG_MODULES(X)        \
	X(MAIN, "main")       \
	X(RPC, "rpc")         \
	X(STORE, "store")     \
	X(VSWITCH, "vswitch") \
	X(VNIC, "vnic")       \
	X(NETLINK, "netlink") \
	X(VHOST, "vhost")

enum log_module {
#define LOG_MOD_ENUM(id, name) LOG_MOD_##id,
	LOG_MODULES(LOG_MOD_ENUM)
#undef LOG_MOD_ENUM
	    LOG_MOD_MAX,
};

/**
 * struct log_ratelimit - token bucket guarding one call site
 * @tokens: messages that may still be printed in this interval
 * @last: start of the interval, seconds (monotonic)
 * @suppressed: messages swallowed since the last printed one
 */
struct log_ratelimit {
	uint32_t tokens;
	uint32_t suppressed;
	int64_t last;
};

int log_open(const char *path);
void log_close(void);
void log_set_level(enum log_module mod, enum log_level lvl);
enum log_level log_get_level(enum log_module mod);
bool log_enabled(enum log_module mod, enum log_level lvl);
int log_level_from_name(const char *name);
const char *log_level_name(enum log_level lvl);
int log_module_from_name(const char *name);
const char *log_module_name(enum log_module mod);
bool log_ratelimit_allow(struct log_ratelimit *rl, uint32_t *suppressed);

void log_msg(enum log_module mod, enum log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define vlog(mod, lvl, ...)                                                 \
	do {                                                                \
		if (log_enabled(LOG_MOD_##mod, LOG_LVL_##lvl))              \
			log_msg(LOG_MOD_##mod, LOG_LVL_##lvl, __VA_ARGS__); \
	} while (0)

/*
 * vlog_rl() - log at most a few lines per second from one call site.  Use it
 * on every path that a guest, a packet or a peer can trigger.
 */
#define vlog_rl(mod, lvl, ...)                                              \
	do {                                                                \
		static struct log_ratelimit rl_;                            \
		uint32_t supp_;                                             \
		if (log_enabled(LOG_MOD_##mod, LOG_LVL_##lvl) &&            \
		    log_ratelimit_allow(&rl_, &supp_)) {                    \
			if (supp_)                                          \
				log_msg(LOG_MOD_##mod, LOG_LVL_##lvl,       \
					"%u similar messages suppressed",   \
					supp_);                             \
			log_msg(LOG_MOD_##mod, LOG_LVL_##lvl, __VA_ARGS__); \
		}                                                           \
	} while (0)

#endif
