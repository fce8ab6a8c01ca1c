// SPDX-License-Identifier: GPL-2.0-or-later
/* vmm_kvm.c - the VM on KVM: guest RAM as one shared memfd, in-kernel
 * irqchip and PIT, CPUID and MSRs, the boot CPU state, one thread per vCPU
 * and the port I/O the VMM serves (COM1, power-off and reset ports, PCI
 * configuration).  A vCPU exit that ends the guest records how it ended
 * and wakes the main thread, which stops the others. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "vmm_pci.h"
#include "vmm_priv.h"

#define MSR_IA32_MISC_ENABLE 0x1a0
#define MSR_IA32_SYSENTER_CS 0x174
#define CPUID_MAX_ENTRIES    128
#define KVM_TSS_GPA	     0xfffbd000ull
#define KVM_IDMAP_GPA	     0xfffbc000ull

static const struct {
	int status;
	const char *text;
} endings[VMM_END_MAX] = {
#define VMM_END_TABLE(id, st, tx) [VMM_END_##id] = {st, tx},
    VMM_ENDINGS(VMM_END_TABLE)
#undef VMM_END_TABLE
};

/**
 * vmm_ending_status() - vnet-vmm's exit status for an ending
 * @e: how the run ended
 *
 * Return: the status
 */
int vmm_ending_status(enum vmm_ending e)
{
	return e < VMM_END_MAX ? endings[e].status : 1;
}

/**
 * vmm_ending_text() - an ending in words
 * @e: how the run ended
 *
 * Return: a static string
 */
const char *vmm_ending_text(enum vmm_ending e)
{
	return e < VMM_END_MAX ? endings[e].text : "?";
}

static void uart_irq(void *arg, bool level)
{
	struct vmm_vm *vm = arg;
	struct kvm_irq_level irq = {.irq = 4, .level = level};

	ioctl(vm->fd, KVM_IRQ_LINE, &irq);
}

static void kick_handler(int sig)
{
	(void)sig;
}

/**
 * vmm_vm_create() - a VM with RAM, irqchip, PIT, COM1 and vCPUs
 * @vm: filled
 * @mem_size: RAM bytes
 * @ncpus: vCPUs, 1 to VMM_MAX_CPUS
 * @err: one sentence on failure
 * @errlen: room in @err
 *
 * Return: 0 or -errno
 */
