# libvirt as a vnet client: in a container booted with systemd (libvirt
# needs its daemons; tests/admin/container.sh), vnet installed with make
# install and run by vnetd.service with the libvirt drop-in (Group=kvm,
# docs/admin.md), two domains (type qemu: TCG) started with virsh, each
# with an <interface type='vhostuser'> on a vnet port and shared memfd
# memory: vm1 in libvirt's client mode (vnetd listens), vm2 in server mode
# (QEMU listens, vnetd connects).  The project's test guest takes its
# address from vnet's DHCP server and pings the gateway; `virsh domiflist`
# and vnet's MAC table for the port agree on the MAC.  Then vnetd is
# killed with SIGKILL: systemd restarts it and vm1 reconnects and pings
# again.  Last, a domain whose socket vnet does not own fails to start
# with the reason.
# vnet-test: alone
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/container.sh"
need_root
export DEBIAN_FRONTEND=noninteractive
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 not installed"
if ! dpkg-query -W -f='${Status}' libvirt-daemon-system 2>/dev/null | grep -q "ok installed"; then
	apt-get install -y -qq --no-install-recommends libvirt-daemon-system \
		libvirt-clients libvirt-daemon-driver-qemu >"$T/apt.log" 2>&1 ||
		skip "cannot install libvirt-daemon-system: $(tail -n 1 "$T/apt.log")"
fi
G=${VNET_GUEST_CACHE:-$(readlink -f "$(dirname "$0")/../guest")/cache}
sh "$(dirname "$0")/../guest/build.sh" "$G" >"$T/guest-build.log" 2>&1 ||
	skip "cannot build the test guest: $(tail -1 "$T/guest-build.log")"
mkdir -p /run/netns
ct_boot
R=$(ct_root)
virsh() { timeout 120 nsenter -t "$CT_LEADER" -m -u -i -p -- virsh -c qemu:///system "$@"; }

# This image's Docker policy-rc.d would keep services from starting.
rm -f "$R/usr/sbin/policy-rc.d"
# nspawn gives the container a read-only cgroup tree: libvirt must not try
# to make per-domain cgroups in it (a host with systemd as PID 1 needs no
# such line).
echo 'cgroup_controllers = [ ]' >>"$R/etc/libvirt/qemu.conf"
make -s install DESTDIR="$R" PREFIX=/usr BUILD="$BUILD" >"$T/install.log" 2>&1 ||
	fail "make install: $(cat "$T/install.log")"
# The libvirt set-up docs/admin.md gives: vnetd in group kvm, so QEMU
# (libvirt-qemu, group kvm) may connect to the sockets vnetd makes and
# vnetd to those QEMU makes in a kvm-group directory.
mkdir -p "$R/etc/systemd/system/vnetd.service.d"
printf '[Service]\nGroup=kvm\n' >"$R/etc/systemd/system/vnetd.service.d/libvirt.conf"
ct install -d -o libvirt-qemu -g kvm -m 2770 /var/lib/libvirt/vhost
ct systemd-sysusers >/dev/null
ct systemctl daemon-reload
# Local sockets only: no TCP/TLS listeners in the host's namespace.
for u in libvirtd-tcp.socket libvirtd-tls.socket; do
	ln -sf /dev/null "$R/etc/systemd/system/$u"
done
ct systemctl daemon-reload
ct systemctl start libvirtd.service vnetd ||
	fail "start libvirtd and vnetd: $(ct journalctl --no-pager -u libvirtd -u vnetd | tail -n 20)"
for _ in $(seq 30); do
	virsh version >/dev/null 2>&1 && break
	sleep 1
done
virsh version >/dev/null || fail "virsh cannot reach libvirtd: $(ct journalctl --no-pager -u libvirtd | tail -n 10)"
log "libvirt $(virsh version | sed -n 's/.*libvirt \([0-9.]*\).*/\1/p' | head -n1), vnetd.service with Group=kvm"

ct vnetctl network create "lv$S" --type internal --subnet 10.232.$N.0/24 --dhcp >/dev/null ||
	fail "network create"
ct vnetctl port add "lv$S" --vhost-user /run/vnet/vm1.sock >/dev/null || fail "port vm1"
mkdir -p "$R/var/lib/vnet-guest"
cp "$G/vmlinuz" "$G/initrd.gz" "$R/var/lib/vnet-guest/"

# domain NAME MAC SOCKET MODE [noreconnect]: the domain XML, as docs/admin.md shows it,
# with the test guest's kernel and a serial log.
domain() {
	reconnect=""
	[ "$4" = client ] && [ -z "${5:-}" ] && reconnect="<reconnect enabled='yes' timeout='1'/>"
	cat <<EOX
<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>$1</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <memoryBacking>
    <source type='memfd'/>
    <access mode='shared'/>
  </memoryBacking>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>/var/lib/vnet-guest/vmlinuz</kernel>
    <initrd>/var/lib/vnet-guest/initrd.gz</initrd>
    <cmdline>console=ttyS0 quiet panic=-1 vnet.run=udhcpc,-i,eth0,-s,/usr/share/udhcpc/default.script,-q,-n,-t,20,-T,2;ping,-c,600,-i,0.5,10.232.$N.1</cmdline>
  </os>
  <features><acpi/><apic/></features>
  <on_reboot>destroy</on_reboot>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <interface type='vhostuser'>
      <mac address='$2'/>
      <source type='unix' path='$3' mode='$4'>$reconnect</source>
      <model type='virtio'/>
      <alias name='ua-$1'/>
    </interface>
    <serial type='file'>
      <source path='/var/log/vnet-$1.log'/>
      <target port='0'/>
    </serial>
  </devices>
  <!-- TCG only: QEMU's vhost-user NIC without MSI-X (as tests/integration
       uses it); with KVM leave this out. -->
  <qemu:override>
    <qemu:device alias='ua-$1'>
      <qemu:frontend>
        <qemu:property name='vectors' type='unsigned' value='0'/>
      </qemu:frontend>
    </qemu:device>
  </qemu:override>
</domain>
EOX
}
domain vm1 52:54:00:e2:00:11 /run/vnet/vm1.sock client >"$R/root/vm1.xml"
domain vm2 52:54:00:e2:00:12 /var/lib/libvirt/vhost/vm2.sock server >"$R/root/vm2.xml"
virsh define /root/vm1.xml >/dev/null || fail "define vm1"
virsh define /root/vm2.xml >/dev/null || fail "define vm2"
log "defined vm1 and vm2"
virsh start vm1 >/dev/null || fail "virsh start vm1: $(tail -n 3 "$R/var/log/libvirt/qemu/vm1.log")"
# Server mode: the socket is QEMU's and vnetd connects to it, retrying
# every second until it appears; QEMU holds the guest until vnetd is
# there, so the port comes first.
ct vnetctl port add "lv$S" --vhost-user /var/lib/libvirt/vhost/vm2.sock --client >/dev/null ||
	fail "port vm2"
