// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetd_object.c - the object engine: create, change, delete, list, export,
 * import and restore any configured object kind through its descriptor
 *
 * A kind (network, port, and the services' kinds) is a struct vnetd_kind in
 * a file of its own: an option table, cross-object checks, apply/unapply and
 * a status.  This file knows no kind by name.  Every request is checked in
 * full before the first change, cross-object rules run against a "view" of
 * the configuration as it would be, and a change is acknowledged only after
 * its store transaction commits; on any failure the previous configuration
 * is what remains, both in the switch and in the state file.
 */
#include "vnetd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/jsonrpc.h"
#include "../lib/log.h"
#include "../lib/util.h"

#define EXPORT_VERSION 2

/* A team comes before the networks that name it as their uplink: an
 * import checks each object against those before it. */
const struct vnetd_kind *const vnetd_kinds[VNETD_KINDS] = {
    &vnetd_kind_team,	     &vnetd_kind_network,     &vnetd_kind_port,
    &vnetd_kind_reservation, &vnetd_kind_nat_forward, &vnetd_kind_sriov_pf,
    &vnetd_kind_vf,
};

/**
 * struct vnetd_view - a configuration as plain JSON, for cross-object checks
 * @objs: per kind, an object mapping names to configurations
 * @keys: per kind, an object mapping each key the kind's keys() gives to the
 *        name of the object holding it: an import checks every object
 *        against all the others of its kind, and a walk per check made
 *        5 600 reservations take seconds
 */
struct vnetd_view {
	json_t *objs[VNETD_KINDS];
	json_t *keys[VNETD_KINDS];
};

/**
 * vnetd_err_set() - record an error for the client
 * @e: error
 * @code: JSON-RPC code
 * @fmt: message
 */
void vnetd_err_set(struct vnetd_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

/* Prefix an error with where it happened ("ports[3]: ..."). */
static void err_prefix(struct vnetd_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void err_prefix(struct vnetd_err *e, const char *fmt, ...)
{
	char pre[128], msg[sizeof(e->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "%s", e->msg);
	snprintf(e->msg, sizeof(e->msg), "%.100s: %.400s", pre, msg);
}

static unsigned kind_idx(const struct vnetd_kind *k)
{
	for (unsigned i = 0; i < VNETD_KINDS; i++)
		if (vnetd_kinds[i] == k)
			return i;
	return 0;
}

/* ---- object sets ---- */

static int objset_add(struct vnetd_objset *s, struct vnetd_obj *o)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct vnetd_obj **v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = o;
	return 0;
}

/* From the end: objects mostly go newest first (an import's undo, a
 * --replace, the shutdown), each then found at once. */
static void objset_remove(struct vnetd_objset *s, struct vnetd_obj *o)
{
	for (size_t i = s->n; i-- > 0;)
		if (s->v[i] == o) {
			memmove(&s->v[i], &s->v[i + 1],
				(s->n - i - 1) * sizeof(s->v[0]));
			s->n--;
			return;
		}
}

/* Put a set back in the order of @names (after an undo re-created some of
 * its objects at the end); objects not named keep their relative order at
 * the end. */
static void objset_reorder(struct vnetd_objset *s, json_t *names)
{
	size_t at = 0, i;
	json_t *name;

	json_array_foreach(names, i, name)
	{
		for (size_t k = at; k < s->n; k++) {
			struct vnetd_obj *o = s->v[k];

			if (strcmp(o->name, json_string_value(name)))
				continue;
			memmove(&s->v[at + 1], &s->v[at],
				(k - at) * sizeof(s->v[0]));
			s->v[at++] = o;
			break;
		}
	}
}

/**
 * vnetd_objs() - the objects of a kind, in creation order
 * @d: daemon
 * @k: kind
 *
 * Return: the set (valid until the next change)
 */
const struct vnetd_objset *vnetd_objs(struct vnetd *d,
				      const struct vnetd_kind *k)
{
	return &d->objs[kind_idx(k)];
}

/**
 * vnetd_obj_find() - an object by name
 * @d: daemon
 * @k: kind
 * @name: name
 *
 * Return: the object, or NULL
 */
struct vnetd_obj *vnetd_obj_find(struct vnetd *d, const struct vnetd_kind *k,
				 const char *name)
{
	const struct vnetd_objset *s = vnetd_objs(d, k);

	for (size_t i = 0; name && i < s->n; i++)
		if (!strcmp(s->v[i]->name, name))
			return s->v[i];
	return NULL;
}

/**
 * vnetd_obj_lookup() - an object by name, or an error that lists the names
 * there are
 * @d: daemon
 * @k: kind
 * @name: name, NULL when the client gave none
 * @e: error
 *
 * Return: the object, or NULL with @e set
 */
struct vnetd_obj *vnetd_obj_lookup(struct vnetd *d, const struct vnetd_kind *k,
				   const char *name, struct vnetd_err *e)
{
	struct vnetd_obj *o = vnetd_obj_find(d, k, name);
	const struct vnetd_objset *s = vnetd_objs(d, k);
	char names[256] = "";
	size_t n = 0;

	if (o)
		return o;
	for (size_t i = 0; i < s->n && n < sizeof(names); i++)
		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s",
				      n ? ", " : "", s->v[i]->name);
	if (name)
		vnetd_err_set(e, VNET_ERR_NOT_FOUND, "no %s '%s' (%s: %s)",
			      k->name, name, k->table, n ? names : "none");
	else
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "missing the %s's name (%s: %s)", k->name,
			      k->table, n ? names : "none");
	return NULL;
}

/* ---- views ---- */

static void view_init(struct vnetd_view *v)
{
	for (unsigned i = 0; i < VNETD_KINDS; i++) {
		v->objs[i] = json_object();
		v->keys[i] = json_object();
	}
}

/* Add an object of kind @i to a view, with its keys. */
static void view_put(struct vnetd_view *v, unsigned i, const char *name,
		     json_t *conf)
{
	char key[VNETD_KEYS][VNETD_KEY_SIZE];
	unsigned n = vnetd_kinds[i]->keys ? vnetd_kinds[i]->keys(conf, key) : 0;

	json_object_set(v->objs[i], name, conf);
	for (unsigned k = 0; k < n; k++)
		json_object_set_new(v->keys[i], key[k], json_string(name));
}

/* The running configuration, optionally without one object. */
static void view_current(struct vnetd *d, struct vnetd_view *v,
			 const struct vnetd_obj *skip)
{
	view_init(v);
	for (unsigned i = 0; i < VNETD_KINDS; i++)
		for (size_t k = 0; k < d->objs[i].n; k++)
			if (d->objs[i].v[k] != skip)
				view_put(v, i, d->objs[i].v[k]->name,
					 d->objs[i].v[k]->conf);
}

static void view_free(struct vnetd_view *v)
{
	for (unsigned i = 0; i < VNETD_KINDS; i++) {
		json_decref(v->objs[i]);
		json_decref(v->keys[i]);
	}
}

/**
 * vnetd_view_find() - an object's configuration in a view
 * @v: view
 * @k: kind
 * @name: name
 *
 * Return: borrowed configuration, or NULL
 */
json_t *vnetd_view_find(const struct vnetd_view *v, const struct vnetd_kind *k,
			const char *name)
{
	return name ? json_object_get(v->objs[kind_idx(k)], name) : NULL;
}

/**
 * vnetd_view_all() - every object of a kind in a view
 * @v: view
 * @k: kind
 *
 * Return: borrowed JSON object mapping names to configurations
 */
json_t *vnetd_view_all(const struct vnetd_view *v, const struct vnetd_kind *k)
{
	return v->objs[kind_idx(k)];
}

/**
 * vnetd_view_holder() - which object of a view holds a key
 * @v: view
 * @k: kind
 * @key: one of the strings @k's keys() gives
 *
 * Return: the holder's name (borrowed from @v), or NULL
 */
const char *vnetd_view_holder(const struct vnetd_view *v,
			      const struct vnetd_kind *k, const char *key)
{
	return json_string_value(json_object_get(v->keys[kind_idx(k)], key));
}

/* ---- single-object requests ---- */

static json_t *validate(const struct vnetd_kind *k, json_t *params,
			struct vnetd_err *e)
{
	char msg[sizeof(e->msg)];
	json_t *conf = schema_normalize(&k->schema, params, msg, sizeof(msg));

	if (!conf)
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS, "%s", msg);
	return conf;
}

