#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# run.sh - build the libFuzzer targets with clang (ASan+UBSan) and run each
# for a fixed budget: FUZZ_SECONDS (default 30) per target, VNET_JOBS
# (default: the number of CPUs) targets at a time.  The library sources are
# compiled once for all targets.  One line per target ("ok", "FAIL" or
# "skip" with the reason), then "fuzz: N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/../.."
B=build-fuzz
SECS=${FUZZ_SECONDS:-30}
JOBS=${VNET_JOBS:-$(nproc)}
ntargets=$(ls tests/fuzz/fuzz_*.c | wc -l)

# skip_all REASON: no target can be built here.
skip_all() {
	echo "skip  fuzz: $1"
	echo "fuzz: 0 passed, 0 failed, $ntargets skipped"
	exit 0
}

command -v clang >/dev/null || skip_all "clang not installed"
mkdir -p $B/obj
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)\n{ return d && n; }\n' >$B/probe.c
clang -fsanitize=fuzzer -o $B/probe $B/probe.c 2>/dev/null ||
	skip_all "clang has no libFuzzer runtime (libclang-rt-dev)"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
CF="-g -O1 -std=gnu11 -D_GNU_SOURCE -I. $(pkg-config --cflags jansson libnl-route-3.0) $SAN"
# Every vnic backend (vnic.c's table names them all) but the BPF fast
# path, which needs libbpf and an object built by another compiler.
LIBS="lib/pkt.c lib/util.c lib/vnet_hdr.c lib/jsonrpc.c lib/log.c
      vswitch/vswitch_parse.c vswitch/vswitch_guard.c vmm-glue/vhost_user.c
      vmm-glue/vmm_boot.c vmm-glue/vmm_pci.c vmm-glue/vmm_virtio.c
      vmm-glue/vmm_netdev.c vmm-glue/vmm_vfio.c
      $(ls vnic/*.c | grep -v -e '\.bpf\.c$' -e '/vnic_fast\.c$')
      $(ls dhcp/*.c nat/*.c teaming/*.c sriov/*.c 2>/dev/null)"
pass=0 failn=0

# Library objects, with coverage but without libFuzzer's main().
rm -f $B/obj/*.o $B/libfuzz.a
export CF B
# shellcheck disable=SC2086
if ! printf '%s\n' $LIBS | xargs -P "$JOBS" -I{} sh -c \
	'o=$B/obj/$(echo {} | tr / _).o; clang $CF -fsanitize=fuzzer-no-link -c -o $o {}'; then
	echo "FAIL  fuzz: the library sources do not build with clang"
	echo "fuzz: 0 passed, $ntargets failed, 0 skipped"
	exit 1
fi
ar rcs $B/libfuzz.a $B/obj/*.o

# run_target NAME: build and run one target; its report goes to NAME.out.
run_target() {
	t=$1
	# shellcheck disable=SC2086
	if ! clang $CF -fsanitize=fuzzer -o $B/fuzz_$t tests/fuzz/fuzz_$t.c \
		$B/libfuzz.a $(pkg-config --libs jansson libnl-route-3.0 libpcap liburing) \
		-lpthread >$B/fuzz_$t.log 2>&1; then
		{ echo "FAIL  fuzz_$t: does not build"; sed 's/^/      /' $B/fuzz_$t.log; } >$B/fuzz_$t.out
		return
	fi
	mkdir -p $B/corpus_$t
	if $B/fuzz_$t -max_total_time="$SECS" -print_final_stats=1 \
		-max_len=10000 $B/corpus_$t tests/fuzz/seeds_$t \
		>$B/fuzz_$t.log 2>&1; then
		runs=$(awk '/stat::number_of_executed_units/ {print $2}' $B/fuzz_$t.log)
		new=$(awk '/stat::new_units_added/ {print $2}' $B/fuzz_$t.log)
		echo "ok    fuzz_$t: ${SECS}s, $runs runs, $new new inputs" >$B/fuzz_$t.out
	else
		{ echo "FAIL  fuzz_$t"; tail -n 40 $B/fuzz_$t.log | sed 's/^/      /'; } >$B/fuzz_$t.out
	fi
}

# Targets run JOBS at a time; reports are printed in target order.
targets=""
n=0
for src in tests/fuzz/fuzz_*.c; do
	t=${src#tests/fuzz/fuzz_}
	t=${t%.c}
	targets="$targets $t"
	rm -f $B/fuzz_$t.out
	run_target "$t" &
	n=$((n + 1))
	[ $((n % JOBS)) = 0 ] && wait
done
wait
for t in $targets; do
	if [ -f $B/fuzz_$t.out ]; then
		cat $B/fuzz_$t.out
	else
		echo "FAIL  fuzz_$t: no report"
	fi
	if grep -q '^ok ' $B/fuzz_$t.out 2>/dev/null; then
		pass=$((pass + 1))
	else
		failn=$((failn + 1))
	fi
done
echo "fuzz: $pass passed, $failn failed, 0 skipped"
[ $failn = 0 ]
