# vnet-vmm with its freestanding test guest on an internal network: the
# guest's virtio-net queues are served by vnetd over vhost-user (the VMM
# asks vnetd for the port itself and deletes it at exit); the guest gets a
# DHCP lease from vnetd's gateway, pings the gateway and a namespace host,
# and answers the host's pings.  vnetd is killed and restarted under the
# running guest: vnet-vmm reconnects its port and the guest's traffic
# resumes without a guest restart.  Runs on any KVM, the emulated one too.
# vnet-test: alone
. "$(dirname "$0")/lib.sh"
need_vmm
start_vnetd
NET="vm$S"
SUB=10.$((200 + N % 50)).$N
vnetctl network create "$NET" --type internal --subnet "$SUB.0/24" --dhcp \
	>/dev/null || fail "network create"
ns "h$S"
vnetctl port add "$NET" --tap "th$S" --netns "h$S" >/dev/null || fail "tap port"
addr "h$S" "th$S" "$SUB.200/24"

# Bad input first: each a non-zero exit and one sentence.
bad() { # EXPECTED-TEXT ARGS...
	want=$1
	shift
	out=$("$VMM" run "$@" </dev/null 2>&1) && fail "accepted: $*"
	echo "$out" | grep -q "$want" || fail "unclear refusal of '$*': $out"
	log "refused: $(echo "$out" | tail -1)"
}
bad "no network" --kernel "$GUEST" --mem 32M \
	--net "nonet$S" --socket "$T/sock"
bad "vnetd is not running" --kernel "$GUEST" --mem 32M --net "$NET" \
	--socket "$T/nosock"
bad "cannot open the kernel" --kernel "$T/missing" --mem 32M
bad "cannot be booted" --kernel /etc/hostname --mem 32M
bad "must be between" --kernel "$GUEST" --mem 2M
bad "is not NETWORK" --kernel "$GUEST" --mem 32M --net "$NET,queues=9" \
	--socket "$T/sock"
# A VF for passthrough: with no SR-IOV pool on the network (or a vnetd
# without SR-IOV ports), one sentence, and no port left behind.
bad "no SR-IOV virtual function on $NET" --kernel "$GUEST" --mem 32M \
	--net "$NET,sriov,name=vf$S" --socket "$T/sock"
vnetctl port list | grep -q "vf$S" && fail "a refused sriov port was left"
# vfio-check on functions that cannot be passed through.
out=$("$VMM" vfio-check 0000:ff:1f.7 2>&1) && fail "vfio-check of nothing passed"
echo "$out" | grep -q "no PCI function 0000:ff:1f.7" ||
	fail "unclear vfio-check refusal: $out"
log "refused: $out"
# No KVM: /dev hidden in a private mount namespace, or not a KVM device.
if command -v unshare >/dev/null; then
	out=$(unshare -m sh -c "mount -t tmpfs none /dev &&
		'$VMM' run --kernel '$GUEST' --mem 32M" </etc/hostname 2>&1) &&
		fail "ran without /dev/kvm"
	echo "$out" | grep -q "cannot open /dev/kvm" ||
		fail "unclear refusal without /dev/kvm: $out"
	log "refused: $out"
	out=$(unshare -m sh -c "mount --bind /dev/null /dev/kvm &&
		'$VMM' run --kernel '$GUEST' --mem 32M" </etc/hostname 2>&1) &&
		fail "ran on /dev/null as /dev/kvm"
	echo "$out" | grep -q "not a KVM device" ||
		fail "unclear refusal of a non-KVM /dev/kvm: $out"
	log "refused: $out"
fi
# How the guest ended, in the exit status.
ends() { # CMDLINE STATUS TEXT
	"$VMM" run --kernel "$GUEST" --mem 32M --cmdline "$1" </dev/null \
		>"$T/end.out" 2>"$T/end.err"
	rc=$?
	[ $rc = "$2" ] && grep -q "$3" "$T/end.err" ||
		{ cat "$T/end.out" "$T/end.err"; fail "'$1': status $rc, not $2 ($3)"; }
	log "guest '$1': status $rc, $(tail -1 "$T/end.err")"
}
ends reset 3 "the guest reset"
# A triple fault is KVM's shutdown exit (4) on hardware; the emulated KVM
# here reports it as an emulation failure instead (5).  Either way vnet-vmm
# ends in order and says so.
"$VMM" run --kernel "$GUEST" --mem 32M --cmdline fault </dev/null \
	>"$T/end.out" 2>"$T/end.err"
rc=$?
case $rc in
4) grep -q "triple-faulted" "$T/end.err" || fail "no reason for status 4" ;;
5) grep -q "internal error" "$T/end.err" || fail "no reason for status 5" ;;
*) cat "$T/end.err"; fail "triple fault: status $rc" ;;
esac
log "guest 'fault': status $rc, $(tail -1 "$T/end.err")"
[ "$(vnetctl port list 2>/dev/null | grep -c "vmm")" = 0 ] ||
	fail "a refused vnet-vmm left a port behind"

