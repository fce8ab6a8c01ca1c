# Two vnet-vmm test guests on a private network: both lease an address
# from vnetd's DHCP server, the second pings the first (virtio-net queues
# of both served by vnetd over vhost-user), and a guest that powers off
# ends vnet-vmm with status 0 and its port deleted.  The NIC offers the
# network's MTU.  Guest a's NIC is in listen mode (vnet-vmm listens, vnetd
# connects); vnetd is killed and restarted and comes back to it.  Guest b first
# misprograms its NIC three ways (a feature not offered, a queue size that
# is not a power of two, rings outside its RAM): the device refuses each
# with DEVICE_NEEDS_RESET, vnet-vmm goes on, and after a reset the NIC works.
# Guest a runs two queue pairs (queues=2: MQ negotiated, the pairs asked
# for on the control queue that vnet-vmm serves); vnetd shows both pairs
# enabled and a's answers leaving on both transmit queues, before and
# after its restart.  Without mac=, vnetd assigns the MAC (02:...), the same
# for the same network and port name.
# vnet-test: alone
. "$(dirname "$0")/lib.sh"
need_vmm
start_vnetd
NET="pv$S"
SUB=10.$((200 + N % 50)).$N
vnetctl network create "$NET" --type private --subnet "$SUB.0/24" --dhcp \
	--mtu 4000 >/dev/null || fail "network create"

guest() { # NAME CMDLINE [NET-OPTIONS]
	"$VMM" run --kernel "$GUEST" --mem 32M --net "$NET,name=$1$S${3:-}" \
		--socket "$T/sock" --cmdline "$2" </dev/null \
		>"$T/$1.out" 2>"$T/$1.err" &
	PIDS="$PIDS $!"
	eval "PID_$1=$!"
}
wait_line() { # NAME REGEX
	for _ in $(seq 1200); do
		grep -q "$2" "$T/$1.out" 2>/dev/null && return 0
		sleep 0.1
	done
	tr -d '\r' <"$T/$1.out" | sed 's/^/    /'
	fail "$1 never printed '$2'"
}
guest a "count=1 serve=90 mq" ",listen,queues=2"
wait_line a "serving ARP and ping"
grep -q "2 queue pairs, control queue 4: OK" "$T/a.out" ||
	{ cat "$T/a.out"; fail "guest a did not get two queue pairs"; }
# The device offers what vnetd offers: checksum and TSO offloads among them.
FEAT=$(tr -d '\r' <"$T/a.out" | sed -n 's/.*device offers features \([0-9a-f]*\):\([0-9a-f]*\).*/\2/p')
[ -n "$FEAT" ] && [ $((0x$FEAT & 0x1803)) = $((0x1803)) ] ||
	fail "the device does not offer vnetd's CSUM, GUEST_CSUM, HOST_TSO4/6 (features $FEAT)"
[ $((0x$FEAT & (1 << 22 | 1 << 17))) = $((1 << 22 | 1 << 17)) ] ||
	fail "the device does not offer MQ and CTRL_VQ (features $FEAT)"
MACA=$(vnetctl --json port show "a$S" | jq -r .mac)
case $MACA in 02:*) ;; *) fail "vnetd assigned no MAC to a's port ($MACA)" ;; esac
grep -q "MAC $MACA" "$T/a.out" || fail "guest a does not have vnetd's MAC $MACA"
grep -q "port a$S, MAC .*, MTU 4000" "$T/a.err" &&
	grep -q "network MTU 4000" "$T/a.out" ||
	{ cat "$T/a.err" "$T/a.out"; fail "the NIC does not carry the network's MTU"; }
IPA=$(tr -d '\r' <"$T/a.out" | sed -n "s/.*DHCP lease \($SUB\.[0-9]*\)\/.*/\1/p")
[ -n "$IPA" ] || fail "guest a has no lease"
guest b "peer=$IPA count=3 serve=1 bad"
wait $PID_b
rc=$?
tr -d '\r' <"$T/b.out" | sed 's/^/    /'
[ $rc = 0 ] || fail "guest b's vnet-vmm exited $rc after the guest powered off"
grep -q "powered off" "$T/b.err" || fail "no power-off reason given"
IPB=$(tr -d '\r' <"$T/b.out" | sed -n "s/.*DHCP lease \($SUB\.[0-9]*\)\/.*/\1/p")
[ -n "$IPB" ] && [ "$IPB" != "$IPA" ] || fail "guest b has no lease of its own"
grep -q "ping $IPA seq=.* reply" "$T/b.out" || fail "b's pings to a went unanswered"
grep -q "guest-min: PASS" "$T/b.out" || fail "guest b reports a failed step"
[ "$(grep -c "needs reset: refused" "$T/b.out")" = 3 ] ||
	fail "the device did not refuse every misprogramming"
for why in "features it was not offered" "not a power of two" \
	"outside guest RAM"; do
	grep -q "needs a reset: .*$why" "$T/b.err" ||
		{ cat "$T/b.err"; fail "vnet-vmm did not log: $why"; }
done
grep -q "answered ping from $IPB" "$T/a.out" || fail "a did not see b's pings"
vnetctl port list | grep -q "b$S" && fail "b's port outlived its VM"
vnetctl port list | grep -q "a$S" || fail "a's port is gone while a runs"
log "b ($IPB) pinged a ($IPA) on private network $NET"
mq_check() { # the two pairs of a's port are enabled and both transmit
	vnetctl --json port show "a$S" >"$T/a.json"
	[ "$(jq '.queue_pairs' "$T/a.json")" = 2 ] &&
		[ "$(jq '[.queues[] | select(.enabled)] | length' "$T/a.json")" = 4 ] ||
		{ jq -c '.queues' "$T/a.json"; fail "vnetd does not run a's two pairs ($1)"; }
	[ "$(jq '[.queues[1,3].packets > 0] | all' "$T/a.json")" = true ] ||
		{ jq -c '.queues' "$T/a.json"; fail "a did not transmit on both queues ($1)"; }
}
mq_check "after b"
log "a runs 2 queue pairs: all 4 queues enabled at vnetd, both transmit; MAC $MACA from vnetd"

# a listens (its port is a client-mode port: vnetd connects).  vnetd dies
# and comes back: it connects to a again, a's rings resume, c reaches a.
kill9_vnetd
start_vnetd
for _ in $(seq 100); do
	grep -q "reconnected to vnetd" "$T/a.err" && break
	sleep 0.1
done
grep -q "reconnected to vnetd" "$T/a.err" ||
	{ cat "$T/a.err"; fail "vnetd did not come back to a's socket"; }
guest c "peer=$IPA count=2 serve=1"
wait $PID_c
grep -q "ping $IPA seq=.* reply" "$T/c.out" ||
	{ tr -d '\r' <"$T/c.out"; fail "a is unreachable after vnetd's restart"; }
mq_check "after vnetd's restart"
[ "$(jq -r .mac "$T/a.json")" = "$MACA" ] ||
	fail "a's MAC changed with vnetd's restart ($(jq -r .mac "$T/a.json"), was $MACA)"
log "vnetd restarted: it reconnected to a (listen mode, 2 pairs); c pinged a"
kill -TERM $PID_a
wait $PID_a
pass