/* Normalise, then let the kind check it against @v and fill derived keys. */
static json_t *prepare(struct vnetd *d, const struct vnetd_kind *k,
		       const struct vnetd_view *v, json_t *params,
		       struct vnetd_err *e)
{
	json_t *conf = validate(k, params, e), *ordered;

	if (conf && k->check(d, v, conf, NULL, e)) {
		json_decref(conf);
		return NULL;
	}
	/* Keys the check filled in go to their place in the table, so the
	 * object reads the same before and after a restart. */
	ordered = conf ? validate(k, conf, e) : NULL;
	json_decref(conf);
	return ordered;
}

static bool is_child(const struct vnetd_kind *c, const struct vnetd_kind *k,
		     json_t *conf, const char *name)
{
	const char *p = c->parent == k ? jstr(conf, c->parent_key) : NULL;

	return p && !strcmp(p, name);
}

/* Remove an object from the running configuration (the store is the
 * caller's), children first. */
static void obj_unapply(struct vnetd *d, struct vnetd_obj *o, bool remove)
{
	const struct vnetd_kind *k = o->kind;

	for (int i = VNETD_KINDS - 1; i >= 0; i--) {
		struct vnetd_objset *s = &d->objs[i];

		for (size_t n = s->n; n-- > 0;) {
			struct vnetd_obj *c = s->v[n];

			if (!is_child(vnetd_kinds[i], k, c->conf, o->name))
				continue;
			if (remove)
				vlog(MAIN, INFO, "%s %s deleted with %s %s",
				     vnetd_kinds[i]->name, c->name, k->name,
				     o->name);
			obj_unapply(d, c, remove);
		}
	}
	objset_remove(&d->objs[kind_idx(k)], o);
	k->unapply(d, o, remove);
}

