#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Install the Debian packages that vnet's build, tests and demo need.
# Idempotent: does nothing when everything is installed already.
set -e
PKGS="build-essential pkg-config libpcap-dev libnl-3-dev libnl-route-3-dev
libnl-genl-3-dev libcmocka-dev libsqlite3-dev libjansson-dev sqlite3 jq
iproute2 iputils-ping tcpdump python3 python3-scapy iperf3 ethtool procps
clang clang-format cppcheck libclang-rt-14-dev dpdk-dev qemu-system-x86 busybox-static cpio xz-utils zstd
curl python3-prometheus-client bash-completion systemd-container
isc-dhcp-client dhcpcd-base dnsmasq-base kea-admin util-linux bind9-dnsutils
openvswitch-switch wrk nftables ndisc6
llvm libbpf-dev liburing-dev"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done

# QEMU 10 for t_sriov.sh: its igb emulates an SR-IOV NIC (bookworm's QEMU
# 7.2 has none).  From bookworm-backports, downloaded and unpacked into a
# private directory the test runs it from (-L for its firmware); the system
# QEMU that the other tests and libvirt use stays as it is.  Not fatal:
# without it t_sriov.sh skips.
qemu10() {
	Q10=/var/cache/vnet-test/qemu10
	[ -x $Q10/usr/bin/qemu-system-x86_64 ] && return 0
	[ "$(id -u)" = 0 ] || return 0
	. /etc/os-release
	[ "${VERSION_CODENAME:-}" = bookworm ] || return 0
	if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
		cat >/etc/apt/sources.list.d/vnet-backports.sources <<-EOF
		Types: deb
		URIs: http://deb.debian.org/debian
		Suites: bookworm-backports
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
		EOF
		apt-get update -qq || return 0
	fi
	d=$(mktemp -d)
	if (cd "$d" && apt-get download -qq -t bookworm-backports qemu-system-x86 \
		qemu-system-common qemu-system-data seabios >/dev/null 2>&1); then
		mkdir -p "$d/root"
		for f in "$d"/*.deb; do dpkg-deb -x "$f" "$d/root"; done
		rm -rf $Q10
		mkdir -p "$(dirname $Q10)"
		mv "$d/root" $Q10
		echo "deps: QEMU 10 unpacked into $Q10 (for t_sriov.sh)"
	else
		echo "deps: QEMU 10 not available from bookworm-backports; t_sriov.sh will skip"
	fi
	rm -rf "$d"
}
qemu10
# The Linux test guest (tests/guest/build.sh: the Debian kernel package,
# downloaded once into tests/guest/cache) while the mirror is in reach,
# not in the middle of the tests.  Not fatal: the tests that boot it
# build it themselves, or skip saying why.
guest() {
	[ "$(id -u)" = 0 ] || return 0
	g=$(dirname "$0")/guest
	sh "$g/build.sh" "$g/cache" >/dev/null 2>&1 ||
		echo "deps: the test guest could not be built now (its tests try again or skip)"
}
[ -z "$missing" ] && { guest; exit 0; }
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run as root to install)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
guest