int vmm_vm_create(struct vmm_vm *vm, uint64_t mem_size, unsigned ncpus,
		  char *err, size_t errlen)
{
	struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
	struct kvm_userspace_memory_region reg;
	struct sigaction sa = {.sa_handler = kick_handler};
	int runsz, api;
	uint8_t *ram;

	memset(vm, 0, sizeof(*vm));
	vm->kvm = vm->fd = vm->done_fd = -1;
	vm->mem.fd = -1;
	vm->ncpus = ncpus;
	vm->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot open /dev/kvm: %s", strerror(e));
		return -e;
	}
	api = ioctl(vm->kvm, KVM_GET_API_VERSION, 0);
	if (api < 0) {
		snprintf(err, errlen, "/dev/kvm is not a KVM device");
		return -ENOTTY;
	}
	if (api != KVM_API_VERSION) {
		snprintf(err, errlen, "/dev/kvm speaks API %d, not %d", api,
			 KVM_API_VERSION);
		return -ENOTSUP;
	}
	if (ioctl(vm->kvm, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT) <= 0 ||
	    ioctl(vm->kvm, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD) <= 0 ||
	    ioctl(vm->kvm, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD) <= 0) {
		snprintf(err, errlen,
			 "KVM lacks immediate exit, irqfd or ioeventfd");
		return -ENOTSUP;
	}
	vm->fd = ioctl(vm->kvm, KVM_CREATE_VM, 0);
	if (vm->fd < 0) {
		int e = errno;

		snprintf(err, errlen, "KVM_CREATE_VM: %s", strerror(e));
		return -e;
	}
	/* Intel VMX needs these; elsewhere they may fail harmlessly. */
	(void)ioctl(vm->fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_GPA);
	{
		uint64_t idmap = KVM_IDMAP_GPA;

		(void)ioctl(vm->fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap);
	}
	if (ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) ||
	    ioctl(vm->fd, KVM_CREATE_PIT2, &pit)) {
		int e = errno;

		snprintf(err, errlen, "KVM in-kernel irqchip or PIT: %s",
			 strerror(e));
		return -e;
	}

	vm->mem.fd = memfd_create("vnet-vmm-ram", MFD_CLOEXEC);
	if (vm->mem.fd < 0 || ftruncate(vm->mem.fd, (off_t)mem_size)) {
		int e = errno;

		snprintf(err, errlen, "guest RAM (memfd): %s", strerror(e));
		return -e;
	}
	ram = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_NORESERVE, vm->mem.fd, 0);
	if (ram == MAP_FAILED) {
		int e = errno;

		snprintf(err, errlen, "guest RAM (mmap): %s", strerror(e));
		return -e;
	}
	{
		int fd = vm->mem.fd;

		if (vmm_mem_init_buf(&vm->mem, ram, mem_size)) {
			munmap(ram, mem_size);
			close(fd);
			snprintf(err, errlen, "guest RAM size out of range");
			return -EINVAL;
		}
		vm->mem.fd = fd;
	}
	reg = (struct kvm_userspace_memory_region){
	    .slot = 0,
	    .guest_phys_addr = 0,
	    .memory_size = mem_size,
	    .userspace_addr = (uint64_t)(uintptr_t)ram};
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &reg)) {
		int e = errno;

		snprintf(err, errlen, "KVM_SET_USER_MEMORY_REGION: %s",
			 strerror(e));
		return -e;
	}
	vm->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->done_fd < 0) {
		int e = errno;

		snprintf(err, errlen, "eventfd: %s", strerror(e));
		return -e;
	}
	vmm_uart_init(&vm->uart, STDOUT_FILENO, uart_irq, vm);
	vmm_pci_init(&vm->bus);
	vm->pci = &vm->bus;
	pthread_mutex_init(&vm->route_lock, NULL);
	sigaction(SIGUSR1, &sa, NULL);

	runsz = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	for (unsigned i = 0; i < ncpus; i++) {
		struct vmm_vcpu *c = &vm->vcpu[i];

		c->vm = vm;
		c->id = i;
		c->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)i);
		if (c->fd < 0) {
			int e = errno;

			snprintf(err, errlen, "KVM_CREATE_VCPU %u: %s", i,
				 strerror(e));
			return -e;
		}
		c->run = mmap(NULL, (size_t)runsz, PROT_READ | PROT_WRITE,
			      MAP_SHARED, c->fd, 0);
		if (c->run == MAP_FAILED) {
			c->run = NULL;
			int e = errno;

			snprintf(err, errlen, "vCPU %u mmap: %s", i,
				 strerror(e));
			return -e;
		}
	}
	return 0;
}

static int vcpu_cpuid(struct vmm_vcpu *c, char *err, size_t errlen)
{
	struct kvm_cpuid2 *cp;
	size_t sz = sizeof(*cp) + CPUID_MAX_ENTRIES * sizeof(cp->entries[0]);
	int ret = 0;

	cp = calloc(1, sz);
	if (!cp)
		return -ENOMEM;
	cp->nent = CPUID_MAX_ENTRIES;
	if (ioctl(c->vm->kvm, KVM_GET_SUPPORTED_CPUID, cp)) {
		ret = -errno;
		snprintf(err, errlen, "KVM_GET_SUPPORTED_CPUID: %s",
			 strerror(errno));
		goto out;
	}
	for (unsigned i = 0; i < cp->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cp->entries[i];

		switch (e->function) {
		case 1:
			/* APIC id, logical count; hypervisor present */
			e->ebx = (e->ebx & 0x0000ffff) | (c->id << 24) |
				 (c->vm->ncpus << 16);
			e->ecx |= 1u << 31;
			break;
		case 0xb:
			e->edx = c->id;
			break;
		default:
			break;
		}
	}
	if (ioctl(c->fd, KVM_SET_CPUID2, cp)) {
		ret = -errno;
		snprintf(err, errlen, "KVM_SET_CPUID2: %s", strerror(errno));
	}
out:
	free(cp);
	return ret;
}

