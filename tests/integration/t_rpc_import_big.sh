# Whatever vnetd exports it can import: a configuration in the shape of an
# export, over 1 MiB (5 600 DHCP reservations), imports and exports back; a
# request over the limit is refused with its size and the limit, by vnetctl
# before sending and by vnetd for a raw client.  The import takes vnetd
# well under a second of CPU: each reservation is checked against the
# others through an index, not by walking them all.
. "$(dirname "$0")/lib.sh"
need_root
start_vnetd
NET="rpcbigimp$S"

# 1. A configuration in the shape config export writes (every field, names
#    made by vnetd), 1 MiB and more even compact: 5 600 DHCP reservations,
#    all served by the network's gateway.
#    It imports, and exports back the same, so an export of that size
#    imports too, in less than a second of vnetd's CPU time (walking every
#    other reservation for each took 3 s, a minute under ASan; reading
#    every stored lease for each, 8 s more).
"$PY" - 5600 "$NET" >"$T/gen.json" <<'PY'
import json, sys
n, net = int(sys.argv[1]), sys.argv[2]
macs = ["02:00:%02x:%02x:%02x:%02x" % (i >> 24 & 255, i >> 16 & 255, i >> 8 & 255, i & 255)
        for i in range(n)]
res = [{"hostname": "h%06d-" % i + "x" * 55, "ip": "172.28.%d.%d" % (i // 250, i % 250 + 2),
        "mac": m, "name": net + "/" + m, "network": net} for i, m in enumerate(macs)]
nets = [{"aging": 300, "dhcp": True, "fdb_size": 4096, "gateway_mac": "02:13:00:00:00:01",
         "mtu": 1500, "name": net, "subnet": "172.28.0.0/16", "type": "private"}]
print(json.dumps({"version": 2, "networks": nets, "reservations": res},
                 separators=(",", ":")))
PY
# The state file already holds 5 000 leases of the network (of a previous
# life of it), which each reservation is checked against.
"$PY" - "$T/state.db" "$NET" 5000 <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=10)
net, n, exp = sys.argv[2], int(sys.argv[3]), int(time.time()) + 3600
base = (172 << 24) | (28 << 16) | (100 << 8)
rows = []
for i in range(n):
    mac = bytes([2, 0xcc, 0, 0, i >> 8, i & 255])
    rows.append((net, base + i, 0, exp, ":".join("%02x" % b for b in mac),
                 b"\x01" + mac, ""))
db.executemany("INSERT INTO leases (network, ip, state, expires, mac, client, hostname) VALUES (?,?,?,?,?,?,?)", rows)
db.commit()
PY
size=$(wc -c <"$T/gen.json")
[ "$size" -gt 1048576 ] || fail "generated only $size bytes: not over the old 1 MiB limit"
# vnetd's CPU time so far, in clock ticks (utime + stime).
cpu_ticks() { awk '{sub(/.*\) /, ""); print $12 + $13}' /proc/"$VNETD_PID"/stat; }
cpu0=$(cpu_ticks)
vnetctl config import "$T/gen.json" >"$T/out" 2>&1 || fail "import of $size bytes: $(cat "$T/out")"
cpu=$(($(cpu_ticks) - cpu0))
hz=$(getconf CLK_TCK)
case "$BUILD" in *asan* | *tsan*) max=$((10 * hz)) ;; *) max=$hz ;; esac
[ "$cpu" -lt "$max" ] || fail "the import took vnetd $cpu ticks of CPU (at $hz a second), over $max"
log "imported in $cpu ticks of vnetd's CPU time ($hz a second)"
vnetctl config export "$T/exp.json" >/dev/null || fail export
for f in gen exp; do
	jq -S '{networks, reservations: (.reservations | sort_by(.name))}' "$T/$f.json" >"$T/$f.cmp"
