// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetd_sriov.c - SR-IOV in the daemon: the "sriov_pf" kind (how many VFs
 * a PF has), the "vf" kind (a VF's MAC, VLAN, spoof checking, trust, rates
 * and link state), network VF pools, ports of kind "sriov" (a VF handed to
 * a VM through vfio-pci), re-applying all of it after a PF reset, and
 * sriov.list
 *
 * What is stored: sriov_pf and vf objects in their tables; an sriov port's
 * VF (sriov_pf, sriov_vf), MAC and VLAN in the port's own row, written
 * before vnetd acknowledges the port.  That row is the assignment: after a
 * restart (even kill -9) the port is restored with the same VF, which is
 * still bound to vfio-pci; nothing is handed out twice because a VF is
 * picked by looking at every port's row, all on the control thread, one
 * request at a time.
 *
 * Privileged operations (sysfs writes, RTM_SETLINK) all happen here and in
 * sriov/; vnetd must run as root (not --user) to use them.
 *
 * A stopping vnetd leaves every VF where it is (a VM may be using it);
 * only deleting a port gives its VF back.
 */
#include "vnetd.h"

#include <errno.h>
#include <linux/if_ether.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/jsonrpc.h"
#include "../lib/log.h"
#include "../lib/util.h"
#include "../sriov/sriov.h"

#define SRIOV_RECHECK_MS 300
/* A check that must write again and again is fighting something else that
 * sets the VFs (or the driver does not keep what it takes): after this many
 * writing checks within SRIOV_STORM_MS, checks pause for SRIOV_PAUSE_MS. */
#define SRIOV_STORM_CHECKS 8
#define SRIOV_STORM_MS	   10000
#define SRIOV_PAUSE_MS	   60000
/* The longest the control thread waits for a VF's unbind from vfio-pci
 * (which lasts as long as a VFIO user holds the VF). */
#define SRIOV_RELEASE_WAIT_MS 2000

/**
 * struct vnetd_sriov - the daemon's SR-IOV context (made on first use)
 * @nl: rtnetlink socket for VF settings, NULL until needed
 * @root: sysfs root ("/sys"; VNETD_SYSFS_ROOT for tests)
 * @proc: procfs root, where VMs holding a VF are found ("/proc";
 *        VNETD_PROC_ROOT for tests)
 * @dev: where VFIO nodes are ("/dev"; VNETD_DEV_ROOT for tests)
 * @recheck: runs after link events on a PF vnet manages
 * @d: the daemon
 * @window_ms: start of the current count of @rewrites
 * @rewrites: checks in a row that had to write something
 * @paused_until: no check before then (settings that kept changing back)
 * @unsupported_logged: SRIOV_BIT() of the default settings a driver was
 *                      found not to support, logged once each
 */
struct vnetd_sriov {
	struct sriov_nl *nl;
	char root[256], proc[256], dev[256];
	struct vtimer recheck;
	struct vnetd *d;
	uint64_t window_ms;
	unsigned rewrites;
	uint64_t paused_until;
	unsigned unsupported_logged;
	/* The vf object sriov.vf_reset is deleting: checked and reset by
	 * the request already, so its delete does neither again. */
	const struct vnetd_obj *resetting;
};

static void recheck_fire(struct vtimer *t, void *arg);

static struct vnetd_sriov *ctx(struct vnetd *d)
{
	const char *root = getenv("VNETD_SYSFS_ROOT");
	const char *proc = getenv("VNETD_PROC_ROOT");
	const char *dev = getenv("VNETD_DEV_ROOT");

	if (d->sriov)
		return d->sriov;
	d->sriov = calloc(1, sizeof(*d->sriov));
	if (!d->sriov)
		return NULL;
	snprintf(d->sriov->root, sizeof(d->sriov->root), "%s",
		 root && *root ? root : SRIOV_SYSFS_ROOT);
	snprintf(d->sriov->proc, sizeof(d->sriov->proc), "%s",
		 proc && *proc ? proc : SRIOV_PROC_ROOT);
	snprintf(d->sriov->dev, sizeof(d->sriov->dev), "%s",
		 dev && *dev ? dev : SRIOV_DEV_ROOT);
	d->sriov->d = d;
	vtimer_init(&d->sriov->recheck, recheck_fire, d->sriov);
	return d->sriov;
}

static const char *sysroot(struct vnetd *d)
{
	struct vnetd_sriov *s = ctx(d);

	return s ? s->root : SRIOV_SYSFS_ROOT;
}

/* Is the VF at @pci (on @driver) held open by a VM?  Return: 0 when it is
 * not, -EBUSY (or -errno when that cannot be told) with @err saying which
 * pid holds it.  A VF held through VFIO must not have its settings
 * changed nor be unbound: the unbind write would wait in the kernel until
 * the VM lets go, with the control thread in it. */
static int vf_busy(struct vnetd *d, const char *pci, const char *driver,
		   char *err, size_t errlen)
{
	struct vnetd_sriov *s = ctx(d);
	int pid, ret;

	if (strcmp(driver, SRIOV_VFIO_DRIVER))
		return 0;
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = sriov_vf_user(s->root, s->proc, s->dev, pci, &pid);
	if (ret < 0) {
		snprintf(err, errlen,
			 "cannot tell whether VF %s is in use (reading %s: "
			 "%s); left as it is",
			 pci, s->proc, strerror(-ret));
		return ret;
	}
	if (!ret)
		return 0;
	sriov_users_err(pci, pid, err, errlen);
	return -EBUSY;
}

static struct sriov_nl *nl_get(struct vnetd *d, char *err, size_t errlen)
{
	struct vnetd_sriov *s = ctx(d);

	if (s && !s->nl && sriov_nl_open(&s->nl))
		s->nl = NULL;
	if (!s || !s->nl) {
		snprintf(err, errlen, "cannot open an rtnetlink socket");
		return NULL;
	}
	return s->nl;
}

/**
 * vnetd_sriov_close() - free the SR-IOV context (VFs stay as they are)
 * @d: daemon
 */
void vnetd_sriov_close(struct vnetd *d)
{
	if (!d->sriov)
		return;
	vtimer_cancel(d->timers, &d->sriov->recheck);
	sriov_nl_close(d->sriov->nl);
	free(d->sriov);
	d->sriov = NULL;
}

static int err_code(int ret)
{
	switch (ret) {
	case -ENODEV:
	case -ENOENT:
		return VNET_ERR_NOT_FOUND;
	case -EBUSY:
		return VNET_ERR_BUSY;
	case -ENOMEM:
	case -EIO:
		return VNET_ERR_SYSTEM;
	default:
		return VNET_ERR_REFUSED;
	}
}

/* ---- VF settings as JSON ---- */

static const char *const on_off[] = {"on", "off", NULL};
static const char *const vlan_protos[] = {"802.1Q", "802.1ad", NULL};
static const char *const link_states[] = {"auto", "enable", "disable", NULL};

static int rate_parse(const char *s, uint32_t *min, uint32_t *max)
{
	unsigned long a, b;
	char *end;

	errno = 0;
	a = strtoul(s, &end, 10);
	if (errno || end == s || *end != ':' || a > UINT32_MAX)
		return -EINVAL;
	s = end + 1;
	b = strtoul(s, &end, 10);
	if (errno || end == s || *end || b > UINT32_MAX)
		return -EINVAL;
	*min = (uint32_t)a;
	*max = (uint32_t)b;
	return 0;
}

/* The settings a vf object (or an sriov port) asks for. */
static int cfg_from_conf(json_t *conf, struct sriov_vf_cfg *c,
			 struct vnetd_err *e)
{
	char msg[sizeof(e->msg)];
	const char *s;

	memset(c, 0, sizeof(*c));
	if ((s = jstr(conf, "mac"))) {
		mac_parse(s, c->mac);
		c->set |= SRIOV_BIT(SRIOV_A_MAC);
	}
	if (json_object_get(conf, "vlan") || json_object_get(conf, "qos") ||
	    json_object_get(conf, "vlan_proto")) {
		c->vlan = (uint16_t)juint(conf, "vlan");
		c->qos = (uint8_t)juint(conf, "qos");
		s = jstr(conf, "vlan_proto");
		c->vlan_proto =
		    s && !strcmp(s, "802.1ad") ? ETH_P_8021AD : ETH_P_8021Q;
		c->set |= SRIOV_BIT(SRIOV_A_VLAN);
	}
	if ((s = jstr(conf, "spoofchk"))) {
		c->spoofchk = !strcmp(s, "on");
		c->set |= SRIOV_BIT(SRIOV_A_SPOOFCHK);
	}
	if ((s = jstr(conf, "trust"))) {
		c->trust = !strcmp(s, "on");
		c->set |= SRIOV_BIT(SRIOV_A_TRUST);
	}
	if ((s = jstr(conf, "rate"))) {
		if (rate_parse(s, &c->min_rate, &c->max_rate)) {
			vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
				      "rate: MIN:MAX in Mb/s, e.g. 0:1000 "
				      "(not '%s')",
				      s);
			return -EINVAL;
		}
		c->set |= SRIOV_BIT(SRIOV_A_RATE);
	}
	if ((s = jstr(conf, "state"))) {
		c->link_state = !strcmp(s, "enable")	? SRIOV_LINK_ENABLE
				: !strcmp(s, "disable") ? SRIOV_LINK_DISABLE
							: SRIOV_LINK_AUTO;
		c->set |= SRIOV_BIT(SRIOV_A_LINK_STATE);
	}
	if (sriov_vf_cfg_check(c, msg, sizeof(msg))) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS, "%s", msg);
		return -EINVAL;
	}
	return 0;
}

