# The end of a veth pair vnetd keeps in its own namespace (vh-NAME) is a
# switch port, not an interface of the host: IPv6 is off on it.  A guest
# that sends router advertisements (a prefix, a default router) on its
# veth gives the host's namespace no address and no route, and the host
# end's own IPv6 (link-local address, router solicitations) does not
# reach the guest.  A pair an earlier vnetd left (IPv6 on) is put right
# when vnetd starts again and takes it.
. "$(dirname "$0")/lib.sh"
need_root
$PY -c "import scapy.all" 2>/dev/null || skip "python3-scapy not installed"
[ -d /proc/sys/net/ipv6 ] || skip "no IPv6 in this kernel"
start_vnetd
vnetctl network create "h$S" --type internal >/dev/null || fail "create"
ns "c$S"
vnetctl port add "h$S" --veth "vc$S" --netns "c$S" >/dev/null || fail "port"
ip -n "c$S" link set "vc$S" up
H="vh-vc$S"
v6off() { [ "$(cat "/proc/sys/net/ipv6/conf/$H/disable_ipv6")" = 1 ]; }
v6off || fail "IPv6 is on on the host end $H"
# The guest advertises itself as a router with a prefix, three times.
ip netns exec "c$S" $PY - "vc$S" <<'PY' 2>/dev/null || fail "scapy"
import sys
from scapy.all import Ether, IPv6, ICMPv6ND_RA, ICMPv6NDOptPrefixInfo, sendp, conf
conf.verb = 0
sendp(Ether(dst="33:33:00:00:00:01") / IPv6(src="fe80::bad", dst="ff02::1") /
      ICMPv6ND_RA(routerlifetime=1800) /
      ICMPv6NDOptPrefixInfo(prefix="fd00:bad:1::", prefixlen=64),
      iface=sys.argv[1], count=3, inter=0.2)
PY
sleep 1
ip -6 route show dev "$H" 2>/dev/null | grep -q . &&
	fail "the guest's RA gave the host routes on $H: $(ip -6 route show dev "$H")"
ip -6 addr show dev "$H" | grep -q inet6 &&
	fail "the host end $H has IPv6 addresses: $(ip -6 addr show dev "$H")"
log "a guest's router advertisements leave the host's namespace as it was"

# A pair left with IPv6 on (an older vnetd's) is put right at start.
stop_vnetd
echo 0 >"/proc/sys/net/ipv6/conf/$H/disable_ipv6"
start_vnetd
wait_port "vc$S" up || fail "port not up after the restart"
v6off || fail "IPv6 still on on $H after vnetd took the pair again"
log "after a restart: IPv6 off again on $H"
pass
