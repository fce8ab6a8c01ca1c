VNETCTL_SRCS += vnetctl/vnetctl.c vnetctl/vnetctl_cmds.c vnetctl/vnetctl_nat.c
VNETCTL_SRCS += vnetctl/vnetctl_team.c
VNETCTL_SRCS += vnetctl/vnetctl.c vnetctl/vnetctl_cmds.c
VNETCTL_SRCS += vnetctl/vnetctl_sriov.c
