# config export/import: a round trip recreates the same configuration; an
# import that conflicts changes nothing; --json on every read command gives
# JSON; --help works on every command.
. "$(dirname "$0")/lib.sh"
need_root
start_vnetd
ns "a$S"
vnetctl network create "c1$S" --type internal --mtu 9000 --aging 60 >/dev/null
vnetctl network create "c2$S" --type private >/dev/null
vnetctl port add "c1$S" --host "h$S" --addr 10.208.$N.1/24 --addr fd08:$N::1/64 >/dev/null ||
	fail host
vnetctl port add "c2$S" --tap "ta$S" --netns "a$S" --trunk 10,20-22 --native 5 \
	--mac 02:00:00:00:08:01 >/dev/null || fail tap
LINKS="$LINKS h$S"
[ "$(ip -j link show "h$S" | jq '.[0].mtu')" = 9000 ] || fail "jumbo MTU"
[ "$(ip -n "a$S" -j link show "ta$S" | jq -r '.[0].address')" = 02:00:00:00:08:01 ] ||
	fail "tap MAC"
ip -j addr show "h$S" | jq -e '.[0].addr_info[] | select(.local=="fd08:'"$N"'::1")' >/dev/null ||
	fail "IPv6 address on host vNIC"
vnetctl config export "$T/exp.json" >/dev/null || fail export
jq -e '.networks | length == 2' "$T/exp.json" >/dev/null || fail "export"
# Importing what exists is a no-op.
vnetctl config import "$T/exp.json" | grep -q "0 network(s), 0 port(s)" ||
	fail "re-import created something"
# A conflicting import is refused whole.
jq '.networks[0].mtu = 1500 | .networks += [{"name":"new'"$S"'","type":"private"}]' \
	"$T/exp.json" >"$T/conflict.json"
vnetctl config import "$T/conflict.json" 2>"$T/err" && fail "conflict imported"
grep -q "another configuration" "$T/err" || fail "unclear: $(cat "$T/err")"
vnetctl network show "new$S" >/dev/null 2>&1 && fail "partial import"
# Delete everything, import, compare.
vnetctl network delete "c1$S" --force >/dev/null
vnetctl network delete "c2$S" --force >/dev/null
[ "$(jget length network list)" = 0 ] || fail "not empty"
vnetctl config import "$T/exp.json" >/dev/null || fail import
vnetctl config export "$T/exp2.json" >/dev/null
cmp -s "$T/exp.json" "$T/exp2.json" || fail "round trip differs"
log "export -> delete -> import gives the same configuration"
# --replace swaps the whole configuration.
echo '{"version":1,"networks":[{"name":"r'"$S"'","type":"private"}],"ports":[]}' |
	vnetctl config import - --replace >/dev/null || fail replace
[ "$(jget '.[].name' network list)" = "r$S" ] || fail "replace result"
# Every read command speaks JSON.
for c in "network list" "network show r$S" "port list" "mac show r$S" \
	"stats" "status" "log show"; do
	# shellcheck disable=SC2086
	vnetctl --json $c | jq -e . >/dev/null || fail "--json $c"
done
for c in "network create" "network delete" "network list" "network show" \
	"port add" "port del" "port list" "port show" "mac show" "stats" \
	"config export" "config import" "log set" "log show" "status"; do
	# shellcheck disable=SC2086
	vnetctl $c --help | grep -q usage || fail "$c --help"
done
vnetctl --help | grep -q "exit codes" || fail "vnetctl --help"
vnetctl log set debug vswitch >/dev/null || fail "log set"
[ "$(jget .vswitch log show)" = debug ] || fail "log level not set"
log "--json and --help on every command"
pass