/* A VF's settings as read back, for list and status. */
static void cfg_to_json(const struct sriov_vf_cfg *c, json_t *o)
{
	char mac[MAC_STRLEN], rate[32];

	if (c->set & SRIOV_BIT(SRIOV_A_MAC))
		json_object_set_new(o, "mac",
				    json_string(mac_format(c->mac, mac)));
	if (c->set & SRIOV_BIT(SRIOV_A_VLAN)) {
		json_object_set_new(o, "vlan", json_integer(c->vlan));
		json_object_set_new(o, "qos", json_integer(c->qos));
		json_object_set_new(o, "vlan_proto",
				    json_string(c->vlan_proto == ETH_P_8021AD
						    ? "802.1ad"
						    : "802.1Q"));
	}
	if (c->set & SRIOV_BIT(SRIOV_A_SPOOFCHK))
		json_object_set_new(o, "spoofchk",
				    json_string(c->spoofchk ? "on" : "off"));
	if (c->set & SRIOV_BIT(SRIOV_A_TRUST))
		json_object_set_new(o, "trust",
				    json_string(c->trust ? "on" : "off"));
	if (c->set & SRIOV_BIT(SRIOV_A_RATE)) {
		snprintf(rate, sizeof(rate), "%u:%u", c->min_rate, c->max_rate);
		json_object_set_new(o, "rate", json_string(rate));
	}
	if (c->set & SRIOV_BIT(SRIOV_A_LINK_STATE))
		json_object_set_new(
		    o, "state",
		    json_string(sriov_link_state_name(c->link_state)));
}

/* The kernel's view of VF @vf of @pf, or -errno. */
static int vf_read_one(struct vnetd *d, const char *pf, unsigned vf,
		       struct sriov_vf_cfg *out)
{
	struct sriov_vf_info *infos = calloc(SRIOV_MAX_VFS, sizeof(*infos));
	char err[128];
	struct sriov_nl *nl = nl_get(d, err, sizeof(err));
	int n = -ENOMEM;

	if (infos && nl)
		n = sriov_vf_read(nl, pf, infos, SRIOV_MAX_VFS);
	for (int i = 0; i < n; i++)
		if (infos[i].vf == vf) {
			*out = infos[i].cfg;
			free(infos);
			return 0;
		}
	free(infos);
	return n < 0 ? n : -ERANGE;
}

/* Would applying @want to a VF that has @have send anything? */
static bool cfg_differs(const struct sriov_vf_cfg *want,
			const struct sriov_vf_cfg *have)
{
	return sriov_vf_plan(want, have) != 0;
}

/* Apply @c to VF @idx of @pf; default settings the driver has no control
 * for are left out, and said once in the log. */
static int vf_apply_cfg(struct vnetd *d, const char *pf, unsigned idx,
			const struct sriov_vf_cfg *c, char *err, size_t errlen)
{
	struct sriov_nl *nl = nl_get(d, err, errlen);
	struct vnetd_sriov *s = ctx(d);
	unsigned unsup = 0;
	int ret;

	if (!nl)
		return -EIO;
	ret = sriov_vf_apply(nl, pf, idx, c, &unsup, err, errlen);
	for (unsigned a = 0; s && a < SRIOV_A_MAX; a++)
		if (unsup & SRIOV_BIT(a) &&
		    !(s->unsupported_logged & SRIOV_BIT(a))) {
			s->unsupported_logged |= SRIOV_BIT(a);
			vlog(MAIN, WARN,
			     "sriov: %s vf %u: the driver cannot set %s (not "
			     "supported); left as the driver has it (said "
			     "once)",
			     pf, idx, sriov_attr_name((enum sriov_attr)a));
		}
	return ret;
}

/* ---- PF and VF checks shared by the kinds ---- */

/* The PF, refused with a sentence when it has no SR-IOV. */
static int pf_lookup(struct vnetd *d, const char *name, struct sriov_pf *pf,
		     struct vnetd_err *e)
{
	char msg[sizeof(e->msg)];
	int ret = sriov_pf_get(sysroot(d), name, pf, msg, sizeof(msg));

	if (ret)
		vnetd_err_set(e, err_code(ret), "%s", msg);
	return ret;
}

static const struct sriov_vf_dev *pf_vf(const struct sriov_pf *pf, unsigned idx)
{
	for (unsigned i = 0; i < pf->n_vfs; i++)
		if (pf->vfs[i].index == idx)
			return &pf->vfs[i];
	return NULL;
}

static int vf_range_err(const struct sriov_pf *pf, unsigned idx,
			struct vnetd_err *e)
{
	if (!pf->num_vfs)
		vnetd_err_set(e, VNET_ERR_REFUSED,
			      "%s has no VFs (vnetctl sriov set-numvfs %s N)",
			      pf->name, pf->name);
	else
		vnetd_err_set(e, VNET_ERR_REFUSED,
			      "VF index %u is out of range: %s has VFs 0-%u",
			      idx, pf->name, pf->num_vfs - 1);
	return -ERANGE;
}

static bool is_sriov_port(json_t *conf)
{
	const char *k = jstr(conf, "kind");

	return k && !strcmp(k, "sriov");
}

/* Does port @conf hold a VF of @pf (VF @idx; any when @idx is -1)? */
static bool holds_vf(json_t *conf, const char *pf, int idx)
{
	const char *p = jstr(conf, "sriov_pf");

	return is_sriov_port(conf) && p && !strcmp(p, pf) &&
	       (idx < 0 || (json_object_get(conf, "sriov_vf") &&
			    juint(conf, "sriov_vf") == (unsigned)idx));
}

/* The port (in @ports, a name -> conf object) holding VF @idx of @pf,
 * other than @self; NULL when none does. */
static const char *vf_holder(json_t *ports, const char *pf, unsigned idx,
			     const char *self)
{
	const char *key;
	json_t *o;

	json_object_foreach(ports, key, o)
	{
		if ((!self || strcmp(key, self)) && holds_vf(o, pf, (int)idx))
			return key;
	}
	return NULL;
}

/* The name of the vf object of VF @idx of @pf ("PF/IDX"). */
static void vf_obj_name(const char *pf, unsigned idx, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%u", pf, idx);
}

/* Does VF @idx of @pf have its own stored settings (a vf object)? */
static bool vf_has_own(const struct vnetd_view *v, const char *pf, unsigned idx)
{
	char name[48];

	vf_obj_name(pf, idx, name, sizeof(name));
	return vnetd_view_find(v, &vnetd_kind_vf, name) != NULL;
}

/* Does a port vnet has now (whatever the request would change) hold VF
 * @idx of @pf?  Then vfio-pci has it for vnet, not for someone else. */
static bool vf_vnets(struct vnetd *d, const char *pf, unsigned idx)
{
	const struct vnetd_objset *ports = vnetd_objs(d, &vnetd_kind_port);

	for (size_t i = 0; i < ports->n; i++)
		if (holds_vf(ports->v[i]->conf, pf, (int)idx))
			return true;
	return false;
}

/* vnetd --user: the sysfs writes SR-IOV needs (sriov_numvfs,
 * driver_override, bind, unbind) belong to root; refuse up front rather
 * than fail half-way. */
static bool unprivileged(struct vnetd *d, char *err, size_t errlen)
{
	if (d->opts.uid == (uid_t)-1)
		return false;
	snprintf(err, errlen,
		 "vnetd runs as an unprivileged user (--user): creating VFs "
		 "and binding them to vfio-pci need root (sysfs writes); run "
		 "vnetd without --user to use SR-IOV");
	return true;
}

static bool user_refused(struct vnetd *d, struct vnetd_err *e)
{
	char msg[sizeof(e->msg)];

	if (!unprivileged(d, msg, sizeof(msg)))
		return false;
	vnetd_err_set(e, VNET_ERR_REFUSED, "%s", msg);
	return true;
}

/* ---- the "sriov_pf" kind ---- */

static const struct schema_opt pf_opts[] = {
    {"name", SCHEMA_NAME, .flags = SCHEMA_REQUIRED,
     .desc = "the physical function's network device"},
    {"numvfs", SCHEMA_UINT, 0, SRIOV_MAX_VFS, 0, SCHEMA_LIVE | SCHEMA_REQUIRED,
     .desc = "how many VFs it has"},
};

/* Changing @name's VF count to @n destroys every VF: refused while a VM
 * holds one of them through VFIO (vnet's own ports or anyone else's). */
static int pf_busy(struct vnetd *d, const char *name, unsigned n,
		   struct vnetd_err *e)
{
	struct vnetd_sriov *s = ctx(d);
	char msg[sizeof(e->msg)];
	struct sriov_pf pf;
	int ret;

	if (!s) {
		vnetd_err_set(e, VNET_ERR_SYSTEM, "out of memory");
		return -ENOMEM;
	}
	ret = pf_lookup(d, name, &pf, e);
	if (ret)
		return ret;
	ret = pf.num_vfs == n ? 0
			      : sriov_pf_users(s->root, s->proc, s->dev, &pf,
					       msg, sizeof(msg));
	sriov_pf_free(&pf);
	if (ret)
		vnetd_err_set(e, err_code(ret), "%s", msg);
	return ret;
}

