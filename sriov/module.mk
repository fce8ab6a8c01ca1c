SRIOV_SRCS += sriov/sriov_sysfs.c sriov/sriov_nl.c
