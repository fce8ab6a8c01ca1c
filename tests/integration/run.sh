#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# run.sh BUILD [TEST...] - run integration tests, print a summary line.
BUILD=${1:-build}
shift
export BUILD
dir=$(dirname "$0")
pass=0 failn=0 skipn=0 failed=""
tests=${*:-$(ls "$dir"/t_*.sh)}
for t in $tests; do
	name=$(basename "$t" .sh)
	out=$(timeout 300 bash "$t" 2>&1)
	rc=$?
	case $rc in
	0) pass=$((pass + 1)); echo "ok    $name" ;;
	77) skipn=$((skipn + 1)); echo "skip  $name: $(echo "$out" | grep SKIP: | head -1)" ;;
	*) failn=$((failn + 1)); failed="$failed $name"
	   echo "FAIL  $name (exit $rc)"; echo "$out" | sed 's/^/      /' ;;
	esac
done
echo "integration: $pass passed, $failn failed, $skipn skipped"
[ $failn = 0 ]
