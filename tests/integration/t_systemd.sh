# vnetd under systemd: `make install` into a container booted with systemd
# as PID 1 (tests/admin/container.sh; this machine's own PID 1 may not be
# systemd), then: the unit verifies; Type=notify start returns once vnetd
# is ready; systemctl status; the control socket belongs to group vnet
# (members admitted, others refused); a guest in a namespace reaches the
# host vNIC through the hardened unit; kill -9 of the main process brings
# vnetd back by itself with its networks and ports; /etc/default/vnetd
# adds --metrics; a metrics address in use and a state directory that
# cannot be made fail the start with the reason in the journal.
# vnet-test: alone
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../admin/container.sh"
need_root
[ -d /run/systemd/system ] && log "systemd is PID 1 here; testing in a container anyway" ||
	log "systemd is not PID 1 here (PID 1: $(cat /proc/1/comm)); booting it in a container"
mkdir -p /run/netns
ct_boot
make -s install DESTDIR="$(ct_root)" PREFIX=/usr BUILD="$BUILD" >"$T/install.log" 2>&1 ||
	fail "make install: $(cat "$T/install.log")"
ct systemd-sysusers >/dev/null || fail "systemd-sysusers"
case "$BUILD" in
*asan*)
	# LeakSanitizer stops the world with ptrace at exit, which the unit's
	# system call filter forbids: it would turn a clean stop into exit 1.
	# Memory errors are still caught (ASan and UBSan stay on).
	mkdir -p "$(ct_root)/etc/systemd/system/vnetd.service.d"
	printf '[Service]\nEnvironment=ASAN_OPTIONS=detect_leaks=0\n' \
		>"$(ct_root)/etc/systemd/system/vnetd.service.d/asan.conf"
	;;
esac
ct getent group vnet >/dev/null || fail "no group vnet after systemd-sysusers"
ct systemctl daemon-reload
out=$(ct systemd-analyze verify /usr/lib/systemd/system/vnetd.service 2>&1) ||
	fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify complains: $out"
log "systemd-analyze verify: clean"

t0=$(date +%s%N)
timeout 30 nsenter -t "$CT_LEADER" -m -u -i -p -- systemctl start vnetd ||
	fail "systemctl start vnetd: $(ct journalctl -u vnetd --no-pager | tail -n 20)"
ms=$((($(date +%s%N) - t0) / 1000000))
st=$(ct systemctl status vnetd --no-pager 2>&1)
echo "$st" | grep -q "Active: active (running)" || fail "systemctl status: $st"
ct journalctl -u vnetd --no-pager | grep -q "listening on /run/vnet/vnetd.sock" ||
	fail "journal lacks vnetd's start-up lines"
log "systemctl start returned after $ms ms (READY=1); status: active (running)"

# The control socket: group vnet, mode 0660; a member gets in, others not.
[ "$(ct stat -c '%G %a' /run/vnet/vnetd.sock)" = "vnet 660" ] ||
	fail "socket: $(ct stat -c '%U:%G %a' /run/vnet/vnetd.sock)"
ct useradd -M -G vnet "m$S" && ct useradd -M "o$S" || fail "useradd"
ct setpriv --reuid="m$S" --regid="m$S" --init-groups vnetctl status >/dev/null ||
	fail "a member of vnet was refused"
out=$(ct setpriv --reuid="o$S" --regid="o$S" --init-groups vnetctl status 2>&1) &&
	fail "a user outside vnet was admitted"
echo "$out" | grep -qE "not allowed|Permission denied" || fail "refusal without a reason: $out"
log "group vnet: member admitted, non-member refused ($out)"

# Networks and ports through the hardened unit: a tap in a namespace
# (setns under CapabilityBoundingSet and SystemCallFilter), a host vNIC.
ns "a$S"
ct vnetctl network create "lab$S" --type internal >/dev/null || fail "network create"
ct vnetctl port add "lab$S" --host "h$S" --addr 10.204.$N.1/24 >/dev/null ||
	fail "host vNIC: $(ct journalctl -u vnetd --no-pager | tail -n 5)"
ct vnetctl port add "lab$S" --tap "ta$S" --netns "a$S" >/dev/null ||
	fail "tap in a namespace: $(ct journalctl -u vnetd --no-pager | tail -n 5)"
ct vnetctl port add "lab$S" --vhost-user "/run/vnet/vm$S.sock" >/dev/null ||
	fail "vhost-user port"
addr "a$S" "ta$S" 10.204.$N.11/24
pings "a$S" 10.204.$N.1