static int pf_check(struct vnetd *d, const struct vnetd_view *v, json_t *conf,
		    json_t *old, struct vnetd_err *e)
{
	json_t *ports = vnetd_view_all(v, &vnetd_kind_port), *o;
	unsigned n = juint(conf, "numvfs");
	const char *name = jstr(conf, "name"), *key;
	struct sriov_pf pf;
	int ret;

	if (user_refused(d, e))
		return -EPERM;
	ret = pf_lookup(d, name, &pf, e);
	if (ret)
		return ret;
	sriov_pf_free(&pf);
	if (n > pf.total_vfs) {
		vnetd_err_set(e, VNET_ERR_REFUSED,
			      "%s supports at most %u VFs (asked for %u)", name,
			      pf.total_vfs, n);
		return -ERANGE;
	}
	if (n == pf.num_vfs)
		return 0;
	/* The kernel changes the count only through zero: every VF goes. */
	json_object_foreach(ports, key, o)
	{
		if (!holds_vf(o, name, -1))
			continue;
		vnetd_err_set(e, VNET_ERR_BUSY,
			      "VF %u of %s is in use by port '%s': changing "
			      "the VF count destroys every VF; delete the "
			      "port first",
			      juint(o, "sriov_vf"), name, key);
		return -EBUSY;
	}
	/* Stored settings of a VF the new count removes would never apply
	 * again (and would come back on a VF of that index made later). */
	json_object_foreach(vnetd_view_all(v, &vnetd_kind_vf), key, o)
	{
		if (!jstr(o, "pf") || strcmp(jstr(o, "pf"), name) ||
		    juint(o, "vf") < n)
			continue;
		vnetd_err_set(e, VNET_ERR_BUSY,
			      "vf %s has stored settings for VF %u, which %u "
			      "VF(s) would not have: remove them first "
			      "(vnetctl sriov vf-reset %s %u)",
			      key, juint(o, "vf"), n, name, juint(o, "vf"));
		return -EBUSY;
	}
	return pf_busy(d, name, n, e);
}

static int pf_write(struct vnetd *d, json_t *conf, struct vnetd_err *e)
{
	char msg[sizeof(e->msg)];
	int ret;

	if (user_refused(d, e))
		return -EPERM;
	ret = pf_busy(d, jstr(conf, "name"), juint(conf, "numvfs"), e);
	if (ret)
		return ret;
	ret = sriov_set_numvfs(sysroot(d), jstr(conf, "name"),
			       juint(conf, "numvfs"), msg, sizeof(msg));
	if (ret)
		vnetd_err_set(e, err_code(ret), "%s", msg);
	else
		vlog(MAIN, INFO, "sriov: %s has %u VFs", jstr(conf, "name"),
		     juint(conf, "numvfs"));
	return ret;
}

/* A plain object of kind @k whose configuration @write puts on the device;
 * restored objects are kept when it fails (applied again once the PF is
 * back). */
static struct vnetd_obj *obj_new(struct vnetd *d, const struct vnetd_kind *k,
				 json_t *conf, bool restoring,
				 int (*write)(struct vnetd *d, json_t *conf,
					      struct vnetd_err *e),
				 struct vnetd_err *e)
{
	struct vnetd_obj *o;

	if (write(d, conf, e)) {
		if (!restoring)
			return NULL;
		vlog(MAIN, ERR, "sriov: %s %s: %s", k->name, jstr(conf, "name"),
		     e->msg);
	}
	o = calloc(1, sizeof(*o));
	if (!o) {
		vnetd_err_set(e, VNET_ERR_SYSTEM, "out of memory");
		return NULL;
	}
	o->kind = k;
	o->conf = json_incref(conf);
	o->name = jstr(conf, "name");
	return o;
}

/* Check the VFs against the configuration shortly (as after a PF link
 * event). */
static void recheck_soon(struct vnetd *d)
{
	struct vnetd_sriov *s = ctx(d);

	if (s && !vtimer_armed(&s->recheck) &&
	    vtimer_arm(d->timers, &s->recheck, SRIOV_RECHECK_MS))
		vlog(MAIN, ERR, "sriov: cannot schedule a VF check");
}

/* A new count destroys every VF and makes new ones, clean: the stored vf
 * settings go on them again at the check that follows (not left to a PF
 * link event, which not every driver makes).  So does a refused count:
 * the old one was asked for again, with new VFs. */
static int pf_write_count(struct vnetd *d, json_t *conf, struct vnetd_err *e)
{
	int ret = pf_write(d, conf, e);

	recheck_soon(d);
	return ret;
}

static struct vnetd_obj *pf_apply(struct vnetd *d, json_t *conf, bool restoring,
				  struct vnetd_err *e)
{
	return obj_new(d, &vnetd_kind_sriov_pf, conf, restoring, pf_write_count,
		       e);
}

static void pf_unapply(struct vnetd *d, struct vnetd_obj *o, bool remove)
{
	json_decref(o->conf);
	free(o);
}

static int pf_set(struct vnetd *d, struct vnetd_obj *o, json_t *conf,
		  struct vnetd_err *e)
{
	return pf_write_count(d, conf, e);
}

static json_t *pf_status(struct vnetd *d, struct vnetd_obj *o)
{
	json_t *s = json_deep_copy(o->conf);
	struct sriov_pf pf;

	if (!sriov_pf_get(sysroot(d), o->name, &pf, NULL, 0)) {
		json_object_set_new(s, "total_vfs", json_integer(pf.total_vfs));
		json_object_set_new(s, "num_vfs", json_integer(pf.num_vfs));
		sriov_pf_free(&pf);
	}
	return s;
}

const struct vnetd_kind vnetd_kind_sriov_pf = {
    .name = "sriov_pf",
    .table = "sriov_pfs",
    .schema = {pf_opts, ARRAY_SIZE(pf_opts)},
    .check = pf_check,
    .apply = pf_apply,
    .unapply = pf_unapply,
    .set = pf_set,
    .status = pf_status,
};

/* ---- the "vf" kind ---- */

static const struct schema_opt vf_opts[] = {
    {"name", SCHEMA_STRING, 0, 40, .desc = "PF/INDEX (made for you)"},
    {"pf", SCHEMA_NAME, .flags = SCHEMA_REQUIRED,
     .desc = "the physical function"},
    {"vf", SCHEMA_UINT, 0, SRIOV_MAX_VFS - 1, 0, SCHEMA_REQUIRED,
     .desc = "VF index"},
    {"mac", SCHEMA_MAC, .flags = SCHEMA_LIVE, .desc = "MAC address"},
    {"vlan", SCHEMA_UINT, 0, VLAN_MAX, 0, SCHEMA_LIVE,
     .desc = "VLAN the VF's traffic is tagged with, 0 for none"},
    {"qos", SCHEMA_UINT, 0, 7, 0, SCHEMA_LIVE, .desc = "802.1p priority"},
    {"vlan_proto", SCHEMA_ENUM, .flags = SCHEMA_LIVE, .choices = vlan_protos,
     .desc = "802.1Q or 802.1ad"},
    {"spoofchk", SCHEMA_ENUM, .flags = SCHEMA_LIVE, .choices = on_off,
     .desc = "drop frames from other source MACs"},
    {"trust", SCHEMA_ENUM, .flags = SCHEMA_LIVE, .choices = on_off,
     .desc = "let the VF change its MAC and go promiscuous"},
    {"rate", SCHEMA_STRING, 0, 24, .flags = SCHEMA_LIVE,
     .desc = "transmit rate MIN:MAX in Mb/s, 0 for no limit"},
    {"state", SCHEMA_ENUM, .flags = SCHEMA_LIVE, .choices = link_states,
     .desc = "link state: auto (the PF's), enable or disable"},
};

static int vf_check(struct vnetd *d, const struct vnetd_view *v, json_t *conf,
		    json_t *old, struct vnetd_err *e)
{
	const char *pfname = jstr(conf, "pf"), *holder;
	unsigned idx = juint(conf, "vf");
	struct sriov_vf_cfg c;
	struct sriov_pf pf;
	char name[48];
	int ret;

	vf_obj_name(pfname, idx, name, sizeof(name));
	json_object_set_new(conf, "name", json_string(name));
	if (cfg_from_conf(conf, &c, e))
		return -EINVAL;
	if (!c.set) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "nothing to set: give --mac, --vlan, --spoofchk, "
			      "--trust, --rate or --state");
		return -EINVAL;
	}
	ret = pf_lookup(d, pfname, &pf, e);
	if (ret)
		return ret;
	if (idx >= pf.num_vfs) {
		vf_range_err(&pf, idx, e);
		sriov_pf_free(&pf);
		return -ERANGE;
	}
	sriov_pf_free(&pf);
	holder =
	    vf_holder(vnetd_view_all(v, &vnetd_kind_port), pfname, idx, NULL);
	if (holder) {
		vnetd_err_set(e, VNET_ERR_BUSY,
			      "VF %u of %s is in use by port '%s' (its MAC "
			      "and VLAN come from the port's network): a VF "
			      "has its own settings or a port, not both",
			      idx, pfname, holder);
		return -EBUSY;
	}
	return 0;
}

static int vf_write(struct vnetd *d, json_t *conf, struct vnetd_err *e)
{
	char msg[sizeof(e->msg)];
	struct sriov_vf_cfg c;
	int ret;

	if (cfg_from_conf(conf, &c, e))
		return -EINVAL;
	ret = vf_apply_cfg(d, jstr(conf, "pf"), juint(conf, "vf"), &c, msg,
			   sizeof(msg));
	if (ret)
		vnetd_err_set(e, err_code(ret), "%s", msg);
	return ret;
}

/* A restored vf object whose VF a restored port holds (a state from
 * before they were refused together): the port wins, as at every check. */
static int vf_write_restored(struct vnetd *d, json_t *conf, struct vnetd_err *e)
{
	if (vf_vnets(d, jstr(conf, "pf"), juint(conf, "vf"))) {
		vlog(MAIN, WARN,
		     "sriov: vf %s: not applied, a port holds the VF (drop "
		     "one of them)",
		     jstr(conf, "name"));
		return 0;
	}
	return vf_write(d, conf, e);
}

static struct vnetd_obj *vf_apply(struct vnetd *d, json_t *conf, bool restoring,
				  struct vnetd_err *e)
{
	return obj_new(d, &vnetd_kind_vf, conf, restoring,
		       restoring ? vf_write_restored : vf_write, e);
}

static int vf_set(struct vnetd *d, struct vnetd_obj *o, json_t *conf,
		  struct vnetd_err *e)
{
	return vf_write(d, conf, e);
}

static json_t *vf_status(struct vnetd *d, struct vnetd_obj *o)
{
	json_t *s = json_deep_copy(o->conf), *now = json_object();
	struct sriov_vf_cfg c;

	if (!vf_read_one(d, jstr(o->conf, "pf"), juint(o->conf, "vf"), &c))
		cfg_to_json(&c, now);
	json_object_set_new(s, "applied", now);
	return s;
}

