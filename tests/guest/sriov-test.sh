#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# sriov-test.sh - runs as /test.sh inside the SR-IOV test guest (QEMU 10,
# q35, intel-iommu, an emulated igb PF): drives vnetd and vnetctl against
# the real igb/igbvf/vfio-pci drivers.  Prints "SRIOV-OK what" for each
# check passed and "SRIOV-FAIL what" for each failed, then
# "SRIOV-RESULT N failed".  tests/integration/t_sriov.sh reads them.
S=/run/vnet
mkdir -p $S
FAILS=0
ok() { echo "SRIOV-OK $*"; }
bad() {
	echo "SRIOV-FAIL $*"
	FAILS=$((FAILS + 1))
}
C() { vnetctl --socket $S/sock "$@"; }
start() {
	vnetd --socket $S/sock --state $S/state.db --pidfile $S/pid \
		--log-file $S/vnetd.log &
	VPID=$!
	for _ in $(seq 100); do C status >/dev/null 2>&1 && return 0; sleep 0.1; done
	bad "vnetd did not start"
	echo "SRIOV-RESULT $FAILS failed"
	exit 1
}
# vfline N: iproute2's line for VF N of the PF
vfline() { iproute2-ip link show "$PF" | grep "^    vf $1 "; }
# poll TENTHS CMD...: run CMD every 0.1 s until it succeeds, TENTHS times at most
poll() {
	_p=$1
	shift
	while [ "$_p" -gt 0 ]; do
		"$@" && return 0
		_p=$((_p - 1))
		sleep 0.1
	done
	return 1
}
expect_err() { # expect_err TEXT CMD...: the command fails saying TEXT
	what=$1
	shift
	out=$("$@" 2>&1) && { bad "accepted: $* ($out)"; return; }
	case $out in
	*"$what"*) ok "refused: $* -> $out" ;;
	*) bad "refused without '$what': $* -> $out" ;;
	esac
}

PF=""
for n in /sys/class/net/*; do
	[ -e "$n/device/sriov_totalvfs" ] && PF=${n##*/}
done
[ -n "$PF" ] || { bad "no SR-IOV PF in the guest"; echo "SRIOV-RESULT $FAILS failed"; exit 1; }
ip link set "$PF" up
for _ in $(seq 50); do [ "$(cat /sys/class/net/$PF/carrier 2>/dev/null)" = 1 ] && break; sleep 0.1; done
ok "PF $PF ($(readlink /sys/class/net/$PF/device/driver | sed 's|.*/||'), $(cat /sys/class/net/$PF/device/sriov_totalvfs) VFs at most, speed $(cat /sys/class/net/$PF/speed))"
start

# ---- provisioning ----
C sriov set-numvfs "$PF" 3 >/dev/null || bad "set-numvfs 3"
# igbvf binds the new VFs meanwhile
vfs_bound() {
	[ "$(C --json sriov list | jq "[.[] | select(.pf==\"$PF\") | .vfs[] | select(.driver==\"igbvf\")] | length")" = 3 ]
}
poll 50 vfs_bound
[ "$(cat /sys/class/net/$PF/device/sriov_numvfs)" = 3 ] && ok "3 VFs created" || bad "numvfs is $(cat /sys/class/net/$PF/device/sriov_numvfs)"
L=$(C --json sriov list)
n=$(echo "$L" | jq "[.[] | select(.pf==\"$PF\") | .vfs[] | select(.driver==\"igbvf\" and .iommu_group != null and (.pci | test(\"^0000:\")))] | length")
[ "$n" = 3 ] && ok "sriov list: 3 VFs on igbvf with PCI addresses and IOMMU groups" || bad "sriov list: $L"
C sriov list
expect_err "at most 7 VFs" C sriov set-numvfs "$PF" 8
expect_err "not an SR-IOV physical function" C sriov set-numvfs lo 1
expect_err "out of range" C sriov vf "$PF" 5 --trust on
expect_err "no network device" C sriov set-numvfs nosuch0 1

# ---- VF settings: every attribute igb takes, read back two ways ----
# igb takes a rate limit only once its watchdog has read the link speed,
# which can come a while after the carrier under a loaded TCG host: wait
# for that (straight through iproute2), then take the limit off again.
rate_ok() { iproute2-ip link set "$PF" vf 0 max_tx_rate 100 2>/dev/null; }
poll 100 rate_ok || bad "igb never took a rate limit on VF 0"
iproute2-ip link set "$PF" vf 0 max_tx_rate 0
# (--state auto: igb refuses any link state, but the VF is at auto already,
# and a setting the VF already has is not sent)
out=$(C --json sriov vf "$PF" 0 --mac 52:54:00:aa:bb:01 --vlan 10 --qos 3 \
	--spoofchk off --trust on --rate 0:100 --state auto 2>&1)
case $out in *'"mac": "52:54:00:aa:bb:01"'*) ok "sriov vf: settings applied and read back";; *) bad "sriov vf: $out";; esac
# igb reports no link state it can change, but it reports "auto"
l=$(vfline 0)
for w in "link/ether 52:54:00:aa:bb:01" "vlan 10" "qos 3" "max_tx_rate 100Mbps" "spoof checking off" "trust on"; do
	case $l in *"$w"*) ok "iproute2 reads back $w" ;; *) bad "iproute2: no '$w' in: $l" ;; esac
