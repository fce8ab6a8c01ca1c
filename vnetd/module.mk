VNETD_SRCS += vnetd/vnetd_main.c vnetd/vnetd_store.c vnetd/vnetd_rpc.c
VNETD_SRCS += vnetd/vnetd_object.c vnetd/vnetd_network.c vnetd/vnetd_port.c
VNETD_SRCS += vnetd/vnetd_gwconf.c vnetd/vnetd_reservation.c vnetd/vnetd_gateway.c
VNETD_SRCS += vnetd/vnetd_metrics.c vnetd/vnetd_sd.c
VNETD_SRCS += vnetd/vnetd_caps.c
VNETD_SRCS += vnetd/vnetd_nat.c
VNETD_SRCS += vnetd/vnetd_team.c
VNETD_SRCS += vnetd/vnetd_sriov.c
