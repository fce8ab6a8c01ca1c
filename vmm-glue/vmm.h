/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmm.h - vnet-vmm, a minimal KVM VMM whose NICs are vnet ports: the guest
 * memory layout, the x86 boot protocols (Linux bzImage, ELF through PVH),
 * the e820 map, the 8250 UART and the PCI/virtio device models.  Everything
 * here works on plain memory and is unit-tested; the KVM side is in
 * vmm_kvm.c and vmm_main.c. */
#ifndef VNET_VMM_H
#define VNET_VMM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vhost_user.h"

/* ---- guest-physical layout ---- */
#define VMM_GDT_GPA	  0x500ull
#define VMM_PVH_INFO_GPA  0x6000ull /* struct hvm_start_info */
#define VMM_PVH_MMAP_GPA  0x6100ull /* its memory map */
#define VMM_ZERO_PAGE_GPA 0x7000ull /* Linux boot_params */
#define VMM_PML4_GPA	  0x9000ull
#define VMM_PDPT_GPA	  0xa000ull
#define VMM_PD_GPA	  0xb000ull /* four pages: 4 GiB of 2 MiB pages */
#define VMM_CMDLINE_GPA	  0x20000ull
#define VMM_CMDLINE_MAX	  4096u
#define VMM_EBDA_GPA	  0x9fc00ull
#define VMM_BIOS_GPA	  0xf0000ull /* reserved up to 1 MiB; MP table */
#define VMM_HIGH_GPA	  0x100000ull
#define VMM_PCI_HOLE_GPA  0xc0000000ull /* RAM ends below this */
#define VMM_PCI_MMIO_GPA  0xe0000000ull /* BARs are placed from here */
#define VMM_MEM_MIN	  (16ull << 20)
#define VMM_MEM_MAX	  VMM_PCI_HOLE_GPA
#define VMM_BZIMAGE_LOAD  0x100000ull

/* Boot-protocol selectors: the GDT vmm_boot_gdt() writes. */
#define VMM_BOOT_CS  0x10
#define VMM_BOOT_DS  0x18
#define VMM_BOOT_TSS 0x20

/* I/O ports the VMM serves itself. */
#define VMM_PORT_COM1	  0x3f8
#define VMM_PORT_POWEROFF 0x604 /* write: the guest powers off */
#define VMM_PORT_RESET	  0xcf9
#define VMM_PORT_I8042	  0x64
#define VMM_PORT_PCI_ADDR 0xcf8
#define VMM_PORT_PCI_DATA 0xcfc

/* ---- e820 ---- */
#define VMM_E820_RAM	  1
#define VMM_E820_RESERVED 2
#define VMM_E820_MAX	  8

struct vmm_e820 {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));

int vmm_e820_build(uint64_t mem_size, struct vmm_e820 *e, unsigned max);

/* ---- guest memory ---- */

/**
 * struct vmm_mem - the guest's RAM: one shared memfd mapped at GPA 0, so
 * vnetd can map the same pages over vhost-user
 * @fd: the memfd
 * @base: its mapping here
 * @size: bytes
 * @gm: the same as a translate-and-check table (guest_mem_gpa_to_hva())
 */
struct vmm_mem {
	int fd;
	uint8_t *base;
	uint64_t size;
	struct guest_mem gm;
};

int vmm_mem_init_buf(struct vmm_mem *m, uint8_t *buf, uint64_t size);
void *vmm_mem_ptr(const struct vmm_mem *m, uint64_t gpa, uint64_t len);
int vmm_mem_write(const struct vmm_mem *m, uint64_t gpa, const void *src,
		  uint64_t len) __attribute__((warn_unused_result));

/* ---- boot ---- */

enum vmm_entry_mode {
	VMM_ENTRY_PVH32,   /* 32-bit protected mode, paging off, EBX = info */
	VMM_ENTRY_LINUX64, /* long mode, identity map, RSI = boot_params */
};

