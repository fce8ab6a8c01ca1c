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

#include <string.h>

#include "../lib/log.h"
#include "../lib/util.h"
#include "../vnic/vnic.h"

/**
 * vnetd_port_note_new() - store what only a port's first creation knows
 * @conf: the configuration of a port being added (not restored): a tap or
 *        host port gets "device_kept": true when its device exists already
 *        (in its namespace); a veth port without "mac" gets the one its
 *        pair is made with now, so a pair made again (its namespace was
 *        made anew) has the same MAC
 */
void vnetd_port_note_new(json_t *conf)
{
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
 * vnetd_port_kept() - whether deleting the port leaves its device
 * @conf: the port's configuration
 *
 * Return: true for a tap or host port whose device vnetd did not make
 */
bool vnetd_port_kept(json_t *conf)
{
	return json_is_true(json_object_get(conf, "device_kept"));
}