static struct vnetd_obj *obj_apply(struct vnetd *d, const struct vnetd_kind *k,
				   json_t *conf, bool restoring,
				   struct vnetd_err *e)
{
	struct vnetd_obj *o = k->apply(d, conf, restoring, e);

	if (!o)
		return NULL;
	if (objset_add(&d->objs[kind_idx(k)], o)) {
		k->unapply(d, o, !restoring);
		vnetd_err_set(e, VNET_ERR_SYSTEM, "out of memory");
		return NULL;
	}
	return o;
}

/**
 * vnetd_obj_create() - RPC KIND.create / port.add
 * @d: daemon
 * @k: kind
 * @params: the object's configuration
 * @e: error
 *
 * Return: the new object's status, or NULL with @e set (nothing changed)
 */
json_t *vnetd_obj_create(struct vnetd *d, const struct vnetd_kind *k,
			 json_t *params, struct vnetd_err *e)
{
	struct vnetd_view v;
	struct vnetd_obj *o;
	json_t *conf;

	view_current(d, &v, NULL);
	conf = prepare(d, k, &v, params, e);
	view_free(&v);
	if (!conf)
		return NULL;
	if (vnetd_obj_find(d, k, jstr(conf, "name"))) {
		vnetd_err_set(e, VNET_ERR_EXISTS, "%s '%s' already exists",
			      k->name, jstr(conf, "name"));
		goto err;
	}
	o = obj_apply(d, k, conf, false, e);
	if (!o)
		goto err;
	if (vnetd_store_put(d->store, k->table, o->name, conf)) {
		vnetd_err_set(e, VNET_ERR_SYSTEM,
			      "cannot save %s '%s' (state file error, see the "
			      "log); not created",
			      k->name, o->name);
		obj_unapply(d, o, true);
		goto err;
	}
	vlog(MAIN, INFO, "%s %s created", k->name, o->name);
	json_decref(conf);
	return k->status(d, o);
err:
	json_decref(conf);
	return NULL;
}

/* How many children @o has; @buf says how many of each kind ("1 port(s)
 * and 2 forward(s)"). */
static unsigned count_children(struct vnetd *d, struct vnetd_obj *o, char *buf,
			       size_t size)
{
	unsigned n = 0, kinds = 0, of[VNETD_KINDS] = {0};
	size_t len = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < VNETD_KINDS; i++) {
		for (size_t k = 0; k < d->objs[i].n; k++)
			of[i] += is_child(vnetd_kinds[i], o->kind,
					  d->objs[i].v[k]->conf, o->name);
		n += of[i];
		kinds += of[i] > 0;
	}
	for (unsigned i = 0, seen = 0; i < VNETD_KINDS && len < size; i++) {
		if (!of[i])
			continue;
		seen++;
		len += (size_t)snprintf(buf + len, size - len, "%s%u %s(s)",
					seen == 1      ? ""
					: seen < kinds ? ", "
						       : " and ",
					of[i], vnetd_kinds[i]->name);
	}
	return n;
}

/* Objects about to go, by kind, for the kinds' del_check. */
struct del_set {
	json_t **confs[VNETD_KINDS];
	size_t n[VNETD_KINDS];
};

static void del_set_free(struct del_set *s)
{
	for (unsigned i = 0; i < VNETD_KINDS; i++)
		free(s->confs[i]);
}

static int del_set_init(struct vnetd *d, struct del_set *s, struct vnetd_err *e)
{
	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < VNETD_KINDS; i++)
		if (!(s->confs[i] =
			  calloc(d->objs[i].n + 1, sizeof(*s->confs[i])))) {
			del_set_free(s);
			vnetd_err_set(e, VNET_ERR_SYSTEM, "out of memory");
			return -ENOMEM;
		}
	return 0;
}

/* Add @o and everything under it. */
static void del_set_tree(struct vnetd *d, struct del_set *s,
			 struct vnetd_obj *o)
{
	unsigned k = kind_idx(o->kind);

	for (unsigned i = 0; i < VNETD_KINDS; i++)
		for (size_t n = 0; n < d->objs[i].n; n++)
			if (is_child(vnetd_kinds[i], o->kind,
				     d->objs[i].v[n]->conf, o->name))
				del_set_tree(d, s, d->objs[i].v[n]);
	if (s->n[k] <= d->objs[k].n)
		s->confs[k][s->n[k]++] = o->conf;
}

/* Ask each kind whether its objects in @s may go. */
static int del_set_check(struct vnetd *d, const struct del_set *s,
			 const struct vnetd_view *after, struct vnetd_err *e)
{
	for (unsigned i = 0; i < VNETD_KINDS; i++)
		if (s->n[i] && vnetd_kinds[i]->del_check &&
		    vnetd_kinds[i]->del_check(d, s->confs[i], s->n[i], after,
					      e))
			return -1;
	return 0;
}

