#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/lib.sh - what the benchmark scripts share; sourced, with $T set to
# the script's scratch directory.

# bench_vnetd BUILD NAME VAR [OPTION...]: start BUILD's vnetd (with the
# options given) with its socket, state, pid file and log in $T (NAME.sock,
# NAME.db, NAME.pid, NAME.log), its pid in $VAR, and wait until it answers
# (5 s at most).  Return: 0, or 1 with a sentence and the end of its log
# printed.
bench_vnetd() {
	_b=$1 _n=$2 _v=$3
	shift 3
	"$_b/vnetd" --socket "$T/$_n.sock" --state "$T/$_n.db" \
		--pidfile "$T/$_n.pid" --log-file "$T/$_n.log" "$@" </dev/null \
		>/dev/null 2>&1 &
	eval "$_v=$!"
	for _ in $(seq 50); do
		"$_b/vnetctl" --socket "$T/$_n.sock" status >/dev/null 2>&1 &&
			return 0
		sleep 0.1
	done
	echo "bench: $_n's vnetd does not answer: $(tail -3 "$T/$_n.log" 2>/dev/null)"
	return 1
}

# bench_ctl BUILD NAME ARGS...: vnetctl ARGS on the vnetd bench_vnetd
# started as NAME, its output dropped.
bench_ctl() {
	_b=$1 _n=$2
	shift 2
	"$_b/vnetctl" --socket "$T/$_n.sock" "$@" >/dev/null
}

# bench_start CLEANUP: run the function CLEANUP at exit (on INT and TERM
# too); stop unless run as root with jq at hand.
bench_start() {
	trap "$1" EXIT
	trap 'exit 1' INT TERM
	[ "$(id -u)" = 0 ] || { echo "bench: run as root"; exit 1; }
	command -v jq >/dev/null || { echo "bench: needs jq"; exit 1; }
}
