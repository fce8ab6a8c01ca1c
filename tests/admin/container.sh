# SPDX-License-Identifier: GPL-2.0-or-later
# container.sh - a throw-away systemd machine for the service and package
# tests, sourced after lib.sh.
#
# Where systemd is not PID 1 (this repository's CI runs in a VM whose init
# is something else), systemctl has nothing to talk to.  ct_boot starts a
# real systemd as PID 1 of a container (systemd-nspawn --boot) whose root
# is an overlay of the host's / with a tmpfs on top: the host's installed
# packages are there, and whatever the test installs or changes vanishes
# with the tmpfs.  The container shares the host's network namespace (taps
# vnetd makes are host devices, cleaned up by lib.sh) and gets
# CAP_NET_ADMIN and /dev/net/tun.  Where systemd is PID 1 already, the
# container is still used so a test never touches the host's services.
#
#   ct_boot             boot it (skips the test with the reason if it cannot)
#   ct CMD...           run CMD inside (as root, in the container's namespaces)
#   ct_root             the container's root directory, seen from the host
#   ct_halt             power it off and remove the overlay (also at exit)

CT_DIR=""
CT_NSPAWN=""
CT_LEADER=""

ct_root() { echo "$CT_DIR/root"; }

# ct_need: skip with the exact reason when this machine cannot boot one.
ct_need() {
	command -v systemd-nspawn >/dev/null ||
		skip "systemd-nspawn not installed (Debian package systemd-container); systemd is $( [ -d /run/systemd/system ] && echo PID 1 || echo "not PID 1 here: PID 1 is $(cat /proc/1/comm)")"
	[ -x /lib/systemd/systemd ] || skip "no /lib/systemd/systemd to boot"
	grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
		skip "no overlayfs for the container's root"
}

ct() {
	nsenter -t "$CT_LEADER" -m -u -i -p -- \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb "$@"
}

ct_boot() {
	ct_need
	CT_DIR=$T/ct
	mkdir -p "$CT_DIR/root" "$CT_DIR/rw"
	mount -t tmpfs -o size=2g tmpfs "$CT_DIR/rw" || skip "cannot mount a tmpfs"
	mkdir -p "$CT_DIR/rw/u" "$CT_DIR/rw/w"
	mount -t overlay overlay \
		-o "lowerdir=/,upperdir=$CT_DIR/rw/u,workdir=$CT_DIR/rw/w" \
		"$CT_DIR/root" || { umount "$CT_DIR/rw"; skip "cannot mount an overlay of /"; }
	# Only what the tests need starts: basic.target, not the host's
	# multi-user services (databases, ...).
	rm -f "$(ct_root)/etc/machine-id"
	# The container shares the host's network namespace: nothing in it may
	# manage links, addresses, resolv.conf or serve DHCP.
	for u in systemd-networkd.service systemd-networkd.socket \
		systemd-networkd-wait-online.service systemd-resolved.service \
		networking.service dhcpcd.service NetworkManager.service \
		kea-dhcp4-server.service isc-dhcp-server.service \
		systemd-timesyncd.service; do
		ln -sf /dev/null "$(ct_root)/etc/systemd/system/$u"
	done
	systemd-nspawn -q -D "$(ct_root)" --boot --register=no --keep-unit \
		--machine="vnet$S" --capability=CAP_NET_ADMIN \
		--bind=/dev/net/tun --bind=/run/netns \
		-- systemd.unit=basic.target >"$T/nspawn.log" 2>&1 &
	CT_NSPAWN=$!
	for _ in $(seq 100); do
		CT_LEADER=$(pgrep -P "$CT_NSPAWN" | head -n1)
		if [ -n "$CT_LEADER" ] &&
			[ "$(ct systemctl is-active basic.target 2>/dev/null)" = active ]; then
			log "container booted: systemd $(ct systemctl --version | head -n1 | cut -d' ' -f2) as its PID 1"
			return 0
		fi
		kill -0 "$CT_NSPAWN" 2>/dev/null || break
		sleep 0.2
	done
	cat "$T/nspawn.log"
	fail "the container did not boot"
}

ct_halt() {
	if [ -n "$CT_NSPAWN" ]; then
		kill "$CT_NSPAWN" 2>/dev/null
		for _ in $(seq 100); do
			kill -0 "$CT_NSPAWN" 2>/dev/null || break
			sleep 0.1
		done
		# A container that does not halt in 10 s (a guest libvirt will
		# not stop): killing its PID 1 ends every process in it.
		[ -n "$CT_LEADER" ] && kill -9 "$CT_LEADER" 2>/dev/null
		kill -9 "$CT_NSPAWN" 2>/dev/null
		wait "$CT_NSPAWN" 2>/dev/null
		CT_NSPAWN=""
	fi
	if [ -n "$CT_DIR" ]; then
		umount "$CT_DIR/root" 2>/dev/null || umount -l "$CT_DIR/root"
		umount "$CT_DIR/rw" 2>/dev/null || umount -l "$CT_DIR/rw"
		CT_DIR=""
	fi
}
trap 'ct_halt; cleanup' EXIT