done
echo "$out" | jq -e '.applied | .vlan==10 and .qos==3 and .vlan_proto=="802.1Q" and .spoofchk=="off" and .trust=="on" and .rate=="0:100" and .state=="auto"' >/dev/null &&
	ok "vnet reads back vlan 10 qos 3 802.1Q spoofchk off trust on rate 0:100 state auto" || bad "applied: $out"
# refusals, each named, nothing half-applied (the VLAN set before it is put back)
expect_err "the driver refused rate 10:100" C sriov vf "$PF" 0 --vlan 20 --rate 10:100
case $(vfline 0) in *"vlan 10,"*) ok "min rate refused: vlan 20 put back to 10" ;; *) bad "half-applied: $(vfline 0)" ;; esac
expect_err "the driver refused state enable (link state): Operation not supported" C sriov vf "$PF" 0 --state enable
expect_err "proto 802.1ad (VLAN (with QoS and protocol)): Protocol not supported" C sriov vf "$PF" 0 --vlan 20 --vlan-proto 802.1ad
case $(vfline 0) in *"vlan 10,"*"trust on"*) ok "VF 0 unchanged after the refusals" ;; *) bad "VF 0 changed: $(vfline 0)" ;; esac
expect_err "qos: needs a VLAN" C sriov vf "$PF" 0 --vlan 0 --qos 2

# ---- pool, two VFs to vfio-pci, under concurrent requests ----
C network create lab --type private --sriov-pool "$PF:1-2" --sriov-vlan 42 >/dev/null || bad "network with a pool"
C network create plain --type private >/dev/null
expect_err "has no SR-IOV pool" C port add plain --sriov vmx
# VFs left with a rate limit (a vf object's, since deleted): a port's VF
# gets no limit (and link state auto) all the same
iproute2-ip link set "$PF" vf 1 max_tx_rate 50 || bad "max_tx_rate 50 on VF 1"
iproute2-ip link set "$PF" vf 2 max_tx_rate 50 || bad "max_tx_rate 50 on VF 2"
adders=""
for i in 1 2 3 4; do
	C port add lab --sriov "vm$i" >$S/add$i.out 2>&1 &
	adders="$adders $!"
done
wait $adders
nok=0
for i in 1 2 3 4; do
	if grep -q created $S/add$i.out; then nok=$((nok + 1)); else cat $S/add$i.out; fi
