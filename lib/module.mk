LIB_SRCS += lib/log.c lib/pkt.c lib/util.c lib/vnet_hdr.c lib/jsonrpc.c
LIB_SRCS += lib/timer.c lib/schema.c
LIB_SRCS += lib/seccomp.c
