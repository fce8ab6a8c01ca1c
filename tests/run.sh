#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/run.sh - the whole suite, as `make test` runs it:
#   1. unit tests (cmocka), 2. integration tests (namespaces, real vnetd),
#   3. clang-format and cppcheck, 4. unit and integration again built with
#   ASan+UBSan, 5. the fuzz targets for a fixed budget (3 s each by
#   default, FUZZ_SECONDS; longer campaigns: make fuzz).
# QUICK=1 leaves out 3, 4 and 5.  VNET_JOBS (default: the number of CPUs)
# sets how many builds, integration tests and fuzz targets run at once.
# Each stage says how long it took.  A check whose tool is missing counts
# as skipped, with the reason.  The last line is exactly
# "total: N passed, N failed, N skipped" (CI reads it).
set -u
cd "$(dirname "$0")/.."
VNET_JOBS=${VNET_JOBS:-$(nproc)}
export VNET_JOBS
MAKE="make --no-print-directory -j$VNET_JOBS"
pass=0 fail=0 skip=0
t_start=$(date +%s)

# count OUTPUT-FILE: add the counts of cmocka summaries and of the
# "<stage>: N passed, N failed, N skipped" lines (integration, fuzz).
count() {
	p=$(grep -E '^\[  PASSED  \] [0-9]+ test' "$1" | awk '{s+=$4} END {print s+0}')
	f=$(grep -E '^\[  FAILED  \] [0-9]+ test' "$1" | awk '{s+=$4} END {print s+0}')
	s=$(grep -E '^\[  SKIPPED \] [0-9]+ test' "$1" | awk '{s+=$4} END {print s+0}')
	sum='^[a-z+]+: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$'
	ip=$(grep -E "$sum" "$1" | awk '{s+=$2} END {print s+0}')
	if_=$(grep -E "$sum" "$1" | awk '{s+=$4} END {print s+0}')
	is=$(grep -E "$sum" "$1" | awk '{s+=$6} END {print s+0}')
	pass=$((pass + p + ip))
	fail=$((fail + f + if_))
	skip=$((skip + s + is))
}

# stage NAME COMMAND...: run one stage, show its result lines and time.
stage() {
	name=$1
	shift
	echo "== $name"
	t0=$(date +%s)
	out=$(mktemp)
	"$@" >"$out" 2>&1
	rc=$?
	grep -E '^(ok|FAIL|skip|omit) |^[a-z+]+: [0-9]+ passed|^\[  (PASSED|FAILED|SKIPPED)  ?\]|^  time:|FAILED|ERROR|SUMMARY' "$out"
	count "$out"
	if [ $rc != 0 ]; then
		echo "-- $name failed (exit $rc); its output:"
		tail -n 80 "$out"
		# A stage that failed without a failed-test count still fails.
		[ "$(grep -cE '^FAIL |^\[  FAILED  \]' "$out")" = 0 ] && fail=$((fail + 1))
	fi
	rm -f "$out"
	echo "-- $name: $(($(date +%s) - t0))s"
}

# check NAME TOOL: a static check (a make target) that needs TOOL.
check() {
	if ! command -v "$2" >/dev/null; then
		echo "skip  $1: $2 not installed"
		skip=$((skip + 1))
		return
	fi
	out=$(mktemp)
	if make --no-print-directory "$1" >"$out" 2>&1; then
		echo "ok    $1"
		pass=$((pass + 1))
	else
		echo "FAIL  $1"
		tail -n 20 "$out"
		fail=$((fail + 1))
	fi
	rm -f "$out"
}

stage "unit" $MAKE unit
stage "integration" sh tests/integration/run.sh build
if [ "${QUICK:-0}" != 1 ]; then
	echo "== static checks"
	check format-check clang-format
	check cppcheck cppcheck
	check test-lint grep
	stage "asan+ubsan" $MAKE asan
	stage "fuzz" env FUZZ_SECONDS="${FUZZ_SECONDS:-3}" sh tests/fuzz/run.sh
fi
# 6. the administrator's tests (tests/admin: the Debian package, libvirt;
# about 5 minutes): ADMIN=1 always, ADMIN=0 never, by default only when
# the stages above left time (under ADMIN_BUDGET seconds, 480, so far).
elapsed=$(($(date +%s) - t_start))
if [ "${ADMIN:-auto}" = 1 ] || { [ "${ADMIN:-auto}" = auto ] &&
	[ "${QUICK:-0}" != 1 ] && [ $elapsed -lt "${ADMIN_BUDGET:-480}" ]; }; then
	stage "admin" sh tests/integration/run.sh build tests/admin/t_*.sh
elif [ "${ADMIN:-auto}" != 0 ]; then
	echo "skip  admin: QUICK=1 or ${elapsed}s used already (ADMIN=1 or make test-admin runs it)"
	skip=$((skip + 1))
fi
echo "-- all stages: $(($(date +%s) - t_start))s"
echo "total: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
