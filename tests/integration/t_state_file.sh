# A corrupt or foreign state file gives a clear error and is never
# overwritten.
. "$(dirname "$0")/lib.sh"
need_root
head -c 8192 /dev/urandom >"$T/state.db"
sum=$(md5sum <"$T/state.db")
"$VNETD" --socket "$T/sock" --state "$T/state.db" --pidfile "$T/pid" \
	--log-file "$T/vnetd.log" &
pid=$!
for _ in $(seq 30); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
kill -0 $pid 2>/dev/null && { kill $pid; fail "vnetd started on garbage"; }
wait $pid && fail "vnetd exited 0 on a corrupt state file"
grep -q "not a readable vnet state file" "$T/vnetd.log" ||
	fail "no clear error: $(cat "$T/vnetd.log")"
[ "$(md5sum <"$T/state.db")" = "$sum" ] || fail "corrupt file was modified"
log "garbage state file refused, untouched"
rm -f "$T/state.db" "$T/vnetd.log"
sqlite3 "$T/state.db" "CREATE TABLE t(x); INSERT INTO t VALUES (1);"
sum=$(md5sum <"$T/state.db")
"$VNETD" --socket "$T/sock" --state "$T/state.db" --pidfile "$T/pid" \
	--log-file "$T/vnetd.log" && fail "vnetd used a foreign database"
grep -q "not a vnet state file" "$T/vnetd.log" || fail "no clear error"
[ "$(md5sum <"$T/state.db")" = "$sum" ] || fail "foreign file was modified"
log "foreign SQLite file refused, untouched"
# An SQLite file with nothing in it (what a first start that could not
# commit its schema leaves: WAL set, no table) and an empty file are made
# the state file, and hold what is stored in them.
for kind in unfinished empty; do
	rm -f "$T/state.db" "$T/state.db-wal" "$T/state.db-shm" "$T/vnetd.log"
	if [ $kind = unfinished ]; then
		sqlite3 "$T/state.db" "PRAGMA journal_mode=WAL;" >/dev/null
	else
		: >"$T/state.db"
	fi
	start_vnetd
	vnetctl network create "sf$S" --type private >/dev/null ||
		fail "$kind file: cannot store"
	stop_vnetd
	start_vnetd
	vnetctl network show "sf$S" >/dev/null || fail "$kind file: nothing restored"
	stop_vnetd
done
log "an SQLite file left without a schema, and an empty file, are used"
rm -f "$T/state.db-wal" "$T/state.db-shm"
# Two vnetd on the same pid file: the second refuses.
rm -f "$T/state.db" "$T/vnetd.log"
start_vnetd
"$VNETD" --socket "$T/sock2" --state "$T/state2.db" --pidfile "$T/pid" \
	--log-file "$T/second.log" && fail "second vnetd started"
grep -q "another vnetd" "$T/second.log" || fail "no clear error for 2nd"
log "second vnetd on the same pid file refused"
ALLOW_LOG='x^'
pass