/**
 * vnetd_sriov_vf() - RPC sriov.vf {pf, vf, mac?, vlan?, qos?, vlan_proto?,
 * spoofchk?, trust?, rate?, state?}
 * @d: daemon
 * @params: parameters
 * @e: error
 *
 * Creates the VF's settings object or changes it: applied all or none,
 * then stored.
 *
 * Return: the object with what the kernel reports ("applied"), or NULL
 * with @e set
 */
json_t *vnetd_sriov_vf(struct vnetd *d, json_t *params, struct vnetd_err *e)
{
	json_t *p = json_deep_copy(params), *res;
	char name[48];

	if (!jstr(params, "pf") ||
	    !json_is_integer(json_object_get(params, "vf"))) {
		json_decref(p);
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "give the PF and the VF index: sriov vf PF IDX "
			      "...");
		return NULL;
	}
	snprintf(name, sizeof(name), "%s/%lld", jstr(params, "pf"),
		 (long long)json_integer_value(json_object_get(params, "vf")));
	if (!vnetd_obj_find(d, &vnetd_kind_vf, name)) {
		res = vnetd_obj_create(d, &vnetd_kind_vf, p, e);
		json_decref(p);
		return res;
	}
	json_object_del(p, "pf");
	json_object_del(p, "vf");
	json_object_set_new(p, "name", json_string(name));
	res = vnetd_obj_set(d, &vnetd_kind_vf, p, e);
	json_decref(p);
	return res;
}

/**
 * vnetd_sriov_numvfs() - RPC sriov.numvfs {pf, numvfs}
 * @d: daemon
 * @params: parameters
 * @e: error
 *
 * Return: the PF object, or NULL with @e set
 */
json_t *vnetd_sriov_numvfs(struct vnetd *d, json_t *params, struct vnetd_err *e)
{
	json_t *p, *res;

	if (!jstr(params, "pf")) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS, "give the PF");
		return NULL;
	}
	p = json_pack("{s:s,s:O}", "name", jstr(params, "pf"), "numvfs",
		      json_object_get(params, "numvfs")
			  ? json_object_get(params, "numvfs")
			  : json_null());
	if (vnetd_obj_find(d, &vnetd_kind_sriov_pf, jstr(params, "pf")))
		res = vnetd_obj_set(d, &vnetd_kind_sriov_pf, p, e);
	else
		res = vnetd_obj_create(d, &vnetd_kind_sriov_pf, p, e);
	json_decref(p);
	return res;
}

/* ---- pools ---- */

/* "PF" or "PF:FIRST-LAST". */
static int pool_parse(const char *s, char pf[SRIOV_IFNAME_LEN], unsigned *first,
		      unsigned *last)
{
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	char name[SRIOV_IFNAME_LEN];
	unsigned a, b;
	int end = 0;

	if (!n || n >= SRIOV_IFNAME_LEN)
		return -EINVAL;
	memcpy(name, s, n);
	name[n] = 0;
	if (!name_valid(name))
		return -EINVAL;
	*first = 0;
	*last = SRIOV_MAX_VFS - 1;
	if (colon) {
		if (sscanf(colon + 1, "%u-%u%n", &a, &b, &end) != 2 ||
		    colon[1 + end] || colon[1] == '-' || a > b ||
		    b >= SRIOV_MAX_VFS)
			return -EINVAL;
		*first = a;
		*last = b;
	}
	memcpy(pf, name, n + 1);
	return 0;
}

/* The network other than @self in @v whose pool shares a VF with PF @pf
 * VFs @first-@last, NULL when none does. */
static json_t *pool_overlap(const struct vnetd_view *v, const char *self,
			    const char *pf, unsigned first, unsigned last)
{
	char opf[SRIOV_IFNAME_LEN];
	unsigned a, b;
	const char *key;
	json_t *net;

	json_object_foreach(vnetd_view_all(v, &vnetd_kind_network), key, net)
	{
		const char *pool = jstr(net, "sriov_pool");

		if (!pool || (self && !strcmp(key, self)) ||
		    pool_parse(pool, opf, &a, &b) || strcmp(opf, pf) ||
		    a > last || b < first)
			continue;
		return net;
	}
	return NULL;
}

/* The network whose pool VF @idx of @pf is in, NULL when none. */
static const char *pool_of(struct vnetd *d, const char *pf, unsigned idx)
{
	const struct vnetd_objset *nets = vnetd_objs(d, &vnetd_kind_network);
	char opf[SRIOV_IFNAME_LEN];
	unsigned a, b;

	for (size_t i = 0; i < nets->n; i++) {
		const char *pool = jstr(nets->v[i]->conf, "sriov_pool");

		if (pool && !pool_parse(pool, opf, &a, &b) &&
		    !strcmp(opf, pf) && idx >= a && idx <= b)
			return nets->v[i]->name;
	}
	return NULL;
}

/**
 * vnetd_sriov_pool_check() - a network's "sriov_pool": its shape, a PF
 * with SR-IOV, and no VF shared with another network's pool
 * @d: daemon
 * @v: the configuration as it would be
 * @conf: the network's configuration
 * @e: error
 *
 * Return: 0 or -errno with @e set
 */
int vnetd_sriov_pool_check(struct vnetd *d, const struct vnetd_view *v,
			   json_t *conf, struct vnetd_err *e)
{
	const char *pool = jstr(conf, "sriov_pool");
	char pf[SRIOV_IFNAME_LEN];
	struct sriov_pf p;
	unsigned first, last;
	json_t *other;
	int ret;

	if (!pool) {
		if (json_object_get(conf, "sriov_vlan")) {
			vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
				      "sriov_vlan needs an SR-IOV pool");
			return -EINVAL;
		}
		return 0;
	}
	if (pool_parse(pool, pf, &first, &last)) {
		vnetd_err_set(
		    e, JSONRPC_INVALID_PARAMS,
		    "sriov_pool: PF or PF:FIRST-LAST (e.g. eth1:0-3), "
		    "not '%s'",
		    pool);
		return -EINVAL;
	}
	other = pool_overlap(v, jstr(conf, "name"), pf, first, last);
	if (other) {
		vnetd_err_set(e, VNET_ERR_REFUSED,
			      "sriov_pool %s overlaps network '%s''s pool "
			      "(%s): a VF belongs to one network's pool",
			      pool, jstr(other, "name"),
			      jstr(other, "sriov_pool"));
		return -EEXIST;
	}
	ret = pf_lookup(d, pf, &p, e);
	if (ret)
		return ret;
	sriov_pf_free(&p);
	if (strchr(pool, ':') && first >= p.total_vfs) {
		vnetd_err_set(e, VNET_ERR_REFUSED,
			      "sriov_pool %s: %s has at most %u VFs (0-%u)",
			      pool, pf, p.total_vfs, p.total_vfs - 1);
		return -ERANGE;
	}
	return 0;
}

/* ---- ports of kind "sriov" ---- */

static const char *const port_not_for[] = {
    "device",	      "path",	   "client",	  "queues", "netns",
    "addresses",      "backend",   "trunk",	  "native", "dhcp_trusted",
    "router_trusted", "mac_limit", "coalesce_us", NULL};

/**
 * struct pick_count - why a pool has no free VF
 * @held: held by ports
 * @foreign: bound to vfio-pci outside vnet
 * @own: with their own settings (a vf object): never handed to a port
 */
struct pick_count {
	unsigned held, foreign, own;
};

/* Pick VF for a new port: the lowest free index of the pool that the
 * kernel has, held by no port, without its own settings (they and the
 * port's would fight after every PF link event) and not bound to vfio-pci
 * by anyone else. */
static int pick_vf(const struct vnetd_view *v, const struct sriov_pf *pf,
		   unsigned first, unsigned last, json_t *ports,
		   const char *self, unsigned *idx, struct pick_count *n)
{
	memset(n, 0, sizeof(*n));
	for (unsigned i = 0; i < pf->n_vfs; i++) {
		const struct sriov_vf_dev *vf = &pf->vfs[i];

		if (vf->index < first || vf->index > last)
			continue;
		if (vf_holder(ports, pf->name, vf->index, self)) {
			n->held++;
			continue;
		}
		if (vf_has_own(v, pf->name, vf->index)) {
			n->own++;
			continue;
		}
		if (!strcmp(vf->driver, SRIOV_VFIO_DRIVER)) {
			n->foreign++;
			continue;
		}
		*idx = vf->index;
		return 0;
	}
	return -EBUSY;
}

/* A VF asked for by index: the kernel has it (its virtfn link), and it is
 * not bound to vfio-pci by anyone but vnet (another VM manager's VF:
 * vnet would rewrite that VM's MAC and VLAN, and unbind it from under it
 * when the port goes). */
static int vf_usable(struct vnetd *d, const struct sriov_pf *pf, unsigned idx,
		     struct vnetd_err *e)
{
	const struct sriov_vf_dev *vf = pf_vf(pf, idx);

	if (!vf) {
		vnetd_err_set(e, VNET_ERR_NOT_FOUND,
			      "%s has no VF %u: sysfs has no virtfn%u link for "
			      "it (the driver did not create it; see dmesg)",
			      pf->name, idx, idx);
		return -ENODEV;
	}
	if (!strcmp(vf->driver, SRIOV_VFIO_DRIVER) &&
	    !vf_vnets(d, pf->name, idx)) {
		vnetd_err_set(e, VNET_ERR_BUSY,
			      "VF %u of %s (%s) is bound to vfio-pci outside "
			      "vnet (another VM manager's?): vnet does not "
			      "take it",
			      idx, pf->name, vf->pci);
		return -EBUSY;
	}
	return 0;
}

