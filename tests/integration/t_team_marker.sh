# Teaming, LACP marker requests from the link partner: a flood of 300
# requests sent as fast as a raw socket goes is answered within the member's
# slow-protocol budget (at most 7 responses a second: with its LACPDUs, the
# 10 slow-protocol frames a second IEEE 802.3 Annex 43B allows a port), the
# responses carrying each request's content back as TLV 2 from the member's
# MAC; the rest are dropped and counted (marker_limited), and the member
# still sends its LACPDUs.
. "$(dirname "$0")/lib.sh"
need_root
start_vnetd
ns "p$S"
veth "ua$S" "pa$S" "p$S"
ip link set "ua$S" up
ip -n "p$S" link set "pa$S" up
vnetctl team create "tm$S" --mode lacp --lacp-rate fast --members "ua$S" \
	>/dev/null || fail "team create"
vnetctl network create "ex$S" --type external --uplink-team "tm$S" \
	>/dev/null || fail "network create"
UA_MAC=$(ip -o link show "ua$S" | sed 's/.*ether \([^ ]*\).*/\1/')
# Send the requests, then read for 2 s what comes back: marker responses
# (subtype 2, TLV 2) and LACPDUs (subtype 1).
out=$(ip netns exec "p$S" python3 -c "
import socket, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x8809))
s.bind(('pa$S', 0x8809))
me = s.getsockname()[4]
dst = bytes.fromhex('0180c2000002')
t0 = time.monotonic()
for k in range(300):
    tlv = bytes([1, 16]) + bytes([0, 7]) + me + k.to_bytes(4, 'big') + bytes(2)
    s.send(dst + me + b'\x88\x09' + bytes([2, 1]) + tlv + bytes(2) + bytes(90))
sent_in = time.monotonic() - t0
s.settimeout(0.2)
resp = lacpdus = bad = 0
end = time.monotonic() + 2
while time.monotonic() < end:
    try:
        f, a = s.recvfrom(2048)
    except socket.timeout:
        continue
    if a[2] == socket.PACKET_OUTGOING or len(f) < 36:
        continue
    if f[14] == 1:
        lacpdus += 1
    elif f[14] == 2 and f[16] == 2:
        resp += 1
        if f[6:12] != bytes.fromhex('${UA_MAC//:/}') or f[18:20] != bytes([0, 7]) or f[20:26] != me:
            bad += 1
print(resp, lacpdus, bad, int(sent_in * 1000))
") || fail "marker flood: $out"
read -r resp lacpdus bad sent_ms <<<"$out"
log "300 marker requests sent in $sent_ms ms: $resp responses, $lacpdus LACPDUs in 2 s"
[ "$bad" = 0 ] || fail "$bad responses not the member's or not the request's content"
[ "$resp" -ge 1 ] || fail "no marker response"
# The requests span at most a few one-second windows.
max=$((7 * (sent_ms / 1000 + 2)))
[ "$resp" -le "$max" ] || fail "$resp marker responses (at most $max)"
[ "$lacpdus" -ge 1 ] || fail "no LACPDU while flooded"
limited() {
	vnetctl --json team show "tm$S" | jq -r --arg m "ua$S" \
		'.member_list[] | select(.name == $m) | .counters.drops.marker_limited // 0'
}
counted() { [ "$(limited)" -ge $((300 - max)) ]; }
wait_for 3 counted || fail "marker_limited $(limited)"
tx=$(vnetctl --json team show "tm$S" | jq -r --arg m "ua$S" \
	'.member_list[] | select(.name == $m) | .lacp.markers_tx')
[ "$tx" = "$resp" ] || fail "markers_tx $tx, $resp received"
log "marker_limited $(limited), markers_tx $tx"
pass
