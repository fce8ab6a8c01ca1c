VNETCTL_SRCS += vnetctl/vnetctl.c vnetctl/vnetctl_cmds.c
VNETCTL_SRCS += vnetctl/vnetctl_sriov.c
