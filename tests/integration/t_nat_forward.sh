# Port forwards against the NAT table's limits, and the table kept across
# a NAT restart: with --nat-sessions 16 a network takes 4 forwards (a
# quarter of the table); the fifth is refused with a clear message and is
# neither listed nor in the table.  A forward the kept table holds with
# another target than the store's is restored to the store's target when
# vnetd starts again on the kept table, never the stale one.  A bad kept DHCP
# lease (an address inside the subnet) is ignored with a warning: the
# gateway and its NAT still start.
. "$(dirname "$0")/lib.sh"
need_root
ALLOW_LOG='kept lease .* ignored'
start_vnetd
X="ex$S" L="lb$S"
NATIP=10.226.0.2
veth "u$S" "p$S"
vnetctl network create "$X" --type external >/dev/null || fail "create $X"
vnetctl port add "$X" --uplink "u$S" >/dev/null || fail "uplink"
vnetctl network create "$L" --type private --subnet 10.227.0.0/24 --dhcp \
	--nat-via "$X" --nat-address $NATIP/24 --nat-sessions 16 >/dev/null ||
	fail "create $L"

for p in 1 2 3 4; do
	vnetctl nat forward add "$L" tcp 80$p 10.227.0.$((p + 10)):80 \
		>/dev/null || fail "forward $p refused"
done
out=$(vnetctl nat forward add "$L" tcp 805 10.227.0.15:80 2>&1) &&
	fail "a fifth forward accepted with 16 sessions: $out"
echo "$out" | grep -q "the most its NAT table of 16 entries takes" ||
	fail "unclear refusal: $out"
log "refused: $out"
[ "$(vnetctl --json nat forward list "$L" | jq length)" = 4 ] ||
	fail "forwards listed: $(vnetctl nat forward list "$L")"
n=$(vnetctl --json nat sessions "$L" | jq '[.sessions[] | select(.kind == "forward")] | length')
[ "$n" = 4 ] || fail "$n forwards in the table"
log "4 forwards of 16 entries; the fifth refused, nothing kept"

# The table file outlives vnetd, the store is the truth: a forward moved
# by a vnetd whose store is then rolled back (an older state file) is
# restored to the store's target, not kept with the table's.
stop_vnetd
mkdir "$T/old" && cp "$T"/state.db* "$T/old/" || fail "copy the store"
start_vnetd
vnetctl nat forward del "$L" tcp 801 >/dev/null || fail "del"
vnetctl nat forward add "$L" tcp 801 10.227.0.99:8080 >/dev/null || fail "add"
stop_vnetd
rm -f "$T"/state.db* && cp "$T"/old/* "$T/" || fail "roll the store back"
start_vnetd
[ "$(jget ".nat | type" network show "$L")" = object ] || fail "NAT not back on"
# The reconcile timer runs right after the start.
fwd801() {
	got=$(vnetctl --json nat sessions "$L" |
		jq -r '.sessions[] | select(.kind == "forward" and .external_port == 801) | "\(.inside):\(.inside_port)"')
	[ "$got" = "10.227.0.11:80" ]
}
wait_for 5 fwd801
[ "$got" = "10.227.0.11:80" ] ||
	fail "tcp 801 goes to '$got' after the restore, not 10.227.0.11:80"
log "a forward the store has with another target: restored to the store's"
grep -E "NAT table|forward" "$T/vnetd.log"; vnetctl --json nat sessions "$L"

# A kept DHCP lease that is inside the subnet: ignored, never fatal.
D="dh$S"
vnetctl network create "$D" --type private --subnet 10.228.0.0/24 --dhcp \
	--nat-via "$X" --nat-gateway 10.226.0.1 >/dev/null || fail "create $D"
stop_vnetd
echo "182714378 24 0 0 $(($(date +%s) + 3600))" >"$T/nat-$D.lease" # 10.228.0.10
start_vnetd
[ "$(jget ".nat | type" network show "$D")" = object ] ||
	fail "the NAT of $D did not start on a bad kept lease"
[ "$(jget .nat.address network show "$D")" = null ] ||
	fail "the bad lease is used: $(jget .nat.address network show "$D")"
grep -q "kept lease .* ignored" "$T/vnetd.log" || fail "no warning about the lease"
log "a bad kept lease: ignored with a warning, the NAT runs"
pass
