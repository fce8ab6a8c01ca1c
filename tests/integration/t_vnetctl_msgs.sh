# vnetctl's refusals name what the user typed: the gateway itself (not a
# range derived from it), the option (not vnetd's JSON key), exactly the
# port kinds there are; command-line mistakes exit 2 before anything is
# sent; the global options work after the command too; vnetd refuses a
# bad --metrics with 2 before it creates anything.
. "$(dirname "$0")/lib.sh"
need_root
start_vnetd
N="vm$S"

# out FILE rc WANT CMD...: run vnetctl, expect exit code rc and WANT in stderr
out() {
	want_rc=$1 want=$2
	shift 2
	vnetctl "$@" >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" = "$want_rc" ] || fail "vnetctl $*: exit $rc, not $want_rc: $(cat "$T/err")"
	grep -qF -- "$want" "$T/err" || fail "vnetctl $*: said '$(cat "$T/err")', not '$want'"
}

out 1 "gateway 10.55.0.255 is the subnet's broadcast address" \
	network create "$N" --type private --subnet 10.55.0.0/24 --gateway 10.55.0.255
out 1 "gateway 10.55.0.0 is the subnet's network address" \
	network create "$N" --type private --subnet 10.55.0.0/24 --gateway 10.55.0.0
vnetctl network create "$N" --type private >/dev/null || fail create

kinds="give exactly one of --tap, --host, --uplink, --vhost-user, --sriov, --veth"
out 2 "$kinds" port add "$N"
out 2 "$kinds" port add "$N" --tap "ta$S" --host "h$S"
out 2 "nothing to change; give one or more of --mtu, --fdb-size" network set "$N"
out 2 "nothing to change; give one or more of --vlan" port set "x$S"
out 1 "--fdb-size: must be" network set "$N" --fdb-size 1
grep -q fdb_size "$T/err" && fail "the refusal names the JSON key: $(cat "$T/err")"
out 1 "like 90s, 15m or 12h" network set "$N" --aging 2d
out 2 "--type cannot change once the network exists" network set "$N" --type internal
out 2 "/nonexistent$S: unable to open" config import "/nonexistent$S"
grep -q "line -1" "$T/err" && fail "a line number for a file not opened"

# --json and --socket after the command
# (jq 1.6 -e exits 0 on empty input: compare its output instead)
[ "$(vnetctl network list --json | jq -r ".[] | select(.name == \"$N\") | .type")" = private ] ||
	fail "network list --json"
[ "$("$VNETCTL_BIN" port list --socket "$T/sock" -j | jq -r type)" = array ] ||
	fail "port list --socket PATH -j"

out 2 "--socket needs a value" port list --socket
"$VNETCTL_BIN" --socket 2>"$T/err"
[ $? = 2 ] && grep -q -- "--socket needs a value" "$T/err" ||
	fail "vnetctl --socket: $(cat "$T/err")"

# A kind option whose key is also another option's ("name"): the refusal
# names the option given (not --name).
out 1 "--sriov: must be" port add "$N" --sriov 'BAD!NAME'
# An option given twice, or two that set one thing, is refused before
# anything is sent (the last one used to win silently); --addr repeats.
out 2 "--sriov and --name both set name" port add "$N" --sriov a --name b
out 2 "--name and --sriov both set name" port add "$N" --name b --sriov a
out 2 "--name given twice" port add "$N" --vhost-user /x.sock --name a --name b
out 2 "--sriov given twice" port add "$N" --sriov a --sriov b
out 2 "--veth given twice" port add "$N" --veth a --veth b --netns x
out 2 "--vlan given twice" port add "$N" --tap a --vlan 2 --vlan 3
out 2 "give exactly one of" port add "$N" --tap a --host b
out 2 "--dhcp and --no-dhcp both set dhcp" network set "$N" --dhcp --no-dhcp
out 2 "--type given twice" network create "x$S" --type private --type internal
vnetctl network show "x$S" >/dev/null 2>&1 && fail "x$S created with --type twice"

# "--" ends the options: objects whose names start with '-' are reachable.
vnetctl network create --type private -- -j >/dev/null || fail "create -- -j"
vnetctl network create --type private -- -s >/dev/null || fail "create -- -s"
[ "$(vnetctl network show --json -- -j | jq -r .name)" = "-j" ] ||
	fail "network show --json -- -j: $(vnetctl network show --json -- -j 2>&1)"
# (before "--", -j is --json still)
out 2 "network show: missing name" network show -j
out 2 "unexpected argument '--'" network show -- -j --
# and before the command, "--" ends vnetctl's own options.
[ "$(vnetctl --json -- network show -- -j | jq -r .name)" = "-j" ] ||
	fail "vnetctl --json -- network show -- -j"
vnetctl network delete -- -s >/dev/null || fail "network delete -- -s"
vnetctl network delete -- -j >/dev/null || fail "network delete -- -j"
vnetctl network list --json | jq -e '.[] | select(.name == "-j" or .name == "-s")' &&
	fail "-j or -s not deleted"
vnetctl --help | grep -q -- '"--"' || fail "vnetctl --help does not say what -- does"

# nat forward --help shows the three forms
vnetctl nat forward --help | grep -q "nat forward add NETWORK tcp|udp PORT IP:PORT" ||
	fail "nat forward --help lacks the add form"

# vnetd --metrics nonsense: exit 2, no state file, no socket
"$VNETD" --socket "$T/sock2" --state "$T/state2.db" --pidfile "$T/pid2" \
	--metrics nonsense 2>"$T/err2"
rc=$?
[ "$rc" = 2 ] || fail "vnetd --metrics nonsense exited $rc, not 2"
[ -e "$T/state2.db" ] && fail "vnetd made its state file before refusing --metrics"
[ -e "$T/sock2" ] && fail "vnetd listened before refusing --metrics"
grep -q -- "--metrics nonsense" "$T/err2" || fail "vnetd's refusal: $(cat "$T/err2")"
log "refusals name the gateway, the options and the kinds; usage errors exit 2"
pass