static int vcpu_msrs(struct vmm_vcpu *c, char *err, size_t errlen)
{
	union {
		struct kvm_msrs h;
		uint8_t room[sizeof(struct kvm_msrs) +
			     2 * sizeof(struct kvm_msr_entry)];
	} m;

	memset(&m, 0, sizeof(m));
	m.h.nmsrs = 2;
	m.h.entries[0] =
	    (struct kvm_msr_entry){.index = MSR_IA32_MISC_ENABLE, .data = 1};
	m.h.entries[1] = (struct kvm_msr_entry){.index = MSR_IA32_SYSENTER_CS};
	if (ioctl(c->fd, KVM_SET_MSRS, &m) != 2) {
		snprintf(err, errlen, "KVM_SET_MSRS failed");
		return -EIO;
	}
	return 0;
}

static void seg_flat(struct kvm_segment *s, uint16_t sel, uint8_t type,
		     bool code64)
{
	*s = (struct kvm_segment){.base = 0,
				  .limit = 0xffffffff,
				  .selector = sel,
				  .type = type,
				  .present = 1,
				  .dpl = 0,
				  .db = code64 ? 0 : 1,
				  .s = 1,
				  .l = code64 ? 1 : 0,
				  .g = 1};
}

/**
 * vmm_vcpu_boot_regs() - CPUID and MSRs of every vCPU, and the boot CPU's
 * registers for the kernel's entry
 * @vm: the VM, memory loaded
 * @b: entry mode and address
 * @err: one sentence on failure
 * @errlen: room in @err
 *
 * Return: 0 or -errno
 */
int vmm_vcpu_boot_regs(struct vmm_vm *vm, const struct vmm_boot *b, char *err,
		       size_t errlen)
{
	bool lm = b->mode == VMM_ENTRY_LINUX64;
	struct kvm_sregs sr;
	struct kvm_regs r = {.rflags = 2, .rip = b->entry};
	uint64_t gdt[5];
	int ret;

	for (unsigned i = 0; i < vm->ncpus; i++) {
		ret = vcpu_cpuid(&vm->vcpu[i], err, errlen);
		ret = ret ? ret : vcpu_msrs(&vm->vcpu[i], err, errlen);
		if (ret)
			return ret;
	}
	if (vmm_boot_gdt(&vm->mem, lm, gdt)) {
		snprintf(err, errlen, "guest RAM too small for the GDT");
		return -EFAULT;
	}
	if (ioctl(vm->vcpu[0].fd, KVM_GET_SREGS, &sr)) {
		int e = errno;

		snprintf(err, errlen, "KVM_GET_SREGS: %s", strerror(e));
		return -e;
	}
	seg_flat(&sr.cs, VMM_BOOT_CS, 0xb, lm);
	seg_flat(&sr.ds, VMM_BOOT_DS, 0x3, false);
	sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
	sr.tr = (struct kvm_segment){
	    .selector = VMM_BOOT_TSS, .limit = 0x67, .type = 0xb, .present = 1};
	sr.gdt.base = VMM_GDT_GPA;
	sr.gdt.limit = sizeof(gdt) - 1;
	sr.cr0 = 0x11; /* PE, ET */
	sr.cr4 = 0;
	sr.efer = 0;
	if (lm) {
		sr.cr3 = VMM_PML4_GPA;
		sr.cr4 = 0x20;	       /* PAE */
		sr.efer = 0x500;       /* LME, LMA */
		sr.cr0 |= 0x80000000u; /* PG */
		r.rsi = b->arg;
	} else {
		r.rbx = b->arg;
	}
	if (ioctl(vm->vcpu[0].fd, KVM_SET_SREGS, &sr) ||
	    ioctl(vm->vcpu[0].fd, KVM_SET_REGS, &r)) {
		int e = errno;

		snprintf(err, errlen, "setting the boot CPU state: %s",
			 strerror(e));
		return -e;
	}
	return 0;
}

/**
 * vmm_vm_ioeventfd() - a guest write to @gpa signals @fd without an exit
 * @vm: the VM
 * @gpa: MMIO address (a queue's notify register)
 * @len: access size that matches
 * @fd: eventfd
 * @assign: add (true) or remove
 *
 * Return: 0 or -errno
 */
