# Metrics endpoint: vnetd --metrics serves the Prometheus text format on
# loopback TCP and on a Unix socket; a real parser accepts it (promtool
# check metrics, and the Python client's parser); per-port counters move
# with traffic; a stalled scraper does not hold the control thread; an
# address in use stops vnetd with a clear message and a non-zero exit.
. "$(dirname "$0")/lib.sh"
need_root
command -v curl >/dev/null || skip "curl not installed"
# A free loopback port, chosen per run (two checkouts may test at once).
# Below the ephemeral ports (32768 on), which outgoing connections take.
MPORT=$((20000 + 0x$S % 12000))
start_vnetd --metrics "127.0.0.1:$MPORT"
ns "a$S"
ns "b$S"
vnetctl network create "m$S" --type private >/dev/null || fail "create"
vnetctl port add "m$S" --tap "ta$S" --netns "a$S" >/dev/null || fail "tap a"
vnetctl port add "m$S" --tap "tb$S" --netns "b$S" >/dev/null || fail "tap b"
addr "a$S" "ta$S" 10.203.$N.11/24
addr "b$S" "tb$S" 10.203.$N.12/24

scrape() { curl -sf --max-time 5 "http://127.0.0.1:$MPORT/metrics"; }
# value FILE METRIC-WITH-LABELS: the sample's value, empty when absent.
value() { grep -F "$2 " "$1" | grep -v "^#" | awk '{print $NF}' | head -n1; }

scrape >"$T/m1" || fail "no answer from the metrics endpoint"
[ -s "$T/m1" ] || fail "empty scrape"
pl="{port=\"ta$S\",network=\"m$S\"}"
rx1=$(value "$T/m1" "vnet_port_rx_packets_total$pl")
[ -n "$rx1" ] || fail "no vnet_port_rx_packets_total for ta$S: $(head -n 40 "$T/m1")"
grep -q '^# TYPE vnet_port_rx_packets_total counter$' "$T/m1" || fail "no TYPE line"
grep -q '^# HELP vnet_port_drops_total ' "$T/m1" || fail "no HELP line"
grep -q "^vnet_port_drops_total{port=\"ta$S\",network=\"m$S\",reason=\"no_ports\"} " "$T/m1" ||
	fail "no drop counter by reason"
grep -q '^vnet_datapath_cpu_seconds_total{thread="0"} ' "$T/m1" || fail "no datapath CPU time"
grep -q '^vnet_datapath_busy_ratio{thread="0"} ' "$T/m1" || fail "no busy ratio"
grep -q "^vnet_network_mac_entries{network=\"m$S\"} " "$T/m1" || fail "no MAC table occupancy"
grep -q '^vnet_control_clients_closed_total{reason="refused"} ' "$T/m1" ||
	fail "no control client counters"
grep -q '^vnet_control_request_buffer_bytes 0$' "$T/m1" || fail "no control request buffer gauge"

# A real parser must accept it.
parsers=0
if command -v promtool >/dev/null; then
	promtool check metrics <"$T/m1" >"$T/promtool" 2>&1 || fail "promtool: $(cat "$T/promtool")"
	log "promtool check metrics: ok"
	parsers=$((parsers + 1))
else
	skip_part promtool "promtool not installed (Debian package prometheus)"
fi
if $PY -c 'import prometheus_client' 2>/dev/null; then
	$PY - "$T/m1" <<'EOF' || fail "the Python client's parser refused the text"
import sys
from prometheus_client.parser import text_string_to_metric_families
n = 0
for fam in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in fam.samples:
        n += 1
assert n > 20, n
print("  python parser: %d samples" % n)
EOF
	parsers=$((parsers + 1))
else
	skip_part python-parser "python3-prometheus-client not installed"
fi
[ $parsers -gt 0 ] || skip "neither promtool nor python3-prometheus-client installed"