done
cmp -s "$T/gen.cmp" "$T/exp.cmp" || fail "export differs: $(diff "$T/gen.cmp" "$T/exp.cmp" | head)"
log "a $size-byte configuration (compact) imports and exports back the same"
# Its gateway serves every one of them (a gateway once took the first
# 4 096 and left the others out without a word).
wait_for 10 grep -q "network $NET: gateway up with DHCP, 5000 lease(s) restored, 5600 reservation(s)" \
	"$T/vnetd.log" || fail "not all reservations served: $(grep "gateway up" "$T/vnetd.log")"
log "the gateway serves all 5600 reservations and the 5000 leases"

# 1b. Among that many, a clash is still found, by add and by import, for
#     the address, a lease of it, the hostname in another case, or one
#     another new reservation of the same import holds.
refused "172.28.0.2 is already reserved for 02:00:00:00:00:00" \
	dhcp reserve "$NET" 02:aa:00:00:00:01 172.28.0.2
refused "172.28.100.5 is leased to 02:cc:00:00:00:05" \
	dhcp reserve "$NET" 02:aa:00:00:00:01 172.28.100.5
refused "hostname H005599-x* is already reserved for 172.28.22.101" \
	dhcp reserve "$NET" 02:aa:00:00:00:01 172.28.200.1 \
	--hostname "H005599-$(printf 'x%.0s' $(seq 55))"
"$PY" - "$NET" >"$T/clash.json" <<'PY'
import json, sys
net = sys.argv[1]
res = [{"ip": "172.28.201.%d" % i, "mac": "02:bb:00:00:00:%02x" % i,
        "hostname": "twin", "network": net} for i in (1, 2)]
print(json.dumps({"version": 2, "reservations": res}))
PY
refused "hostname twin is already reserved for 172.28.201.1" \
	config import "$T/clash.json"

# 2. Over the limit (16 MiB and the envelope's 64 KiB): vnetctl says the
#    size and the limit, sends nothing, exits 1.
"$PY" -c '
import json
print(json.dumps({"version":2,"networks":[{"name":"x","type":"private","pad":"a"*17000000}]}))' \
	>"$T/huge.json"
vnetctl config import "$T/huge.json" >"$T/out" 2>&1
rc=$?
[ $rc = 1 ] || fail "vnetctl exit $rc on an oversized request: $(cat "$T/out")"
grep -Eq "request too long: 1700[0-9]{4} bytes, over vnetd's limit of 16842752 bytes" "$T/out" ||
	fail "size and limit not said: $(cat "$T/out")"
log "oversized: exit 1, '$(cat "$T/out")'"

# 3. A raw client sending more than the limit without a newline: vnetd
#    answers why, with the limit, and closes, within 5 s (each byte is
#    scanned for a newline once: rescanning the request at every 16 KiB
#    read took 9 s).
"$PY" - "$T/sock" >"$T/raw.out" 2>"$T/raw.time" <<'PY'
import socket, sys, time
t0 = time.time()
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(10)
try:
    s.sendall(b'{"jsonrpc":"2.0","id":1,"method":"config.import","params":{"pad":"' + b"a" * 17000000)
except OSError as e:
    pass
data = b""
while True:
    try:
        b = s.recv(65536)
    except OSError:
        break
    if not b:
        break
    data += b
print(data.decode().strip())
print("%.1f" % (time.time() - t0), file=sys.stderr)
PY
grep -q "request too long: [0-9]* bytes and no newline yet, over the limit of 16842752 bytes" \
	"$T/raw.out" || fail "raw client not told: $(cat "$T/raw.out")"
[ "$(jget .control_clients_closed.too_long status)" = 1 ] || fail "too_long not counted"
t=$(cat "$T/raw.time")
[ "${t%.*}" -lt 5 ] || fail "vnetd took $t s to read 17 MB"
log "raw oversized request, told in $t s: $(jq -r .error.message "$T/raw.out")"
ALLOW_LOG='request longer than'
pass
