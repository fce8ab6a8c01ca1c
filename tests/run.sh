#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/run.sh - the whole suite, as `make test` runs it:
#   1. unit tests (cmocka), 2. integration tests (namespaces, real vnetd),
#   3. clang-format and cppcheck, 4. unit and integration again built with
#   ASan+UBSan, 5. the fuzz targets for a fixed budget.  Ends with one line: "total: N passed, N failed, N skipped".
# QUICK=1 leaves out 3 and 4.
set -u
cd "$(dirname "$0")/.."
pass=0 fail=0 skip=0

# count OUTPUT-FILE: add the counts of unit and integration summaries.
count() {
	p=$(grep -E '^\[  PASSED  \] [0-9]+ test' "$1" | awk '{s+=$4} END {print s+0}')
	f=$(grep -E '^\[  FAILED  \] [0-9]+ test' "$1" | awk '{s+=$4} END {print s+0}')
	ip=$(grep -E '^integration: ' "$1" | awk '{s+=$2} END {print s+0}')
	if_=$(grep -E '^integration: ' "$1" | awk '{s+=$4} END {print s+0}')
	is=$(grep -E '^integration: ' "$1" | awk '{s+=$6} END {print s+0}')
	pass=$((pass + p + ip))
	fail=$((fail + f + if_))
	skip=$((skip + is))
}

stage() {
	name=$1
	shift
	echo "== $name"
	out=$(mktemp)
	"$@" >"$out" 2>&1
	rc=$?
	grep -E '^(ok|FAIL|skip) |^integration:|^\[  (PASSED|FAILED)  \]|^fuzz|^  stat|FAILED|ERROR|SUMMARY' "$out"
	count "$out"
	if [ $rc != 0 ]; then
		echo "-- $name failed (exit $rc); its output:"
		tail -n 80 "$out"
		# A stage that failed without a failed-test count still fails.
		[ "$(grep -cE '^FAIL |^\[  FAILED  \]' "$out")" = 0 ] && fail=$((fail + 1))
	fi
	rm -f "$out"
}

stage "unit" make --no-print-directory unit
stage "integration" sh tests/integration/run.sh build
if [ "${QUICK:-0}" != 1 ]; then
	for check in format-check cppcheck; do
		if make --no-print-directory $check >/tmp/vnet-check.$$ 2>&1; then
			echo "ok    $check"
			pass=$((pass + 1))
		else
			echo "FAIL  $check"
			tail -n 20 /tmp/vnet-check.$$
			fail=$((fail + 1))
		fi
	done
	rm -f /tmp/vnet-check.$$
	stage "asan+ubsan" make --no-print-directory asan
	if FUZZ_SECONDS=${FUZZ_SECONDS:-20} sh tests/fuzz/run.sh >/tmp/vnet-fuzz.$$ 2>&1; then
		cat /tmp/vnet-fuzz.$$
		pass=$((pass + 1))
	else
		cat /tmp/vnet-fuzz.$$
		fail=$((fail + 1))
	fi
	rm -f /tmp/vnet-fuzz.$$
fi
echo "total: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