virsh start vm2 >/dev/null || fail "virsh start vm2: $(tail -n 3 "$R/var/log/libvirt/qemu/vm2.log")"
log "virsh start vm1 (client mode) and vm2 (server mode): running"

wait_for() { # FILE PATTERN COUNT SECONDS
	for _ in $(seq "$4"); do
		[ "$(grep -ac "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
		sleep 1
	done
	return 1
}
for vm in vm1 vm2; do
	f=$R/var/log/vnet-$vm.log
	wait_for "$f" VNET-GUEST-UP 1 180 || fail "$vm did not boot: $(tail -c 600 "$f")"
	wait_for "$f" VNET-DHCP-BOUND 1 60 || fail "$vm got no lease: $(grep -a udhcpc "$f" | tail -n 3)"
	wait_for "$f" "bytes from 10.232.$N.1" 3 60 || fail "$vm cannot ping the gateway: $(tail -c 400 "$f")"
	ip=$(grep -a VNET-DHCP-BOUND "$f" | head -n1 | awk '{print $2}')
	# virsh domiflist and vnet agree on the MAC.
	vmac=$(virsh domiflist $vm | awk '/vhostuser/ {print $5}')
	pmac=$(ct vnetctl --json mac show "lv$S" | jq -r ".[] | select(.port==\"$vm\") | .mac")
	[ -n "$vmac" ] && [ "$vmac" = "$pmac" ] || fail "$vm: virsh domiflist says $vmac, vnet's MAC table for port $vm says '$pmac'"
	[ "$(ct vnetctl --json port show $vm | jq -r .connected)" = true ] || fail "port $vm not connected"
	log "$vm: lease $ip from vnet's DHCP server, pings the gateway; MAC $vmac in virsh domiflist and on vnet port $vm"
done

# kill -9 vnetd: systemd restarts it, QEMU (vm1, <reconnect>) and vnetd
# (vm2, a client-mode port) reconnect, the guests' pings go on.
pid=$(ct systemctl show -p MainPID --value vnetd)
ct kill -9 "$pid"
n1=$(grep -ac "bytes from" "$R/var/log/vnet-vm1.log")
n2=$(grep -ac "bytes from" "$R/var/log/vnet-vm2.log")
wait_for "$R/var/log/vnet-vm1.log" "bytes from" $((n1 + 5)) 60 ||
	fail "vm1 did not get through after vnetd's restart: $(ct vnetctl port show vm1 | head -n 8)"
wait_for "$R/var/log/vnet-vm2.log" "bytes from" $((n2 + 5)) 60 ||
	fail "vm2 did not get through after vnetd's restart: $(ct vnetctl port show vm2 | head -n 8)"
[ "$(ct systemctl show -p NRestarts --value vnetd)" = 1 ] || fail "vnetd was not restarted by systemd"
log "kill -9 of vnetd: restarted by systemd, both guests reconnected and ping again"

# A socket vnet does not own: the domain does not start, and says why.
domain vm3 52:54:00:e2:00:13 /run/vnet/nobody.sock client noreconnect >"$R/root/vm3.xml"
virsh define /root/vm3.xml >/dev/null || fail "define vm3"
out=$(virsh start vm3 2>&1) && fail "vm3 started on a socket no one listens on"
echo "$out" | grep -q "/run/vnet/nobody.sock" || fail "unclear refusal: $out"
log "a socket vnet does not own: $(echo "$out" | grep -o 'Failed to connect.*' | head -n1)"
for vm in vm1 vm2; do virsh destroy $vm >/dev/null 2>&1; done
ct_halt
pass