int vmm_vm_ioeventfd(struct vmm_vm *vm, uint64_t gpa, unsigned len, int fd,
		     bool assign)
{
	struct kvm_ioeventfd io = {
	    .addr = gpa,
	    .len = len,
	    .fd = fd,
	    .flags = assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN};

	return ioctl(vm->fd, KVM_IOEVENTFD, &io) ? -errno : 0;
}

/**
 * vmm_vm_irqfd() - a write to @fd raises GSI @gsi (routed as MSI)
 * @vm: the VM
 * @fd: eventfd
 * @gsi: interrupt
 * @assign: add (true) or remove
 *
 * Return: 0 or -errno
 */
int vmm_vm_irqfd(struct vmm_vm *vm, int fd, unsigned gsi, bool assign)
{
	struct kvm_irqfd irq = {.fd = (uint32_t)fd,
				.gsi = gsi,
				.flags = assign ? 0 : KVM_IRQFD_FLAG_DEASSIGN};

	return ioctl(vm->fd, KVM_IRQFD, &irq) ? -errno : 0;
}

/* KVM replaces the whole routing table: the default PIC/IOAPIC routes of
 * GSIs 0-23 are restated, then the valid MSI routes. */
static int routes_commit(struct vmm_vm *vm)
{
	union {
		struct kvm_irq_routing h;
		uint8_t room[sizeof(struct kvm_irq_routing) +
			     (16 + 24 + VMM_MSI_GSIS) *
				 sizeof(struct kvm_irq_routing_entry)];
	} r;
	struct kvm_irq_routing_entry *e = r.h.entries;
	unsigned n = 0;

	memset(&r, 0, sizeof(r));
	for (unsigned gsi = 0; gsi < 24; gsi++) {
		if (gsi < 16) {
			e[n].gsi = gsi;
			e[n].type = KVM_IRQ_ROUTING_IRQCHIP;
			e[n].u.irqchip.irqchip = gsi < 8
						     ? KVM_IRQCHIP_PIC_MASTER
						     : KVM_IRQCHIP_PIC_SLAVE;
			e[n++].u.irqchip.pin = gsi % 8;
		}
		e[n].gsi = gsi;
		e[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		e[n].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		e[n++].u.irqchip.pin = gsi;
	}
	for (unsigned i = 0; i < VMM_MSI_GSIS; i++) {
		if (!vm->msi[i].valid)
			continue;
		e[n].gsi = VMM_MSI_GSI_BASE + i;
		e[n].type = KVM_IRQ_ROUTING_MSI;
		e[n].u.msi.address_lo = vm->msi[i].addr_lo;
		e[n].u.msi.address_hi = vm->msi[i].addr_hi;
		e[n++].u.msi.data = vm->msi[i].data;
	}
	r.h.nr = n;
	return ioctl(vm->fd, KVM_SET_GSI_ROUTING, &r) ? -errno : 0;
}

/**
 * vmm_vm_set_msi() - route GSI @gsi as an MSI message, or not at all
 * @vm: the VM
 * @gsi: VMM_MSI_GSI_BASE to VMM_MSI_GSI_BASE + VMM_MSI_GSIS - 1
 * @valid: false to drop the route (a masked vector)
 * @addr_lo: message address
 * @addr_hi: its high half
 * @data: message data
 *
 * Return: 0 or -errno
 */
int vmm_vm_set_msi(struct vmm_vm *vm, unsigned gsi, bool valid,
		   uint32_t addr_lo, uint32_t addr_hi, uint32_t data)
{
	struct vmm_msi_route nr = {valid, addr_lo, addr_hi, data}, *cur;
	int ret = 0;

	if (gsi < VMM_MSI_GSI_BASE || gsi >= VMM_MSI_GSI_BASE + VMM_MSI_GSIS)
		return -EINVAL;
	pthread_mutex_lock(&vm->route_lock);
	cur = &vm->msi[gsi - VMM_MSI_GSI_BASE];
	if (!valid)
		nr = (struct vmm_msi_route){0};
	if (memcmp(cur, &nr, sizeof(nr))) {
		*cur = nr;
		ret = routes_commit(vm);
	}
	pthread_mutex_unlock(&vm->route_lock);
	return ret;
}

/**
 * vmm_vm_alloc_gsis() - reserve @n consecutive MSI GSIs (one per vector of
 * a device)
 * @vm: the VM
 * @n: how many
 *
 * Return: the first, or -ENOSPC
 */
int vmm_vm_alloc_gsis(struct vmm_vm *vm, unsigned n)
{
	int first;

	pthread_mutex_lock(&vm->route_lock);
	if (n > VMM_MSI_GSIS - vm->gsis_used) {
		pthread_mutex_unlock(&vm->route_lock);
		return -ENOSPC;
	}
	first = (int)(VMM_MSI_GSI_BASE + vm->gsis_used);
	vm->gsis_used += n;
	pthread_mutex_unlock(&vm->route_lock);
	return first;
}

/**
 * vmm_vm_signal_msi() - inject one MSI message now (an interrupt the VMM
 * raises itself, e.g. for the control queue it serves)
 * @vm: the VM
 * @addr_lo: message address
 * @addr_hi: its high half
 * @data: message data
 *
 * Return: 0 (delivered or blocked by the guest) or -errno
 */
int vmm_vm_signal_msi(struct vmm_vm *vm, uint32_t addr_lo, uint32_t addr_hi,
		      uint32_t data)
{
	struct kvm_msi msi = {
	    .address_lo = addr_lo, .address_hi = addr_hi, .data = data};

	return ioctl(vm->fd, KVM_SIGNAL_MSI, &msi) < 0 ? -errno : 0;
}

/**
 * vmm_vm_end() - record how the guest ended (the first caller wins) and
 * wake the main thread
 * @vm: the VM
 * @how: the ending
 */
void vmm_vm_end(struct vmm_vm *vm, enum vmm_ending how)
{
	int expect = VMM_END_RUNNING;
	uint64_t one = 1;

	if (atomic_compare_exchange_strong(&vm->ending, &expect, (int)how))
		(void)!write(vm->done_fd, &one, sizeof(one));
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void io_out(struct vmm_vm *vm, uint16_t port, uint8_t *d, unsigned size)
{
	uint32_t v = 0;

	memcpy(&v, d, size);
	if (port >= VMM_PORT_COM1 && port < VMM_PORT_COM1 + 8)
		vmm_uart_write(&vm->uart, port - VMM_PORT_COM1, d[0]);
	else if (port == VMM_PORT_POWEROFF)
		vmm_vm_end(vm, VMM_END_POWEROFF);
	else if (port == VMM_PORT_I8042 && v == 0xfe)
		vmm_vm_end(vm, VMM_END_RESET);
	else if (port == VMM_PORT_RESET && size == 1 && (v & 0x04))
		vmm_vm_end(vm, VMM_END_RESET);
	else if (port >= VMM_PORT_PCI_ADDR && port < VMM_PORT_PCI_DATA + 4)
		vmm_pci_pio(vm->pci, port, d, size, true);
}

static void io_in(struct vmm_vm *vm, uint16_t port, uint8_t *d, unsigned size)
{
	memset(d, 0xff, size);
	if (port >= VMM_PORT_COM1 && port < VMM_PORT_COM1 + 8)
		d[0] = vmm_uart_read(&vm->uart, port - VMM_PORT_COM1);
	else if (port >= VMM_PORT_PCI_ADDR && port < VMM_PORT_PCI_DATA + 4)
		vmm_pci_pio(vm->pci, port, d, size, false);
	else if (port == VMM_PORT_I8042)
		d[0] = 0; /* no data, input buffer empty */
}

static void vcpu_io(struct vmm_vcpu *c)
{
	struct kvm_run *run = c->run;
	uint8_t *d = (uint8_t *)run + run->io.data_offset;

	for (uint32_t i = 0; i < run->io.count; i++, d += run->io.size) {
		if (run->io.direction == KVM_EXIT_IO_OUT)
			io_out(c->vm, run->io.port, d, run->io.size);
		else
			io_in(c->vm, run->io.port, d, run->io.size);
	}
}

static void *vcpu_thread(void *arg)
{
	struct vmm_vcpu *c = arg;
	struct vmm_vm *vm = c->vm;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	while (atomic_load(&vm->ending) == VMM_END_RUNNING) {
		int ret = ioctl(c->fd, KVM_RUN, 0);
		int64_t zero = 0;

		if (ret < 0) {
			/* a kick: the loop condition says whether to stop
			 * (immediate_exit is only ever set to stop) */
			if (errno == EINTR || errno == EAGAIN)
				continue;
			snprintf(vm->detail, sizeof(vm->detail),
				 "vCPU %u: KVM_RUN: %s", c->id,
				 strerror(errno));
			vmm_vm_end(vm, VMM_END_INTERNAL);
			break;
		}
		if (!atomic_load(&vm->first_exit_ns))
			atomic_compare_exchange_strong(&vm->first_exit_ns,
						       &zero, now_ns());
		switch (c->run->exit_reason) {
		case KVM_EXIT_IO:
			vcpu_io(c);
			break;
		case KVM_EXIT_MMIO:
			vmm_pci_mmio(vm->pci, c->run->mmio.phys_addr,
				     c->run->mmio.data, c->run->mmio.len,
				     c->run->mmio.is_write);
			break;
		case KVM_EXIT_HLT:
			break;
		case KVM_EXIT_SHUTDOWN:
			vmm_vm_end(vm, VMM_END_TRIPLE_FAULT);
			break;
		case KVM_EXIT_SYSTEM_EVENT:
			vmm_vm_end(vm, c->run->system_event.type ==
					       KVM_SYSTEM_EVENT_SHUTDOWN
					   ? VMM_END_POWEROFF
					   : VMM_END_RESET);
			break;
		case KVM_EXIT_FAIL_ENTRY:
		case KVM_EXIT_INTERNAL_ERROR:
		default:
			snprintf(vm->detail, sizeof(vm->detail),
				 "vCPU %u: exit reason %u (suberror %u)", c->id,
				 c->run->exit_reason,
				 c->run->exit_reason == KVM_EXIT_INTERNAL_ERROR
				     ? c->run->internal.suberror
				     : 0);
			vmm_vm_end(vm, VMM_END_INTERNAL);
			break;
		}
	}
	return NULL;
}

/**
 * vmm_vm_start() - one thread per vCPU; the others wait for INIT/SIPI
 * @vm: the VM, boot state set
 * @err: one sentence on failure
 * @errlen: room in @err
 *
 * Return: 0 or -errno
 */
int vmm_vm_start(struct vmm_vm *vm, char *err, size_t errlen)
{
	for (unsigned i = 0; i < vm->ncpus; i++) {
		int ret = pthread_create(&vm->vcpu[i].thread, NULL, vcpu_thread,
					 &vm->vcpu[i]);

		if (ret) {
			snprintf(err, errlen, "vCPU thread: %s", strerror(ret));
			vmm_vm_end(vm, VMM_END_INTERNAL);
			vmm_vm_stop(vm);
			return -ret;
		}
		vm->vcpu[i].started = true;
	}
	return 0;
}

/**
 * vmm_vm_stop() - stop and join every vCPU thread
 * @vm: the VM; its ending must already be set
 */
void vmm_vm_stop(struct vmm_vm *vm)
{
	for (unsigned i = 0; i < vm->ncpus; i++) {
		struct vmm_vcpu *c = &vm->vcpu[i];

		if (!c->started)
			continue;
		__atomic_store_n(&c->run->immediate_exit, 1, __ATOMIC_RELEASE);
		pthread_kill(c->thread, SIGUSR1);
	}
	for (unsigned i = 0; i < vm->ncpus; i++) {
		if (vm->vcpu[i].started)
			pthread_join(vm->vcpu[i].thread, NULL);
		vm->vcpu[i].started = false;
	}
}

/**
 * vmm_vm_destroy() - release everything vmm_vm_create() made
 * @vm: the VM (threads stopped); NULL-safe fields
 */
void vmm_vm_destroy(struct vmm_vm *vm)
{
	for (unsigned i = 0; i < vm->ncpus; i++) {
		if (vm->vcpu[i].fd > 0)
			close(vm->vcpu[i].fd);
	}
	if (vm->mem.base)
		munmap(vm->mem.base, vm->mem.size);
	if (vm->mem.fd >= 0)
		close(vm->mem.fd);
	if (vm->done_fd >= 0)
		close(vm->done_fd);
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->kvm >= 0)
		close(vm->kvm);
}