static int store_del_tree(struct vnetd *d, struct vnetd_obj *o)
{
	for (unsigned i = 0; i < VNETD_KINDS; i++)
		for (size_t k = 0; k < d->objs[i].n; k++)
			if (is_child(vnetd_kinds[i], o->kind,
				     d->objs[i].v[k]->conf, o->name) &&
			    store_del_tree(d, d->objs[i].v[k]))
				return -EIO;
	return vnetd_store_del(d->store, o->kind->table, o->name);
}

/**
 * vnetd_obj_delete() - RPC KIND.delete {name, force?}
 * @d: daemon
 * @k: kind
 * @params: parameters
 * @e: error
 *
 * An object with children (a network with ports) is deleted only with
 * "force", and then with them, in one transaction.
 *
 * Return: {"deleted": name}, or NULL with @e set
 */
json_t *vnetd_obj_delete(struct vnetd *d, const struct vnetd_kind *k,
			 json_t *params, struct vnetd_err *e)
{
	struct vnetd_obj *o = vnetd_obj_lookup(d, k, jstr(params, "name"), e);
	json_t *force = json_object_get(params, "force"), *res;
	struct del_set going;
	char what[256];
	unsigned children;
	int refused;

	if (!o)
		return NULL;
	if (force && !json_is_boolean(force)) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "force: must be true or false");
		return NULL;
	}
	children = count_children(d, o, what, sizeof(what));
	if (children && !json_is_true(force)) {
		vnetd_err_set(e, VNET_ERR_BUSY,
			      "%s '%s' has %s; delete them first or use "
			      "--force",
			      k->name, o->name, what);
		return NULL;
	}
	if (del_set_init(d, &going, e))
		return NULL;
	del_set_tree(d, &going, o);
	refused = del_set_check(d, &going, NULL, e);
	del_set_free(&going);
	if (refused)
		return NULL;
	if (vnetd_store_begin(d->store) || store_del_tree(d, o) ||
	    vnetd_store_commit(d->store)) {
		vnetd_store_rollback(d->store);
		vnetd_err_set(e, VNET_ERR_SYSTEM,
			      "cannot delete %s '%s' from the state file (see "
			      "the log); nothing changed",
			      k->name, o->name);
		return NULL;
	}
	res = json_pack("{s:s}", "deleted", o->name);
	vlog(MAIN, INFO, "%s %s deleted", k->name, o->name);
	obj_unapply(d, o, true);
	return res;
}

static void live_names(const struct vnetd_kind *k, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = 0;
	for (size_t i = 0; i < k->schema.n && n < size; i++)
		if (k->schema.opts[i].flags & SCHEMA_LIVE)
			n += (size_t)snprintf(buf + n, size - n, "%s%s",
					      n ? ", " : "",
					      k->schema.opts[i].name);
	if (!n)
		snprintf(buf, size, "none");
}

/**
 * vnetd_obj_set() - RPC KIND.set {name, key: value, ...}
 * @d: daemon
 * @k: kind
 * @params: the name and the keys to change; a null value removes a key
 * @e: error
 *
 * Only keys marked SCHEMA_LIVE may change; the kind applies the change
 * without stopping traffic, then it is stored.
 *
 * Return: the object's status, or NULL with @e set (nothing changed)
 */
json_t *vnetd_obj_set(struct vnetd *d, const struct vnetd_kind *k,
		      json_t *params, struct vnetd_err *e)
{
	struct vnetd_obj *o = vnetd_obj_lookup(d, k, jstr(params, "name"), e);
	json_t *changes, *merged, *conf = NULL, *v;
	struct vnetd_view view;
	char live[256];
	const char *key;

	if (!o)
		return NULL;
	live_names(k, live, sizeof(live));
	changes = json_deep_copy(params);
	json_object_del(changes, "name");
	if (!json_object_size(changes)) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "nothing to change (a %s can change: %s)",
			      k->name, live);
		json_decref(changes);
		return NULL;
	}
	merged = json_deep_copy(o->conf);
	json_object_foreach(changes, key, v)
	{
		if (json_is_null(v))
			json_object_del(merged, key);
		else
			json_object_set(merged, key, v);
	}
	if (k->merge)
		k->merge(merged, changes);
	json_decref(changes);
	conf = validate(k, merged, e);
	json_decref(merged);
	if (!conf)
		return NULL;
	for (size_t i = 0; i < k->schema.n; i++) {
		const struct schema_opt *opt = &k->schema.opts[i];
		json_t *a = json_object_get(o->conf, opt->name);
		json_t *b = json_object_get(conf, opt->name);

		if (opt->flags & SCHEMA_LIVE || (!a && !b) ||
		    (a && b && json_equal(a, b)))
			continue;
		vnetd_err_set(e, VNET_ERR_REFUSED,
			      "'%s' cannot change on an existing %s: delete it "
			      "and create it again (what can change: %s)",
			      opt->name, k->name, live);
		goto err;
	}
	if (json_equal(conf, o->conf)) {
		json_decref(conf);
		return k->status(d, o);
	}
	view_current(d, &view, o);
	if (k->check(d, &view, conf, o->conf, e)) {
		view_free(&view);
		goto err;
	}
	view_free(&view);
	if (!k->set) {
		vnetd_err_set(e, VNET_ERR_REFUSED, "a %s cannot change",
			      k->name);
		goto err;
	}
	if (k->set(d, o, conf, e))
		goto err;
	if (vnetd_store_put(d->store, k->table, o->name, conf)) {
		struct vnetd_err undo;
		json_t *was = o->conf;

		/* A kind's set() applies what differs between the object's
		 * configuration and the one it is given: the undo starts
		 * from the new one, now applied, back to the old. */
		o->conf = conf;
		if (k->set(d, o, was, &undo))
			vlog(MAIN, ERR, "%s %s: cannot undo a change: %s",
			     k->name, o->name, undo.msg);
		o->conf = was;
		vnetd_err_set(e, VNET_ERR_SYSTEM,
			      "cannot save %s '%s' (state file error, see the "
			      "log); not changed",
			      k->name, o->name);
		goto err;
	}
	json_decref(o->conf);
	o->conf = conf;
	o->name = jstr(conf, "name");
	vlog(MAIN, INFO, "%s %s changed", k->name, o->name);
	return k->status(d, o);
