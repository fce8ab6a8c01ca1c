// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetd_store.c - configuration and state kept in SQLite (WAL,
 * synchronous=FULL)
 *
 * Each configured object is one row of its kind's table holding its
 * configuration object as JSON, the same object "config export" prints, so
 * there is one schema for the API, the store and the export.  Runtime state
 * that must survive a restart (DHCP leases) lives in state tables that the
 * export does not carry.  A change is acknowledged to the client only after
 * its transaction commits, so kill -9 (or power loss) loses nothing
 * acknowledged.  A file that is not a readable vnet database is reported and
 * never overwritten.
 *
 * Schema versions: PRAGMA user_version.  A file from an older vnetd is
 * copied aside first (<file>.schema<N>.bak), then upgraded in place in one
 * transaction: the migrations between its version and this one run, and
 * every table this version knows is created if missing.  A file from a newer
 * vnetd is refused untouched.
 */
#include "vnetd.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/log.h"
#include "../lib/util.h"

#define STORE_APP_ID  0x766e6574 /* "vnet" */
#define STORE_VERSION 3

struct vnetd_store {
	sqlite3 *db;
	char path[256];
	int version;
	sqlite3_stmt *lease_put;
};

/* State tables: runtime state that outlives a restart but is not
 * configuration (config export leaves it out). */
static const char *const state_tables_sql[] = {
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)",
    "CREATE TABLE IF NOT EXISTS leases (network TEXT NOT NULL, ip INTEGER "
    "NOT NULL, state INTEGER NOT NULL, expires INTEGER NOT NULL, mac TEXT "
    "NOT NULL, client BLOB, hostname TEXT, port TEXT, PRIMARY KEY "
    "(network, ip))",
};

static bool table_valid(const char *t)
{
	for (unsigned i = 0; i < VNETD_KINDS; i++)
		if (!strcmp(t, vnetd_kinds[i]->table))
			return true;
	return false;
}

static int store_exec(struct vnetd_store *st, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		vlog(STORE, ERR, "%s: %s: %s", st->path, sql, msg ? msg : "?");
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

static int store_pragma_int(struct vnetd_store *st, const char *sql, int *v)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
		*v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : rc;
}

/* Copy the file aside before an upgrade changes it. */
static int store_backup(struct vnetd_store *st, int ver)
{
	char bak[300], sql[400];
	sqlite3_stmt *s;
	int rc;

	snprintf(bak, sizeof(bak), "%s.schema%d.bak", st->path, ver);
	if (unlink(bak) && errno != ENOENT) {
		vlog(STORE, ERR, "%s: cannot replace the old backup %s: %s",
		     st->path, bak, strerror(errno));
		return -EIO;
	}
	snprintf(sql, sizeof(sql), "VACUUM INTO ?");
	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, bak, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		vlog(STORE, ERR,
		     "%s: cannot copy the file to %s before "
		     "upgrading it: %s; it is unchanged",
		     st->path, bak, sqlite3_errmsg(st->db));
		return -EIO;
	}
	vlog(STORE, INFO, "%s: schema %d file copied to %s before the upgrade",
	     st->path, ver, bak);
	return 0;
}

/* The migrations, each from version N to N + 1, run in order inside the
 * upgrade transaction.  Object rows need no rewriting here: vnetd checks
 * each one against today's option table on restore and writes back what
 * gained defaults. */
static int migrate_1_to_2(struct vnetd_store *st)
{
	/* Schema 2 adds the state tables (created below for every version)
	 * and records the upgrade. */
	return store_exec(st, "INSERT OR REPLACE INTO meta (key, value) "
			      "VALUES ('upgraded_from', '1')");
}

/* Schema 3 names the port that holds each lease (the name of its port
 * object: switch port ids change across restarts), so that restored leases
 * count against that port's DHCP share.  Rows of schema 2 have none: they
 * count for no port until renewed, as they did.  A file upgraded from
 * schema 1 has the column already (its table is created above). */
static int migrate_2_to_3(struct vnetd_store *st)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(st->db, "SELECT port FROM leases LIMIT 0", -1,
			       &s, NULL) == SQLITE_OK) {
		sqlite3_finalize(s);
		return 0;
	}
	return store_exec(st, "ALTER TABLE leases ADD COLUMN port TEXT");
}

