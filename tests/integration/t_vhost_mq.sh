# vhost-user multiqueue: two frontends of our own with 4 queue pairs each
# stream through a vnetd with two datapath threads; every queue carries
# frames in both directions (guest transmit queues are received by both
# threads, each thread writes its own guest receive queues), and the
# counters balance.
# vnet-test: alone
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/counters.sh"
need_root
start_vnetd --threads 2
BENCH=$(readlink -f "$BUILD/vnet-bench")
vnetctl network create "mq$S" --type private >/dev/null || fail create
vnetctl port add "mq$S" --vhost-user "$T/a.sock" --queues 4 >/dev/null || fail a
vnetctl port add "mq$S" --vhost-user "$T/b.sock" --queues 4 >/dev/null || fail b
"$BENCH" vhost --in "$T/a.sock,$T/b.sock" --out "$T/b.sock,$T/a.sock" \
	--queues 4 --size 128 --seconds 3 --rate 20000 --json >"$T/mq.json" &
bench=$!
PIDS="$PIDS $bench"
sleep 1.5
# Each datapath thread writes two guest receive queues of its own.
for port in a b; do
	m=$(vnetctl --json port show $port | jq -c '[.transmit[] | [.thread, .queues, .shared]]')
	[ "$m" = '[[0,[0,4],false],[1,[2,6],false]]' ] ||
		fail "port $port: transmit map $m"
done
wait $bench || fail "bench: $(cat "$T/mq.json")"
log "$(cat "$T/mq.json")"
frames=$(jq .frames "$T/mq.json")
[ "$frames" -ge 20000 ] || fail "only $frames frames crossed"
for q in 0 1 2 3; do
	for port in a b; do
		for d in from-guest to-guest; do
			n=$(jget "[.queues[] | select(.direction == \"$d\")][$q].packets" port show $port)
			[ "$n" -gt 0 ] || fail "port $port queue pair $q $d carried nothing"
		done
	done
	[ "$(jq ".rx_queue_mpps[$q] > 0" "$T/mq.json")" = true ] ||
		fail "receive queue $q idle in vnet-bench"
done
log "4 queue pairs busy in both directions on both ports"
vnetctl --json stats >"$T/stats.json"
balance "mq$S" "$T/stats.json" "$(jq .lost "$T/mq.json")"
pass
