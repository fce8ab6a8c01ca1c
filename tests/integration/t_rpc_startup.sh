# vnetd says why it does not start, and leaves others alone: a second vnetd
# with pid and state files of its own but another's live --socket refuses
# to start, and the first keeps its socket; a pid file that cannot be
# written (a full disk) is named with the reason.  vnetctl says when a
# number is out of range, and the range.
. "$(dirname "$0")/lib.sh"
need_root
start_vnetd
vnetctl network create "st$S" --type private >/dev/null || fail create

# refused_start LOG ARGS...: another vnetd, logging to LOG, must exit 1 at once.
refused_start() {
	_log=$1
	shift
	timeout 10 "$VNETD" --log-file "$_log" "$@"
	_rc=$?
	[ $_rc = 1 ] || fail "vnetd $*: exit $_rc"
}

# 1. Another vnetd on the same --socket: exit 1, says whose socket it is.
refused_start "$T/second.log" --socket "$T/sock" --state "$T/s2.db" --pidfile "$T/pid2"
grep -q "another vnetd is listening on $T/sock: stop it, or give this one another --socket" \
	"$T/second.log" || fail "unclear: $(grep -E 'level=err' "$T/second.log")"
[ -e "$T/s2.db" ] && fail "second vnetd opened its state before refusing"
[ "$(jget .pid status)" = "$VNETD_PID" ] || fail "the first vnetd lost its socket"
vnetctl network show "st$S" >/dev/null || fail "first vnetd no longer answers"
log "second vnetd: $(grep -o 'another vnetd is listening[^"]*' "$T/second.log")"

# 2. A pid file on a full file system: exit 1, the file and the reason.
mkdir "$T/full"
mount -t tmpfs -o size=16k tmpfs "$T/full" || skip "cannot mount a tmpfs"
trap 'umount "$T/full" 2>/dev/null; cleanup' EXIT
dd if=/dev/zero of="$T/full/fill" bs=4k 2>/dev/null
refused_start "$T/third.log" --socket "$T/sock3" --state "$T/s3.db" --pidfile "$T/full/pid"
grep -q "pid file $T/full/pid: cannot write vnetd's pid: No space left on device" \
	"$T/third.log" || fail "no reason: $(grep -E 'level=err' "$T/third.log")"
log "full disk: $(grep -o 'pid file [^"]*' "$T/third.log")"

# 3. vnetctl and numbers: one no option takes goes to vnetd, which says
#    the range; one past any integer is out of range, with the option's
#    help; one that is no number is said to be none.
out=$(vnetctl network set "st$S" --mtu 99999999999 2>&1) && fail "mtu 99999999999 taken"
echo "$out" | grep -q -- "--mtu: must be a whole number from 68 to 9000" || fail "unclear: $out"
out=$(vnetctl network set "st$S" --mtu -5 2>&1) && fail "mtu -5 taken"
echo "$out" | grep -q -- "--mtu: must be a whole number from 68 to 9000" || fail "unclear: $out"
out=$(vnetctl network set "st$S" --mtu 99999999999999999999 2>&1)
rc=$?
[ $rc = 2 ] || fail "exit $rc for a number past any integer"
echo "$out" | grep -q -- "--mtu: '99999999999999999999' is out of range (MTU, 68-9000" ||
	fail "unclear: $out"
out=$(vnetctl network set "st$S" --mtu 12abc 2>&1) && fail "mtu 12abc taken"
echo "$out" | grep -q -- "--mtu: '12abc' is not a number" || fail "unclear: $out"
log "numbers: $out"
pass
