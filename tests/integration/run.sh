#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run.sh BUILD [TEST...] - run integration tests, print a summary line.
#
# Tests run VNET_JOBS at a time (default: the number of CPUs).  A test whose
# file holds the line "# vnet-test: alone" runs with no other test beside it:
# QEMU guests, assertions on rates or timing, CPU-heavy peers.  Tests
# marked "# vnet-test: long" (about 8 s or more) start first, so the last
# ones to end are short.  Tests marked "# vnet-test: idle" (mostly waiting
# by design, a tenth of a CPU or less: a lease running out, clients'
# retries, a paced stream) start before all and take none of the VNET_JOBS
# places; no alone test starts until they end.  Each test's
# output is kept in a file and printed in one piece when the test ends.
# A test reports a skipped part (a missing tool) with skip_part (lib.sh);
# each such part counts as one skip.  The last line is always
# "integration: N passed, N failed, N skipped".
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
BUILD=${1:-build}
shift
export BUILD
dir=$(dirname "$0")
JOBS=${VNET_JOBS:-$(nproc)}
[ "$JOBS" -ge 1 ] 2>/dev/null || JOBS=1
TIMEOUT=${VNET_TEST_TIMEOUT:-300}
O=$(mktemp -d /tmp/vnet-run.XXXXXX)
pass=0 failn=0 skipn=0
declare -A name_of start_of log_of idle_of
running=0 idling=0 launched=0

on_signal() {
	# Tests clean up after themselves on SIGTERM (lib.sh's EXIT trap).
	for p in "${!name_of[@]}"; do kill "$p" 2>/dev/null; done
	wait
	rm -rf "$O"
	exit 130
}
trap on_signal INT TERM
trap 'rm -rf "$O"' EXIT

# launch FILE [idle]: start one test in the background, its output into
# $O; idle: it takes no place among the VNET_JOBS.
launch() {
	local name
	name=$(basename "$1" .sh)
	launched=$((launched + 1))
	timeout "$TIMEOUT" bash "$1" >"$O/$launched.log" 2>&1 &
	name_of[$!]=$name
	log_of[$!]=$O/$launched.log
	start_of[$!]=$SECONDS
	if [ "${2:-}" = idle ]; then
		idle_of[$!]=1
		idling=$((idling + 1))
	else
		running=$((running + 1))
	fi
}

# reap: wait for any one test to end and report it.
reap() {
	local pid rc name secs out
	wait -n -p pid
	rc=$?
	name=${name_of[$pid]}
	secs=$((SECONDS - ${start_of[$pid]}))
	out=${log_of[$pid]}
	if [ -n "${idle_of[$pid]:-}" ]; then
		idling=$((idling - 1))
	else
		running=$((running - 1))
	fi
	unset "name_of[$pid]" "start_of[$pid]" "log_of[$pid]" "idle_of[$pid]"
	case $rc in
	0)
		pass=$((pass + 1))
		echo "ok    $name (${secs}s)"
		;;
	77)
		skipn=$((skipn + 1))
		echo "skip  $name: $(grep -m1 SKIP: "$out")"
		;;
	*)
		failn=$((failn + 1))
		[ $rc = 124 ] && echo "(killed after ${TIMEOUT}s)" >>"$out"
		echo "FAIL  $name (exit $rc, ${secs}s)"
		sed 's/^/      /' "$out"
		;;
	esac
	# Parts of a passing or failing test that could not run, with why.
	[ $rc = 77 ] && return
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		skipn=$((skipn + 1))
		echo "skip  $name/${line#SKIP-PART: }"
	done <<<"$(grep '^SKIP-PART: ' "$out")"
}

if [ $# -gt 0 ]; then
	tests=("$@")
else
	tests=("$dir"/t_*.sh)
fi
# A sanitizer build (BUILD named *asan* or *tsan*) leaves out, when the
# whole suite runs, the tests marked "# vnet-test: no-sanitizer REASON":
# ones whose time goes to booting QEMU guests or to a busy-polling variant
# of a test that the sanitizer build runs anyway.  Each is named, with its
# reason; it is neither passed nor skipped.
sanitizer=0
case "$BUILD" in *asan* | *tsan*) [ $# = 0 ] && sanitizer=1 ;; esac
alone=() shared=() long=() idle=()
for t in "${tests[@]}"; do
	why=$(sed -n 's/^# vnet-test: no-sanitizer //p' "$t")
	if [ $sanitizer = 1 ] && [ -n "$why" ]; then
		echo "omit  $(basename "$t" .sh): $why"
		continue
	fi
	if grep -qx '# vnet-test: alone' "$t"; then
		alone+=("$t")
	elif grep -qx '# vnet-test: idle' "$t"; then
		idle+=("$t")
	elif grep -qx '# vnet-test: long' "$t"; then
		long+=("$t")
	else
		shared+=("$t")
	fi
done
shared=("${long[@]}" "${shared[@]}")
t0=$SECONDS
# (A second apart: their set-up, vnetd and namespaces, does not all come
# at once.)
for t in "${idle[@]}"; do
	launch "$t" idle
	sleep 1
done
for t in "${shared[@]}"; do
	while [ $running -ge "$JOBS" ]; do reap; done
	launch "$t"
done
while [ $((running + idling)) -gt 0 ]; do reap; done
for t in "${alone[@]}"; do
	launch "$t"
	reap
done
echo "  time: $((SECONDS - t0))s, ${#shared[@]} tests $JOBS at a time, ${#idle[@]} idle beside them, ${#alone[@]} alone"
echo "integration: $pass passed, $failn failed, $skipn skipped"
[ $failn = 0 ]
