# vnet-vmm's virtio-net function when the guest moves its BAR0 while the
# device runs: the queues' kick ioeventfds follow the notify area (as QEMU
# moves them with the BAR's memory region), so the guest's traffic goes on
# at the new address without passing through vnet-vmm; a reset there
# removes them where they are and the device starts again at the new
# address.  Four rounds of move, ping, reset, ping.
# vnet-test: alone
. "$(dirname "$0")/lib.sh"
need_vmm
start_vnetd
NET="bm$S"
SUB=10.$((100 + N % 50)).$N
vnetctl network create "$NET" --type internal --subnet "$SUB.0/24" --dhcp \
	>/dev/null || fail "network create"

timeout 120 "$VMM" run --kernel "$GUEST" --mem 32M --net "$NET,name=b$S" \
	--socket "$T/sock" --cmdline "count=1 serve=0 barmove=4" \
	</dev/null >"$T/guest.out" 2>"$T/vmm.err" &
VMM_PID=$!
PIDS="$PIDS $VMM_PID"
# serve=0 serves forever: stop it once the rounds are done
vmm_served $VMM_PID
kill -TERM $VMM_PID 2>/dev/null
wait $VMM_PID
tr -d '\r' <"$T/guest.out" | sed 's/^/    /'
grep -q "DHCP lease $SUB\." "$T/guest.out" ||
	{ cat "$T/vmm.err"; fail "the guest got no lease"; }
[ "$(grep -c "BAR0 moved to 0x.*: gateway 1/1, after a reset there 1/1" \
	"$T/guest.out")" = 4 ] ||
	{ cat "$T/vmm.err"; fail "traffic stopped after a BAR0 move"; }
grep -q "FAIL" "$T/guest.out" && { cat "$T/vmm.err"; fail "the guest failed"; }
# the kicks reached vnetd through KVM at every address, never vnet-vmm
grep -q "NIC 0: 0 queue notification(s) reached vnet-vmm" "$T/vmm.err" ||
	{ cat "$T/vmm.err"; fail "queue notifications took the slow path"; }
log "BAR0 moved 4 times under the running device: traffic followed each time"
pass