/**
 * vnetd_sriov_port_check() - the rules of a port of kind "sriov"; picks
 * its VF from the network's pool and gives it a MAC and the network's VLAN
 * @d: daemon
 * @v: the configuration as it would be (without this port)
 * @conf: the port; filled with sriov_pf, sriov_vf, mac and vlan
 * @old: its current configuration for a change, NULL for a new port
 * @e: error
 *
 * Return: 0 or -errno with @e set
 */
int vnetd_sriov_port_check(struct vnetd *d, const struct vnetd_view *v,
			   json_t *conf, json_t *old, struct vnetd_err *e)
{
	json_t *ports = vnetd_view_all(v, &vnetd_kind_port), *net;
	const char *name = jstr(conf, "name"), *pool, *holder;
	char pfname[SRIOV_IFNAME_LEN], mac[MAC_STRLEN];
	unsigned first, last, idx;
	struct pick_count n;
	struct sriov_pf pf;
	int ret;

	if (user_refused(d, e))
		return -EPERM;
	if (!name) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "an sriov port needs a name (--name)");
		return -EINVAL;
	}
	for (const char *const *k = port_not_for; *k; k++)
		if (json_object_get(conf, *k)) {
			vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
				      "'%s' does not apply to an sriov port "
				      "(a VF does not go through the switch)",
				      *k);
			return -EINVAL;
		}
	net = vnetd_view_find(v, &vnetd_kind_network, jstr(conf, "network"));
	if (!net) {
		vnetd_err_set(e, VNET_ERR_NOT_FOUND, "no network '%s'",
			      jstr(conf, "network"));
		return -ENOENT;
	}
	pool = jstr(net, "sriov_pool");
	if (!pool || pool_parse(pool, pfname, &first, &last)) {
		vnetd_err_set(e, VNET_ERR_REFUSED,
			      "network '%s' has no SR-IOV pool (vnetctl "
			      "network set %s --sriov-pool PF[:FIRST-LAST])",
			      jstr(net, "name"), jstr(net, "name"));
		return -EINVAL;
	}
	if (!old && vnetd_view_find(v, &vnetd_kind_port, name)) {
		vnetd_err_set(e, VNET_ERR_EXISTS, "port '%s' already exists",
			      name);
		return -EEXIST;
	}
	ret = pf_lookup(d, pfname, &pf, e);
	if (ret)
		return ret;
	if (json_object_get(conf, "sriov_vf")) {
		idx = juint(conf, "sriov_vf");
		if (jstr(conf, "sriov_pf") &&
		    strcmp(jstr(conf, "sriov_pf"), pfname)) {
			vnetd_err_set(e, VNET_ERR_REFUSED,
				      "VF %u of %s is not in network '%s''s "
				      "pool (%s)",
				      idx, jstr(conf, "sriov_pf"),
				      jstr(net, "name"), pool);
			ret = -EINVAL;
		} else if (idx >= pf.num_vfs || idx < first || idx > last) {
			ret = idx >= pf.num_vfs ? vf_range_err(&pf, idx, e)
						: -ERANGE;
			if (idx < pf.num_vfs)
				vnetd_err_set(e, VNET_ERR_REFUSED,
					      "VF %u is not in network '%s''s "
					      "pool (%s)",
					      idx, jstr(net, "name"), pool);
		} else if ((holder = vf_holder(ports, pfname, idx, name))) {
			vnetd_err_set(e, VNET_ERR_BUSY,
				      "VF %u of %s is in use by port '%s'", idx,
				      pfname, holder);
			ret = -EBUSY;
		} else if (vf_has_own(v, pfname, idx)) {
			vnetd_err_set(e, VNET_ERR_BUSY,
				      "VF %u of %s has its own settings (vf "
				      "%s/%u): a VF has its own settings or a "
				      "port, not both; drop them first",
				      idx, pfname, pfname, idx);
			ret = -EBUSY;
		} else {
			ret = vf_usable(d, &pf, idx, e);
		}
	} else if (pick_vf(v, &pf, first, last, ports, name, &idx, &n)) {
		vnetd_err_set(e, VNET_ERR_BUSY,
			      "no free VF in network '%s''s pool (%s): %u held "
			      "by ports, %u with their own settings (vf "
			      "objects, never handed to ports), %u bound to "
			      "vfio-pci outside vnet, %u VF(s) on %s",
			      jstr(net, "name"), pool, n.held, n.own, n.foreign,
			      pf.num_vfs, pfname);
		ret = -EBUSY;
	}
	sriov_pf_free(&pf);
	if (ret)
		return ret;
	json_object_set_new(conf, "sriov_pf", json_string(pfname));
	json_object_set_new(conf, "sriov_vf", json_integer(idx));
	if (!jstr(conf, "mac")) {
		uint8_t m[6];

		mac_random(m);
		json_object_set_new(conf, "mac",
				    json_string(mac_format(m, mac)));
	}
	if (!json_object_get(conf, "vlan") &&
	    json_object_get(net, "sriov_vlan"))
		json_object_set(conf, "vlan",
				json_object_get(net, "sriov_vlan"));
	return 0;
}

/* vnet's defaults for a VF it hands out or takes back (soft: left out
 * where the driver has no such control): spoof checking on, trust off, no
 * rate limit, link state auto (a VF that had its own settings, since
 * deleted, may have a limit or a disabled link left). */
static void cfg_defaults(struct sriov_vf_cfg *c)
{
	const unsigned soft =
	    SRIOV_BIT(SRIOV_A_SPOOFCHK) | SRIOV_BIT(SRIOV_A_TRUST) |
	    SRIOV_BIT(SRIOV_A_RATE) | SRIOV_BIT(SRIOV_A_LINK_STATE);

	memset(c, 0, sizeof(*c));
	c->vlan_proto = ETH_P_8021Q;
	c->spoofchk = true;
	c->trust = false;
	c->min_rate = c->max_rate = 0;
	c->link_state = SRIOV_LINK_AUTO;
	c->set = SRIOV_BIT(SRIOV_A_MAC) | SRIOV_BIT(SRIOV_A_VLAN) | soft;
	c->soft = soft;
}

/* What the VF of an sriov port is set to: the port's MAC and VLAN, and
 * vnet's defaults. */
static void port_cfg(json_t *conf, struct sriov_vf_cfg *c)
{
	cfg_defaults(c);
	mac_parse(jstr(conf, "mac"), c->mac);
	c->vlan = (uint16_t)juint(conf, "vlan");
}

/* Copy the settings @from has into @to. */
static void cfg_overlay(struct sriov_vf_cfg *to,
			const struct sriov_vf_cfg *from)
{
	if (from->set & SRIOV_BIT(SRIOV_A_MAC))
		memcpy(to->mac, from->mac, sizeof(to->mac));
	if (from->set & SRIOV_BIT(SRIOV_A_VLAN)) {
		to->vlan = from->vlan;
		to->qos = from->qos;
		to->vlan_proto = from->vlan_proto;
	}
	if (from->set & SRIOV_BIT(SRIOV_A_SPOOFCHK))
		to->spoofchk = from->spoofchk;
	if (from->set & SRIOV_BIT(SRIOV_A_TRUST))
		to->trust = from->trust;
	if (from->set & SRIOV_BIT(SRIOV_A_RATE)) {
		to->min_rate = from->min_rate;
		to->max_rate = from->max_rate;
	}
	if (from->set & SRIOV_BIT(SRIOV_A_LINK_STATE))
		to->link_state = from->link_state;
	to->set |= from->set;
	to->soft &= ~from->set;
}

/* What a VF goes back to the pool with: the clean state (no MAC, no VLAN,
 * vnet's defaults) with its stored vf settings, if it has any, on top. */
static int release_cfg(struct vnetd *d, const char *pf, unsigned idx,
		       struct sriov_vf_cfg *c)
{
	struct vnetd_obj *o;
	struct sriov_vf_cfg own;
	struct vnetd_err e;
	char name[48];

	cfg_defaults(c);
	vf_obj_name(pf, idx, name, sizeof(name));
	o = vnetd_obj_find(d, &vnetd_kind_vf, name);
	if (!o || cfg_from_conf(o->conf, &own, &e))
		return 0;
	cfg_overlay(c, &own);
	return 1;
}

/* Put VF @idx of @pf to @c. */
static int vf_put(struct vnetd *d, const char *pf, unsigned idx,
		  const struct sriov_vf_cfg *c, char *err, size_t errlen)
{
	return vf_apply_cfg(d, pf, idx, c, err, errlen);
}

/**
 * vnetd_sriov_port_activate() - set up an sriov port's VF and bind it to
 * vfio-pci (again: a VF already there is left there)
 * @d: daemon
 * @p: the port; p->error says why when it fails
 *
 * The VF's settings are read before the port's are written; when the
 * bind fails they are written back as they were (MAC, VLAN, spoof
 * checking, trust, rates: everything the driver reported).
 *
 * Return: 0 or -errno; on failure the VF is as it was (settings put back,
 * host driver kept)
 */
