#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# build-sriov.sh OUTDIR - the base of the SR-IOV test guest: the Debian
# kernel (vmlinuz), the modules an emulated igb PF with VFs and vfio-pci
# need (in dependency order, from depmod -b on the unpacked package), the
# real iproute2 `ip` with its libraries (busybox `ip` cannot show or set VF
# attributes), the static helper sriov_probe, and an /init that loads the
# modules and runs /test.sh.  The test appends a second cpio (vnetd,
# vnetctl, their libraries, /test.sh) to base.cpio.gz for each run.
# Cached in OUTDIR (default tests/guest/cache-sriov); rebuilt when VERSION
# changes.  Leaves tests/guest/build.sh and its cache alone.
set -eu
VERSION=3 # bump when the base changes
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(readlink -f "${1:-$HERE/cache-sriov}")
mkdir -p "$OUT"
exec 9>"$OUT/.lock"
flock 9
[ -f "$OUT/base.cpio.gz" ] && [ -f "$OUT/vmlinuz" ] &&
	[ "$(cat "$OUT/version" 2>/dev/null)" = $VERSION ] && exit 0
rm -f "$OUT/version"
BB=/bin/busybox
[ -x "$BB" ] || { echo "guest: busybox-static is needed (/bin/busybox)" >&2; exit 1; }
command -v depmod >/dev/null || PATH=$PATH:/sbin:/usr/sbin
pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$pkg" ] || { echo "guest: no linux-image package known to apt" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download "$pkg" >/dev/null 2>&1) || {
	apt-get update -qq && (cd "$tmp" && apt-get download "$pkg" >/dev/null); }
dpkg-deb -x "$tmp"/"$pkg"_*.deb "$tmp/k"
kver=$(ls "$tmp/k/lib/modules")
cp "$tmp/k/boot/vmlinuz-$kver" "$OUT/vmlinuz"
depmod -b "$tmp/k" "$kver"
DEP="$tmp/k/lib/modules/$kver/modules.dep"

R="$tmp/root"
mkdir -p "$R/bin" "$R/sbin" "$R/etc" "$R/proc" "$R/sys" "$R/dev" "$R/tmp" \
	"$R/run" "$R/var/lib" "$R/lib/modules"
cp "$BB" "$R/bin/busybox"

# load order: each module after what it depends on (modules.dep lists a
# module's dependencies, the deepest last).
order=""
mod_path() {
	awk -F: -v m="/$1.ko" 'index($1, m) {print $1; exit}' "$DEP"
}
add_mod() {
	[ -n "$(mod_path "$1")" ] || { echo "guest: no module $1 in $kver" >&2; exit 1; }
	for d in $(awk -F: -v r="$(mod_path "$1")" '$1 == r {print $2}' "$DEP"); do
		add_mod "$(basename "$d" | sed 's/\.ko.*//')"
	done
	case " $order " in *" $1 "*) return ;; esac
	order="$order $1"
	f="$tmp/k/lib/modules/$kver/$(mod_path "$1")"
	case $f in
	*.xz) xz -dc "$f" >"$R/lib/modules/$1.ko" ;;
	*.zst) zstd -qdc "$f" >"$R/lib/modules/$1.ko" ;;
	*) cp "$f" "$R/lib/modules/$1.ko" ;;
	esac
}
for m in igb igbvf vfio-pci vfio_iommu_type1; do add_mod "$m"; done
echo "$order" | tr ' ' '\n' | sed '/^$/d' >"$R/lib/modules/order"

# real ip(8) and its libraries
. "$HERE/copy_bins.sh"
copy_bins "$R" /usr/bin/ip 2>/dev/null || copy_bins "$R" /bin/ip
mv "$R/bin/ip" "$R/bin/iproute2-ip"
cc -static -O2 -o "$R/bin/sriov_probe" "$HERE/sriov_probe.c"

cat >"$R/init" <<'S'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs tmp /run
for m in $(cat /lib/modules/order); do
	insmod /lib/modules/$m.ko || echo "VNET-MODULE-FAIL $m"
done
ip link set lo up
echo "VNET-GUEST-UP $(uname -r)"
[ -x /test.sh ] && /test.sh
echo "VNET-RUN-EXIT $?"
poweroff -f
S
chmod +x "$R/init"
(cd "$R" && find . | cpio -o -H newc --quiet | gzip -1 >"$OUT/base.cpio.gz")
echo $VERSION >"$OUT/version"
echo "guest: kernel $kver, modules:$order; base $(du -h "$OUT/base.cpio.gz" | cut -f1) in $OUT"
