#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# run.sh - build the libFuzzer targets with clang (ASan+UBSan) and run each
# for a fixed budget: FUZZ_SECONDS (default 30) per target.
set -e
cd "$(dirname "$0")/../.."
B=build-fuzz
SECS=${FUZZ_SECONDS:-30}
command -v clang >/dev/null || { echo "fuzz: SKIP: clang not installed"; exit 0; }
mkdir -p $B
CF="-g -O1 -std=gnu11 -D_GNU_SOURCE -I. $(pkg-config --cflags jansson libnl-route-3.0)
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
LIBS="lib/pkt.c lib/util.c lib/vnet_hdr.c lib/jsonrpc.c lib/log.c
      vswitch/vswitch_parse.c vmm-glue/vhost_user.c vnic/vnic_vhost_vq.c
      vnic/vnic.c vnic/vnic_vhost_user.c vnic/vnic_tap.c vnic/vnic_afpacket.c
      vnic/vnic_pcap.c vnic/vnic_link.c vnic/vnic_dummy.c
      $(ls dhcp/*.c 2>/dev/null)"
rc=0
for src in tests/fuzz/fuzz_*.c; do
	t=${src#tests/fuzz/fuzz_}
	t=${t%.c}
	# shellcheck disable=SC2086
	clang $CF -o $B/fuzz_$t tests/fuzz/fuzz_$t.c $LIBS \
		$(pkg-config --libs jansson libnl-route-3.0 libpcap) -lpthread
	mkdir -p $B/corpus_$t
	echo "fuzz_$t: ${SECS}s"
	if ! $B/fuzz_$t -max_total_time="$SECS" -print_final_stats=1 \
		-max_len=10000 $B/corpus_$t tests/fuzz/seeds_$t \
		>$B/fuzz_$t.log 2>&1; then
		tail -n 40 $B/fuzz_$t.log
		rc=1
	else
		grep -E "stat::number_of_executed_units|stat::new_units_added" \
			$B/fuzz_$t.log | sed "s/^/  /"
	fi
done
exit $rc