int vnetd_sriov_port_activate(struct vnetd *d, struct vnetd_port *p)
{
	json_t *conf = p->obj.conf;
	const char *pfname = jstr(conf, "sriov_pf");
	unsigned idx = juint(conf, "sriov_vf");
	const struct sriov_vf_dev *vf;
	struct sriov_vf_cfg c, before;
	struct sriov_nl *nl;
	struct sriov_pf pf;
	char pci[SRIOV_PCI_LEN], msg[256];
	int ret;

	if (!pfname) {
		snprintf(p->error, sizeof(p->error), "no VF assigned");
		return -EINVAL;
	}
	if (unprivileged(d, p->error, sizeof(p->error)))
		return -EPERM;
	ret = sriov_pf_get(sysroot(d), pfname, &pf, p->error, sizeof(p->error));
	if (ret)
		return ret;
	vf = pf_vf(&pf, idx);
	if (!vf) {
		snprintf(p->error, sizeof(p->error),
			 "%s has no VF %u (it has %u)", pfname, idx,
			 pf.num_vfs);
		sriov_pf_free(&pf);
		return -ENODEV;
	}
	snprintf(pci, sizeof(pci), "%s", vf->pci);
	sriov_pf_free(&pf);
	nl = nl_get(d, p->error, sizeof(p->error));
	if (!nl)
		return -EIO;
	ret = vf_read_one(d, pfname, idx, &before);
	if (ret) {
		snprintf(p->error, sizeof(p->error),
			 "%s: cannot read the settings of VF %u: %s", pfname,
			 idx, strerror(-ret));
		return ret;
	}
	port_cfg(conf, &c);
	ret = vf_apply_cfg(d, pfname, idx, &c, p->error, sizeof(p->error));
	if (ret)
		return ret;
	ret = sriov_vfio_bind(sysroot(d), pci, p->error, sizeof(p->error));
	if (ret) {
		if (vf_put(d, pfname, idx, &before, msg, sizeof(msg)))
			vlog(MAIN, ERR,
			     "port %s: VF %u of %s not put back as it was: %s",
			     p->obj.name, idx, pfname, msg);
		return ret;
	}
	p->error[0] = 0;
	vlog(MAIN, INFO,
	     "port %s: VF %u of %s (%s) on vfio-pci, mac %s vlan %u",
	     p->obj.name, idx, pfname, pci, jstr(conf, "mac"),
	     juint(conf, "vlan"));
	return 0;
}

/* A release that outlasted SRIOV_RELEASE_WAIT_MS finished (on its own
 * thread). */
static void release_late(const char *pci, int ret, const char *driver,
			 const char *err)
{
	if (ret)
		vlog(MAIN, ERR, "sriov: VF %s: %s", pci, err);
	else
		vlog(MAIN, INFO,
		     "sriov: VF %s back on %s (its VFIO user let go)", pci,
		     driver);
}

/* Give a port's VF back: the clean state, or its stored vf settings
 * (first, so the host driver comes up with them), unbound from vfio-pci,
 * host driver probed. */
static void release_vf(struct vnetd *d, json_t *conf)
{
	const char *pfname = jstr(conf, "sriov_pf"), *name = jstr(conf, "name");
	unsigned idx = juint(conf, "sriov_vf");
	const struct sriov_vf_dev *vf;
	char msg[512], drv[SRIOV_DRV_LEN];
	struct sriov_vf_cfg c;
	struct sriov_pf pf;
	int own;

	if (!pfname)
		return;
	if (unprivileged(d, msg, sizeof(msg))) {
		vlog(MAIN, WARN, "port %s: VF %u of %s stays as it is: %s",
		     name, idx, pfname, msg);
		return;
	}
	if (sriov_pf_get(sysroot(d), pfname, &pf, msg, sizeof(msg))) {
		vlog(MAIN, ERR, "port %s: cannot release its VF: %s", name,
		     msg);
		return;
	}
	vf = pf_vf(&pf, idx);
	if (vf && vf_busy(d, vf->pci, vf->driver, msg, sizeof(msg))) {
		vlog(MAIN, ERR,
		     "port %s: VF %u of %s left as it is (settings, vfio-pci): "
		     "%s",
		     name, idx, pfname, msg);
		sriov_pf_free(&pf);
		return;
	}
	own = release_cfg(d, pfname, idx, &c);
	if (vf_put(d, pfname, idx, &c, msg, sizeof(msg)))
		vlog(MAIN, ERR, "port %s: %s", name, msg);
	if (vf && sriov_vfio_release_wait(sysroot(d), vf->pci,
					  SRIOV_RELEASE_WAIT_MS, release_late,
					  drv, sizeof(drv), msg, sizeof(msg)))
		vlog(MAIN, ERR, "port %s: %s", name, msg);
	else if (vf)
		vlog(MAIN, INFO, "port %s: VF %u of %s (%s) back on %s, %s",
		     name, idx, pfname, vf->pci, drv,
		     own ? "its own vf settings applied again"
			 : "MAC and VLAN cleared");
	sriov_pf_free(&pf);
}

/* VFs about to be given back or reset, checked together. */
struct vf_going {
	unsigned n;
	const char **pcis; /* into @v, for sriov_vfs_user() */
	struct {
		char pci[SRIOV_PCI_LEN];
		char who[80]; /* "port 'vm1'" */
		char vf[64];  /* "0000:01:10.2 (VF 1 of eth1)" */
	} * v;
};

/* Room for @n VFs (one per object going); NULL with @e set. */
static struct vf_going *going_new(size_t n, struct vnetd_err *e)
{
	struct vf_going *g = calloc(1, sizeof(*g));

	if (g) {
		g->v = calloc(n ? n : 1, sizeof(*g->v));
		g->pcis = calloc(n ? n : 1, sizeof(*g->pcis));
	}
	if (!g || !g->v || !g->pcis) {
		if (g) {
			free(g->v);
			free(g->pcis);
		}
		free(g);
		vnetd_err_set(e, VNET_ERR_SYSTEM, "out of memory");
		return NULL;
	}
	return g;
}

static void going_free(struct vf_going *g)
{
	free(g->v);
	free(g->pcis);
	free(g);
}

/* Add VF @idx of @pf, which @kind @name gives up, when vfio-pci has it
 * (a VM may hold only those). */
static void going_add(struct vnetd *d, struct vf_going *g, const char *pf,
		      unsigned idx, const char *kind, const char *name)
{
	const struct sriov_vf_dev *vf;
	struct sriov_pf p;

	if (sriov_pf_get(sysroot(d), pf, &p, NULL, 0))
		return; /* no VF to give back */
	vf = pf_vf(&p, idx);
	if (vf && !strcmp(vf->driver, SRIOV_VFIO_DRIVER)) {
		snprintf(g->v[g->n].pci, sizeof(g->v[g->n].pci), "%s", vf->pci);
		snprintf(g->v[g->n].who, sizeof(g->v[g->n].who), "%s '%s'",
			 kind, name);
		snprintf(g->v[g->n].vf, sizeof(g->v[g->n].vf),
			 "%s (VF %u of %s)", vf->pci, idx, pf);
		g->pcis[g->n] = g->v[g->n].pci;
		g->n++;
	}
	sriov_pf_free(&p);
}

/* Refuse (-EBUSY) when a VM holds one of the VFs in @g: giving it back
 * would put the VM's traffic untagged on the PF's LAN, and the unbind
 * would wait in the kernel until the VM lets go.  One pass over /proc for
 * them all. */
static int going_busy(struct vnetd *d, struct vf_going *g, struct vnetd_err *e)
{
	struct vnetd_sriov *s = ctx(d);
	char msg[sizeof(e->msg)];
	unsigned which;
	int pid, ret;

	if (!g->n)
		return 0;
	if (!s) {
		vnetd_err_set(e, VNET_ERR_SYSTEM, "out of memory");
		return -ENOMEM;
	}
	ret = sriov_vfs_user(s->root, s->proc, s->dev, g->pcis, g->n, &which,
			     &pid);
	if (ret < 0) {
		vnetd_err_set(e, err_code(ret),
			      "cannot tell whether the VFs given back are in "
			      "use (reading %s: %s); nothing changed",
			      s->proc, strerror(-ret));
		return ret;
	}
	if (!ret)
		return 0;
	sriov_users_err(g->v[which].vf, pid, msg, sizeof(msg));
	vnetd_err_set(e, VNET_ERR_BUSY, "%s: %s", g->v[which].who, msg);
	return -EBUSY;
}

/* The PF of the VF object @conf gives back when it goes, its index in
 * *@idx; NULL when it gives back none (or one the new configuration
 * @after, if any, keeps). */
typedef const char *vf_given_fn(struct vnetd *d, json_t *conf,
				const struct vnetd_view *after, unsigned *idx);

/* The del_check of a kind that gives VFs back: refused (-EBUSY) while a VM
 * holds one of those @confs give back; one pass over /proc for them all. */
static int going_check(struct vnetd *d, json_t *const *confs, size_t n,
		       const struct vnetd_view *after, const char *kind,
		       vf_given_fn *given, struct vnetd_err *e)
{
	struct vf_going *g = going_new(n, e);
	int ret;

	if (!g)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		unsigned idx;
		const char *pf = given(d, confs[i], after, &idx);

		if (pf)
			going_add(d, g, pf, idx, kind, jstr(confs[i], "name"));
	}
	ret = going_busy(d, g, e);
	going_free(g);
	return ret;
}

/* vf_given_fn of a port: its VF, unless a port of @after holds it. */
static const char *port_given(struct vnetd *d, json_t *conf,
			      const struct vnetd_view *after, unsigned *idx)
{
	const char *pf = jstr(conf, "sriov_pf");

	*idx = juint(conf, "sriov_vf");
	if (!is_sriov_port(conf) || !pf ||
	    (after && vf_holder(vnetd_view_all(after, &vnetd_kind_port), pf,
				*idx, NULL)))
		return NULL;
	return pf;
}

/**
 * vnetd_sriov_port_del_check() - may these ports go: not while one would
 * give back a VF a VM holds (the port kind's del_check)
 * @d: daemon
 * @confs: the ports
 * @n: how many
 * @after: the configuration without them (an import --replace: a port
 *         there holding the same VF keeps it), or NULL
 * @e: error
 *
 * Return: 0, or -EBUSY with @e naming the port, the VF and the pid
 */
int vnetd_sriov_port_del_check(struct vnetd *d, json_t *const *confs, size_t n,
			       const struct vnetd_view *after,
			       struct vnetd_err *e)
{
	return going_check(d, confs, n, after, "port", port_given, e);
}

/**
 * vnetd_sriov_port_unapply() - a deleted sriov port gives its VF back:
 * MAC and VLAN cleared, host driver bound again
 * @d: daemon
 * @p: the port
 * @remove: deleted for good; when false (vnetd stopping, or a --replace
 *          import that may keep it) the VF stays with its VM
 */