done
[ "$nok" = 2 ] && ok "4 concurrent requests for a pool of 2: 2 ports" || bad "$nok ports from a pool of 2"
grep -h "no free VF" $S/add*.out | head -1 | grep -q "pool" && ok "the others refused: $(grep -h 'no free VF' $S/add*.out | head -1)" || bad "no 'no free VF' refusal"
P=$(C --json port list | jq -r '[.[] | select(.kind=="sriov")] | .[].name' | tr '\n' ' ')
set -- $P
A=$1 B=$2
vfa=$(C --json port show "$A" | jq .sriov.vf)
vfb=$(C --json port show "$B" | jq .sriov.vf)
[ "$vfa" != "$vfb" ] && [ -n "$vfa" ] && ok "$A has VF $vfa, $B has VF $vfb: never the same" || bad "same VF: $vfa $vfb"
for p in $A $B; do
	j=$(C --json port show "$p")
	echo "$j" | jq -c .sriov
	pci=$(echo "$j" | jq -r .sriov.pci)
	vf=$(echo "$j" | jq -r .sriov.vf)
	mac=$(echo "$j" | jq -r .sriov.mac)
	echo "$j" | jq -e '.sriov.pf and .sriov.iommu_group != null and .sriov.vlan == 42 and .state == "up" and .kind == "sriov"' >/dev/null &&
		ok "port show $p: sriov {pf, vf $vf, pci $pci, iommu_group, mac $mac, vlan 42}, up" || bad "port show $p: $j"
	[ "$(readlink /sys/bus/pci/devices/$pci/driver | sed 's|.*/||')" = vfio-pci ] && ok "$pci bound to vfio-pci" || bad "$pci driver: $(readlink /sys/bus/pci/devices/$pci/driver)"
	case $(vfline "$vf") in *"link/ether $mac"*"vlan 42,"*"spoof checking on"*) ok "VF $vf: mac $mac vlan 42 spoofchk on" ;; *) bad "VF $vf: $(vfline "$vf")" ;; esac
	case $(vfline "$vf") in *max_tx_rate*) bad "VF $vf kept a rate limit: $(vfline "$vf")" ;; *) ok "VF $vf: the old rate limit cleared" ;; esac
	r=$(sriov_probe vfio "$pci")
	case $r in *"8086:10ca"*) ok "VFIO container/group/device open, config space read: $r" ;; *) bad "$r" ;; esac
	# vnet-vmm's own VFIO path (all but KVM): the project builds it, so
	# a vnet-vmm without vfio-check is a failure, not a skip
	r=$(vnet-vmm vfio-check "$pci" 2>&1)
	case $r in *"vendor 8086 device 10ca"*) ok "vnet-vmm vfio-check $pci: $(echo "$r" | grep -E 'config:|DMA:|MSI-X:' | tr '\n' ';')" ;; *) bad "vnet-vmm vfio-check $pci: $r" ;; esac
done
C port list
C port list | grep -q "sriov.*$(C --json port show "$A" | jq -r .sriov.pci).*up" && ok "port list shows the VF beside virtual ports" || bad "port list"
expect_err "is in use by port" C sriov vf "$PF" "$vfa" --trust on
expect_err "in use by port" C sriov set-numvfs "$PF" 4
# a VF with its own stored settings (VF 0) is never handed to a port: a
# pool over it is allowed, but picking skips it and sriov list says so
C network create lab0 --type private --sriov-pool "$PF:0-0" >/dev/null || bad "network lab0 over VF 0"
expect_err "own settings" C port add lab0 --sriov vmz
C port del vmz >/dev/null 2>&1
C --json sriov list | jq -e '[.[].vfs[] | select(.vf==0 and .pool=="lab0" and (.skipped | test("own settings")))] | length == 1' >/dev/null &&
	ok "sriov list: VF 0 in lab0's pool, skipped for its own settings" || bad "sriov list VF 0: $(C --json sriov list | jq -c '.[].vfs[0]')"
C network delete lab0 >/dev/null || bad "network delete lab0"
# two networks never share a VF
expect_err "overlaps" C network create lab2 --type private --sriov-pool "$PF:2-3"
expect_err "overlaps" C network set plain --sriov-pool "$PF"
before=$(C --json port list | jq -c '[.[] | select(.kind=="sriov") | .sriov] | sort_by(.vf)')

# ---- kill -9 vnetd: assignments and settings survive ----
kill -9 $VPID
wait $VPID 2>/dev/null
pa=$(C --json port show "$A" 2>/dev/null)
start
after=$(C --json port list | jq -c '[.[] | select(.kind=="sriov") | .sriov] | sort_by(.vf)')
[ -n "$before" ] && [ "$before" != "[]" ] && [ "$before" = "$after" ] && ok "after kill -9 and restart: the same VFs, PCI addresses, MACs, VLANs" || bad "before $before after $after"
C --json port list | jq -e '[.[] | select(.kind=="sriov" and .state=="up")] | length == 2' >/dev/null && ok "both sriov ports up again" || bad "$(C port list)"
C --json sriov list | jq -e "[.[].vfs[] | select(.port != null)] | length == 2" >/dev/null && ok "sriov list names the ports holding VFs" || bad "sriov list holders"
case $(vfline 0) in *"vlan 10,"*"trust on"*) ok "VF 0 settings kept" ;; *) bad "VF 0: $(vfline 0)" ;; esac

