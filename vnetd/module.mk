VNETD_SRCS += vnetd/vnetd_main.c vnetd/vnetd_config.c vnetd/vnetd_store.c vnetd/vnetd_rpc.c
