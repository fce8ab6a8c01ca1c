// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetctl.c - the admin CLI: argument parsing, the RPC call, output
 *
 * Thin and table-driven: each command is a row naming its RPC method, its
 * positional arguments and options; the result is printed either as JSON
 * (--json) or through the command's text printer from the same object.
 */
#include "vnetctl.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../lib/jsonrpc.h"
#include "../lib/util.h"

bool ctl_json;

static void usage_main(FILE *f)
{
	const char *last = "";

	fprintf(
	    f,
	    "usage: vnetctl [--socket PATH] [--json] OBJECT VERB [ARGS]\n"
	    "  -s, --socket PATH  vnetd's socket (VNET_SOCKET, or "
	    "/run/vnet/vnetd.sock)\n"
	    "  -j, --json         print the answer as JSON\n"
	    "both may also follow the command; after \"--\" every word is an "
	    "argument\n"
	    "(the way to name an object whose name starts with '-')\n"
	    "\ncommands:\n");
	for (unsigned i = 0; i < ctl_n_cmds; i++) {
		const struct ctl_cmd *c = &ctl_cmds[i];

		if (strcmp(last, c->object))
			fprintf(f, "\n");
		last = c->object;
		fprintf(f, "  %-8s %-8s %s\n", c->object, c->verb, c->summary);
	}
	fprintf(f, "\n'vnetctl OBJECT VERB --help' shows a command's options.\n"
		   "exit codes: 0 ok, 1 vnetd refused the request, 2 bad "
		   "usage, 3 vnetd not reachable\n");
}

static void usage_cmd(FILE *f, const struct ctl_cmd *c)
{
	if (!strcmp(c->method, "nat.forward")) {
		/* Its words depend on the action: one line per action. */
		ctl_nat_forward_usage(f);
		fprintf(f, "  %s\n", c->summary);
		return;
	}
	fprintf(f, "usage: vnetctl %s %s", c->object, c->verb);
	for (const char *const *a = c->args; a && *a; a++) {
		size_t l = strlen(*a);

		if ((*a)[l - 1] == '?')
			fprintf(f, " [%.*s]", (int)(l - 1), *a);
		else
			fprintf(f, " %s", *a);
	}
	if (c->flags && c->flags[0].flag)
		fprintf(f, " [options]");
	fprintf(f, "\n  %s\n", c->summary);
	for (const struct ctl_flag *fl = c->flags; fl && fl->flag; fl++)
		fprintf(f, "  --%-12s %s%s\n", fl->flag,
			fl->type == CTL_BOOL || fl->type == CTL_NULL
			    ? ""
			    : "VALUE  ",
			fl->help);
}

/* "--tap, --host, ...": the options that choose a port's kind. */
static void kind_flags(const struct ctl_cmd *c, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = 0;
	for (const struct ctl_flag *fl = c->flags; fl && fl->flag; fl++)
		if (fl->type == CTL_KIND)
			n +=
			    (size_t)snprintf(buf + n, n < size ? size - n : 0,
					     "%s--%s", n ? ", " : "", fl->flag);
}

static bool has_kind_flags(const struct ctl_cmd *c)
{
	for (const struct ctl_flag *fl = c->flags; fl && fl->flag; fl++)
		if (fl->type == CTL_KIND)
			return true;
	return false;
}

static int set_flag(const struct ctl_cmd *c, const struct ctl_flag *fl,
		    const char *val, json_t *params)
{
	char kinds[256];
	unsigned long v;
	json_t *arr;

	switch (fl->type) {
	case CTL_STR:
		json_object_set_new(params, fl->key, json_string(val));
		return 0;
	case CTL_KIND:
		if (json_object_get(params, "kind")) {
			kind_flags(c, kinds, sizeof(kinds));
			fprintf(stderr,
				"vnetctl: %s %s: give exactly one of %s\n",
				c->object, c->verb, kinds);
			return -EINVAL;
		}
		json_object_set_new(params, "kind", json_string(fl->kind));
		json_object_set_new(params, fl->key, json_string(val));
		return 0;
	case CTL_UINT:
		if (parse_uint(val, 0, 0xffffffffUL, &v)) {
			fprintf(stderr, "vnetctl: --%s: '%s' is not a number\n",
				fl->flag, val);
			return -EINVAL;
		}
		json_object_set_new(params, fl->key,
				    json_integer((json_int_t)v));
		return 0;
	case CTL_LIST:
		arr = json_object_get(params, fl->key);
		if (!arr) {
			arr = json_array();
			json_object_set_new(params, fl->key, arr);
		}
		json_array_append_new(arr, json_string(val));
		return 0;
	case CTL_BOOL:
		json_object_set_new(params, fl->key, json_true());
		return 0;
	case CTL_NULL:
		json_object_set_new(params, fl->key, json_null());
		return 0;
	}
	return -EINVAL;
}

