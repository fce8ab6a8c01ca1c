#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# build.sh OUTDIR - a Linux test guest from Debian packages: the Debian
# kernel (vmlinuz + the modules a virtio-net guest needs) and a busybox
# initramfs whose /init configures eth0 from the kernel command line and
# runs the command given there.  Nothing is installed on the host: the
# kernel package is downloaded and unpacked into OUTDIR (default
# tests/guest/cache, shared by the normal and the ASan test runs).
#   vnet.ip=A.B.C.D/N   address of eth0 (vnet.ip1= for eth1)
#   vnet.run=WORDS      command for /init to run (',' stands for ' ')
set -eu
VERSION=3 # bump when the initramfs changes
OUT=$(readlink -f "${1:-tests/guest/cache}")
mkdir -p "$OUT"
# One cache serves every build and test run: the first caller builds it,
# a concurrent caller waits for the lock and then finds it ready.
exec 9>"$OUT/.lock"
flock 9
[ -f "$OUT/initrd.gz" ] && [ -f "$OUT/vmlinuz" ] &&
	[ "$(cat "$OUT/version" 2>/dev/null)" = $VERSION ] && exit 0
rm -f "$OUT/version"
BB=/bin/busybox
[ -x "$BB" ] && "$BB" --list | grep -qx udhcpc || {
	echo "guest: busybox-static is needed (/bin/busybox)" >&2; exit 1; }
pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$pkg" ] || { echo "guest: no linux-image package known to apt" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Bounded: a mirror out of reach fails the build (its tests skip, saying
# so) instead of holding every test that waits for the lock.
(cd "$tmp" && timeout 120 apt-get download "$pkg" >/dev/null 2>&1) || {
	timeout 120 apt-get update -qq &&
		(cd "$tmp" && timeout 120 apt-get download "$pkg" >/dev/null); } || {
	echo "guest: cannot download $pkg (Debian mirror out of reach?)" >&2
	exit 1
}
dpkg-deb -x "$tmp"/"$pkg"_*.deb "$tmp/k"
kver=$(ls "$tmp/k/lib/modules")
cp "$tmp/k/boot/vmlinuz-$kver" "$OUT/vmlinuz"

R="$tmp/root"
mkdir -p "$R/bin" "$R/sbin" "$R/etc" "$R/proc" "$R/sys" "$R/dev" "$R/tmp" \
	"$R/lib/modules" "$R/usr/share/udhcpc"
cp "$BB" "$R/bin/busybox"
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev \
	virtio_pci failover net_failover virtio_net 8021q tls bonding; do
	f=$(find "$tmp/k/lib/modules/$kver" -name "$m.ko*" | head -1)
	[ -n "$f" ] || continue
	case $f in
	*.xz) xz -dc "$f" >"$R/lib/modules/$m.ko" ;;
	*.zst) zstd -qdc "$f" >"$R/lib/modules/$m.ko" ;;
	*) cp "$f" "$R/lib/modules/$m.ko" ;;
	esac
	echo "$m" >>"$R/lib/modules/order"
done
cat >"$R/usr/share/udhcpc/default.script" <<'S'
#!/bin/busybox sh
case "$1" in
deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
bound|renew)
	ip addr add "$ip/${mask:-24}" dev "$interface"
	[ -n "$router" ] && ip route add default via "${router%% *}"
	echo "VNET-DHCP-BOUND $ip" ;;
esac
S
chmod +x "$R/usr/share/udhcpc/default.script"
cat >"$R/init" <<'S'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
for m in $(cat /lib/modules/order); do
	insmod /lib/modules/$m.ko 2>/dev/null
done
for w in $(cat /proc/cmdline); do
	case $w in
	vnet.ip=*) IP=${w#vnet.ip=} ;;
	vnet.ip1=*) IP1=${w#vnet.ip1=} ;;
	vnet.run=*) RUN=$(echo "${w#vnet.run=}" | tr ',' ' ') ;;
	esac
done
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -e /sys/class/net/eth0 ] && break; sleep 1; done
ip link set lo up
ip link set eth0 up
[ -n "${IP:-}" ] && ip addr add "$IP" dev eth0
if [ -n "${IP1:-}" ]; then
	ip link set eth1 up
	ip addr add "$IP1" dev eth1
fi
echo "VNET-GUEST-UP $(cat /sys/class/net/eth0/address 2>/dev/null)"
if [ -n "${RUN:-}" ]; then
	sh -c "$RUN"
	echo "VNET-RUN-EXIT $?"
fi
while true; do sleep 3600; done
S
chmod +x "$R/init"
(cd "$R" && find . | cpio -o -H newc --quiet | gzip -1 >"$OUT/initrd.gz")
echo $VERSION >"$OUT/version"
echo "guest: kernel $kver, initramfs $(du -h "$OUT/initrd.gz" | cut -f1) in $OUT"