# ---- a reset behind vnet's back: settings applied again ----
iproute2-ip link set "$PF" vf 0 vlan 0 trust off
iproute2-ip link set "$PF" vf "$vfa" vlan 7
ip link set "$PF" down
ip link set "$PF" up
reapplied() {
	case $(vfline 0) in *"vlan 10,"*"trust on"*) ;; *) return 1 ;; esac
	case $(vfline "$vfa") in *"vlan 42,"*) ;; *) return 1 ;; esac
}
poll 50 reapplied
case $(vfline 0) in *"vlan 10,"*"trust on"*) ok "PF link event: VF 0 settings applied again" ;; *) bad "VF 0 after reset: $(vfline 0)" ;; esac
case $(vfline "$vfa") in *"vlan 42,"*) ok "PF link event: VF $vfa (port $A) VLAN 42 applied again" ;; *) bad "VF $vfa after reset: $(vfline "$vfa")" ;; esac

# ---- a driver reload: the PF comes back without VFs ----
rmmod igb
insmod /lib/modules/igb.ko
for _ in $(seq 50); do [ -e /sys/class/net/$PF ] && break; sleep 0.1; done
ip link set "$PF" up
for _ in $(seq 50); do [ "$(cat /sys/class/net/$PF/carrier 2>/dev/null)" = 1 ] && break; sleep 0.1; done
for _ in $(seq 50); do
	[ "$(C --json port list | jq '[.[] | select(.kind=="sriov" and .state=="up")] | length')" = 2 ] && break
	sleep 0.2
done
[ "$(cat /sys/class/net/$PF/device/sriov_numvfs)" = 3 ] && ok "igb reloaded: 3 VFs again" || bad "after reload: $(cat /sys/class/net/$PF/device/sriov_numvfs) VFs"
case $(vfline 0) in *"link/ether 52:54:00:aa:bb:01"*"vlan 10,"*"trust on"*) ok "igb reloaded: VF 0 settings applied again: $(vfline 0)" ;; *) bad "VF 0 after reload: $(vfline 0)" ;; esac
after=$(C --json port list | jq -c '[.[] | select(.kind=="sriov") | .sriov] | sort_by(.vf)')
[ "$before" = "$after" ] && ok "igb reloaded: both ports have their VFs on vfio-pci again, same MACs and VLANs" || bad "after reload: $after (before $before)"
case $(vfline "$vfa") in *"vlan 42,"*"spoof checking on"*) ok "igb reloaded: VF $vfa VLAN 42, spoof checking on" ;; *) bad "VF $vfa after reload: $(vfline "$vfa")" ;; esac