static const struct ctl_flag *find_flag(const struct ctl_flag *fl,
					const char *name)
{
	for (; fl && fl->flag; fl++)
		if (!strcmp(fl->flag, name))
			return fl;
	return NULL;
}

/* An option of "OBJECT create" (or "add") that "OBJECT set" lacks: a
 * setting fixed when the object was made. */
static bool fixed_at_create(const struct ctl_cmd *c, const char *name)
{
	if (strcmp(c->verb, "set"))
		return false;
	for (unsigned k = 0; k < ctl_n_cmds; k++)
		if (!strcmp(ctl_cmds[k].object, c->object) &&
		    (!strcmp(ctl_cmds[k].verb, "create") ||
		     !strcmp(ctl_cmds[k].verb, "add")) &&
		    find_flag(ctl_cmds[k].flags, name))
			return true;
	return false;
}

static void unknown_option(const struct ctl_cmd *c, const char *a)
{
	if (fixed_at_create(c, a + 2)) {
		fprintf(stderr,
			"vnetctl: %s %s: %s cannot change once the %s "
			"exists (delete it and make it again)\n",
			c->object, c->verb, a, c->object);
		return;
	}
	fprintf(stderr, "vnetctl: %s %s: unknown option '%s'\n", c->object,
		c->verb, a);
	usage_cmd(stderr, c);
}

/* "set" with no option would change nothing: name what can change. */
static int nothing_to_set(const struct ctl_cmd *c, json_t *params)
{
	if (strcmp(c->verb, "set") || !c->flags || !c->flags[0].flag)
		return 0;
	for (const struct ctl_flag *fl = c->flags; fl->flag; fl++)
		if (json_object_get(params, fl->key))
			return 0;
	fprintf(stderr,
		"vnetctl: %s %s: nothing to change; give one or more of",
		c->object, c->verb);
	for (const struct ctl_flag *fl = c->flags; fl->flag; fl++)
		fprintf(stderr, "%s --%s", fl == c->flags ? "" : ",", fl->flag);
	fprintf(stderr, "\n");
	return -EINVAL;
}

/* Bit k of @given: the user gave c->flags[k] (flags past the 64th are
 * not recorded: print_refusal() takes them as given). */
#define CTL_GIVEN_MAX 64

/*
 * An option given twice, or two options that set the same parameter
 * (--sriov NAME and --name, --dhcp and --no-dhcp), would let the last
 * one win silently: refuse them, naming both.  Only a list option
 * (--addr) repeats.  Two kind options keep set_flag()'s "give exactly
 * one of" sentence.
 */
static int given_twice(const struct ctl_cmd *c, const struct ctl_flag *fl,
		       uint64_t given)
{
	unsigned k = 0;

	for (const struct ctl_flag *o = c->flags; o->flag; o++, k++) {
		if (k >= CTL_GIVEN_MAX || !(given >> k & 1))
			continue;
		if (o == fl && fl->type == CTL_LIST)
			continue;
		if (o == fl) {
			fprintf(stderr,
				"vnetctl: %s %s: --%s given twice; give it "
				"once\n",
				c->object, c->verb, fl->flag);
			return -EINVAL;
		}
		if (strcmp(o->key, fl->key) ||
		    (o->type == CTL_KIND && fl->type == CTL_KIND))
			continue;
		fprintf(stderr,
			"vnetctl: %s %s: --%s and --%s both set %s; give "
			"one of them\n",
			c->object, c->verb, o->flag, fl->flag, fl->key);
		return -EINVAL;
	}
	return 0;
}