void vnetd_sriov_port_unapply(struct vnetd *d, struct vnetd_port *p,
			      bool remove)
{
	if (remove)
		release_vf(d, p->obj.conf);
}

/**
 * vnetd_sriov_port_purge() - after a --replace import dropped an sriov
 * port: give its VF back, unless a port of the new configuration holds it
 * @d: daemon
 * @conf: the dropped port's configuration
 */
void vnetd_sriov_port_purge(struct vnetd *d, json_t *conf)
{
	const char *pfname = jstr(conf, "sriov_pf");

	if (pfname && !vf_vnets(d, pfname, juint(conf, "sriov_vf")))
		release_vf(d, conf);
}

/**
 * vnetd_sriov_port_status() - an sriov port as list and show give it
 * @d: daemon
 * @p: the port
 *
 * Return: its configuration with "state", "device" (the VF's PCI address)
 * and "sriov": {pf, vf, pci, iommu_group, driver, mac, vlan}
 */
json_t *vnetd_sriov_port_status(struct vnetd *d, struct vnetd_port *p)
{
	json_t *s = json_deep_copy(p->obj.conf), *sr = json_object();
	const char *pfname = jstr(p->obj.conf, "sriov_pf");
	const struct sriov_vf_dev *vf = NULL;
	struct sriov_pf pf = {0};
	bool up = false;

	json_object_set_new(sr, "pf", json_string(pfname));
	json_object_set(sr, "vf", json_object_get(p->obj.conf, "sriov_vf"));
	if (pfname && !sriov_pf_get(sysroot(d), pfname, &pf, NULL, 0))
		vf = pf_vf(&pf, juint(p->obj.conf, "sriov_vf"));
	if (vf) {
		json_object_set_new(sr, "pci", json_string(vf->pci));
		json_object_set_new(sr, "iommu_group",
				    vf->iommu_group >= 0
					? json_integer(vf->iommu_group)
					: json_null());
		json_object_set_new(sr, "driver", json_string(vf->driver));
		json_object_set_new(s, "device", json_string(vf->pci));
		up = !strcmp(vf->driver, SRIOV_VFIO_DRIVER);
	}
	sriov_pf_free(&pf);
	json_object_set(sr, "mac", json_object_get(p->obj.conf, "mac"));
	json_object_set_new(
	    sr, "vlan",
	    json_object_get(p->obj.conf, "vlan")
		? json_incref(json_object_get(p->obj.conf, "vlan"))
		: json_null());
	json_object_set_new(s, "sriov", sr);
	if (p->error[0] || !up) {
		json_object_set_new(s, "state", json_string("error"));
		json_object_set_new(
		    s, "error",
		    json_string(p->error[0] ? p->error
					    : "the VF is not on vfio-pci"));
	} else {
		json_object_set_new(s, "state", json_string("up"));
	}
	return s;
}

/* ---- after a PF reset ---- */

static bool pf_managed(struct vnetd *d, const char *name)
{
	const struct vnetd_objset *s;

	if (vnetd_obj_find(d, &vnetd_kind_sriov_pf, name))
		return true;
	s = vnetd_objs(d, &vnetd_kind_vf);
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(jstr(s->v[i]->conf, "pf"), name))
			return true;
	s = vnetd_objs(d, &vnetd_kind_port);
	for (size_t i = 0; i < s->n; i++)
		if (is_sriov_port(s->v[i]->conf) &&
		    jstr(s->v[i]->conf, "sriov_pf") &&
		    !strcmp(jstr(s->v[i]->conf, "sriov_pf"), name))
			return true;
	return false;
}

/**
 * vnetd_sriov_link_event() - a device changed; when it is a PF vnet
 * manages, check its VFs against the configuration shortly
 * @d: daemon
 * @name: the device
 * @deleted: it went away
 *
 * A reset or a reloaded driver (a new PF device with no VFs) loses VF
 * settings; every change of the PF's link comes here and the check puts
 * back what differs.  What the driver refuses for now (igb takes a rate
 * only once the link is up at 1000 Mb/s) is logged and tried again at the
 * next event.  Changes vnet makes itself cause an event too; the
 * check then finds nothing to do.
 */
void vnetd_sriov_link_event(struct vnetd *d, const char *name, bool deleted)
{
	struct vnetd_sriov *s;

	uint64_t now = timer_now_ms(), delay = SRIOV_RECHECK_MS;

	if (deleted || !name || !pf_managed(d, name) || !(s = ctx(d)))
		return;
	if (now < s->paused_until)
		delay = s->paused_until - now;
	if (!vtimer_armed(&s->recheck) &&
	    vtimer_arm(d->timers, &s->recheck, delay))
		vlog(MAIN, ERR, "sriov: cannot schedule a VF check");
}

/* After each check; @wrote: it changed a VF.  Checks that keep changing
 * VFs are a loop (vnet's own writes cause link events): pause them. */
static void recheck_count(struct vnetd_sriov *s, bool wrote)
{
	uint64_t now = timer_now_ms();

	if (!wrote || now - s->window_ms > SRIOV_STORM_MS) {
		s->window_ms = now;
		s->rewrites = 0;
	}
	if (!wrote || ++s->rewrites < SRIOV_STORM_CHECKS)
		return;
	s->rewrites = 0;
	s->paused_until = now + SRIOV_PAUSE_MS;
	vlog(MAIN, ERR,
	     "sriov: VF settings had to be applied again %d times in %d s: "
	     "something else keeps changing them (or the driver does not "
	     "keep them); next check in %d s",
	     SRIOV_STORM_CHECKS, SRIOV_STORM_MS / 1000, SRIOV_PAUSE_MS / 1000);
}

static void recheck_pf(struct vnetd *d, struct vnetd_obj *o)
{
	struct vnetd_err e = {0};
	struct sriov_pf pf;

	if (sriov_pf_get(sysroot(d), o->name, &pf, NULL, 0))
		return;
	sriov_pf_free(&pf);
	if (pf.num_vfs == juint(o->conf, "numvfs"))
		return;
	vlog(MAIN, WARN,
	     "sriov: %s has %u VFs instead of %u (reset?): "
	     "setting them again",
	     o->name, pf.num_vfs, juint(o->conf, "numvfs"));
	(void)pf_write(d, o->conf, &e);
}

static void recheck_fire(struct vtimer *t, void *arg)
{
	struct vnetd_sriov *s = arg;
	struct vnetd *d = s->d;
	const struct vnetd_objset *set = vnetd_objs(d, &vnetd_kind_sriov_pf);
	const struct vnetd_objset *ports = vnetd_objs(d, &vnetd_kind_port);
	struct sriov_vf_cfg want, have;
	struct vnetd_err e;
	bool wrote = false;

	for (size_t i = 0; i < set->n; i++)
		recheck_pf(d, set->v[i]);
	set = vnetd_objs(d, &vnetd_kind_vf);
	for (size_t i = 0; i < set->n; i++) {
		json_t *conf = set->v[i]->conf;
		const struct vnetd_obj *holder = NULL;

		/* A port's settings win over a vf object for the same VF (a
		 * state from before they were refused together): applying
		 * both would flip the VF at every link event. */
		for (size_t k = 0; k < ports->n && !holder; k++) {
			json_t *c = ports->v[k]->conf;

			if (is_sriov_port(c) && jstr(c, "sriov_pf") &&
			    !strcmp(jstr(c, "sriov_pf"), jstr(conf, "pf")) &&
			    juint(c, "sriov_vf") == juint(conf, "vf"))
				holder = ports->v[k];
		}
		if (holder) {
			vlog_rl(MAIN, WARN,
				"sriov: vf %s: not applied, port %s holds the "
				"VF (drop one of them)",
				set->v[i]->name, holder->name);
			continue;
		}
		if (cfg_from_conf(conf, &want, &e) ||
		    vf_read_one(d, jstr(conf, "pf"), juint(conf, "vf"),
				&have) ||
		    !cfg_differs(&want, &have))
			continue;
		if (vf_write(d, conf, &e)) {
			vlog(MAIN, WARN,
			     "sriov: vf %s: %s; tried again at the PF's next "
			     "link change",
			     set->v[i]->name, e.msg);
			continue;
		}
		wrote = true;
		vlog(MAIN, INFO, "sriov: vf %s: settings applied again",
		     set->v[i]->name);
	}
	set = ports;
	for (size_t i = 0; i < set->n; i++) {
		struct vnetd_port *p = vnetd_port_of(set->v[i]);
		char drv[SRIOV_DRV_LEN] = "";
		struct sriov_pf pf;
		const struct sriov_vf_dev *vf;

		if (!is_sriov_port(p->obj.conf) || p->gone ||
		    !jstr(p->obj.conf, "sriov_pf"))
			continue;
		if (!sriov_pf_get(sysroot(d), jstr(p->obj.conf, "sriov_pf"),
				  &pf, NULL, 0)) {
			vf = pf_vf(&pf, juint(p->obj.conf, "sriov_vf"));
			if (vf)
				snprintf(drv, sizeof(drv), "%s", vf->driver);
			sriov_pf_free(&pf);
		}
		port_cfg(p->obj.conf, &want);
		if (!strcmp(drv, SRIOV_VFIO_DRIVER) &&
		    !vf_read_one(d, jstr(p->obj.conf, "sriov_pf"),
				 juint(p->obj.conf, "sriov_vf"), &have) &&
		    !cfg_differs(&want, &have))
			continue;
		if (vnetd_sriov_port_activate(d, p)) {
			vlog(MAIN, WARN,
			     "port %s: %s; tried again at the PF's next link "
			     "change",
			     p->obj.name, p->error);
			continue;
		}
		wrote = true;
		vlog(MAIN, INFO, "port %s: VF set up again", p->obj.name);
	}
	recheck_count(s, wrote);
}

/* ---- sriov.list ---- */

