/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmm_priv.h - vnet-vmm's KVM side: the VM, its vCPU threads and how a run
 * ends (private to vmm_kvm.c and vmm_main.c) */
#ifndef VNET_VMM_PRIV_H
#define VNET_VMM_PRIV_H

#include <linux/kvm.h>
#include <stdatomic.h>

#include "vmm.h"
#include "vmm_pci.h"

#define VMM_MAX_CPUS	 8
#define VMM_MSI_GSI_BASE 24 /* GSIs above the IOAPIC's pins */
#define VMM_MSI_GSIS	 128

/* How a run ended, with vnet-vmm's exit status for each. */
#define VMM_ENDINGS(X)                                                 \
	X(RUNNING, 1, "still running")                                 \
	X(POWEROFF, 0, "the guest powered off")                        \
	X(RESET, 3, "the guest reset (reboot)")                        \
	X(TRIPLE_FAULT, 4, "the guest triple-faulted (shutdown)")      \
	X(INTERNAL, 5, "KVM could not run the guest (internal error)") \
	X(SIGNAL, 143, "vnet-vmm was told to stop (signal)")

enum vmm_ending {
#define VMM_END_ENUM(id, status, text) VMM_END_##id,
	VMM_ENDINGS(VMM_END_ENUM)
#undef VMM_END_ENUM
	    VMM_END_MAX,
};

struct vmm_vm;

/**
 * struct vmm_vcpu - one vCPU and its thread
 * @fd: KVM vCPU fd
 * @run: its shared kvm_run page
 * @id: index, also the APIC id
 */
struct vmm_vcpu {
	struct vmm_vm *vm;
	int fd;
	struct kvm_run *run;
	unsigned id;
	pthread_t thread;
	bool started;
};

/**
 * struct vmm_vm - the virtual machine
 * @kvm: /dev/kvm
 * @fd: the VM
 * @mem: guest RAM
 * @done_fd: eventfd written when the guest ends
 * @ending: enum vmm_ending, set once
 * @first_exit_ns: CLOCK_REALTIME of the first exit to user space (start-up
 *                 measurement), 0 until then
 */
struct vmm_vm {
	int kvm, fd;
	struct vmm_mem mem;
	unsigned ncpus;
	struct vmm_vcpu vcpu[VMM_MAX_CPUS];
	struct vmm_uart uart;
	struct vmm_pci *pci;
	struct vmm_pci bus;
	pthread_mutex_t route_lock;
	struct vmm_msi_route {
		bool valid;
		uint32_t addr_lo, addr_hi, data;
	} msi[VMM_MSI_GSIS];
	unsigned gsis_used;
	uint64_t vfio_mmio_next; /* where the next VF's BARs go (0: start) */
	int done_fd;
	_Atomic int ending;
	_Atomic int64_t first_exit_ns;
	int64_t first_io_detail;
	char detail[160];
};

int vmm_vm_create(struct vmm_vm *vm, uint64_t mem_size, unsigned ncpus,
		  char *err, size_t errlen);
void vmm_vm_destroy(struct vmm_vm *vm);
int vmm_vcpu_boot_regs(struct vmm_vm *vm, const struct vmm_boot *b, char *err,
		       size_t errlen);
int vmm_vm_start(struct vmm_vm *vm, char *err, size_t errlen);
void vmm_vm_end(struct vmm_vm *vm, enum vmm_ending how);
void vmm_vm_stop(struct vmm_vm *vm);
int vmm_vm_ioeventfd(struct vmm_vm *vm, uint64_t gpa, unsigned len, int fd,
		     bool assign);
int vmm_vm_irqfd(struct vmm_vm *vm, int fd, unsigned gsi, bool assign);
int vmm_vm_set_msi(struct vmm_vm *vm, unsigned gsi, bool valid,
		   uint32_t addr_lo, uint32_t addr_hi, uint32_t data);
int vmm_vm_alloc_gsis(struct vmm_vm *vm, unsigned n);
int vmm_vm_signal_msi(struct vmm_vm *vm, uint32_t addr_lo, uint32_t addr_hi,
		      uint32_t data);
int vmm_ending_status(enum vmm_ending e);
const char *vmm_ending_text(enum vmm_ending e);

#endif
