BENCH_SRCS += bench/vnet_bench.c