static json_t *vf_json(struct vnetd *d, const struct sriov_pf *pf,
		       const struct sriov_vf_dev *vf,
		       const struct sriov_vf_info *infos, int n)
{
	const struct vnetd_objset *ports = vnetd_objs(d, &vnetd_kind_port);
	json_t *o =
	    json_pack("{s:i,s:s,s:s,s:s}", "vf", (int)vf->index, "pci", vf->pci,
		      "driver", vf->driver, "netdev", vf->netdev);

	json_object_set_new(o, "iommu_group",
			    vf->iommu_group >= 0 ? json_integer(vf->iommu_group)
						 : json_null());
	const char *pool = pool_of(d, pf->name, vf->index);
	char name[48];
	bool held = false;

	for (int i = 0; i < n; i++)
		if (infos[i].vf == vf->index)
			cfg_to_json(&infos[i].cfg, o);
	vf_obj_name(pf->name, vf->index, name, sizeof(name));
	if (pool)
		json_object_set_new(o, "pool", json_string(pool));
	if (vnetd_obj_find(d, &vnetd_kind_vf, name))
		json_object_set_new(o, "settings", json_string(name));
	for (size_t i = 0; i < ports->n; i++) {
		json_t *c = ports->v[i]->conf;

		if (is_sriov_port(c) && jstr(c, "sriov_pf") &&
		    !strcmp(jstr(c, "sriov_pf"), pf->name) &&
		    juint(c, "sriov_vf") == vf->index) {
			json_object_set_new(o, "port",
					    json_string(ports->v[i]->name));
			json_object_set_new(o, "network",
					    json_string(jstr(c, "network")));
			held = true;
		}
	}
	if (pool && !held && json_object_get(o, "settings")) {
		char why[128];

		snprintf(why, sizeof(why),
			 "not handed to ports: it has its own settings (vf "
			 "%s)",
			 name);
		json_object_set_new(o, "skipped", json_string(why));
	}
	return o;
}

/**
 * vnetd_sriov_list() - RPC sriov.list
 * @d: daemon
 * @params: none
 * @e: error
 *
 * Return: every SR-IOV PF with its VFs: PCI address, driver, netdev,
 * IOMMU group, the settings the kernel reports, and the port holding it
 */
json_t *vnetd_sriov_list(struct vnetd *d, json_t *params, struct vnetd_err *e)
{
	struct sriov_vf_info *infos = calloc(SRIOV_MAX_VFS, sizeof(*infos));
	char msg[128];
	struct sriov_nl *nl = nl_get(d, msg, sizeof(msg));
	struct sriov_pf *pfs;
	unsigned n;
	json_t *arr;
	int ret = infos ? sriov_pf_scan(sysroot(d), &pfs, &n) : -ENOMEM;

	if (ret) {
		free(infos);
		vnetd_err_set(e, VNET_ERR_SYSTEM,
			      "cannot read %s/class/net: %s", sysroot(d),
			      strerror(-ret));
		return NULL;
	}
	arr = json_array();
	for (unsigned i = 0; i < n; i++) {
		json_t *pf = json_pack(
		    "{s:s,s:s,s:s,s:i,s:i}", "pf", pfs[i].name, "pci",
		    pfs[i].pci, "driver", pfs[i].driver, "total_vfs",
		    (int)pfs[i].total_vfs, "num_vfs", (int)pfs[i].num_vfs);
		json_t *vfs = json_array();
		int nv =
		    nl ? sriov_vf_read(nl, pfs[i].name, infos, SRIOV_MAX_VFS)
		       : -EIO;

		for (unsigned k = 0; k < pfs[i].n_vfs; k++)
			json_array_append_new(
			    vfs,
			    vf_json(d, &pfs[i], &pfs[i].vfs[k], infos, nv));
		json_object_set_new(pf, "vfs", vfs);
		json_array_append_new(arr, pf);
	}
	sriov_pfs_free(pfs, n);
	free(infos);
	return arr;
}

/* ---- the "vf" kind: deleting one ---- */

/* A VF whose settings (vf object @conf) are gone goes back to vnet's
 * defaults: no MAC, no VLAN, spoof checking on, trust off, no rate limit,
 * link state auto.  Not when a port holds it (the port's settings stay). */
static void vf_reset(struct vnetd *d, json_t *conf)
{
	const char *pf = jstr(conf, "pf");
	unsigned idx = juint(conf, "vf");
	struct sriov_vf_cfg c;
	char msg[256];

	if (vf_vnets(d, pf, idx))
		return;
	if (unprivileged(d, msg, sizeof(msg))) {
		vlog(MAIN, WARN, "sriov: VF %u of %s keeps its settings: %s",
		     idx, pf, msg);
		return;
	}
	cfg_defaults(&c);
	if (vf_put(d, pf, idx, &c, msg, sizeof(msg)))
		vlog(MAIN, ERR, "sriov: vf %s: cannot reset it: %s",
		     jstr(conf, "name"), msg);
	else
		vlog(MAIN, INFO, "sriov: VF %u of %s reset to the defaults",
		     idx, pf);
}

static void vf_unapply(struct vnetd *d, struct vnetd_obj *o, bool remove)
{
	/* sriov.vf_reset wrote the defaults already. */
	if (remove && !(d->sriov && d->sriov->resetting == o))
		vf_reset(d, o->conf);
	pf_unapply(d, o, remove);
}

/* After a --replace import dropped a vf object: reset the VF, unless the
 * new configuration has settings or a port for it. */
static void vf_purge(struct vnetd *d, json_t *conf)
{
	if (!vnetd_obj_find(d, &vnetd_kind_vf, jstr(conf, "name")))
		vf_reset(d, conf);
}

/* vf_given_fn of a vf object: its VF is reset, unless a port holds it (the
 * port's settings stay) or @after keeps settings or a port for it. */
static const char *vf_given(struct vnetd *d, json_t *conf,
			    const struct vnetd_view *after, unsigned *idx)
{
	const char *pf = jstr(conf, "pf");

	*idx = juint(conf, "vf");
	if (after
		? vnetd_view_find(after, &vnetd_kind_vf, jstr(conf, "name")) ||
		      vf_holder(vnetd_view_all(after, &vnetd_kind_port), pf,
				*idx, NULL)
		: vf_vnets(d, pf, *idx))
		return NULL;
	return pf;
}

/* Resetting a VF a VM holds would put the VM's traffic untagged on the
 * PF's LAN: refused, as for a port. */
static int vf_del_check(struct vnetd *d, json_t *const *confs, size_t n,
			const struct vnetd_view *after, struct vnetd_err *e)
{
	const struct vnetd_sriov *s = d->sriov;

	/* sriov.vf_reset's own delete: it checked just before. */
	if (s && s->resetting && n == 1 && confs[0] == s->resetting->conf)
		return 0;
	return going_check(d, confs, n, after, "vf", vf_given, e);
}

const struct vnetd_kind vnetd_kind_vf = {
    .name = "vf",
    .table = "vfs",
    .schema = {vf_opts, ARRAY_SIZE(vf_opts)},
    .check = vf_check,
    .apply = vf_apply,
    .unapply = vf_unapply,
    .set = vf_set,
    .purge = vf_purge,
    .status = vf_status,
    .del_check = vf_del_check,
};

/**
 * vnetd_sriov_vf_reset() - RPC sriov.vf_reset {pf, vf}: forget a VF's
 * stored settings and put it back to vnet's defaults
 * @d: daemon
 * @params: parameters
 * @e: error
 *
 * Return: {"deleted": "PF/IDX"}, or NULL with @e set
 */
json_t *vnetd_sriov_vf_reset(struct vnetd *d, json_t *params,
			     struct vnetd_err *e)
{
	struct vnetd_obj *o;
	struct sriov_vf_cfg c;
	char name[48], msg[256];
	json_t *p, *res;

	if (!jstr(params, "pf") ||
	    !json_is_integer(json_object_get(params, "vf"))) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "give the PF and the VF index: sriov vf-reset PF "
			      "IDX");
		return NULL;
	}
	snprintf(name, sizeof(name), "%s/%lld", jstr(params, "pf"),
		 (long long)json_integer_value(json_object_get(params, "vf")));
	o = vnetd_obj_lookup(d, &vnetd_kind_vf, name, e);
	if (!o || user_refused(d, e) ||
	    vf_del_check(d, (json_t *const[]){o->conf}, 1, NULL, e))
		return NULL;
	/* The defaults first: a VF the driver will not reset keeps its
	 * stored settings, and the request fails saying why.  A port that
	 * holds the VF (a state from before they were refused together)
	 * keeps its settings. */
	cfg_defaults(&c);
	if (!vf_vnets(d, jstr(o->conf, "pf"), juint(o->conf, "vf")) &&
	    vf_put(d, jstr(o->conf, "pf"), juint(o->conf, "vf"), &c, msg,
		   sizeof(msg))) {
		vnetd_err_set(e, VNET_ERR_REFUSED, "%s; its settings are kept",
			      msg);
		return NULL;
	}
	p = json_pack("{s:s}", "name", name);
	if (p && d->sriov)
		d->sriov->resetting = o;
	res = p ? vnetd_obj_delete(d, &vnetd_kind_vf, p, e) : NULL;
	if (d->sriov)
		d->sriov->resetting = NULL;
	if (!p)
		vnetd_err_set(e, VNET_ERR_SYSTEM, "out of memory");
	else if (res)
		vlog(MAIN, INFO, "sriov: VF %s reset to the defaults", name);
	json_decref(p);
	if (!res) {
		/* Not deleted: the VF gets its stored settings back, so
		 * that the device and the state file agree. */
		struct vnetd_err again;

		o = vnetd_obj_find(d, &vnetd_kind_vf, name);
		if (o && vf_write(d, o->conf, &again))
			vlog(MAIN, ERR,
			     "sriov: vf %s: its settings could not be put "
			     "back: %s",
			     name, again.msg);
	}
	return res;
}
