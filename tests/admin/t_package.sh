# The Debian package: build it from this tree with dpkg-buildpackage -us
# -uc -b (build dependencies installed with apt-get), check it with lintian
# (no error or warning; the one info tag is overridden and explained in
# README.Debian), install it in a container booted with systemd
# (tests/admin/container.sh), where vnetd.service must be enabled and
# running and `vnetctl network list` must answer; then remove and purge.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/container.sh"
need_root
SRC=$(pwd)
export DEBIAN_FRONTEND=noninteractive

# Build dependencies: the tools, then what debian/control asks for.
tools="dpkg-dev debhelper fakeroot lintian"
missing=""
for p in $tools; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	apt-get install -y -qq --no-install-recommends $missing >"$T/apt.log" 2>&1 ||
		skip "cannot install$missing with apt-get: $(tail -n 1 "$T/apt.log")"
fi
unmet=$(cd "$SRC" && dpkg-checkbuilddeps 2>&1 | sed -n 's/.*Unmet build dependencies: //p' |
	sed 's/([^)]*)//g; s/<[^>]*>//g; s/|[^ ]*//g')
if [ -n "$unmet" ]; then
	apt-get install -y -qq --no-install-recommends $unmet >"$T/apt.log" 2>&1 ||
		skip "cannot install build dependencies $unmet: $(tail -n 1 "$T/apt.log")"
fi

# Build from a copy of the tree (dpkg-buildpackage writes next to it).
ver=$(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Version)
mkdir -p "$T/src/vnet-$ver"
(cd "$SRC" && git ls-files -co --exclude-standard | grep -v '^build' | tar -cf - -T -) |
	tar -xf - -C "$T/src/vnet-$ver"
t0=$(date +%s)
(cd "$T/src/vnet-$ver" && dpkg-buildpackage -us -uc -b -j2) >"$T/build.log" 2>&1 ||
	fail "dpkg-buildpackage: $(tail -n 30 "$T/build.log")"
log "dpkg-buildpackage -us -uc -b: $(($(date +%s) - t0)) s"
for p in vnet vnet-bench vnet-vmm; do
	[ -f "$T/src/${p}_${ver}_$(dpkg --print-architecture).deb" ] || fail "no $p package built: $(ls "$T/src")"
done
deb=$T/src/vnet_${ver}_$(dpkg --print-architecture).deb
benchdeb=$T/src/vnet-bench_${ver}_$(dpkg --print-architecture).deb
dpkg-deb -c "$deb" >"$T/deb.list"
dpkg-deb -c "$benchdeb" >"$T/benchdeb.list"
for f in usr/sbin/vnetd usr/bin/vnetctl lib/systemd/system/vnetd.service \
	usr/share/man/man8/vnetd.8.gz usr/share/man/man8/vnetctl.8.gz \
	usr/share/bash-completion/completions/vnetctl etc/default/vnetd \
	usr/share/doc/vnet/admin.md usr/share/doc/vnet/README.Debian; do
	grep -q " \./$f\$" "$T/deb.list" || fail "vnet package lacks /$f"
done
grep -q ' \./usr/bin/vnet-bench$' "$T/benchdeb.list" || fail "vnet-bench package lacks vnet-bench"
grep -E '/usr/bin/vnet-(bench|vmm)$|/man1/' "$T/deb.list" && fail "vnet package carries vnet-bench or vnet-vmm"
dpkg-deb -c "$T/src/vnet-vmm_${ver}_$(dpkg --print-architecture).deb" >"$T/vmmdeb.list"
grep -q ' \./usr/bin/vnet-vmm$' "$T/vmmdeb.list" || fail "vnet-vmm package lacks vnet-vmm"

# lintian: nothing at error or warning level.
lintian --fail-on error,warning --display-info "$T/src/vnet_${ver}_"*.changes >"$T/lintian.log" 2>&1 ||
	fail "lintian: $(cat "$T/lintian.log")"
log "lintian: $(grep -cE '^[EWIPN]:' "$T/lintian.log") tags shown, none at error or warning level; overridden: $(grep -c '^vnet' "$SRC/debian/vnet.lintian-overrides")"

# Install in a systemd container: the service comes up by itself.
ct_boot
# This image carries Docker's policy-rc.d (exit 101: start no service on
# install); a Debian system does not, and the container should not either.
if [ -e "$(ct_root)/usr/sbin/policy-rc.d" ]; then
	rm "$(ct_root)/usr/sbin/policy-rc.d"
	log "removed Docker's policy-rc.d in the container (services may start on install)"
fi
# (not /tmp: the container's systemd mounts a fresh tmpfs there)
cp "$deb" "$benchdeb" "$(ct_root)/root/"
ct dpkg -i "/root/$(basename "$deb")" "/root/$(basename "$benchdeb")" >"$T/dpkg.log" 2>&1 ||
	fail "dpkg -i: $(cat "$T/dpkg.log")"
[ "$(ct systemctl is-enabled vnetd)" = enabled ] || fail "vnetd.service not enabled"
for _ in $(seq 50); do
	[ "$(ct systemctl is-active vnetd)" = active ] && break
	sleep 0.1
done
[ "$(ct systemctl is-active vnetd)" = active ] ||
	fail "vnetd.service not running after install: $(ct journalctl -u vnetd --no-pager | tail -n 10)"
ct getent group vnet >/dev/null || fail "no group vnet"
ct vnetctl network list >"$T/list" || fail "vnetctl network list against the packaged vnetd"
ct vnetctl network create "p$S" --type private >/dev/null || fail "network create"
ct vnetctl network list | grep -q "p$S" || fail "network not listed"
ct man -w vnetd >/dev/null || fail "man vnetd: no page"
ct vnet-bench 2>&1 | grep -q "usage: vnet-bench" || fail "vnet-bench not runnable"
log "installed: vnetd.service enabled and active, vnetctl network list answers"

# Remove keeps the state; purge removes it and the group.
ct dpkg -r vnet >"$T/dpkg.log" 2>&1 || fail "dpkg -r: $(cat "$T/dpkg.log")"
[ "$(ct systemctl is-active vnetd)" = active ] && fail "vnetd still running after removal"
ct test -f /var/lib/vnet/state.db || fail "removal deleted the state"
ct dpkg -P vnet >"$T/dpkg.log" 2>&1 || fail "dpkg -P: $(cat "$T/dpkg.log")"
ct test -e /var/lib/vnet && fail "purge left /var/lib/vnet"
ct getent group vnet >/dev/null && fail "purge left the vnet group"
log "dpkg -r stops the service and keeps the state; dpkg -P removes both"
ct_halt
pass