static int (*const migrations[STORE_VERSION])(struct vnetd_store *st) = {
    [1] = migrate_1_to_2,
    [2] = migrate_2_to_3,
};

/* Create what this version knows, run the migrations from @from. */
static int store_upgrade(struct vnetd_store *st, int from)
{
	char sql[160];

	for (unsigned i = 0; i < VNETD_KINDS; i++) {
		snprintf(sql, sizeof(sql),
			 "CREATE TABLE IF NOT EXISTS %s (name TEXT PRIMARY "
			 "KEY, conf TEXT NOT NULL)",
			 vnetd_kinds[i]->table);
		if (store_exec(st, sql))
			return -EIO;
	}
	for (size_t i = 0; i < ARRAY_SIZE(state_tables_sql); i++)
		if (store_exec(st, state_tables_sql[i]))
			return -EIO;
	for (int v = from ? from : STORE_VERSION; v < STORE_VERSION; v++)
		if (migrations[v] && migrations[v](st))
			return -EIO;
	snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", STORE_VERSION);
	return store_exec(st, sql);
}

/**
 * vnetd_store_version() - the schema version of the open file
 * @st: store
 *
 * Return: version
 */
int vnetd_store_version(const struct vnetd_store *st)
{
	return st ? st->version : 0;
}

/**
 * vnetd_store_open() - open the state file, creating it when absent
 * @path: file
 * @out: the store
 *
 * Return: 0, or -errno after logging a sentence that says what is wrong
 */
