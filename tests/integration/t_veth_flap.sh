# A guest (root in its namespace) deleting its end of a veth port over and
# over must not make vnetd remake the pair as fast as it likes: a port
# that goes again within seconds of coming back waits twice as long as the
# last time, the lines it makes vnetd log are rate-limited, the BPF object
# stays loaded (no verifier run per cycle) while the port is away for less
# than the grace period, vnetd answers meanwhile, and the port comes back
# once the loop stops.  Where BPF cannot load (VNETD_FAST_FAIL_LOADS, a
# test hook), the warning is not repeated at every cycle.
# vnet-test: alone
# vnet-test: no-sanitizer counts deletions per second against vnetd's backoff; losing and remaking a veth port runs under the sanitizers in t_veth_recreate
. "$(dirname "$0")/lib.sh"
need_root
start_vnetd
ns "a$S"
vnetctl network create "f$S" --type internal \
	--subnet 10.236.$N.0/24 >/dev/null || fail "create"
vnetctl port add "f$S" --veth "fa$S" --netns "a$S" >/dev/null || fail "veth"
[ "$(jget '.fast_path' port show "fa$S")" = on ] || fail "no fast path"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# flap SECONDS: delete a's end every 50 ms for SECONDS; check that vnetd
# answers "status" within 100 ms all the while.  Sets $dels (deletions that
# found the device), $slowest (ms).
flap() {
	: >"$T/dels"
	(
		end=$(($(now_ms) + $1 * 1000))
		while [ "$(now_ms)" -lt $end ]; do
			ip -n "a$S" link del "fa$S" 2>/dev/null && echo x >>"$T/dels"
			sleep 0.05
		done
	) &
	loop=$!
	PIDS="$PIDS $loop"
	slowest=0
	while kill -0 $loop 2>/dev/null; do
		t0=$(now_ms)
		vnetctl status >/dev/null || fail "status failed during the loop"
		t=$(($(now_ms) - t0))
		[ $t -gt $slowest ] && slowest=$t
		sleep 0.1
	done
	wait $loop
	dels=$(wc -l <"$T/dels")
}

# back: the port is up again within 7 s (the longest wait is 5 s).
back() {
	wait_port "fa$S" up 70 ||
		fail "port not back after the loop: $(jget '.error' port show "fa$S")"
}

loads0=$(jget '.fast_path_loads' port show "fa$S")
[ "$loads0" -ge 1 ] 2>/dev/null || fail "fast_path_loads: $loads0"
l0=$(wc -l <"$T/vnetd.log")
flap 2
l1=$(wc -l <"$T/vnetd.log")
log "loop: $dels deletions, $((l1 - l0)) log lines, slowest status ${slowest} ms"
[ "$dels" -ge 2 ] || fail "the loop deleted the end only $dels times"
[ "$dels" -le 10 ] || fail "$dels deletions in 2 s: the port was remade without backing off"
[ $((l1 - l0)) -le 40 ] || fail "$((l1 - l0)) log lines in 2 s"
[ "$slowest" -le 100 ] || fail "status took $slowest ms during the loop"
back
loads1=$(jget '.fast_path_loads' port show "fa$S")
[ "$loads1" = "$loads0" ] || fail "BPF object loaded $loads0 -> $loads1 times"
[ "$(jget '.fast_path' port show "fa$S")" = on ] || fail "fast path off after the loop"
addr "a$S" "fa$S" 10.236.$N.11/24
pings "a$S" 10.236.$N.1
log "back after the loop, fast path on, BPF object loaded once"

# Where BPF cannot load: one warning, not one per cycle.
stop_vnetd
VNETD_FAST_FAIL_LOADS=1000 start_vnetd
back
l0=$(wc -l <"$T/vnetd.log")
flap 2
back
w=$(tail -n +$((l0 + 1)) "$T/vnetd.log" | grep -c 'level=warn.*fast path')
log "without BPF: $dels deletions, $w fast-path warnings"
[ "$w" -le 1 ] || fail "$w fast-path warnings in the loop"
ALLOW_LOG='port failed \(No such device\)|fast path loads|fast path off'
pass
