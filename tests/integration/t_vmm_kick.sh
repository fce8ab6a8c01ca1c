# vnet-vmm's NIC with ioeventfd=off: the guest's queue notifications are
# not registered with KVM, so each one exits to vnet-vmm, which passes it
# on to vnetd through the queue's kick eventfd (the path a notification
# also takes when KVM refuses an ioeventfd).  The test guest gets a DHCP
# lease, pings the gateway and a namespace host, moves its BAR0 once and
# pings again; the host pings the guest; vnet-vmm reports the
# notifications it passed on.  And the option's bad forms are refused.
# vnet-test: alone
. "$(dirname "$0")/lib.sh"
need_vmm
start_vnetd
NET="kk$S"
SUB=10.$((150 + N % 50)).$N
vnetctl network create "$NET" --type internal --subnet "$SUB.0/24" --dhcp \
	>/dev/null || fail "network create"
ns "h$S"
vnetctl port add "$NET" --tap "th$S" --netns "h$S" >/dev/null || fail "tap port"
addr "h$S" "th$S" "$SUB.200/24"

for bad in "ioeventfd=of" "ioeventfd=" "ioeventfd" "sriov,ioeventfd=off"; do
	out=$("$VMM" run --kernel "$GUEST" --mem 32M --net "$NET,$bad" \
		--socket "$T/sock" </dev/null 2>&1) && fail "accepted: --net $NET,$bad"
	echo "$out" | grep -q "is not NETWORK" ||
		fail "unclear refusal of --net $NET,$bad: $out"
done
log "refused: bad ioeventfd= forms"

timeout 120 "$VMM" run --kernel "$GUEST" --mem 32M \
	--net "$NET,name=k$S,ioeventfd=off" --socket "$T/sock" \
	--cmdline "peer=$SUB.200 count=2 serve=0 barmove=1" \
	</dev/null >"$T/guest.out" 2>"$T/vmm.err" &
VMM_PID=$!
PIDS="$PIDS $VMM_PID"
vmm_served $VMM_PID
gip=$(tr -d '\r' <"$T/guest.out" | sed -n "s/.*DHCP lease \($SUB\.[0-9]*\).*/\1/p" | head -1)
[ -n "$gip" ] && ip netns exec "h$S" ping -c 2 -W 2 "$gip" >/dev/null
host_ok=$?
kill -TERM $VMM_PID 2>/dev/null
wait $VMM_PID
tr -d '\r' <"$T/guest.out" | sed 's/^/    /'
[ -n "$gip" ] || { cat "$T/vmm.err"; fail "the guest got no lease"; }
grep -q "gateway 2/2, peer 2/2 answered" "$T/guest.out" ||
	{ cat "$T/vmm.err"; fail "the guest's pings were not all answered"; }
grep -q "BAR0 moved to 0x.*: gateway 1/1, after a reset there 1/1" \
	"$T/guest.out" || { cat "$T/vmm.err"; fail "traffic stopped after a BAR0 move"; }
grep -q "FAIL" "$T/guest.out" && { cat "$T/vmm.err"; fail "the guest failed"; }
[ $host_ok = 0 ] || fail "the host could not ping the guest at $gip"
n=$(sed -n 's/.*NIC 0: \([0-9]*\) queue notification(s) reached vnet-vmm.*/\1/p' \
	"$T/vmm.err")
log "queue notifications passed on by vnet-vmm: ${n:-none}"
[ "${n:-0}" -ge 8 ] || { cat "$T/vmm.err"; fail "the notifications did not go through vnet-vmm"; }
pass