int vnetd_store_open(const char *path, struct vnetd_store **out)
{
	struct vnetd_store *st = calloc(1, sizeof(*st));
	bool exists = access(path, F_OK) == 0;
	int rc, app = 0, ver = 0, ok = 0, nobj = -1, ret;
	sqlite3_stmt *s = NULL;
	char sql[64];

	if (!st)
		return -ENOMEM;
	snprintf(st->path, sizeof(st->path), "%s", path);
	if (!exists && (ret = mkdir_parents(path, 0750))) {
		vlog(STORE, ERR, "cannot create the directory of %s: %s", path,
		     strerror(-ret));
		free(st);
		return ret;
	}
	rc = sqlite3_open_v2(
	    path, &st->db,
	    SQLITE_OPEN_READWRITE | (exists ? 0 : SQLITE_OPEN_CREATE), NULL);
	if (rc != SQLITE_OK)
		goto bad;
	sqlite3_busy_timeout(st->db, 5000);
	if (exists) {
		/* Read before anything writes: a foreign or damaged file
		 * must come out of this untouched. */
		rc = store_pragma_int(st, "PRAGMA application_id", &app);
		if (rc)
			goto bad;
		/* An SQLite file with nothing in it (empty, or left by a
		 * first start that could not commit its schema: a full disk,
		 * a kill) holds nothing to lose: it is made a state file. */
		if (!app &&
		    !(rc = store_pragma_int(
			  st, "SELECT count(*) FROM sqlite_master", &nobj)) &&
		    !nobj) {
			vlog(STORE, INFO,
			     "%s: an empty SQLite file; made the state file",
			     path);
			exists = false;
		} else if (rc) {
			goto bad;
		} else if (app != STORE_APP_ID) {
			vlog(STORE, ERR,
			     "%s is an SQLite file but not a vnet state file; "
			     "refusing to use or overwrite it",
			     path);
			ret = -EINVAL;
			goto err;
		}
		rc = sqlite3_prepare_v2(st->db, "PRAGMA quick_check", -1, &s,
					NULL);
		if (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW &&
		    !strcmp((const char *)sqlite3_column_text(s, 0), "ok"))
			ok = 1;
		rc = sqlite3_errcode(st->db);
		sqlite3_finalize(s);
		if (!ok) {
			if (rc == SQLITE_OK || rc == SQLITE_ROW ||
			    rc == SQLITE_DONE)
				rc = SQLITE_CORRUPT;
			goto bad;
		}
		rc = store_pragma_int(st, "PRAGMA user_version", &ver);
		if (rc)
			goto bad;
		if (ver > STORE_VERSION) {
			vlog(STORE, ERR,
			     "%s was written by a newer vnetd (schema %d, this "
			     "one knows %d); refusing to touch it",
			     path, ver, STORE_VERSION);
			ret = -EINVAL;
			goto err;
		}
	}
	st->version = exists ? ver : 0;
	if (store_exec(st, "PRAGMA journal_mode=WAL") ||
	    store_exec(st, "PRAGMA synchronous=FULL") ||
	    store_exec(st, "PRAGMA foreign_keys=ON")) {
		ret = -EIO;
		goto err;
	}
	if (exists && ver < STORE_VERSION && (ret = store_backup(st, ver)))
		goto err;
	snprintf(sql, sizeof(sql), "PRAGMA application_id=%d", STORE_APP_ID);
	if (ver < STORE_VERSION &&
	    (store_exec(st, "BEGIN IMMEDIATE") || store_exec(st, sql) ||
	     store_upgrade(st, ver) || store_exec(st, "COMMIT"))) {
		vnetd_store_rollback(st);
		vlog(STORE, ERR,
		     "%s: cannot bring the file from schema %d to %d; it is "
		     "unchanged",
		     path, ver, STORE_VERSION);
		ret = -EIO;
		goto err;
	}
	if (exists && ver < STORE_VERSION)
		vlog(STORE, INFO, "%s: upgraded from schema %d to %d", path,
		     ver, STORE_VERSION);
	st->version = STORE_VERSION;
	vlog(STORE, INFO, "%s: state file %s", path,
	     exists ? "opened" : "created");
	*out = st;
	return 0;
bad:
	vlog(STORE, ERR,
	     "%s is not a readable vnet state file (%s); vnetd will not "
	     "overwrite it: move it away to start empty, or restore a backup",
	     path, st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
	ret = -EINVAL;
err:
	sqlite3_close(st->db);
	free(st);
	return ret;
}

/**
 * vnetd_store_close() - close the store; NULL is ignored
 * @st: store
 */
void vnetd_store_close(struct vnetd_store *st)
{
	if (!st)
		return;
	sqlite3_finalize(st->lease_put);
	sqlite3_close(st->db);
	free(st);
}

/**
 * vnetd_store_begin() - start a transaction
 * @st: store
 *
 * Return: 0 or -EIO
 */
int vnetd_store_begin(struct vnetd_store *st)
{
	return store_exec(st, "BEGIN IMMEDIATE");
}

/**
 * vnetd_store_commit() - make the transaction durable
 * @st: store
 *
 * Return: 0 or -EIO (the transaction is rolled back)
 */
int vnetd_store_commit(struct vnetd_store *st)
{
	if (store_exec(st, "COMMIT")) {
		vnetd_store_rollback(st);
		return -EIO;
	}
	return 0;
}

/**
 * vnetd_store_rollback() - abandon the transaction
 * @st: store
 */
void vnetd_store_rollback(struct vnetd_store *st)
{
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/**
 * vnetd_store_put() - insert or replace an object
 * @st: store
 * @table: a kind's table
 * @name: key
 * @conf: configuration object
 *
 * Return: 0 or -errno
 */
int vnetd_store_put(struct vnetd_store *st, const char *table, const char *name,
		    json_t *conf)
{
	char sql[192];
	sqlite3_stmt *s;
	char *text;
	int rc;

	if (!table_valid(table))
		return -EINVAL;
	text = json_dumps(conf, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		return -ENOMEM;
	snprintf(sql, sizeof(sql),
		 "INSERT INTO %s (name, conf) VALUES (?, ?) ON CONFLICT (name) "
		 "DO UPDATE SET conf = excluded.conf",
		 table);
	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, text, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	free(text);
	if (rc != SQLITE_DONE) {
		vlog(STORE, ERR, "%s: cannot save %s '%s': %s", st->path, table,
		     name, sqlite3_errmsg(st->db));
		return -EIO;
	}
	return 0;
}

/**
 * vnetd_store_del() - delete an object
 * @st: store
 * @table: a kind's table
 * @name: key
 *
 * Return: 0 or -errno
 */
int vnetd_store_del(struct vnetd_store *st, const char *table, const char *name)
{
	char sql[96];
	sqlite3_stmt *s;
	int rc;

	if (!table_valid(table))
		return -EINVAL;
	snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE name = ?", table);
	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		vlog(STORE, ERR, "%s: cannot delete %s '%s': %s", st->path,
		     table, name, sqlite3_errmsg(st->db));
		return -EIO;
	}
	return 0;
}

/**
 * vnetd_store_load() - every object of a table, in creation order
 * @st: store
 * @table: a kind's table
 * @objs: set to a new JSON array of configuration objects
 *
 * Return: 0, or -EINVAL when a row does not hold a JSON object (logged)
 */
int vnetd_store_load(struct vnetd_store *st, const char *table, json_t **objs)
{
	char sql[96];
	sqlite3_stmt *s;
	json_t *arr;
	int rc;

	if (!table_valid(table))
		return -EINVAL;
	arr = json_array();
	snprintf(sql, sizeof(sql), "SELECT name, conf FROM %s ORDER BY rowid",
		 table);
	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(s, 1);
		json_t *o = text ? json_loads(text, 0, NULL) : NULL;

		if (!json_is_object(o)) {
			vlog(STORE, ERR, "%s: %s row '%s' is damaged", st->path,
			     table, sqlite3_column_text(s, 0));
			json_decref(o);
			rc = SQLITE_CORRUPT;
			break;
		}
		json_array_append_new(arr, o);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		if (rc != SQLITE_CORRUPT)
			vlog(STORE, ERR, "%s: cannot read %s: %s", st->path,
			     table, sqlite3_errmsg(st->db));
		json_decref(arr);
		return -EINVAL;
	}
	*objs = arr;
	return 0;
}

/**
 * vnetd_store_lease_put() - write one DHCP lease row (inside the caller's
 * transaction, so many clients' leases share one commit)
 * @st: store
 * @net: network
 * @rec: the lease, as the DHCP server reports it
 * @port: the name of the port that holds it (@rec->port's), NULL for none
 *
 * Return: 0 or -EIO
 */
int vnetd_store_lease_put(struct vnetd_store *st, const char *net,
			  const struct dhcps_lease_rec *rec, const char *port)
{
	char mac[MAC_STRLEN];
	int rc;

	if (!st->lease_put &&
	    sqlite3_prepare_v3(
		st->db,
		"INSERT INTO leases (network, ip, state, "
		"expires, mac, client, hostname, port) VALUES "
		"(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (network, "
		"ip) DO UPDATE SET state = excluded.state, "
		"expires = excluded.expires, mac = excluded.mac, "
		"client = excluded.client, hostname = "
		"excluded.hostname, port = excluded.port",
		-1, SQLITE_PREPARE_PERSISTENT, &st->lease_put,
		NULL) != SQLITE_OK) {
		vlog(STORE, ERR, "%s: %s", st->path, sqlite3_errmsg(st->db));
		return -EIO;
	}
	sqlite3_reset(st->lease_put);
	sqlite3_bind_text(st->lease_put, 1, net, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st->lease_put, 2, rec->ip);
	sqlite3_bind_int(st->lease_put, 3, (int)rec->state);
	sqlite3_bind_int64(st->lease_put, 4, rec->expires);
	sqlite3_bind_text(st->lease_put, 5, mac_format(rec->mac, mac), -1,
			  SQLITE_TRANSIENT);
	sqlite3_bind_blob(st->lease_put, 6, rec->key, rec->key_len,
			  SQLITE_STATIC);
	sqlite3_bind_text(st->lease_put, 7, rec->hostname, -1, SQLITE_STATIC);
	if (port)
		sqlite3_bind_text(st->lease_put, 8, port, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st->lease_put, 8);
	rc = sqlite3_step(st->lease_put);
	sqlite3_reset(st->lease_put);
	if (rc != SQLITE_DONE) {
		vlog_rl(STORE, ERR, "%s: cannot save a lease of %s: %s",
			st->path, net, sqlite3_errmsg(st->db));
		return -EIO;
	}
	return 0;
}

/* Run a prepared lease query of @net (bound as its first parameter) and
 * call @cb for each row that reads back as a lease. */
static int lease_rows(struct vnetd_store *st, sqlite3_stmt *s, int rc,
		      const char *net,
		      void (*cb)(const struct dhcps_lease_rec *rec, void *arg),
		      void *arg)
{
	if (rc == SQLITE_OK)
		sqlite3_bind_text(s, 1, net, -1, SQLITE_STATIC);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct dhcps_lease_rec rec = {0};
		const char *mac = (const char *)sqlite3_column_text(s, 3);
		const char *host = (const char *)sqlite3_column_text(s, 5);
		int klen = sqlite3_column_bytes(s, 4);

		rc = SQLITE_OK;
		rec.ip = (uint32_t)sqlite3_column_int64(s, 0);
		rec.state = (enum dhcps_lease_state)sqlite3_column_int(s, 1);
		rec.expires = sqlite3_column_int64(s, 2);
		if (!mac || mac_parse(mac, rec.mac) || klen < 0 ||
		    klen > DHCPS_KEY_MAX || rec.state > DHCPS_LEASE_DECLINED) {
			vlog(STORE, WARN,
			     "%s: a lease row of %s is damaged; "
			     "skipped",
			     st->path, net);
			continue;
		}
		if (klen)
			memcpy(rec.key, sqlite3_column_blob(s, 4),
			       (size_t)klen);
		rec.key_len = (uint8_t)klen;
		snprintf(rec.hostname, sizeof(rec.hostname), "%s",
			 host ? host : "");
		cb(&rec, arg);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		/* Each caller reports it, once per failure (a gateway retried,
		 * a team rereading leases every few seconds): here only the
		 * debug trace. */
		vlog(STORE, DBG, "%s: cannot read the leases of %s: %s",
		     st->path, net, sqlite3_errmsg(st->db));
		return -EIO;
	}
	return 0;
}