# The guest: DHCP, ping gateway and host, then answer pings for 40 s.
"$VMM" run --kernel "$GUEST" --mem 32M --net "$NET,name=g$S" \
	--socket "$T/sock" --cmdline "peer=$SUB.200 count=2 serve=90" \
	</dev/null >"$T/guest.out" 2>"$T/vmm.err" &
VMM_PID=$!
PIDS="$PIDS $VMM_PID"
for _ in $(seq 1500); do
	grep -q "serving ARP and ping\|FAIL" "$T/guest.out" && break
	kill -0 $VMM_PID 2>/dev/null || break
	sleep 0.1
done
tr -d '\r' <"$T/guest.out" | sed 's/^/    /'
grep -q "DHCP lease $SUB\." "$T/guest.out" || fail "the guest got no lease"
vnetctl port list | grep -q "g$S" || fail "vnetd does not list the VM's port"
grep -q "ping $SUB.1 seq=.* reply" "$T/guest.out" ||
	fail "the guest's pings to the gateway went unanswered"
grep -q "ping $SUB.200 seq=.* reply" "$T/guest.out" ||
	fail "the guest's pings to the namespace host went unanswered"
GIP=$(tr -d '\r' <"$T/guest.out" | sed -n "s/.*DHCP lease \($SUB\.[0-9]*\)\/.*/\1/p")
ip netns exec "h$S" ping -c 2 -i 0.2 -W 10 "$GIP" >"$T/ping.out" 2>&1 ||
	{ cat "$T/ping.out"; fail "the host cannot ping the guest at $GIP"; }
log "host pinged the guest at $GIP"

# vnetd dies and comes back: vnet-vmm reconnects, the rings resume.
# resumed N WHAT: vnet-vmm said "reconnected" N times, and the host pings
# the guest again through the new vnetd's tap.
resumed() {
	for _ in $(seq 100); do
		[ "$(grep -c "reconnected to vnetd" "$T/vmm.err")" -ge "$1" ] &&
			break
		sleep 0.1
	done
	[ "$(grep -c "reconnected to vnetd" "$T/vmm.err")" -ge "$1" ] ||
		{ cat "$T/vmm.err"; fail "no reconnection after $2"; }
	kill -0 $VMM_PID || fail "vnet-vmm died with vnetd"
	for _ in $(seq 50); do
		ip -n "h$S" link show "th$S" >/dev/null 2>&1 && break
		sleep 0.1
	done
	# the tap may be a new device: give it its address again if so
	ip -n "h$S" addr replace "$SUB.200/24" dev "th$S"
	ip -n "h$S" link set "th$S" up
	ip netns exec "h$S" ping -c 2 -i 0.2 -W 10 "$GIP" >"$T/ping.out" 2>&1 ||
		{ cat "$T/ping.out" "$T/vmm.err"; fail "no traffic after $2"; }
}
kill9_vnetd
start_vnetd
resumed 1 "vnetd's restart"
log "vnetd restarted: port reconnected, host pinged the guest again"

# A backend that accepts and never answers (a stuck vnetd): vnet-vmm gives
# up on the handshake after its timeout and says so in one sentence,
# without holding the device's lock meanwhile; the real vnetd's return
# brings the port back again.
kill9_vnetd
python3 "$(dirname "$0")/../../vmm-glue/vu_silent.py" "$T/g$S.vhost" \
	>/dev/null 2>&1 &
FAKE=$!
PIDS="$PIDS $FAKE"
for _ in $(seq 100); do
	grep -q "reconnecting failed: .*vnetd did not answer" "$T/vmm.err" && break
	sleep 0.1
done
grep -q "reconnecting failed: .*vnetd did not answer" "$T/vmm.err" ||
	{ cat "$T/vmm.err"; fail "vnet-vmm hung on a backend that never answers"; }
log "stuck backend: $(grep "did not answer" "$T/vmm.err" | head -1)"
sleep 3 # more timed-out attempts: the sentence is said once
[ "$(grep -c "did not answer" "$T/vmm.err")" = 1 ] ||
	{ cat "$T/vmm.err"; fail "the stuck backend was reported more than once"; }
kill $FAKE
wait $FAKE 2>/dev/null
start_vnetd
resumed 2 "the stuck backend"
log "after the stuck backend: reconnected, host pinged the guest again"

# SIGTERM: an orderly stop, status 143, and the port is deleted.
kill -TERM $VMM_PID
wait $VMM_PID
rc=$?
[ $rc = 143 ] || { cat "$T/vmm.err"; fail "vnet-vmm exited $rc on SIGTERM"; }
grep -q "told to stop" "$T/vmm.err" || fail "no reason given at exit"
# Kicks went guest -> KVM ioeventfd -> vnetd, never through vnet-vmm.
grep -q "NIC 0: 0 queue notification(s) reached vnet-vmm" "$T/vmm.err" ||
	{ cat "$T/vmm.err"; fail "queue notifications took the slow path"; }
vnetctl port list | grep -q "g$S" && fail "the VM's port was not deleted"
log "SIGTERM: status 143, port g$S deleted"
pass
