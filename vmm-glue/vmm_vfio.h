/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmm_vfio.h - VFIO passthrough of a PCI function (an SR-IOV virtual
 * function) into a vnet-vmm guest.  Two layers:
 * - struct vmm_vfio_pci (vmm_vfio.c, unit-tested on a fake device): the
 *   configuration space the guest sees, built from the real one (BARs
 *   sized and moved by the guest, the command register's memory, bus
 *   master and INTx-disable bits passed on, capabilities read-only with
 *   MSI hidden and MSI-X's enable and mask bits emulated) and the MSI-X
 *   table, emulated: the guest never writes the real one;
 * - struct vmm_vfio (vmm_vfio_dev.c): the VFIO container, group and
 *   device, guest RAM mapped for the device's DMA, BARs mmapped into KVM
 *   memory slots, MSI-X vectors as eventfds that are KVM irqfds. */
#ifndef VNET_VMM_VFIO_H
#define VNET_VMM_VFIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vmm_pci.h"

#define VMM_VFIO_MAX_VECTORS 32 /* MSI-X vectors offered to the guest */
#define PCI_CAP_ID_MSI	     0x05
#define PCI_CAP_ID_EXP	     0x10
#define PCI_ROM_ADDRESS	     0x30
#define PCI_COMMAND_IO	     0x1
#define PCI_COMMAND_MASTER   0x4
#define PCI_COMMAND_INTX_OFF 0x400
#define PCI_BAR_IO	     0x1
#define PCI_BAR_MEM64	     0x4

/**
 * struct vmm_vfio_pci_ops - the real device behind the model
 * @cfg_read: read its configuration space; 0 or -errno
 * @cfg_write: write it (only the command register is ever written)
 * @bar_rw: an access to a BAR the guest makes outside the MSI-X table
 *          (a trapped page: the part of the table's page around it, or
 *          a BAR too small to map)
 * @bar_moved: BAR @bar should now be mapped at @gpa, or not at all (0:
 *             memory decoding off, or an address being sized)
 * @msix_changed: MSI-X enable, function mask or a table entry changed;
 *                a vector found signalled while it was masked (its irqfd
 *                detached) gets its bit in msix.pba here
 * @signal: deliver vector @vec now (it is usable); may be NULL
 * @pending: vectors whose detached irqfds hold a signal, as bits; may be
 *           NULL
 *
 * Called from vCPU threads; @cfg_write, @bar_moved and @msix_changed with
 * the function's lock held.
 */
struct vmm_vfio_pci_ops {
	int (*cfg_read)(void *opaque, unsigned off, void *buf, unsigned len);
	int (*cfg_write)(void *opaque, unsigned off, const void *buf,
			 unsigned len);
	void (*bar_rw)(void *opaque, unsigned bar, uint64_t off, uint8_t *data,
		       unsigned size, bool write);
	void (*bar_moved)(void *opaque, unsigned bar, uint64_t gpa);
	void (*msix_changed)(void *opaque);
	void (*signal)(void *opaque, unsigned vec);
	uint32_t (*pending)(void *opaque);
};

/**
 * struct vmm_vfio_bar - one memory BAR
 * @size: bytes (a power of two), 0 when the BAR is unused or I/O
 * @flags: its low bits (64-bit, prefetchable)
 * @mapped: where it is mapped now (0: nowhere)
 */
struct vmm_vfio_bar {
	uint64_t size;
	uint32_t flags;
	uint64_t mapped;
};

/**
 * struct vmm_vfio_msix - the MSI-X capability and the emulated table
 * @cap: the capability's offset, 0 when the device has none
 * @nvec: table entries offered and emulated (the device's, at most
 *        VMM_VFIO_MAX_VECTORS and what VFIO can signal); the table size
 *        the guest reads in the capability
 * @table_n: entries of the device's own table: all of it is trapped,
 *           none of it reaches the device
 * @table_bar: BAR of the table
 * @table_off: its offset there
 * @pba_bar: BAR of the pending-bit array
 * @pba_off: its offset there
 * @entry: the guest's table: address low/high, data, vector control
 * @pba: pending bits held here (emulated: the device's own PBA never
 *       sees vnet-vmm's masking), delivered once on unmask
 */
struct vmm_vfio_msix {
	uint8_t cap;
	unsigned nvec, table_n;
	unsigned table_bar, pba_bar;
	uint32_t table_off, pba_off;
	struct {
		uint32_t addr_lo, addr_hi, data, ctrl;
	} entry[VMM_VFIO_MAX_VECTORS];
	uint32_t pba;
};

/**
 * struct vmm_vfio_pci - the guest's view of the passed-through function
 * @pci: configuration space as the guest sees it (a shadow)
 * @bar: memory BARs by register index (the upper half of a 64-bit BAR is
 *       size 0)
 * @msix: MSI-X
 * @real_cmd: the device's own command register
 * @hidden: capabilities left out of the guest's chain
 * @lock: serializes the guest's MSI-X table and configuration writes
 *        (vCPUs may make both at once); @ops calls but @cfg_read and
 *        @bar_rw are made with it held
 */
struct vmm_vfio_pci {
	struct vmm_pci_dev pci;
	pthread_mutex_t lock;
	struct vmm_vfio_bar bar[6];
	struct vmm_vfio_msix msix;
	uint16_t real_cmd;
	unsigned hidden;
	const struct vmm_vfio_pci_ops *ops;
	void *opaque;
};

int vmm_vfio_pci_init(struct vmm_vfio_pci *v, const uint64_t bar_size[6],
		      uint64_t mmio_base, uint64_t *mmio_end,
		      const struct vmm_vfio_pci_ops *ops, void *opaque,
		      char *err, size_t errlen)
    __attribute__((warn_unused_result));
uint64_t vmm_vfio_bar_gpa(const struct vmm_vfio_pci *v, unsigned bar);
bool vmm_vfio_msix_enabled(const struct vmm_vfio_pci *v);
bool vmm_vfio_vector_usable(const struct vmm_vfio_pci *v, unsigned vec);
bool vmm_vfio_in_table(const struct vmm_vfio_pci *v, unsigned bar, uint64_t off,
		       unsigned size);
bool vmm_vfio_in_pba(const struct vmm_vfio_pci *v, unsigned bar, uint64_t off,
		     unsigned size);
uint32_t vmm_vfio_pba(const struct vmm_vfio_pci *v);
void vmm_vfio_msix_limit(struct vmm_vfio_pci *v, unsigned n);
void vmm_vfio_trap_span(const struct vmm_vfio_pci *v, unsigned bar,
			uint64_t page, uint64_t *lo, uint64_t *hi);
const char *vmm_vfio_cap_name(uint8_t id);

/* ---- the VFIO device (vmm_vfio_dev.c, in vnet-vmm only) ---- */

struct vmm_vm;
struct vmm_vfio;

int vmm_vfio_open(struct vmm_vm *vm, const char *pci, int group, unsigned index,
		  struct vmm_vfio **out, char *err, size_t errlen);
void vmm_vfio_close(struct vmm_vfio *f);
int vmm_vfio_check(const char *pci, FILE *out, unsigned hold_s);
int vmm_vfio_req_fd(const struct vmm_vfio *f);
uint64_t vmm_vfio_req_take(struct vmm_vfio *f);
const char *vmm_vfio_name(const struct vmm_vfio *f);

#endif