#define LEASE_COLUMNS "SELECT ip, state, expires, mac, client, hostname "

/**
 * vnetd_store_lease_load() - every stored lease of a network
 * @st: store
 * @net: network
 * @cb: called per lease
 * @arg: passed to @cb
 *
 * Rows that do not read back as a lease are skipped (and logged).  A
 * failure is not logged: the caller says it (vnetd_store_errmsg()).
 *
 * Return: 0 or -EIO
 */
int vnetd_store_lease_load(struct vnetd_store *st, const char *net,
			   void (*cb)(const struct dhcps_lease_rec *rec,
				      void *arg),
			   void *arg)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(
	    st->db, LEASE_COLUMNS "FROM leases WHERE network = ?", -1, &s,
	    NULL);

	return lease_rows(st, s, rc, net, cb, arg);
}

/**
 * vnetd_store_lease_find() - the stored lease of one address, if any
 * @st: store
 * @net: network
 * @ip: the address, host order
 * @cb: called for the lease, when there is one
 * @arg: passed to @cb
 *
 * A look-up by the table's key: checking thousands of addresses does not
 * read every lease for each.  Otherwise as vnetd_store_lease_load().
 *
 * Return: 0 or -EIO
 */
int vnetd_store_lease_find(struct vnetd_store *st, const char *net, uint32_t ip,
			   void (*cb)(const struct dhcps_lease_rec *rec,
				      void *arg),
			   void *arg)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(
	    st->db, LEASE_COLUMNS "FROM leases WHERE network = ? AND ip = ?",
	    -1, &s, NULL);

	if (rc == SQLITE_OK)
		sqlite3_bind_int64(s, 2, ip);
	return lease_rows(st, s, rc, net, cb, arg);
}