err:
	json_decref(conf);
	return NULL;
}

/**
 * vnetd_obj_list() - RPC KIND.list
 * @d: daemon
 * @k: kind
 * @parent: only children of this parent object, or NULL for all
 * @e: error
 *
 * Return: array of statuses, or NULL with @e set (no such parent)
 */
json_t *vnetd_obj_list(struct vnetd *d, const struct vnetd_kind *k,
		       const char *parent, struct vnetd_err *e)
{
	const struct vnetd_objset *s = vnetd_objs(d, k);
	json_t *arr;

	if (parent && k->parent && !vnetd_obj_lookup(d, k->parent, parent, e))
		return NULL;
	arr = json_array();
	for (size_t i = 0; i < s->n; i++)
		if (!parent || is_child(k, k->parent, s->v[i]->conf, parent))
			json_array_append_new(arr, k->status(d, s->v[i]));
	return arr;
}

/* ---- export, import, restore ---- */

/**
 * vnetd_config_export() - RPC config.export
 * @d: daemon
 * @params: none
 * @e: error
 *
 * Return: {"version": 2, "networks": [...], "ports": [...], ...}: every
 * kind's configuration, no runtime state
 */
json_t *vnetd_config_export(struct vnetd *d, json_t *params,
			    struct vnetd_err *e)
{
	json_t *out = json_pack("{s:i}", "version", EXPORT_VERSION);

	for (unsigned i = 0; i < VNETD_KINDS; i++) {
		json_t *arr = json_array();

		for (size_t k = 0; k < d->objs[i].n; k++)
			json_array_append(arr, d->objs[i].v[k]->conf);
		json_object_set_new(out, vnetd_kinds[i]->table, arr);
	}
	return out;
}

/* One object of an import, checked and ready to apply. */
struct import_item {
	const struct vnetd_kind *k;
	json_t *conf;
	struct vnetd_obj *made;
};

struct import_plan {
	struct import_item *add;
	size_t n_add;
	struct vnetd_obj **del; /* children before parents */
	json_t **del_conf;
	size_t n_del;
	unsigned made[VNETD_KINDS];
};

static void plan_free(struct import_plan *p)
{
	for (size_t i = 0; i < p->n_add; i++)
		json_decref(p->add[i].conf);
	for (size_t i = 0; i < p->n_del; i++)
		json_decref(p->del_conf[i]);
	free(p->add);
	free(p->del);
	free(p->del_conf);
}

static int check_format(json_t *cfg, struct vnetd_err *e)
{
	json_int_t ver = json_integer_value(json_object_get(cfg, "version"));
	const char *key;
	json_t *v;

	if (!json_is_object(cfg) || ver < 1 || ver > EXPORT_VERSION) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "config: must be an export object with version 1 "
			      "or %d",
			      EXPORT_VERSION);
		return -EINVAL;
	}
	json_object_foreach(cfg, key, v)
	{
		bool known = !strcmp(key, "version");

		for (unsigned i = 0; i < VNETD_KINDS; i++)
			if (!strcmp(key, vnetd_kinds[i]->table)) {
				known = true;
				if (!json_is_array(v)) {
					vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
						      "config: '%s' must be an "
						      "array",
						      key);
					return -EINVAL;
				}
			}
		if (!known) {
			vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
				      "config: unknown key '%s'", key);
			return -EINVAL;
		}
	}
	return 0;
}

/* Check every object of @cfg against the configuration it would join, and
 * list what to add. */
static int plan_adds(struct vnetd *d, json_t *cfg, bool replace,
		     struct vnetd_view *v, struct import_plan *p,
		     struct vnetd_err *e)
{
	size_t total = 0;

