# Two datapath threads: two pairs of vhost-user frontends stream both ways
# (each pair spans both threads, so both threads write into every port)
# while taps come and go and one tap's device is deleted under traffic.
# Afterwards no datapath thread spins, and in every network the counters
# balance: frames in = frames out + named drops.  Run with BUILD=build-tsan
# (make tsan) this is the ThreadSanitizer stress test.
# vnet-test: alone
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/counters.sh"
need_root
start_vnetd --threads 2
BENCH=$(readlink -f "$BUILD/vnet-bench")
# The streams must outlast the churn and the deletions below: done about
# 1.5 s into them (2.5 s under ASan, more under TSan).
case "$BUILD" in
*tsan*) rate=2000 secs=8 ;;
*asan*) rate=10000 secs=6 ;;
*) rate=10000 secs=4 ;;
esac

# CPU ticks (user + system) of each datapath thread, "name ticks" lines.
dp_ticks() {
	for f in /proc/"$VNETD_PID"/task/*/stat; do
		sed 's/^[0-9]* (\([^)]*\)) [A-Z] \(.*\)/\1 \2/' "$f" |
			awk '$1 ~ /^vnet-dp/ { print $1, $13 + $14 }'
	done | sort
}

vnetctl network create "p$S" --type private >/dev/null || fail create
vnetctl network create "q$S" --type private >/dev/null || fail create
vnetctl network create "t$S" --type private >/dev/null || fail create
vnetctl network create "r$S" --type private >/dev/null || fail create
for g in ga gb; do
	vnetctl port add "p$S" --vhost-user "$T/$g.sock" >/dev/null || fail $g
done
for g in gc gd; do
	vnetctl port add "q$S" --vhost-user "$T/$g.sock" >/dev/null || fail $g
done
for g in gx gy; do
	vnetctl port add "r$S" --vhost-user "$T/$g.sock" >/dev/null || fail $g
done
ns "a$S"
ns "b$S"
ns "c$S"
vnetctl port add "t$S" --tap "ta$S" --netns "a$S" >/dev/null || fail ta
vnetctl port add "t$S" --tap "tb$S" --netns "b$S" >/dev/null || fail tb
addr "a$S" "ta$S" 10.212.0.1/24
addr "b$S" "tb$S" 10.212.0.2/24
pings "a$S" 10.212.0.2

cpu0=$(dp_ticks)
# p as fast as it goes (the frontends fall behind: named drops), q paced.
"$BENCH" vhost --in "$T/ga.sock,$T/gb.sock" --out "$T/gb.sock,$T/ga.sock" \
	--size 128 --seconds $secs --json >"$T/p.json" &
b1=$!
"$BENCH" vhost --in "$T/gc.sock,$T/gd.sock" --out "$T/gd.sock,$T/gc.sock" \
	--size 256 --seconds $secs --rate $rate --json >"$T/q.json" &
b2=$!
# r: a third pair whose port is deleted while both threads send into it.
"$BENCH" vhost --in "$T/gx.sock,$T/gy.sock" --out "$T/gy.sock,$T/gx.sock" \
	--size 64 --seconds $secs --rate 2000 >/dev/null &
b3=$!
ip netns exec "a$S" ping -q -i 0.01 -w $((secs + 2)) 10.212.0.2 >/dev/null 2>&1 &
pinger=$!
PIDS="$PIDS $b1 $b2 $b3 $pinger"
sleep 1
# Churn: taps and vhost-user ports added and deleted under traffic.
for i in 1 2 3 4; do
	vnetctl port add "t$S" --tap "tc$i$S" --netns "c$S" >/dev/null || fail "tc$i"
	vnetctl port add "t$S" --vhost-user "$T/x$i.sock" >/dev/null || fail "x$i"
	vnetctl port add "p$S" --vhost-user "$T/y$i.sock" >/dev/null || fail "y$i"
	vnetctl port del "x$i" >/dev/null || fail "del x$i"
	vnetctl port del "y$i" >/dev/null || fail "del y$i"
	vnetctl port del "tc$i$S" >/dev/null || fail "del tc$i"
done
log "4 rounds of tap and vhost-user ports added and deleted under traffic"
# One queue pair, two threads: both write guest receive queue 0, locked.
m=$(vnetctl --json port show ga | jq -c '[.transmit[] | [.thread, .queues, .shared]]')
[ "$m" = '[[0,[0],true],[1,[0],true]]' ] || fail "ga: transmit map $m"
vnetctl port del gy >/dev/null || fail "cannot delete a streaming vhost-user port"
log "a vhost-user port deleted while its frontend streamed"
# The receiving tap's device disappears while ta's thread sends to it.
ip -n "b$S" link del "tb$S"
# (A tap's device that goes is made again: t_tap_remake.)
wait_for 5 sh -c "ip -n b$S link show tb$S >/dev/null 2>&1 &&
	[ \"\$(\"$VNETCTL_BIN\" --socket \"$T/sock\" --json port show tb$S | jq -r .state)\" = up ]" ||
	fail "tb not made again: $(vnetctl --json port show "tb$S" | jq -c '{state,error}')"
log "tap deleted under traffic: made again"
wait $b1 || fail "stream p failed: $(cat "$T/p.json")"
wait $b2 || fail "stream q failed: $(cat "$T/q.json")"
# The ping and stream r (its port gone) only load the switch while p and q
# run: ended with them.
kill $pinger $b3 2>/dev/null
wait $pinger
wait $b3
cpu1=$(dp_ticks)
# Both threads carried traffic.
echo "$cpu0" >"$T/c0"
echo "$cpu1" >"$T/c1"
busy=$(join "$T/c0" "$T/c1" | awk '$3 - $2 >= 1' | wc -l)
log "datapath thread CPU ticks during traffic: $(join "$T/c0" "$T/c1" | awk '{printf "%s %d  ", $1, $3 - $2}')"
[ "$busy" = 2 ] || fail "not both datapath threads worked: $(join "$T/c0" "$T/c1")"
for j in p q; do
	f=$(jq .frames "$T/$j.json")
	[ "$f" -ge $((rate * secs / 2)) ] || fail "stream $j moved only $f frames"
	[ "$(jq .lost "$T/$j.json")" -ge 0 ] || fail "stream $j: more received than sent"
done
log "streams: $(jq -c '{sent, frames, lost}' "$T/p.json") $(jq -c '{sent, frames, lost}' "$T/q.json")"

# Idle (the dead tap still in place): no datapath thread may spin.
if ! echo "${VNETD_EXTRA:-}" | grep -q -- --poll; then
	sleep 0.5
	i0=$(dp_ticks)
	sleep 2
	i1=$(dp_ticks)
	echo "$i0" >"$T/i0"
	echo "$i1" >"$T/i1"
	log "idle datapath thread ticks over 2 s: $(join "$T/i0" "$T/i1" | awk '{printf "%s %d  ", $1, $3 - $2}')"
	spin=$(join "$T/i0" "$T/i1" | awk '$3 - $2 > 4' | wc -l)
	[ "$spin" = 0 ] || fail "a datapath thread spins when idle: $(join "$T/i0" "$T/i1")"
fi

# The dead tap can be deleted, a new one works.
vnetctl port del "tb$S" >/dev/null || fail "cannot delete the dead tap"
vnetctl port add "t$S" --tap "td$S" --netns "c$S" >/dev/null || fail td
addr "c$S" "td$S" 10.212.0.4/24
pings "a$S" 10.212.0.4

# Counters balance per network of two ports.
vnetctl --json stats >"$T/stats.json"
balance "p$S" "$T/stats.json" "$(jq .lost "$T/p.json")"
balance "q$S" "$T/stats.json" "$(jq .lost "$T/q.json")"
log "frames in = frames out + named drops, in both streamed networks"
ALLOW_LOG='port (is down|failed)|socket error'
pass
