# vnetd's watch on the namespaces directory survives what can happen to
# it: the directory removed and made again (the watch is set again and
# every waiting port tried), and the kernel's event queue overflowing
# (events lost: every waiting port is tried).  Either way a veth port
# whose namespace came back is up long before its retry timer would have
# made it.  VNETD_NETNS_WATCH_DIR (a test hook) makes vnetd watch a
# directory of this test instead of /run/netns, which other tests use (on
# tmpfs: some 16000 files are made there in a blink).
# vnet-test: alone
# vnet-test: no-sanitizer the same watch events as t_veth_recreate, which runs under the sanitizers, plus an overflow of some 16000 files
. "$(dirname "$0")/lib.sh"
need_root
W=/dev/shm/vnet-nswatch.$S
mkdir "$W" || skip "cannot make $W"
trap 'rm -rf "$W"; cleanup' EXIT
VNETD_NETNS_WATCH_DIR=$W start_vnetd
ns "a$S"
vnetctl network create "n$S" --type internal >/dev/null || fail "create"
vnetctl port add "n$S" --veth "na$S" --netns "a$S" >/dev/null || fail "veth"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# gone: delete the namespace and wait until the port's next try is at
# least 2 s away; prints that delay (ms).
gone() {
	ip netns del "a$S"
	for i in $(seq 100); do
		r=$(jget '.retry_in_ms // 0' port show "na$S")
		[ "$r" -ge 2000 ] && { echo "$r"; return 0; }
		sleep 0.1
	done
	fail "the port's retry never backed off to 2 s: $(vnetctl --json port show "na$S")"
}

# up_before MS WHAT: the port is up within MS ms (before its retry).
up_before() {
	t0=$(now_ms)
	wait_port "na$S" up $(($1 / 100)) && [ $(($(now_ms) - t0)) -lt "$1" ] ||
		fail "$2: port not up within $1 ms: $(jget '.error' port show "na$S")"
	log "$2: up after $(($(now_ms) - t0)) ms (retry was $1 ms away)"
}

# The directory goes and comes back.
r=$(gone)
t0=$(now_ms)
rmdir "$W" || fail "rmdir"
sleep 0.2
mkdir "$W"
ip netns add "a$S" || fail "ns again"
touch "$W/a$S"
up_before $((r - 300 - ($(now_ms) - t0))) "directory made again"

# The event queue overflows while vnetd is stopped.
r=$(gone)
t0=$(now_ms)
q=$(cat /proc/sys/fs/inotify/max_queued_events)
kill -STOP "$VNETD_PID"
(cd "$W" && seq -f "j%.0f" $((q + 100)) | xargs touch)
ip netns add "a$S" || fail "ns again"
touch "$W/a$S"
# Checked while vnetd is still stopped: once it runs it may log the
# overflow at once.
grep -q "events lost" "$T/vnetd.log" &&
	{ kill -CONT "$VNETD_PID"; fail "overflow logged before it happened"; }
kill -CONT "$VNETD_PID"
up_before $((r - 300 - ($(now_ms) - t0))) "event queue overflowed"
grep -q "events lost" "$T/vnetd.log" || fail "no overflow seen"
ALLOW_LOG='port failed \(No such device\)'
pass