# ---- release ----
pci=$(C --json port show "$A" | jq -r .sriov.pci)
amac=$(C --json port show "$A" | jq -r .sriov.mac)
# While a VM holds the VF, nothing gives it back: not a port del, not a
# network delete --force (the VM would be untagged on the PF's LAN, and
# the unbind would wait for the VM with vnetd in it).
sriov_probe hold "$pci" >$S/hold.out 2>&1 &
hp=$!
poll 50 grep -q held $S/hold.out || bad "sriov_probe hold $pci: $(cat $S/hold.out)"
ok "VFIO device $pci held open (enable $(cat /sys/bus/pci/devices/$pci/enable))"
expect_err "is in use by" C port del "$A"
expect_err "is in use by" C network delete lab --force
C config export >$S/held.json
jq ".ports |= map(select(.name != \"$A\"))" $S/held.json >$S/held2.json
expect_err "is in use by" C config import --replace $S/held2.json
C status >/dev/null && ok "vnetd answers while the VF is held" || bad "vnetd stuck"
case $(vfline "$vfa") in *"link/ether $amac"*"vlan 42,"*) ok "held VF $vfa keeps MAC $amac and VLAN 42" ;; *) bad "held VF changed: $(vfline "$vfa")" ;; esac
[ "$(readlink /sys/bus/pci/devices/$pci/driver | sed 's|.*/||')" = vfio-pci ] && ok "held VF stays on vfio-pci" || bad "held VF unbound"
kill $hp
wait $hp 2>/dev/null
[ "$(cat /sys/bus/pci/devices/$pci/enable)" = 0 ] && ok "VM gone: $pci no longer enabled" || bad "$pci enable: $(cat /sys/bus/pci/devices/$pci/enable)"
C port del "$A" >/dev/null || bad "port del $A"
drv=$(readlink /sys/bus/pci/devices/$pci/driver | sed 's|.*/||')
[ "$drv" = igbvf ] && ok "$A deleted: $pci back on igbvf" || bad "$pci driver after release: $drv"
# The PF no longer imposes the VM's MAC: igbvf picks its own at probe and
# the PF reports that one.
vnd=$(ls /sys/bus/pci/devices/$pci/net 2>/dev/null)
[ -n "$vnd" ] && ok "VF $vfa has its netdev again ($vnd)" || bad "no netdev on $pci"
case $(vfline "$vfa") in
*"link/ether $amac"*) bad "MAC $amac still set: $(vfline "$vfa")" ;;
*"link/ether $(cat /sys/class/net/$vnd/address 2>/dev/null) "*) ok "VF $vfa: the VM's MAC $amac cleared, the host driver's own in use" ;;
*) bad "VF $vfa MAC: $(vfline "$vfa"), netdev $(cat /sys/class/net/$vnd/address 2>/dev/null)" ;;
esac
case $(vfline "$vfa") in *vlan*) bad "VLAN not cleared: $(vfline "$vfa")" ;; *) ok "VF $vfa: VLAN cleared" ;; esac
C port add lab --sriov vm5 >/dev/null && [ "$(C --json port show vm5 | jq .sriov.vf)" = "$vfa" ] && ok "VF $vfa back in the pool: vm5 took it" || bad "VF not back in the pool"
C port del vm5 >/dev/null
# an import --replace that drops an sriov port gives its VF back too
pb=$(C --json port show "$B" | jq -r .sriov.pci)
C config export >$S/cfg.json
jq ".ports |= map(select(.name != \"$B\"))" $S/cfg.json >$S/cfg2.json
C config import --replace $S/cfg2.json >/dev/null || bad "import --replace"
[ "$(readlink /sys/bus/pci/devices/$pb/driver | sed 's|.*/||')" = igbvf ] &&
	ok "import --replace without $B: $pb back on igbvf" || bad "$pb after import: $(readlink /sys/bus/pci/devices/$pb/driver)"
C port del "$B" >/dev/null 2>&1
n=$(C --json sriov list | jq "[.[].vfs[] | select(.driver==\"igbvf\")] | length")
[ "$n" = 3 ] && ok "all 3 VFs back on igbvf" || bad "$n VFs on igbvf"
# vnet-vmm hears the host ask for a VF back (vfio-pci's device request):
# an unbind of a VF it holds waits only until it lets go, not for the VM
p2=$(basename "$(readlink /sys/class/net/$PF/device/virtfn2)")
echo vfio-pci >/sys/bus/pci/devices/$p2/driver_override
echo "$p2" >/sys/bus/pci/devices/$p2/driver/unbind
echo "$p2" >/sys/bus/pci/drivers/vfio-pci/bind || bad "bind $p2 to vfio-pci"
vnet-vmm vfio-check "$p2" --hold 60 >$S/hold2.out 2>&1 &
vp=$!
poll 200 grep -q "holding" $S/hold2.out || bad "vfio-check --hold: $(cat $S/hold2.out)"
t0=$(date +%s)
echo "$p2" >/sys/bus/pci/drivers/vfio-pci/unbind
t1=$(date +%s)
wait $vp
grep -q "the host asked for $p2 back" $S/hold2.out && [ $((t1 - t0)) -lt 20 ] &&
	ok "unbind of a VF vnet-vmm held: the host asked, vnet-vmm let go ($((t1 - t0)) s)" ||
	bad "device request: unbind took $((t1 - t0)) s: $(tail -3 $S/hold2.out)"