/**
 * struct vmm_boot - where and how the first vCPU starts
 * @mode: the CPU state expected by the kernel
 * @entry: first instruction (guest-physical)
 * @arg: EBX (PVH start info) or RSI (boot_params)
 * @kernel_end: first byte after the loaded kernel image
 * @initrd_max: highest byte the initrd may end at (inclusive)
 */
struct vmm_boot {
	enum vmm_entry_mode mode;
	uint64_t entry;
	uint64_t arg;
	uint64_t kernel_end;
	uint64_t initrd_max;
};

int vmm_load_kernel(const struct vmm_mem *m, const uint8_t *img, size_t len,
		    struct vmm_boot *b, char *err, size_t errlen)
    __attribute__((warn_unused_result));
int vmm_place_initrd(const struct vmm_mem *m, const struct vmm_boot *b,
		     const uint8_t *img, size_t len, uint64_t *gpa, char *err,
		     size_t errlen) __attribute__((warn_unused_result));
int vmm_boot_finish(const struct vmm_mem *m, const uint8_t *img, size_t len,
		    struct vmm_boot *b, const char *cmdline,
		    uint64_t initrd_gpa, uint64_t initrd_size, char *err,
		    size_t errlen) __attribute__((warn_unused_result));
int vmm_build_page_tables(const struct vmm_mem *m)
    __attribute__((warn_unused_result));
int vmm_boot_gdt(const struct vmm_mem *m, bool long_mode, uint64_t *gdt);
int vmm_mptable_build(const struct vmm_mem *m, unsigned cpus)
    __attribute__((warn_unused_result));

/* Linux boot_params offsets (Documentation/arch/x86/boot.rst, zero-page). */
#define BP_E820_ENTRIES	 0x1e8
#define BP_SETUP_SECTS	 0x1f1
#define BP_BOOT_FLAG	 0x1fe
#define BP_JUMP		 0x200
#define BP_HEADER	 0x202
#define BP_VERSION	 0x206
#define BP_TYPE_OF_LOADR 0x210
#define BP_LOADFLAGS	 0x211
#define BP_RAMDISK_IMAGE 0x218
#define BP_RAMDISK_SIZE	 0x21c
#define BP_HEAP_END_PTR	 0x224
#define BP_CMD_LINE_PTR	 0x228
#define BP_INITRD_MAX	 0x22c
#define BP_XLOADFLAGS	 0x236
#define BP_CMDLINE_SIZE	 0x238
#define BP_E820_TABLE	 0x2d0
#define BP_E820_MAX	 128

/* PVH start info (xen/include/public/arch-x86/hvm/start_info.h). */
#define PVH_START_MAGIC 0x336ec578u
struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};
struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};
struct hvm_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

/* ---- 8250 UART ---- */

/**
 * struct vmm_uart - a 16550-compatible UART without FIFO timing
 * @out: where transmitted bytes go (-1: nowhere)
 * @irq_line: called with the new interrupt line level (may be NULL)
 * @irq_arg: its argument
 */
struct vmm_uart {
	pthread_mutex_t lock;
	uint8_t ier, lcr, mcr, lsr_extra, scr, dll, dlm, fcr;
	bool thr_ipending; /* THR-empty interrupt pending until IIR is read */
	bool irq_level;
	uint8_t rx[256];
	unsigned rx_head, rx_count;
	int out;
	void (*irq_line)(void *arg, bool level);
	void *irq_arg;
};

void vmm_uart_init(struct vmm_uart *u, int out,
		   void (*irq_line)(void *arg, bool level), void *irq_arg);
uint8_t vmm_uart_read(struct vmm_uart *u, unsigned reg);
void vmm_uart_write(struct vmm_uart *u, unsigned reg, uint8_t val);
unsigned vmm_uart_input(struct vmm_uart *u, const uint8_t *buf, unsigned len);

#endif