/**
 * vnetd_store_lease_ports() - the bound leases of a network that name the
 * port holding them
 * @st: store
 * @net: network
 * @port: only this port's; NULL for every port's
 * @now: leases that end by then are left out (wall-clock seconds)
 * @cb: called with each lease's address and its port's name
 * @arg: passed to @cb
 *
 * Return: 0 or -EIO
 */
int vnetd_store_lease_ports(
    struct vnetd_store *st, const char *net, const char *port, int64_t now,
    void (*cb)(uint32_t ip, const char *port, void *arg), void *arg)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(
	    st->db,
	    "SELECT ip, port FROM leases WHERE network = ?1 AND state = ?2 "
	    "AND expires > ?3 AND port IS NOT NULL AND (?4 IS NULL OR port = "
	    "?4)",
	    -1, &s, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, net, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 2, DHCPS_LEASE_BOUND);
		sqlite3_bind_int64(s, 3, now);
		if (port)
			sqlite3_bind_text(s, 4, port, -1, SQLITE_STATIC);
	}
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 1);
		sqlite3_int64 ip = sqlite3_column_int64(s, 0);

		rc = SQLITE_OK;
		if (name && ip >= 0 && ip <= UINT32_MAX)
			cb((uint32_t)ip, name, arg);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		vlog_rl(STORE, ERR, "%s: cannot read the lease ports of %s: %s",
			st->path, net, sqlite3_errmsg(st->db));
		return -EIO;
	}
	return 0;
}

