# One state file, one vnetd: a second vnetd on the same --state with its
# own pid file and socket refuses to start (exit 1) and names the pid of
# the vnetd that holds it, before it restores or opens anything; through a
# symbolic link too.  Once the first stops, the state is free again.
. "$(dirname "$0")/lib.sh"
need_root
start_vnetd
vnetctl network create "sl$S" --type internal >/dev/null || fail create
vnetctl port add "sl$S" --tap "tl$S" >/dev/null || fail "tap port"
ln -s "$T/state.db" "$T/link.db"
for st in "$T/state.db" "$T/link.db"; do
	rm -f "$T/second.log"
	"$VNETD" --socket "$T/sock2" --state "$st" --pidfile "$T/pid2" \
		--log-file "$T/second.log" &
	p2=$!
	for _ in $(seq 30); do kill -0 $p2 2>/dev/null || break; sleep 0.1; done
	if kill -0 $p2 2>/dev/null; then
		kill $p2
		wait $p2
		fail "a second vnetd runs on $st"
	fi
	wait $p2
	rc=$?
	[ $rc = 1 ] || fail "second vnetd exited $rc, not 1"
	grep -q "another vnetd (pid $VNETD_PID) uses the state file" \
		"$T/second.log" || fail "no clear error: $(cat "$T/second.log")"
	grep -q "restored\|tap" "$T/second.log" &&
		fail "second vnetd restored objects: $(cat "$T/second.log")"
	[ -e "$T/sock2" ] && fail "second vnetd made its socket"
	[ -e "$T/pid2" ] && fail "second vnetd left its pid file"
	log "second vnetd on $(basename "$st") refused: exit 1, names pid $VNETD_PID"
done
[ "$(jget '.[0].name' network list)" = "sl$S" ] || fail "first vnetd hurt"
# A dangling link (relative target, the state file not made yet) locks
# what it leads to: a vnetd on the target itself is refused.
mkdir "$T/d"
ln -s ../new.db "$T/d/dangle.db"
"$VNETD" --socket "$T/sock4" --state "$T/d/dangle.db" --pidfile "$T/pid4" \
	--log-file "$T/fourth.log" &
p4=$!
PIDS="$PIDS $p4"
for _ in $(seq 50); do [ -e "$T/sock4" ] && break; sleep 0.1; done
[ -e "$T/sock4" ] || fail "vnetd on a dangling link: $(cat "$T/fourth.log")"
timeout 5 "$VNETD" --socket "$T/sock5" --state "$T/new.db" --pidfile "$T/pid5" \
	--log-file "$T/fifth.log"
rc=$?
[ $rc = 1 ] || fail "vnetd on the dangling link's target exited $rc, not 1"
grep -q "another vnetd (pid $p4) uses the state file $T/new.db.lock" \
	"$T/fifth.log" || fail "target not refused: $(cat "$T/fifth.log")"
kill $p4
wait $p4 || fail "vnetd on the dangling link exited $?"
[ -e "$T/new.db" ] || fail "the state file not made through the link"
log "a dangling link locks its target"
stop_vnetd
"$VNETD" --socket "$T/sock2" --state "$T/state.db" --pidfile "$T/pid2" \
	--log-file "$T/second.log" &
p2=$!
PIDS="$PIDS $p2"
for _ in $(seq 50); do
	"$VNETCTL_BIN" --socket "$T/sock2" status >/dev/null 2>&1 && break
	sleep 0.1
done
"$VNETCTL_BIN" --socket "$T/sock2" status >/dev/null ||
	fail "state not free after the first vnetd stopped"
kill $p2
wait $p2 || fail "vnetd on the freed state exited $?"
log "state free again after the first vnetd stopped"
# The lock is taken first: a state directory it makes is as private as
# the state file's (0750).
"$VNETD" --socket "$T/sock3" --state "$T/nd/state.db" --pidfile "$T/pid3" \
	--log-file "$T/third.log" &
p3=$!
PIDS="$PIDS $p3"
for _ in $(seq 50); do [ -e "$T/sock3" ] && break; sleep 0.1; done
kill $p3
wait $p3 || fail "vnetd on a new state directory exited $?"
[ "$(stat -c %a "$T/nd")" = 750 ] || fail "state directory made $(stat -c %a "$T/nd")"
log "new state directory made 0750"
pass
