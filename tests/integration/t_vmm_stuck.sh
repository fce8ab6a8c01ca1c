# vnet-vmm and a vnetd that accepts and never answers.  The test guest
# waits before touching its NIC; meanwhile vnetd is killed and a fake
# backend takes its vhost-user socket.  vnet-vmm's reconnection hangs in
# the handshake until its timeout, again and again, yet the guest's vCPU
# sets up the NIC (configuration space, BAR0, DRIVER_OK) meanwhile: the
# handshake does not hold the device's lock.  vnet-vmm says why in one
# sentence.  When the real vnetd is back, the queues the driver started
# while vnetd was away go to it, and the guest gets its lease and pings.
# vnet-test: alone
. "$(dirname "$0")/lib.sh"
need_vmm
command -v python3 >/dev/null || skip "python3 is missing (the fake backend)"
start_vnetd
NET="st$S"
SUB=10.$((150 + N % 50)).$N
vnetctl network create "$NET" --type internal --subnet "$SUB.0/24" --dhcp \
	>/dev/null || fail "network create"

"$VMM" run --kernel "$GUEST" --mem 32M --net "$NET,name=s$S" \
	--socket "$T/sock" --cmdline "wait=5 count=1 serve=1" \
	</dev/null >"$T/guest.out" 2>"$T/vmm.err" &
VMM_PID=$!
PIDS="$PIDS $VMM_PID"
# seen TEXT FILE TENTHS: TEXT appears in FILE within TENTHS tenths of a second
seen() {
	for _ in $(seq "$3"); do
		grep -q "$1" "$2" && return 0
		sleep 0.1
	done
	grep -q "$1" "$2"
}
seen "waiting" "$T/guest.out" 100 ||
	{ cat "$T/vmm.err"; fail "the guest did not start"; }

kill9_vnetd
python3 "$(dirname "$0")/../../vmm-glue/vu_silent.py" "$T/s$S.vhost" \
	>/dev/null 2>&1 &
FAKE=$!
PIDS="$PIDS $FAKE"

# The guest sets up its NIC while the handshake with the fake hangs.
seen "guest-min: MAC" "$T/guest.out" 200 || {
	tr -d '\r' <"$T/guest.out"
	cat "$T/vmm.err"
	fail "the guest's vCPU hung on the NIC while vnetd did not answer"
}
kill -0 $FAKE || fail "the fake backend died"
grep -q "reconnecting failed: .*vnetd did not answer" "$T/vmm.err" ||
	{ cat "$T/vmm.err"; fail "vnet-vmm did not say that vnetd does not answer"; }
[ "$(grep -c "did not answer" "$T/vmm.err")" = 1 ] ||
	{ cat "$T/vmm.err"; fail "the stuck backend was reported more than once"; }
log "NIC set up by the guest while vnetd hung; $(grep "did not answer" "$T/vmm.err")"

# The real vnetd returns: the queues go to it, the guest gets its lease.
kill $FAKE
wait $FAKE 2>/dev/null
start_vnetd
wait $VMM_PID
rc=$?
tr -d '\r' <"$T/guest.out" | sed 's/^/    /'
grep -q "reconnected to vnetd" "$T/vmm.err" ||
	{ cat "$T/vmm.err"; fail "no reconnection after the stuck backend"; }
grep -q "DHCP lease $SUB\." "$T/guest.out" ||
	{ cat "$T/vmm.err"; fail "no lease once vnetd was back"; }
grep -q "guest-min: PASS" "$T/guest.out" && [ $rc = 0 ] ||
	{ cat "$T/vmm.err"; fail "the guest did not pass (status $rc)"; }
log "vnetd back: queues started while it was away reached it, lease and ping"
pass
