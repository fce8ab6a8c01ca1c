LIB_SRCS += vmm-glue/vhost_user.c vmm-glue/vu_frontend.c