# kill -9: systemd restarts it; everything comes back.
pid=$(ct systemctl show -p MainPID --value vnetd)
ct kill -9 "$pid"
for _ in $(seq 100); do
	new=$(ct systemctl show -p MainPID --value vnetd)
	[ "$(ct systemctl is-active vnetd)" = active ] && [ "$new" != 0 ] &&
		[ "$new" != "$pid" ] && break
	sleep 0.1
done
[ "$new" != "$pid" ] && [ "$new" != 0 ] || fail "vnetd not restarted after kill -9 (MainPID $new)"
[ "$(ct systemctl show -p NRestarts --value vnetd)" = 1 ] ||
	fail "NRestarts: $(ct systemctl show -p NRestarts --value vnetd)"
ct vnetctl network list | grep -q "lab$S" || fail "network lost across the restart"
[ "$(ct vnetctl --json port list "lab$S" | jq length)" = 3 ] ||
	fail "ports after restart: $(ct vnetctl port list)"
ct test -S "/run/vnet/vm$S.sock" || fail "vhost-user socket gone after the restart"
pings "a$S" 10.204.$N.1
log "kill -9 of pid $pid: restarted as pid $new, 1 network and 3 ports restored, guest pings"

# /etc/default/vnetd adds options: metrics on loopback.
# Below the ephemeral ports (32768 on), which outgoing connections take.
MPORT=$((20000 + 0x$S % 12000))
echo "VNETD_OPTS=\"--metrics 127.0.0.1:$MPORT\"" >"$(ct_root)/etc/default/vnetd"
ct systemctl restart vnetd || fail "restart with metrics"
curl -sf --max-time 5 "http://127.0.0.1:$MPORT/metrics" | grep -q "^vnet_port_up{port=\"ta$S\"" ||
	fail "no metrics from the service"
log "VNETD_OPTS from /etc/default/vnetd: metrics served"

# Bad input: the metrics address in use.
$PY -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]) + 1)); s.listen(1); time.sleep(60)
' "$MPORT" &
PIDS="$PIDS $!"
wait_for 5 eval '[ -n "$(ss -Hltn "sport = :$((MPORT + 1))")" ]' ||
	fail "no holder of $((MPORT + 1))"
echo "VNETD_OPTS=\"--metrics 127.0.0.1:$((MPORT + 1))\"" >"$(ct_root)/etc/default/vnetd"
ct systemctl stop vnetd
ct systemctl reset-failed vnetd 2>/dev/null
ct systemctl start vnetd 2>/dev/null && fail "vnetd started with its metrics address in use"
ct journalctl -u vnetd --no-pager | grep -q "Address already in use" ||
	fail "journal lacks the reason: $(ct journalctl -u vnetd --no-pager | tail -n 5)"
log "metrics address in use: start failed, journal: $(ct journalctl -u vnetd --no-pager | grep -o 'metrics: cannot listen.*' | tail -n1)"
echo 'VNETD_OPTS=""' >"$(ct_root)/etc/default/vnetd"

# Bad input: a state file whose directory cannot be made (read-only /usr
# under ProtectSystem=strict).
mkdir -p "$(ct_root)/etc/systemd/system/vnetd.service.d"
cat >"$(ct_root)/etc/systemd/system/vnetd.service.d/state.conf" <<EOT
[Service]
Restart=no
ExecStart=
ExecStart=/usr/sbin/vnetd --socket /run/vnet/vnetd.sock --state /usr/vnet-missing/state.db --pidfile /run/vnet/vnetd.pid --group vnet
EOT
ct systemctl daemon-reload
ct systemctl reset-failed vnetd 2>/dev/null
ct systemctl start vnetd 2>/dev/null && fail "vnetd started without a usable state directory"
reason=$(ct journalctl -u vnetd --no-pager | grep -E "vnet-missing" | tail -n1)
[ -n "$reason" ] || fail "journal does not name the state path: $(ct journalctl -u vnetd --no-pager | tail -n 5)"
log "state directory not creatable: start failed, journal: ${reason#*msg=}"
rm -f "$(ct_root)/etc/systemd/system/vnetd.service.d/"[!a]*.conf
ct systemctl daemon-reload
ct systemctl reset-failed vnetd 2>/dev/null

# A clean stop: exit 0, the runtime directory goes.
ct systemctl start vnetd || fail "start after the bad-input checks"
ct systemctl stop vnetd
[ "$(ct systemctl show -p ExecMainStatus --value vnetd)" = 0 ] ||
	fail "vnetd exited $(ct systemctl show -p ExecMainStatus --value vnetd) on stop"
ct test -e /run/vnet/vnetd.sock && fail "control socket left after stop"
# The taps vnetd kept for its next start are host devices: remove them.
ip link del "h$S" 2>/dev/null
ip -n "a$S" link del "ta$S" 2>/dev/null
ct_halt
pass