	for (unsigned i = 0; i < VNETD_KINDS; i++)
		total += json_array_size(
		    json_object_get(cfg, vnetd_kinds[i]->table));
	p->add = calloc(total ? total : 1, sizeof(*p->add));
	if (!p->add) {
		vnetd_err_set(e, VNET_ERR_SYSTEM, "out of memory");
		return -ENOMEM;
	}
	for (unsigned i = 0; i < VNETD_KINDS; i++) {
		const struct vnetd_kind *k = vnetd_kinds[i];
		json_t *arr = json_object_get(cfg, k->table), *o, *conf, *have;
		size_t n;

		json_array_foreach(arr, n, o)
		{
			conf = prepare(d, k, v, o, e);
			if (!conf) {
				/* An object identical to one configured may
				 * fail only for existing (as itself). */
				json_t *norm = validate(k, o, e);
				const char *name = jstr(norm, "name");

				have = vnetd_view_find(v, k, name);
				if (norm && have && !replace) {
					if (json_equal(have, norm)) {
						json_decref(norm);
						continue;
					}
					vnetd_err_set(e, VNET_ERR_EXISTS,
						      "%s[%zu]: %s '%s' exists "
						      "with another "
						      "configuration (use "
						      "--replace)",
						      k->table, n, k->name,
						      name);
					json_decref(norm);
					return -EEXIST;
				}
				json_decref(norm);
				err_prefix(e, "%s[%zu]", k->table, n);
				return -EINVAL;
			}
			have = vnetd_view_find(v, k, jstr(conf, "name"));
			if (have) {
				if (json_equal(have, conf)) {
					json_decref(conf);
					continue;
				}
				vnetd_err_set(e, VNET_ERR_EXISTS,
					      "%s[%zu]: %s '%s' appears twice, "
					      "or exists with another "
					      "configuration (use --replace)",
					      k->table, n, k->name,
					      jstr(conf, "name"));
				json_decref(conf);
				return -EEXIST;
			}
			view_put(v, i, jstr(conf, "name"), conf);
			p->add[p->n_add++] =
			    (struct import_item){k, conf, NULL};
		}
	}
	return 0;
}

/* With --replace: what goes (children first) and what stays.  An object
 * that stays identical is not touched, so its traffic never stops. */
static int plan_dels(struct vnetd *d, const struct vnetd_view *v,
		     struct import_plan *p, struct vnetd_err *e)
{
	size_t total = 0;

	for (unsigned i = 0; i < VNETD_KINDS; i++)
		total += d->objs[i].n;
	p->del = calloc(total ? total : 1, sizeof(*p->del));
	p->del_conf = calloc(total ? total : 1, sizeof(*p->del_conf));
	if (!p->del || !p->del_conf) {
		vnetd_err_set(e, VNET_ERR_SYSTEM, "out of memory");
		return -ENOMEM;
	}
	for (int i = VNETD_KINDS - 1; i >= 0; i--) {
		const struct vnetd_kind *k = vnetd_kinds[i];

		/* Newest first: undone in reverse, they come back in their
		 * creation order. */
		for (size_t n = d->objs[i].n; n-- > 0;) {
			struct vnetd_obj *o = d->objs[i].v[n];
			json_t *want = vnetd_view_find(v, k, o->name);
			json_t *pconf = NULL;
			bool parent_goes = false;

			if (k->parent) {
				struct vnetd_obj *par = vnetd_obj_find(
				    d, k->parent, jstr(o->conf, k->parent_key));

				pconf = vnetd_view_find(v, k->parent,
							par ? par->name : NULL);
				parent_goes = !par || !pconf ||
					      !json_equal(pconf, par->conf);
			}
			if (want && json_equal(want, o->conf) && !parent_goes)
				continue;
			p->del_conf[p->n_del] = json_incref(o->conf);
			p->del[p->n_del++] = o;
		}
	}
	return 0;
}

/* May what the import removes go, the configuration becoming @v? */
static int dels_allowed(struct vnetd *d, const struct import_plan *p,
			const struct vnetd_view *v, struct vnetd_err *e)
{
	struct del_set going;
	int ret;

	if (del_set_init(d, &going, e))
		return -ENOMEM;
	for (size_t i = 0; i < p->n_del; i++) {
		unsigned k = kind_idx(p->del[i]->kind);

		going.confs[k][going.n[k]++] = p->del[i]->conf;
	}
	ret = del_set_check(d, &going, v, e);
	del_set_free(&going);
	return ret;
}

static void kept_key(char key[VNETD_KEY_SIZE], const struct vnetd_kind *k,
		     const char *name)
{
	snprintf(key, VNETD_KEY_SIZE, "%u %s", kind_idx(k), name);
}

/* What an import finds configured and keeps: every object less those it
 * deletes, as a set of kept_key()s, so telling whether each object of the
 * import is there does not walk all of them for each. */
