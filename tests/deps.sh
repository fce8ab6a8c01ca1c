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
isc-dhcp-client dhcpcd-base dnsmasq-base kea-admin util-linux
openvswitch-switch"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run as root to install)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
