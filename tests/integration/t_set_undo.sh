# A live change that the state file refuses is undone on the switch too:
# network set (MTU) and port set (a host vNIC's addresses) fail with "not
# changed", and the devices keep what they had, as the stored configuration
# says.  The state file refuses through triggers that abort the update.
. "$(dirname "$0")/lib.sh"
need_root
command -v sqlite3 >/dev/null || skip "sqlite3 not installed"
ALLOW_LOG="cannot save (networks|ports) .*refused by the test"
start_vnetd
ns "a$S"
vnetctl network create "su$S" --type internal >/dev/null || fail create
vnetctl port add "su$S" --host "h$S" --addr 10.212.0.1/24 >/dev/null || fail host
LINKS="$LINKS h$S"
vnetctl port add "su$S" --tap "ta$S" --netns "a$S" >/dev/null || fail tap
mtu() { ip ${2:+-n "$2"} -j link show "$1" | jq '.[0].mtu'; }
has_addr() { ip -j addr show "h$S" | jq -e --arg a "$1" \
	'[.[0].addr_info[] | select(.local == $a)] | length == 1' >/dev/null; }

sqlite3 "$T/state.db" "CREATE TRIGGER no_net BEFORE UPDATE ON networks
	BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;
	CREATE TRIGGER no_port BEFORE UPDATE ON ports
	BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;" ||
	fail "cannot add the triggers"

out=$(vnetctl network set "su$S" --mtu 9000 2>&1) && fail "MTU change stored: $out"
echo "$out" | grep -q "not changed" || fail "network set said: $out"
[ "$(mtu "ta$S" "a$S")" = 1500 ] || fail "tap MTU $(mtu "ta$S" "a$S") after the refused change"
[ "$(mtu "h$S")" = 1500 ] || fail "host vNIC MTU $(mtu "h$S") after the refused change"
[ "$(jget .mtu network show "su$S")" = 1500 ] || fail "network shows another MTU"
log "refused MTU change undone on the taps"

out=$(vnetctl port set "h$S" --addr 10.213.0.1/24 2>&1) && fail "address change stored: $out"
echo "$out" | grep -q "not changed" || fail "port set said: $out"
has_addr 10.212.0.1 || fail "host vNIC lost 10.212.0.1: $(ip -br addr show "h$S")"
has_addr 10.213.0.1 && fail "host vNIC kept 10.213.0.1: $(ip -br addr show "h$S")"
log "refused address change undone on the host vNIC"

# With the state file writable again the same changes go through.
sqlite3 "$T/state.db" "DROP TRIGGER no_net; DROP TRIGGER no_port;" ||
	fail "cannot drop the triggers"
vnetctl network set "su$S" --mtu 9000 | grep -q changed || fail "set mtu"
[ "$(mtu "ta$S" "a$S")" = 9000 ] || fail "tap MTU not 9000"
vnetctl port set "h$S" --addr 10.213.0.1/24 | grep -q changed || fail "set addr"
has_addr 10.213.0.1 || fail "host vNIC without 10.213.0.1"
has_addr 10.212.0.1 && fail "host vNIC kept 10.212.0.1"

# Changes the kernel refuses halfway: a second vnetd in a namespace without
# IPv6, where adding an IPv6 address fails after the IPv4 one went on.
ns "u$S"
ip netns exec "u$S" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	net.ipv6.conf.default.disable_ipv6=1 || fail "cannot turn IPv6 off"
ip netns exec "u$S" "$VNETD" --socket "$T/sock2" --state "$T/state2.db" \
	--pidfile "$T/pid2" --log-file "$T/vnetd2.log" &
P2=$!
PIDS="$PIDS $P2"
v2() { "$VNETCTL_BIN" --socket "$T/sock2" "$@"; }
for _ in $(seq 50); do v2 status >/dev/null 2>&1 && break; sleep 0.1; done
v2 network create "sv$S" --type internal >/dev/null || fail "create in u$S"
# A port whose second address fails is not added, and leaves no device.
out=$(v2 port add "sv$S" --host "hx$S" --addr 10.215.0.1/24 \
	--addr fd79::1/64 2>&1) && fail "port added without its IPv6 address"
ip -n "u$S" link show "hx$S" >/dev/null 2>&1 &&
	fail "a failed port add left device hx$S: $(ip -n "u$S" -br addr show "hx$S")"
v2 port add "sv$S" --host "hx$S" --addr 10.215.0.1/24 >/dev/null ||
	fail "port add after the failed one"
[ "$(v2 port show "hx$S" --json | jq -r '.device_kept // false')" = false ] ||
	fail "the device of a port vnetd made is taken as kept"
log "failed port add left no device behind"
# A set whose second address fails leaves the first addresses in place.
out=$(v2 port set "hx$S" --addr 10.216.0.1/24 --addr fd79::1/64 2>&1) &&
	fail "port set without its IPv6 address"
a=$(ip -n "u$S" -j addr show "hx$S" | jq -r '[.[0].addr_info[].local] | join(" ")')
[ "$a" = 10.215.0.1 ] || fail "addresses after the failed set: $a"
log "failed port set put the addresses back ($a)"
kill "$P2"
wait "$P2" || fail "second vnetd exited $? on SIGTERM"
stop_vnetd
pass