static json_t *kept_names(struct vnetd *d, const struct import_plan *p)
{
	json_t *kept = json_object();
	char key[VNETD_KEY_SIZE];

	for (unsigned i = 0; i < VNETD_KINDS; i++)
		for (size_t k = 0; k < d->objs[i].n; k++) {
			kept_key(key, vnetd_kinds[i], d->objs[i].v[k]->name);
			json_object_set_new(kept, key, json_true());
		}
	for (size_t i = 0; i < p->n_del; i++) {
		kept_key(key, p->del[i]->kind, p->del[i]->name);
		json_object_del(kept, key);
	}
	return kept;
}

/* Two optional strings alike (both absent, or equal). */
static bool str_same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Whether @a, made by an import being undone, stands in for an object the
 * import removed that is coming back: the same kind and name, and for a
 * port the same device.  Its unapply must then keep what belongs to that
 * object (the device with its addresses, a network's stored leases and NAT
 * state). */
static bool replaces(const struct import_plan *p,
		     const struct vnetd_kind *const *del_kind,
		     const struct import_item *a)
{
	const char *name = jstr(a->conf, "name");

	for (size_t i = 0; i < p->n_del; i++) {
		json_t *old = p->del_conf[i];

		if (del_kind[i] == a->k && !strcmp(jstr(old, "name"), name) &&
		    str_same(jstr(old, "device"), jstr(a->conf, "device")) &&
		    str_same(jstr(old, "netns"), jstr(a->conf, "netns")))
			return true;
	}
	return false;
}

/**
 * vnetd_config_import() - RPC config.import {config, replace?}
 * @d: daemon
 * @params: parameters
 * @e: error
 *
 * Adds what @config describes.  An object that exists with the same
 * configuration is left alone; one that differs is an error unless
 * @replace, which makes the configuration exactly @config (objects not in
 * it are deleted; objects that stay the same are not touched).  Everything
 * is checked, including the rules between objects, before anything changes;
 * the store changes in one transaction; if anything fails, the previous
 * configuration is restored.
 *
 * Return: {"networks_created": n, "ports_created": n, ...}, or NULL with @e
 * set
 */
json_t *vnetd_config_import(struct vnetd *d, json_t *params,
			    struct vnetd_err *e)
{
	json_t *cfg = json_object_get(params, "config"), *res = NULL;
	bool replace = json_is_true(json_object_get(params, "replace"));
	struct import_plan p = {0};
	const struct vnetd_kind **del_kind = NULL;
	json_t *order[VNETD_KINDS], *kept;
	struct vnetd_view v;
	size_t i;

	if (check_format(cfg, e))
		return NULL;
	for (unsigned k = 0; k < VNETD_KINDS; k++) {
		order[k] = json_array();
		for (size_t n = 0; n < d->objs[k].n; n++)
			json_array_append_new(
			    order[k], json_string(d->objs[k].v[n]->name));
	}
	if (replace)
		view_init(&v);
	else
		view_current(d, &v, NULL);
	if (plan_adds(d, cfg, replace, &v, &p, e) ||
	    (replace &&
	     (plan_dels(d, &v, &p, e) || dels_allowed(d, &p, &v, e))))
		goto out;
	del_kind = calloc(p.n_del ? p.n_del : 1, sizeof(*del_kind));
	if (!del_kind) {
		vnetd_err_set(e, VNET_ERR_SYSTEM, "out of memory");
		goto out;
	}
	/* Objects that stay identical under --replace are already there. */
	kept = kept_names(d, &p);
	for (i = 0; i < p.n_add; i++) {
		char key[VNETD_KEY_SIZE];

		kept_key(key, p.add[i].k, jstr(p.add[i].conf, "name"));
		if (json_object_get(kept, key)) {
			json_decref(p.add[i].conf);
			p.add[i].conf = NULL;
		}
	}
	json_decref(kept);
	if (vnetd_store_begin(d->store))
		goto store_err;
	for (i = 0; i < p.n_del; i++) {
		del_kind[i] = p.del[i]->kind;
		if (vnetd_store_del(d->store, p.del[i]->kind->table,
				    p.del[i]->name))
			goto store_err;
	}
	for (i = 0; i < p.n_add; i++)
		if (p.add[i].conf &&
		    vnetd_store_put(d->store, p.add[i].k->table,
				    jstr(p.add[i].conf, "name"), p.add[i].conf))
			goto store_err;
	for (i = 0; i < p.n_del; i++) {
		/* Children come first in the list.  Devices stay until the
		 * import has committed, so an undo finds them as they were
		 * (addresses and all). */
		obj_unapply(d, p.del[i], false);
		p.del[i] = NULL;
	}
	for (i = 0; i < p.n_add; i++) {
		if (!p.add[i].conf)
			continue;
		p.add[i].made =
		    obj_apply(d, p.add[i].k, p.add[i].conf, false, e);
		if (!p.add[i].made) {
			err_prefix(e, "%s '%s'", p.add[i].k->name,
				   jstr(p.add[i].conf, "name"));
			goto undo;
		}
		p.made[kind_idx(p.add[i].k)]++;
	}
	if (vnetd_store_commit(d->store)) {
		vnetd_err_set(e, VNET_ERR_SYSTEM,
			      "cannot commit the import to the state file (see "
			      "the log)");
		goto undo;
	}
	for (i = 0; i < p.n_del; i++)
		if (del_kind[i]->purge)
			del_kind[i]->purge(d, p.del_conf[i]);
	res = json_object();
	for (unsigned k = 0; k < VNETD_KINDS; k++) {
		char key[64];

		snprintf(key, sizeof(key), "%s_created", vnetd_kinds[k]->table);
		json_object_set_new(res, key, json_integer(p.made[k]));
	}
	json_object_set_new(res, "deleted", json_integer((json_int_t)p.n_del));
	vlog(MAIN, INFO,
	     "configuration imported (%zu object(s) added, %zu "
	     "removed)",
	     p.n_add, p.n_del);
	goto out;

undo:
	vnetd_store_rollback(d->store);
	for (i = p.n_add; i-- > 0;)
		if (p.add[i].made)
			obj_unapply(d, p.add[i].made,
				    !replaces(&p, del_kind, &p.add[i]));
	/* Bring back what was removed, parents first; devices that were
	 * deleted are made again. */
	for (i = p.n_del; i-- > 0;) {
		struct vnetd_err again;

		if (!obj_apply(d, del_kind[i], p.del_conf[i], true, &again))
			vlog(MAIN, ERR,
			     "%s %s could not be restored after a "
			     "failed import: %s",
			     del_kind[i]->name, jstr(p.del_conf[i], "name"),
			     again.msg);
	}
	for (unsigned k = 0; k < VNETD_KINDS; k++)
		objset_reorder(&d->objs[k], order[k]);
	{
		char msg[sizeof(e->msg)];

		snprintf(msg, sizeof(msg), "%s", e->msg);
		snprintf(e->msg, sizeof(e->msg),
			 "%.440s; nothing was imported, the configuration is "
			 "as it was",
			 msg);
	}
	goto out;
store_err:
	vnetd_store_rollback(d->store);
	vnetd_err_set(e, VNET_ERR_SYSTEM,
		      "state file error (see the log); nothing was imported");
out:
	for (unsigned k = 0; k < VNETD_KINDS; k++)
		json_decref(order[k]);
	free(del_kind);
	plan_free(&p);
	view_free(&v);
	return res;
}