static int parse_cmd(const struct ctl_cmd *c, int argc, char **argv,
		     json_t *params, const char **sock, uint64_t *given)
{
	const char *const *pos = c->args;
	bool opts = true; /* until "--": then every word is an argument */
	char kinds[256];

	*given = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const struct ctl_flag *fl;

		if (opts && !strcmp(a, "--")) {
			opts = false;
			continue;
		}
		if (opts && (!strcmp(a, "--help") || !strcmp(a, "-h"))) {
			usage_cmd(stdout, c);
			exit(CTL_OK);
		}
		/* The global options may follow the command too. */
		if (opts && (!strcmp(a, "--json") || !strcmp(a, "-j"))) {
			ctl_json = true;
			continue;
		}
		if (opts && (!strcmp(a, "--socket") || !strcmp(a, "-s"))) {
			if (i + 1 >= argc) {
				fprintf(stderr, "vnetctl: %s needs a value\n",
					a);
				return -EINVAL;
			}
			*sock = argv[++i];
			continue;
		}
		if (opts && !strncmp(a, "--", 2)) {
			fl = find_flag(c->flags, a + 2);
			if (!fl) {
				unknown_option(c, a);
				return -EINVAL;
			}
			if (given_twice(c, fl, *given))
				return -EINVAL;
			if (fl - c->flags < CTL_GIVEN_MAX)
				*given |= (uint64_t)1 << (fl - c->flags);
			if (fl->type == CTL_BOOL || fl->type == CTL_NULL) {
				set_flag(c, fl, NULL, params);
				continue;
			}
			if (i + 1 >= argc) {
				fprintf(stderr, "vnetctl: %s needs a value\n",
					a);
				return -EINVAL;
			}
			if (set_flag(c, fl, argv[++i], params))
				return -EINVAL;
			continue;
		}
		if (!pos || !*pos) {
			fprintf(stderr,
				"vnetctl: %s %s: unexpected argument "
				"'%s'\n",
				c->object, c->verb, a);
			usage_cmd(stderr, c);
			return -EINVAL;
		}
		{
			char key[32];
			size_t l = strlen(*pos);

			snprintf(key, sizeof(key), "%.*s",
				 (int)((*pos)[l - 1] == '?' ? l - 1 : l), *pos);
			json_object_set_new(params, key, json_string(a));
			pos++;
		}
	}
	if (pos && *pos && (*pos)[strlen(*pos) - 1] != '?') {
		fprintf(stderr, "vnetctl: %s %s: missing %s\n", c->object,
			c->verb, *pos);
		usage_cmd(stderr, c);
		return -EINVAL;
	}
	if (has_kind_flags(c) && !json_object_get(params, "kind")) {
		kind_flags(c, kinds, sizeof(kinds));
		fprintf(stderr, "vnetctl: %s %s: give exactly one of %s\n",
			c->object, c->verb, kinds);
		return -EINVAL;
	}
	return nothing_to_set(c, params);
}

/*
 * vnetd names the JSON key of a bad setting ("fdb_size: must be ...",
 * "'nat_address' needs a subnet"); the user typed an option: name that,
 * when one of the options in @given sets that key (given_twice() refuses
 * two that set one key; with none, vnetd's text stays).
 */
static void print_refusal(const struct ctl_cmd *c, uint64_t given,
			  const char *msg)
{
	const struct ctl_flag *hit = NULL;
	size_t rest = 0;
	unsigned k = 0, hits = 0;

	for (const struct ctl_flag *fl = c->flags; msg && fl && fl->flag;
	     fl++, k++) {
		size_t l = strlen(fl->key);

		if (k < CTL_GIVEN_MAX && !(given >> k & 1))
			continue;
		if (!strncmp(msg, fl->key, l) && msg[l] == ':') {
			hit = fl;
			rest = l;
			hits++;
		} else if (msg[0] == '\'' && !strncmp(msg + 1, fl->key, l) &&
			   msg[l + 1] == '\'') {
			hit = fl;
			rest = l + 2;
			hits++;
		}
	}
	if (hits == 1)
		fprintf(stderr, "vnetctl: --%s%s\n", hit->flag, msg + rest);
	else
		fprintf(stderr, "vnetctl: %s\n", msg ? msg : "(no message)");
}

