// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetd_portdev.c - whose is a tap or host port's device
 *
 * A tap port opens the tap it is named after, and creates it when there is
 * none.  Deleting the port deletes the tap only when vnetd made it: one an
 * administrator made beforehand (ip tuntap add) stays.  Which it was is
 * known only when the port is added, so it is stored with the port
 * ("device_kept") and holds across restarts, when every tap exists.  A
 * veth port's MAC is chosen then too, and stored.
 */
#include "vnetd.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../lib/jsonrpc.h"
#include "../lib/log.h"
#include "../lib/util.h"
#include "../vnic/vnic.h"

/**
 * vnetd_port_note_new() - store what only a port's first creation knows
 * @d: daemon
 * @conf: the configuration of a port being added or imported (checked, not
 *        yet applied nor stored): a tap or host port gets "device_kept":
 *        true when its device exists already (in its namespace) and is not
 *        one a current port of vnetd made (an import that replaces that
 *        port); a veth port without "mac" gets the one its pair will be
 *        made with, so a pair made again (its namespace was made anew) has
 *        the same MAC
 */
void vnetd_port_note_new(struct vnetd *d, json_t *conf)
{
	const struct vnetd_objset *ports = vnetd_objs(d, &vnetd_kind_port);
	const char *kind = jstr(conf, "kind"), *dev = jstr(conf, "device");
	uint8_t mac[6];
	char buf[MAC_STRLEN];
	int ret;

	json_object_del(conf, "device_kept");
	if (!strcmp(kind, "veth") && !json_object_get(conf, "mac")) {
		mac_random(mac);
		json_object_set_new(conf, "mac",
				    json_string(mac_format(mac, buf)));
	}
	if (!dev || (strcmp(kind, "tap") && strcmp(kind, "host")))
		return;
	for (size_t i = 0; i < ports->n; i++) {
		json_t *o = ports->v[i]->conf;

		if (o && jstr(o, "device") && !strcmp(jstr(o, "device"), dev) &&
		    strcmp(jstr(o, "kind"), "uplink")) {
			if (vnetd_port_kept(o))
				json_object_set_new(conf, "device_kept",
						    json_true());
			return;
		}
	}
	ret = vnic_link_exists(dev, jstr(conf, "netns"));
	if (ret < 0)
		vlog(MAIN, WARN,
		     "port %s: cannot tell whether %s exists (%s): it will "
		     "be deleted with the port",
		     jstr(conf, "name"), dev, strerror(-ret));
	if (ret > 0)
		json_object_set_new(conf, "device_kept", json_true());
}

/**
 * vnetd_port_note_restored() - keep the MAC of a restored veth port
 * @conf: the configuration of a port restored and up (at the restore, or
 *        later when its namespace appears): a veth port stored without
 *        "mac" (by an older vnetd) gets the MAC its pair has now, which the
 *        caller then stores
 *
 * Return: true when @conf got a "mac"
 */
bool vnetd_port_note_restored(json_t *conf)
{
	uint8_t mac[6];
	char buf[MAC_STRLEN];

	if (strcmp(jstr(conf, "kind"), "veth") ||
	    json_object_get(conf, "mac") || !jstr(conf, "device") ||
	    vnic_link_mac_in(jstr(conf, "device"), jstr(conf, "netns"), mac))
		return false;
	json_object_set_new(conf, "mac", json_string(mac_format(mac, buf)));
	return true;
}

/**
 * vnetd_port_kept() - whether deleting the port leaves its device
 * @conf: the port's configuration
 *
 * Return: true for a tap or host port whose device vnetd did not make
 */
bool vnetd_port_kept(json_t *conf)
{
	return json_is_true(json_object_get(conf, "device_kept"));
}

/* The address of "A/P" as text, without its prefix. */
static void addr_only(const char *cidr, char *out, size_t size)
{
	snprintf(out, size, "%s", cidr);
	out[strcspn(out, "/")] = 0;
}

/**
 * vnetd_port_addr_check() - a host port's addresses against the other host
 * ports of its network
 * @v: the configuration as it would be
 * @conf: the port's configuration
 * @e: the refusal
 *
 * Two host vNICs on one network with one address answer ARP for it both:
 * refused, naming the port that has it.
 *
 * Return: 0, or -EEXIST with @e set
 */
int vnetd_port_addr_check(const struct vnetd_view *v, json_t *conf,
			  struct vnetd_err *e)
{
	json_t *mine = json_object_get(conf, "addresses"), *other, *a, *b;
	const char *key, *net = jstr(conf, "network");
	char x[64], y[64];
	size_t i, j;

	json_object_foreach(vnetd_view_all(v, &vnetd_kind_port), key, other)
	{
		if (!strcmp(key, jstr(conf, "name")) ||
		    !jstr(other, "network") ||
		    strcmp(jstr(other, "network"), net))
			continue;
		json_array_foreach(mine, i, a)
		{
			addr_only(json_string_value(a), x, sizeof(x));
			json_array_foreach(json_object_get(other, "addresses"),
					   j, b)
			{
				addr_only(json_string_value(b), y, sizeof(y));
				if (strcmp(x, y))
					continue;
				vnetd_err_set(e, VNET_ERR_EXISTS,
					      "address %s is already on host "
					      "port '%s' of network '%s'",
					      x, key, net);
				return -EEXIST;
			}
		}
	}
	return 0;
}