/**
 * vnetd_restore() - rebuild every object from the state file
 * @d: daemon
 *
 * Each stored object is normalised against today's option table (so
 * objects stored by an older vnetd gain new defaults) and written back when
 * that changed it, in one transaction.  An object that no longer checks, or
 * whose parent is gone, is logged and left out; an object whose device is
 * missing comes up in an error state and is retried.
 *
 * Return: 0, or -errno when the state file cannot be read
 */
int vnetd_restore(struct vnetd *d)
{
	unsigned restored = 0, rewritten = 0;
	int ret = vnetd_store_begin(d->store);

	if (ret)
		return ret;
	for (unsigned i = 0; i < VNETD_KINDS; i++) {
		const struct vnetd_kind *k = vnetd_kinds[i];
		json_t *rows, *row;
		size_t n;

		ret = vnetd_store_load(d->store, k->table, &rows);
		if (ret)
			goto err;
		json_array_foreach(rows, n, row)
		{
			struct vnetd_err e = {0};
			json_t *conf = validate(k, row, &e);

			if (conf && k->parent &&
			    !vnetd_obj_find(d, k->parent,
					    jstr(conf, k->parent_key)))
				vnetd_err_set(&e, VNET_ERR_NOT_FOUND,
					      "its %s '%s' is not there",
					      k->parent->name,
					      jstr(conf, k->parent_key));
			if (e.code || !obj_apply(d, k, conf, true, &e)) {
				vlog(MAIN, ERR, "stored %s %s not restored: %s",
				     k->name, jstr(row, "name"), e.msg);
				json_decref(conf);
				continue;
			}
			restored++;
			if (!json_equal(conf, row)) {
				if (vnetd_store_put(d->store, k->table,
						    jstr(conf, "name"), conf)) {
					json_decref(conf);
					json_decref(rows);
					ret = -EIO;
					goto err;
				}
				rewritten++;
			}
			json_decref(conf);
		}
		json_decref(rows);
	}
	ret = vnetd_store_commit(d->store);
	if (ret)
		return ret;
	vlog(MAIN, INFO, "restored %u object(s)%s", restored,
	     rewritten ? " (some brought up to today's schema)" : "");
	return 0;
err:
	vnetd_store_rollback(d->store);
	return ret;
}

/**
 * vnetd_shutdown() - release every object, children first (devices stay for
 * the next start)
 * @d: daemon
 */
void vnetd_shutdown(struct vnetd *d)
{
	for (int i = VNETD_KINDS - 1; i >= 0; i--) {
		while (d->objs[i].n)
			obj_unapply(d, d->objs[i].v[d->objs[i].n - 1], false);
		free(d->objs[i].v);
		d->objs[i] = (struct vnetd_objset){0};
	}
	vnetd_sriov_close(d);
	vnetd_fast_close(d);
	vnetd_ip_guard_close(d);
}