static json_t *ctl_call(int fd, const char *method, json_t *params,
			const char **why)
{
	json_t *req = jsonrpc_request(method, json_incref(params), 1);
	char *text = json_dumps(req, JSON_COMPACT), *grown;
	size_t len, off = 0, cap = 65536, n = 0;
	char *buf = malloc(cap);
	json_t *resp = NULL;

	json_decref(req);
	if (!text || !buf)
		goto out;
	len = strlen(text);
	grown = realloc(text, len + 2);
	if (!grown)
		goto out;
	text = grown;
	text[len++] = '\n';
	if (len > JSONRPC_MAX_MSG) {
		/* vnetd would refuse it: say so without sending 16 MiB. */
		resp =
		    jsonrpc_error(NULL, JSONRPC_INVALID_REQUEST,
				  "request too long: %zu bytes, over vnetd's "
				  "limit of %u bytes",
				  len, JSONRPC_MAX_MSG);
		goto out;
	}
	while (off < len) {
		ssize_t w = send(fd, text + off, len - off, MSG_NOSIGNAL);

		/* vnetd may have answered (a refusal) and closed already:
		 * read what it said. */
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			/* Answers are bounded by vnetd; this cap guards the
			 * CLI against a wrong socket. */
			if (cap >= (64u << 20))
				goto out;
			cap *= 2;
			grown = realloc(buf, cap);
			if (!grown)
				goto out;
			buf = grown;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			*why = n ? "vnetd closed the connection in the middle "
				   "of its reply"
				 : "vnetd closed the connection without "
				   "answering (see its log)";
			goto out;
		}
		n += (size_t)r;
		if (buf[n - 1] == '\n')
			break;
	}
	resp = json_loadb(buf, n, 0, NULL);
	if (!resp)
		*why = "vnetd's reply is not valid JSON (is --socket the "
		       "socket of a vnetd?)";
out:
	free(text);
	free(buf);
	return resp;
}

int main(int argc, char **argv)
{
	const char *sock = getenv("VNET_SOCKET");
	const struct ctl_cmd *c = NULL;
	json_t *params, *resp, *err, *res;
	uint64_t given;
	const char *why = "out of memory";
	int i = 1, fd, rc;

	signal(SIGPIPE, SIG_IGN);

	if (!sock)
		sock = "/run/vnet/vnetd.sock";
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j")) {
			ctl_json = true;
		} else if (!strcmp(argv[i], "--socket") ||
			   !strcmp(argv[i], "-s")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "vnetctl: %s needs a value\n",
					argv[i]);
				return CTL_ERR_USAGE;
			}
			sock = argv[++i];
		} else if (!strcmp(argv[i], "--")) {
			i++; /* the end of the options: the command follows */
			break;
		} else if (!strcmp(argv[i], "--help") ||
			   !strcmp(argv[i], "-h")) {
			usage_main(stdout);
			return CTL_OK;
		} else {
			fprintf(stderr, "vnetctl: unknown option '%s'\n",
				argv[i]);
			usage_main(stderr);
			return CTL_ERR_USAGE;
		}
	}
	if (i >= argc) {
		usage_main(stderr);
		return CTL_ERR_USAGE;
	}
	for (unsigned k = 0; k < ctl_n_cmds; k++) {
		if (strcmp(ctl_cmds[k].object, argv[i]))
			continue;
		if (i + 1 < argc && !strcmp(ctl_cmds[k].verb, argv[i + 1])) {
			c = &ctl_cmds[k];
			i += 2;
			break;
		}
		/* Objects with a single command need no verb. */
		if (!ctl_cmds[k].verb[0]) {
			c = &ctl_cmds[k];
			i += 1;
			break;
		}
	}
	if (!c) {
		bool known = false;

		for (unsigned k = 0; k < ctl_n_cmds; k++)
			known |= !strcmp(ctl_cmds[k].object, argv[i]);
		if (known) {
			fprintf(stderr,
				"vnetctl: %s: unknown or missing verb; "
				"one of:",
				argv[i]);
			for (unsigned k = 0; k < ctl_n_cmds; k++)
				if (!strcmp(ctl_cmds[k].object, argv[i]))
					fprintf(stderr, " %s",
						ctl_cmds[k].verb);
			fprintf(stderr, "\n");
		} else {
			fprintf(stderr, "vnetctl: unknown object '%s'\n",
				argv[i]);
			usage_main(stderr);
		}
		return CTL_ERR_USAGE;
	}
	params = json_object();
	if (parse_cmd(c, argc - i, argv + i, params, &sock, &given) ||
	    (c->prepare && c->prepare(params))) {
		json_decref(params);
		return CTL_ERR_USAGE;
	}
	fd = jsonrpc_connect(sock);
	if (fd < 0) {
		fprintf(stderr,
			"vnetctl: cannot reach vnetd at %s: %s (is vnetd "
			"running? --socket or VNET_SOCKET name another)\n",
			sock, strerror(-fd));
		json_decref(params);
		return CTL_ERR_CONNECT;
	}
	resp = ctl_call(fd, c->method, params, &why);
	close(fd);
	if (!resp) {
		fprintf(stderr, "vnetctl: %s\n", why);
		json_decref(params);
		return CTL_ERR_CONNECT;
	}
	err = json_object_get(resp, "error");
	res = json_object_get(resp, "result");
	if (err) {
		print_refusal(
		    c, given,
		    json_string_value(json_object_get(err, "message")));
		rc = CTL_ERR_DAEMON;
	} else if (c->finish) {
		rc = c->finish(res, params);
	} else {
		if (ctl_json || !c->print)
			json_dumpf(res, stdout, JSON_INDENT(2));
		else
			c->print(res);
		if (ctl_json || !c->print)
			printf("\n");
		rc = CTL_OK;
	}
	json_decref(resp);
	json_decref(params);
	return rc;
}

