LIB_SRCS += vmm-glue/vhost_user.c vmm-glue/vu_frontend.c
# vnet-vmm: the device models and boot code are in libvnet.a (unit tests
# link them); the KVM side only in the binary.
LIB_SRCS += vmm-glue/vmm_boot.c vmm-glue/vmm_uart.c vmm-glue/vmm_pci.c \
	vmm-glue/vmm_virtio.c vmm-glue/vmm_netdev.c vmm-glue/vmm_vfio.c
VMM_SRCS := vmm-glue/vmm_kvm.c vmm-glue/vmm_net.c vmm-glue/vmm_main.c \
	vmm-glue/vmm_vfio_dev.c

# The freestanding test guest: 32-bit code entered through PVH, no libc,
# no SSE/x87 (the emulated KVM of CI machines lacks much of it).
TG_SRCS := $(wildcard vmm-glue/testguest/*.c) vmm-glue/testguest/entry.S
TG_CFLAGS := -m32 -march=i686 -ffreestanding -fno-pic -fno-pie \
	-fno-stack-protector -fno-builtin -fno-asynchronous-unwind-tables \
	-mno-sse -mno-mmx -mno-80387 -mgeneral-regs-only -Os -g0 -std=gnu11 \
	-Wall -Wextra -Werror -Wno-unused-parameter -U_FORTIFY_SOURCE
