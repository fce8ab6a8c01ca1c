/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vnetctl.h - the admin CLI: command tables and output helpers */
#ifndef VNET_VNETCTL_H
#define VNET_VNETCTL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* Exit codes that mean something to scripts. */
enum ctl_exit {
	CTL_OK = 0,
	CTL_ERR_DAEMON = 1,  /* vnetd refused or failed the request */
	CTL_ERR_USAGE = 2,   /* bad command line; nothing was sent */
	CTL_ERR_CONNECT = 3, /* vnetd not reachable */
};

enum ctl_flag_type {
	CTL_STR,  /* --flag VALUE: string */
	CTL_UINT, /* --flag N: whole number */
	CTL_BOOL, /* --flag: true */
	CTL_LIST, /* --flag VALUE, repeatable: array of strings */
	CTL_KIND, /* --flag VALUE: sets "kind" to the flag's value and the key
		   */
	CTL_NULL, /* --flag: sets the key to null (removes it, with "set") */
};

/**
 * struct ctl_flag - one command-line option of a command
 * @flag: option without dashes
 * @key: JSON parameter it sets
 * @type: how its value is read
 * @kind: value of "kind" set by a CTL_KIND flag
 * @help: one line of help
 */
struct ctl_flag {
	const char *flag;
	const char *key;
	enum ctl_flag_type type;
	const char *kind;
	const char *help;
};

/**
 * struct ctl_cmd - one "vnetctl OBJECT VERB" command
 * @object: object word
 * @verb: verb word
 * @method: JSON-RPC method
 * @args: JSON keys of the positional arguments; a trailing '?' marks optional
 * @flags: options, NULL-terminated (flag == NULL)
 * @summary: one line
 * @print: text output of the result
 * @prepare: adjust params before sending (may be NULL); returns exit code
 * @finish: handle the result instead of @print (may be NULL)
 */
struct ctl_cmd {
	const char *object;
	const char *verb;
	const char *method;
	const char *const *args;
	const struct ctl_flag *flags;
	const char *summary;
	void (*print)(json_t *res);
	int (*prepare)(json_t *params);
	int (*finish)(json_t *res, json_t *params);
};

extern const struct ctl_cmd ctl_cmds[];

/* vnetctl_sriov.c */
extern const char *const ctl_a_sriov_numvfs[];
extern const char *const ctl_a_sriov_vf[];
extern const struct ctl_flag ctl_f_sriov_vf[];
int ctl_sriov_prepare_numvfs(json_t *params);
int ctl_sriov_prepare_vf(json_t *params);
void ctl_sriov_print_list(json_t *res);
void ctl_sriov_print_pf(json_t *res);
void ctl_sriov_print_vf(json_t *res);
extern const unsigned ctl_n_cmds;
extern bool ctl_json;

/* Output helpers: one call per field writes text. */
struct ctl_col {
	const char *header;
	const char *key;
	int width;
};

void ctl_table(json_t *rows, const struct ctl_col *cols, unsigned n);
void ctl_kv(json_t *obj, const char *const *keys);
const char *ctl_fmt(json_t *v, char *buf, size_t size);

/* vnetctl_nat.c */
void ctl_nat_forward_usage(FILE *f);
int ctl_nat_forward_prepare(json_t *params);
int ctl_nat_forward_finish(json_t *res, json_t *params);
void ctl_nat_sessions_print(json_t *res);
void ctl_nat_flush_print(json_t *res);

#endif