/**
 * ctl_fmt() - a JSON scalar as text
 * @v: value
 * @buf: scratch
 * @size: room in @buf
 *
 * Return: text ("-" for absent)
 */
const char *ctl_fmt(json_t *v, char *buf, size_t size)
{
	if (!v || json_is_null(v))
		return "-";
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, size, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	if (json_is_boolean(v))
		return json_is_true(v) ? "yes" : "no";
	if (json_is_array(v)) {
		size_t n = 0, i;
		json_t *e;

		buf[0] = 0;
		json_array_foreach(v, i, e)
		{
			char tmp[64];

			n += (size_t)snprintf(buf + n, n < size ? size - n : 0,
					      "%s%s", i ? "," : "",
					      ctl_fmt(e, tmp, sizeof(tmp)));
		}
		return n ? buf : "-";
	}
	if (json_is_object(v)) {
		const char *key;
		size_t n = 0;
		json_t *e;

		buf[0] = 0;
		json_object_foreach(v, key, e)
		{
			char tmp[64];

			n += (size_t)snprintf(buf + n, n < size ? size - n : 0,
					      "%s%s=%s", n ? " " : "", key,
					      ctl_fmt(e, tmp, sizeof(tmp)));
		}
		return n ? buf : "-";
	}
	return "?";
}

/**
 * ctl_table() - print an array of objects as a table
 * @rows: array
 * @cols: columns
 * @n: column count
 */
void ctl_table(json_t *rows, const struct ctl_col *cols, unsigned n)
{
	size_t i;
	json_t *row;

	for (unsigned c = 0; c < n; c++)
		printf("%-*s%s", cols[c].width, cols[c].header,
		       c + 1 < n ? " " : "\n");
	json_array_foreach(rows, i, row)
	{
		for (unsigned c = 0; c < n; c++) {
			char buf[256];

			printf("%-*s%s", cols[c].width,
			       ctl_fmt(json_object_get(row, cols[c].key), buf,
				       sizeof(buf)),
			       c + 1 < n ? " " : "\n");
		}
	}
}

/**
 * ctl_kv() - print chosen fields of an object as "key: value" lines
 * @obj: object
 * @keys: field names, NULL-terminated; absent fields are skipped
 */
void ctl_kv(json_t *obj, const char *const *keys)
{
	for (; *keys; keys++) {
		json_t *v = json_object_get(obj, *keys);
		char buf[512];

		if (v)
			printf("%-12s %s\n", *keys,
			       ctl_fmt(v, buf, sizeof(buf)));
	}
}
