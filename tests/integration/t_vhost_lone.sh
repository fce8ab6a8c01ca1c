# vhost-user in event mode (the default), with one and two datapath
# threads: lone frames, each sent by a frontend that kicks only when its
# ring asks, after a pause, right after a burst or after a stream of frames
# 5 us apart, reach a frontend asleep on its interrupt eventfd within 2 s.
# A wake-up lost on the way in (the kick, watched edge-triggered and never
# read) or on the way out (the interrupt) stalls a frame here, since
# nothing else comes to push it.  vnetd must sleep between the frames: an
# eventfd watched level-triggered and never read would keep its thread
# spinning.
. "$(dirname "$0")/lib.sh"
need_root
PEER=$(readlink -f "$BUILD/vnet-vu-peer")
# cpu_ticks: vnetd's user + system time so far, in clock ticks.
cpu_ticks() {
	sed 's/.*) //' "/proc/$VNETD_PID/stat" | awk '{print $12 + $13}'
}
for threads in 1 2; do
	start_vnetd --threads "$threads"
	vnetctl network create "lo$S" --type private >/dev/null || fail create
	vnetctl port add "lo$S" --vhost-user "$T/a.sock" >/dev/null || fail a
	vnetctl port add "lo$S" --vhost-user "$T/b.sock" >/dev/null || fail b
	c0=$(cpu_ticks) w0=$(date +%s%N)
	out=$("$PEER" lone "$T/a.sock" "$T/b.sock" 40 2>&1) ||
		fail "$threads thread(s): $out"
	c1=$(cpu_ticks) w1=$(date +%s%N)
	# CPU in percent of the wall time (ticks are 1/100 s).
	busy=$(((c1 - c0) * 10000000 * 100 / (w1 - w0)))
	log "$threads thread(s): $out, vnetd busy $busy %"
	[ "$busy" -lt 50 ] || fail "$threads thread(s): vnetd busy $busy % between lone frames"
	# Only the switch's own counters: every lone and burst frame passed.
	rx=$(jget '.counters.rx_packets' port show a)
	[ "$rx" -ge 110 ] || fail "$threads thread(s): vnetd took $rx frames from a"
	stop_vnetd
	rm -f "$T/state.db" "$T/a.sock" "$T/b.sock"
done
pass