/**
 * vnetd_store_lease_unport() - a port was deleted: its leases name no port
 * any more (they count for none until renewed)
 * @st: store
 * @net: network
 * @port: the port's name
 *
 * Return: 0 or -EIO
 */
int vnetd_store_lease_unport(struct vnetd_store *st, const char *net,
			     const char *port)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(
	    st->db,
	    "UPDATE leases SET port = NULL WHERE network = ? AND port = ?", -1,
	    &s, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, net, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, port, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		vlog_rl(STORE, ERR,
			"%s: cannot forget port %s in the leases of %s: %s",
			st->path, port, net, sqlite3_errmsg(st->db));
		return -EIO;
	}
	return 0;
}

/**
 * vnetd_store_errmsg() - what the last failed call of @st said, for the
 * caller's own message
 * @st: state store
 *
 * Return: the database's message (valid until the next call)
 */
const char *vnetd_store_errmsg(const struct vnetd_store *st)
{
	return sqlite3_errmsg(st->db);
}

/**
 * vnetd_store_lease_drop() - forget every lease of a network (it is gone)
 * @st: store
 * @net: network
 *
 * Return: 0 or -EIO
 */
int vnetd_store_lease_drop(struct vnetd_store *st, const char *net)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(
	    st->db, "DELETE FROM leases WHERE network = ?", -1, &s, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, net, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		vlog(STORE, ERR, "%s: cannot drop the leases of %s: %s",
		     st->path, net, sqlite3_errmsg(st->db));
		return -EIO;
	}
	return 0;
}

/**
 * vnetd_store_lease_del() - delete one lease row (one the DHCP server would
 * not restore)
 * @st: store
 * @net: network
 * @ip: the row's address, host order
 *
 * Return: 0 or -EIO
 */
int vnetd_store_lease_del(struct vnetd_store *st, const char *net, uint32_t ip)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(
	    st->db, "DELETE FROM leases WHERE network = ? AND ip = ?", -1, &s,
	    NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, net, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, ip);
		rc = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		vlog(STORE, ERR, "%s: cannot delete a lease of %s: %s",
		     st->path, net, sqlite3_errmsg(st->db));
		return -EIO;
	}
	return 0;
}

/**
 * vnetd_store_lease_release() - mark a client's bound leases released
 * @st: store
 * @net: network
 * @mac: the client's MAC, as text
 * @now: the release time (wall-clock seconds)
 *
 * Return: how many leases changed, or -EIO
 */
int vnetd_store_lease_release(struct vnetd_store *st, const char *net,
			      const char *mac, int64_t now)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(
	    st->db,
	    "UPDATE leases SET state = ?, expires = ? WHERE network = ? AND "
	    "mac = ? AND state = ?",
	    -1, &s, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_int(s, 1, DHCPS_LEASE_RELEASED);
		sqlite3_bind_int64(s, 2, now);
		sqlite3_bind_text(s, 3, net, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, mac, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 5, DHCPS_LEASE_BOUND);
		rc = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		vlog(STORE, ERR, "%s: cannot release a lease of %s: %s",
		     st->path, net, sqlite3_errmsg(st->db));
		return -EIO;
	}
	return sqlite3_changes(st->db);
}