echo >/sys/bus/pci/devices/$p2/driver_override
echo "$p2" >/sys/bus/pci/drivers_probe
[ "$(readlink /sys/bus/pci/devices/$p2/driver | sed 's|.*/||')" = igbvf ] || bad "$p2 not back on igbvf"
# a failed bind puts the VF back exactly as it was (vfio-pci unloaded:
# the bind fails after the port's MAC and VLAN were set)
iproute2-ip link set "$PF" vf 1 mac 52:54:00:aa:bb:11 vlan 5 qos 2 spoofchk off trust on
b1=$(vfline 1)
rmmod vfio_pci || bad "rmmod vfio_pci"
expect_err "vfio-pci driver is not loaded" C port add lab --sriov vmf
a1=$(vfline 1)
[ -n "$b1" ] && [ "$a1" = "$b1" ] && ok "failed bind: VF 1 as it was: $a1" || bad "failed bind changed VF 1: before '$b1' after '$a1'"
insmod /lib/modules/vfio-pci.ko || bad "insmod vfio-pci"
# a new VF count: VF 0's stored settings go on the new VF 0 (not left to a
# PF link event); a count that would drop VF 0 is refused
expect_err "vf $PF/0 has stored settings for VF 0" C sriov set-numvfs "$PF" 0
v0set() { case $(vfline 0) in *"vlan 10,"*"trust on"*) ;; *) return 1 ;; esac; }
C sriov set-numvfs "$PF" 4 >/dev/null || bad "set-numvfs 4"
poll 30 v0set && ok "set-numvfs 4: VF 0's stored settings on the new VF 0: $(vfline 0)" || bad "set-numvfs 4: VF 0 $(vfline 0)"
C sriov set-numvfs "$PF" 3 >/dev/null || bad "set-numvfs 3 again"
poll 30 v0set && ok "set-numvfs 3: VF 0's settings again" || bad "set-numvfs 3: VF 0 $(vfline 0)"
# vf-reset: the stored settings go, the VF is clean
C sriov vf-reset "$PF" 0 >/dev/null || bad "vf-reset $PF 0"
case $(vfline 0) in *"vlan "* | *"trust on"*) bad "vf-reset: VF 0 $(vfline 0)" ;; *) ok "vf-reset: VF 0 back to the defaults: $(vfline 0)" ;; esac
[ "$(C --json config export | jq '.vfs | length')" = 0 ] && ok "vf-reset: VF 0 has no stored settings" || bad "vf-reset: still stored: $(C --json config export | jq -c .vfs)"
# allowed: the reload's (VF count back; a rate igb takes only once the link
# is up, tried again at the next link event)
grep -E "level=(err|warn)" $S/vnetd.log | grep -v -e "reset?" -e "next link change" && bad "warnings or errors in vnetd's log"
kill $VPID
wait $VPID
rc=$?
[ $rc = 0 ] && ok "vnetd stopped cleanly" || bad "vnetd exited $rc on SIGTERM (under ASan: a leak or an error)"

# ---- vnetd --user: SR-IOV refused up front, with the reason ----
# (restarted as a user on a copy of the state: the stored PF and its
# settings are not written, and say why)
U=/run/vnetu
echo "vnetu:x:65534:65534::/:/bin/false" >>/etc/passwd
echo "vnetu:x:65534:" >>/etc/group
mkdir -p $U
cp $S/state.db $U/state.db
chown -R 65534:65534 $U
chmod 0711 $U
vnetd --user vnetu --socket $U/sock --state $U/state.db --pidfile $U/pid \
	--log-file $U/vnetd.log &
UPID=$!
for _ in $(seq 100); do vnetctl --socket $U/sock status >/dev/null 2>&1 && break; sleep 0.1; done
expect_err "unprivileged user (--user)" vnetctl --socket $U/sock sriov set-numvfs "$PF" 2
expect_err "unprivileged user (--user)" vnetctl --socket $U/sock port add lab --sriov vmu
grep "sriov_pf $PF" $U/vnetd.log | grep -q "unprivileged user" &&
	ok "--user: the restored PF is not written, the log says why" || bad "--user restore: $(grep -i sriov $U/vnetd.log)"
[ "$(cat /sys/class/net/$PF/device/sriov_numvfs)" = 3 ] && ok "--user: VFs untouched" || bad "--user: numvfs $(cat /sys/class/net/$PF/device/sriov_numvfs)"
kill $UPID
wait $UPID
echo "SRIOV-RESULT $FAILS failed"