# Counters move with traffic: 20 pings each way add at least 20 frames.
ip netns exec "a$S" ping -c 20 -i 0.01 -W 2 10.203.$N.12 >/dev/null || fail "ping"
scrape >"$T/m2" || fail "second scrape"
rx2=$(value "$T/m2" "vnet_port_rx_packets_total$pl")
tx2=$(value "$T/m2" "vnet_port_tx_packets_total{port=\"tb$S\",network=\"m$S\"}")
[ "$rx2" -ge $((rx1 + 20)) ] || fail "rx packets of ta$S went $rx1 -> $rx2 after 20 pings"
[ "$tx2" -ge 20 ] || fail "tx packets of tb$S: $tx2"
[ "$(value "$T/m2" "vnet_network_mac_entries{network=\"m$S\"}")" -ge 2 ] ||
	fail "MAC table occupancy did not count the two guests"
[ "$(value "$T/m2" "vnet_metrics_scrapes_total")" -ge 2 ] || fail "scrapes not counted"
log "rx packets $rx1 -> $rx2 with traffic"

# A network with a gateway and DHCP: its counters appear and move.
ns "c$S"
vnetctl network create "g$S" --type internal --subnet 10.205.$N.0/24 --dhcp >/dev/null ||
	fail "gateway network"
vnetctl port add "g$S" --tap "tc$S" --netns "c$S" >/dev/null || fail "tap c"
addr "c$S" "tc$S" 10.205.$N.11/24
scrape >"$T/g1" || fail "scrape"
a1=$(value "$T/g1" "vnet_gateway_echo_replies_total{network=\"g$S\"}")
l1=$(value "$T/g1" "vnet_dhcp_leases{network=\"g$S\"}")
[ -n "$a1" ] && [ "$l1" = 0 ] || fail "no gateway/DHCP metrics: $(grep -E 'gateway|dhcp' "$T/g1" | head)"
ip netns exec "c$S" ping -c 5 -i 0.05 -W 2 10.205.$N.1 >/dev/null || fail "ping the gateway"
scrape >"$T/g2" || fail "scrape"
a2=$(value "$T/g2" "vnet_gateway_echo_replies_total{network=\"g$S\"}")
[ "$a2" -ge $((a1 + 5)) ] || fail "gateway echo replies went $a1 -> $a2 after 5 pings"
promtool check metrics <"$T/g2" >/dev/null 2>&1 || ! command -v promtool >/dev/null ||
	fail "promtool refuses the gateway metrics: $(promtool check metrics <"$T/g2" 2>&1 | head -n 3)"
log "gateway echo replies $a1 -> $a2, DHCP leases $l1"
# The gateway's DNS relay has its counters too (those "network show"
# reports under dns_relay), and the NAT families include the resets it let
# through and the sessions a full table freed (the NAT itself is t_nat's).
for m in queries answers truncated; do
	[ -n "$(value "$T/g2" "vnet_dns_relay_${m}_total{network=\"g$S\"}")" ] ||
		fail "no vnet_dns_relay_${m}_total for g$S: $(grep dns_relay "$T/g2" | head)"
done
for f in vnet_dns_relay_drops_total vnet_nat_rst_ignored_total vnet_nat_early_drops_total; do
	grep -q "^# TYPE $f counter$" "$T/g2" || fail "no family $f"
done
log "DNS relay and NAT reset/early-drop families present"
# DNS over TCP: a connection to the gateway's port 53 is counted.
ip netns exec "c$S" "$PY" -c "
import socket
s = socket.create_connection(('10.205.$N.1', 53), timeout=3)
s.close()" || fail "TCP to the gateway's port 53"
scrape >"$T/g3" || fail "scrape"
[ "$(value "$T/g3" "vnet_gateway_dns_tcp_connections_total{network=\"g$S\"}")" -ge 1 ] ||
	fail "DNS over TCP connection not counted: $(grep dns_tcp "$T/g3" | head)"
grep -q "^# TYPE vnet_gateway_dns_tcp_open gauge$" "$T/g3" || fail "no family vnet_gateway_dns_tcp_open"
log "DNS over TCP connections counted"

# Other paths and methods get an HTTP error, not metrics.
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$MPORT/nope")
[ "$code" = 404 ] || fail "GET /nope answered $code"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST "http://127.0.0.1:$MPORT/metrics")
[ "$code" = 405 ] || fail "POST answered $code"

# A scraper that connects and never sends must not hold the control
# thread: the control socket answers at once while it hangs, and the
# endpoint closes it after its deadline.
$PY -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.send(b"GET /metr")
time.sleep(8)
' "$MPORT" &
slow=$!
PIDS="$PIDS $slow"
sleep 0.5
t0=$(date +%s%N)
vnetctl status >/dev/null || fail "control socket blocked by a slow scraper"
scrape >/dev/null || fail "metrics blocked by a slow scraper"
ms=$((($(date +%s%N) - t0) / 1000000))
[ $ms -lt 2000 ] || fail "control socket took $ms ms beside a slow scraper"
log "control socket and a second scrape answered in $ms ms beside a stalled scraper"
# timed_out: a scrape counts a connection closed at its deadline (5 s).
timed_out() {
	scrape >"$T/m3" || fail "third scrape"
	[ "$(value "$T/m3" 'vnet_metrics_connections_closed_total{reason="timeout"}')" -ge 1 ]
}
wait_for 6 timed_out || fail "stalled scraper not closed at its deadline"
kill "$slow" 2>/dev/null

# A Unix socket works too.
stop_vnetd
start_vnetd --metrics "$T/metrics.sock"
curl -sf --max-time 5 --unix-socket "$T/metrics.sock" http://x/metrics >"$T/m4" ||
	fail "no answer on the Unix socket"
grep -q '^vnet_ports 3$' "$T/m4" || fail "restored ports not counted: $(grep vnet_ports "$T/m4")"
stop_vnetd
[ -e "$T/metrics.sock" ] && fail "metrics socket left behind"

# An address in use: a clear message, a non-zero exit, no running vnetd.
$PY -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
time.sleep(30)
' "$MPORT" &
holder=$!
PIDS="$PIDS $holder"
wait_for 5 eval '[ -n "$(ss -Hltn "sport = :$MPORT")" ]' || fail "no holder of $MPORT"
"$VNETD" --socket "$T/sock" --state "$T/state.db" --pidfile "$T/pid" \
	--metrics "127.0.0.1:$MPORT" >"$T/inuse.log" 2>&1 &
p=$!
for _ in $(seq 50); do kill -0 $p 2>/dev/null || break; sleep 0.1; done
kill -0 $p 2>/dev/null && { kill $p; fail "vnetd started with its metrics address in use"; }
wait $p
rc=$?
[ $rc != 0 ] || fail "vnetd exited 0 with its metrics address in use"
grep -q "metrics: cannot listen on 127.0.0.1:$MPORT: Address already in use" "$T/inuse.log" ||
	fail "unclear message: $(cat "$T/inuse.log")"
log "address in use: exit $rc, $(grep -o 'cannot listen.*' "$T/inuse.log" | head -n1)"
kill "$holder"
out=$("$VNETD" --socket "$T/sock" --state "$T/state.db" --pidfile "$T/pid" \
	--metrics "localhost" 2>&1) && fail "--metrics localhost accepted"
echo "$out" | grep -q "not ADDRESS:PORT" || fail "unclear message for a bad address: $out"
pass
