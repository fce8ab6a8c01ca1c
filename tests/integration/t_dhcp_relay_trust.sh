# DHCP relay trust: a DHCP message with a relay address (giaddr) is served
# only from a port trusted to relay: a guest port marked --dhcp-trusted (or
# a port that is no guest's: uplink, host vNIC).  A guest that sets giaddr
# itself would pick the subnet its leases come from and the address the
# replies go to; the server drops its messages, counted as
# untrusted_relay.  perfdhcp (package kea-admin), which speaks as a relay
# (giaddr 10.83.0.2, random client MACs), is the relay:
#  - from an untrusted guest port: no OFFER, no lease, untrusted_relay
#    counts its DISCOVERs;
#  - once the port is set --dhcp-trusted: its exchanges are ACKed and the
#    leases bound;
#  - --no-dhcp-trusted: dropped again.
# vnet-test: long
# vnet-test: no-sanitizer a perfdhcp load; relayed messages and port trust run under the sanitizers in test_dhcp_server and fuzz_dhcp (which chooses the trust), the DHCP paths in t_dhcp_clients and t_dhcp_steal
. "$(dirname "$0")/lib.sh"
need_root
command -v perfdhcp >/dev/null || skip "perfdhcp (package kea-admin) not installed"
start_vnetd
N="rt$S"
vnetctl network create "$N" --type internal --subnet 10.83.0.0/16 --dhcp \
	--range 10.83.1.0-10.83.1.255 >/dev/null || fail "create"
ns "r$S"
vnetctl port add "$N" --tap "tr$S" --netns "r$S" >/dev/null || fail "port"
addr "r$S" "tr$S" 10.83.0.2/16
pings "r$S" 10.83.0.1
drops() { jget ".gateway_counters.dhcp.drops.untrusted_relay // 0" network show "$N"; }
bound() { vnetctl --json dhcp leases "$N" | jq '[.[] | select(.state == "bound")] | length'; }
# perf: "OFFERS ACKS" perfdhcp received in a short run
perf() {
	ip netns exec "r$S" timeout 20 perfdhcp -4 -l 10.83.0.2 -R 1000 -r 20 \
		-p 4 10.83.0.1 >"$T/perf.out" 2>&1
	awk '/received packets:/ {n++; v[n] = $3}
	     END {printf "%d %d\n", v[1], v[2]}' "$T/perf.out"
}

d0=$(drops)
got=$(perf)
d1=$(drops)
log "untrusted: perfdhcp received (offers acks) $got; untrusted_relay $d0 -> $d1"
[ "${got%% *}" = 0 ] || fail "an untrusted relay was answered: $got"
[ $((d1 - d0)) -ge 10 ] || fail "untrusted_relay $d0 -> $d1"
[ "$(bound)" = 0 ] || fail "leases bound for an untrusted relay: $(vnetctl dhcp leases "$N")"

vnetctl port set "tr$S" --dhcp-trusted >/dev/null || fail "set --dhcp-trusted"
got=$(perf)
log "trusted: perfdhcp received (offers acks) $got; $(bound) leases bound"
[ "${got%% *}" -ge 10 ] && [ "${got##* }" -ge 10 ] ||
	fail "a trusted relay was not served: $got: $(cat "$T/perf.out")"
[ "$(bound)" -ge 10 ] || fail "leases bound: $(bound)"

vnetctl port set "tr$S" --no-dhcp-trusted >/dev/null || fail "--no-dhcp-trusted"
d0=$(drops)
got=$(perf)
d1=$(drops)
[ "${got%% *}" = 0 ] || fail "answered again after --no-dhcp-trusted: $got"
[ $((d1 - d0)) -ge 10 ] || fail "untrusted_relay $d0 -> $d1 after --no-dhcp-trusted"
log "--no-dhcp-trusted: dropped again ($((d1 - d0)))"
pass
