BENCH_SRCS += bench/vnet_bench.c
BENCH_SRCS += bench/vnet_bench_evcpu.c
BENCH_SRCS += bench/vnet_bench_c2c.c
