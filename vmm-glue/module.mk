LIB_SRCS += vmm-glue/vhost_user.c
