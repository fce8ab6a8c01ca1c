// SPDX-License-Identifier: GPL-2.0-or-later
/* vmm_vfio.c - the configuration space and MSI-X table a guest sees of a
 * passed-through PCI function.  Built once from the real configuration
 * space (read through VFIO, which itself virtualizes parts of it); then the
 * guest works on the shadow: BARs it may size and move (the KVM side maps
 * them where it puts them), the command register (memory, bus master and
 * INTx-disable reach the device; nothing else does), the interrupt line,
 * and MSI-X's enable and function-mask bits.  Everything else is
 * read-only.  MSI is hidden from the capability chain (vnet-vmm routes
 * MSI-X only) and no INTx pin is offered.  The MSI-X table is emulated:
 * the guest's writes land here and reach the device only as the vectors
 * vnet-vmm programs through VFIO_DEVICE_SET_IRQS.
 *
 * Trust: the real configuration space comes from the device, which the
 * guest controls (it can make a VF misbehave); capability offsets and
 * counts read from it are bounds-checked like guest input. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm_vfio.h"

#define CAP_HOPS_MAX 48

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

/**
 * vmm_vfio_cap_name() - a capability id in words
 * @id: PCI capability id
 *
 * Return: a static string
 */
const char *vmm_vfio_cap_name(uint8_t id)
{
	switch (id) {
	case 0x01:
		return "power management";
	case PCI_CAP_ID_MSI:
		return "MSI";
	case PCI_CAP_ID_VNDR:
		return "vendor-specific";
	case PCI_CAP_ID_EXP:
		return "PCI Express";
	case PCI_CAP_ID_MSIX:
		return "MSI-X";
	default:
		return "other";
	}
}

/**
 * vmm_vfio_bar_gpa() - where the guest put a BAR, if it may be mapped
 * @v: the function
 * @bar: BAR index
 *
 * Return: its address while memory decoding is on and the address is one
 * a BAR can have (aligned, not being sized, within 32-bit MMIO or above
 * 4 GiB but below 1 TiB); else 0
 */
uint64_t vmm_vfio_bar_gpa(const struct vmm_vfio_pci *v, unsigned bar)
{
	uint64_t gpa, size;

	if (bar > 5 || !(size = v->bar[bar].size) ||
	    !(v->pci.cfg[PCI_COMMAND] & PCI_COMMAND_MEMORY))
		return 0;
	gpa = vmm_pci_bar_addr(&v->pci, bar);
	if (!gpa || (gpa & (size - 1)) || gpa > (1ull << 40) - size ||
	    (gpa < (1ull << 32) && gpa > (1ull << 32) - size))
		return 0;
	/* all ones but the size bits: the guest is sizing it */
	if (gpa + size == 1ull << 32 || gpa + size == 1ull << 40)
		return 0;
	return gpa;
}

/**
 * vmm_vfio_msix_enabled() - MSI-X on and the function not masked
 * @v: the function
 *
 * Return: true when vectors may fire
 */
bool vmm_vfio_msix_enabled(const struct vmm_vfio_pci *v)
{
	uint8_t ctl = v->msix.cap ? v->pci.cfg[v->msix.cap + 3] : 0;

	return (ctl & 0x80) && !(ctl & 0x40);
}

/**
 * vmm_vfio_vector_usable() - may vector @vec be delivered now?
 * @v: the function
 * @vec: table index
 *
 * Return: MSI-X enabled, the entry exists and is unmasked
 */
bool vmm_vfio_vector_usable(const struct vmm_vfio_pci *v, unsigned vec)
{
	return vmm_vfio_msix_enabled(v) && vec < v->msix.nvec &&
	       !(v->msix.entry[vec].ctrl & 1);
}

/**
 * vmm_vfio_in_table() - does an access touch the MSI-X table?
 * @v: the function
 * @bar: BAR index
 * @off: offset in the BAR
 * @size: bytes
 *
 * The device's whole table counts (its entries past those emulated read
 * as 0 and ignore writes): the guest never writes the real one.
 *
 * Return: true when any byte of it does
 */
bool vmm_vfio_in_table(const struct vmm_vfio_pci *v, unsigned bar, uint64_t off,
		       unsigned size)
{
	uint64_t start = v->msix.table_off,
		 end = start + 16ull * v->msix.table_n;

	return v->msix.cap && bar == v->msix.table_bar && off < end &&
	       off + size > start;
}

/**
 * vmm_vfio_in_pba() - does an access touch the emulated pending-bit array?
 * @v: the function
 * @bar: BAR index
 * @off: offset in the BAR
 * @size: bytes
 *
 * Return: true when any byte of it does (the PBA is one qword: at most
 * VMM_VFIO_MAX_VECTORS vectors)
 */
bool vmm_vfio_in_pba(const struct vmm_vfio_pci *v, unsigned bar, uint64_t off,
		     unsigned size)
{
	return v->msix.cap && bar == v->msix.pba_bar &&
	       off < v->msix.pba_off + 8ull && off + size > v->msix.pba_off;
}

/**
 * vmm_vfio_pba() - the pending bits as the guest reads them
 * @v: the function (its lock held)
 *
 * Return: a bit per vector, held here or in a detached irqfd
 */
uint32_t vmm_vfio_pba(const struct vmm_vfio_pci *v)
{
	uint32_t bits = v->msix.pba;

	if (v->ops->pending)
		bits |= v->ops->pending(v->opaque);
	return v->msix.nvec < 32 ? bits & ((1u << v->msix.nvec) - 1) : bits;
}

/**
 * vmm_vfio_msix_limit() - emulate at most @n MSI-X vectors (what VFIO can
 * signal), and say so in the table size the guest reads
 * @v: the function, before the guest runs
 * @n: vectors
 */
void vmm_vfio_msix_limit(struct vmm_vfio_pci *v, unsigned n)
{
	if (!v->msix.cap || !n || n >= v->msix.nvec)
		return;
	v->msix.nvec = n;
	put16(v->pci.cfg + v->msix.cap + 2, (uint16_t)(n - 1));
}

/**
 * vmm_vfio_trap_span() - the part of BAR @bar that must trap: the pages
 * holding the device's whole MSI-X table and its PBA, as one range
 * @v: the function
 * @bar: BAR index
 * @page: page size (a power of two)
 * @lo: set to its start
 * @hi: set to its end; @lo == @hi == the BAR's size when nothing traps
 */
void vmm_vfio_trap_span(const struct vmm_vfio_pci *v, unsigned bar,
			uint64_t page, uint64_t *lo, uint64_t *hi)
{
	const struct vmm_vfio_msix *m = &v->msix;
	uint64_t size = bar < 6 ? v->bar[bar].size : 0, s = size, e = 0;

	if (m->cap && m->table_bar == bar) {
		s = m->table_off;
		e = m->table_off + 16ull * m->table_n;
	}
	if (m->cap && m->pba_bar == bar && m->pba_off < size) {
		s = m->pba_off < s ? m->pba_off : s;
		e = m->pba_off + 8ull > e ? m->pba_off + 8ull : e;
	}
	if (s >= e) {
		*lo = *hi = size;
		return;
	}
	*lo = s & ~(page - 1);
	*hi = (e + page - 1) & ~(page - 1);
	if (*hi > size)
		*hi = size;
}

/* MSI-X changed: the device side restates routes and irqfds, then what is
 * pending on a vector usable now is delivered, once. */
static void msix_update(struct vmm_vfio_pci *v)
{
	if (v->ops->msix_changed)
		v->ops->msix_changed(v->opaque);
	for (unsigned i = 0; i < v->msix.nvec; i++) {
		if (!(v->msix.pba & (1u << i)) || !vmm_vfio_vector_usable(v, i))
			continue;
		v->msix.pba &= ~(1u << i);
		if (v->ops->signal)
			v->ops->signal(v->opaque, i);
	}
}

static void table_rw(struct vmm_vfio_pci *v, uint64_t off, uint8_t *data,
		     unsigned size, bool write)
{
	uint64_t rel = off - v->msix.table_off;
	unsigned idx = (unsigned)(rel / 16), word = (unsigned)(rel % 16) / 4;
	uint32_t *w;

	if (!write)
		memset(data, 0, size);
	/* dword or qword accesses, naturally aligned (PCI 6.8.2) */
	if ((size != 4 && size != 8) || (rel & (size - 1)) ||
	    idx >= v->msix.nvec)
		return;
	w = &v->msix.entry[idx].addr_lo + word;
	if (!write) {
		memcpy(data, w, size);
		return;
	}
	memcpy(w, data, size);
	v->msix.entry[idx].ctrl &= 1; /* the rest is reserved */
	msix_update(v);
}

/* A trapped BAR access: the MSI-X table here, the rest to the device. */
static void bar_rw(void *opaque, unsigned bar, uint64_t off, uint8_t *data,
		   unsigned size, bool write)
{
	struct vmm_vfio_pci *v = opaque;

	if (vmm_vfio_in_table(v, bar, off, size)) {
		pthread_mutex_lock(&v->lock);
		if (off >= v->msix.table_off)
			table_rw(v, off, data, size, write);
		else if (!write)
			memset(data, 0xff, size); /* straddles its start */
		pthread_mutex_unlock(&v->lock);
		return;
	}
	if (vmm_vfio_in_pba(v, bar, off, size)) {
		uint64_t bits;

		if (write) /* read-only */
			return;
		memset(data, 0, size);
		pthread_mutex_lock(&v->lock);
		bits = vmm_vfio_pba(v);
		pthread_mutex_unlock(&v->lock);
		if (off >= v->msix.pba_off && size <= 8 &&
		    off - v->msix.pba_off <= 8 - size)
			memcpy(data, (uint8_t *)&bits + (off - v->msix.pba_off),
			       size);
		return;
	}
	if (v->ops->bar_rw)
		v->ops->bar_rw(v->opaque, bar, off, data, size, write);
	else if (!write)
		memset(data, 0xff, size);
}

static void bars_moved(struct vmm_vfio_pci *v)
{
	for (unsigned b = 0; b < 6; b++) {
		uint64_t gpa = vmm_vfio_bar_gpa(v, b);

		if (!v->bar[b].size || gpa == v->bar[b].mapped)
			continue;
		v->bar[b].mapped = gpa;
		if (v->ops->bar_moved)
			v->ops->bar_moved(v->opaque, b, gpa);
	}
}

/* The guest wrote configuration space (the write mask applied). */
static void cfg_write(void *opaque, unsigned off, unsigned size)
{
	struct vmm_vfio_pci *v = opaque;
	unsigned end = off + size;

	pthread_mutex_lock(&v->lock);
	if (off < PCI_COMMAND + 2 && end > PCI_COMMAND) {
		uint16_t want = get16(v->pci.cfg + PCI_COMMAND);
		const uint16_t pass = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
				      PCI_COMMAND_INTX_OFF;
		uint16_t real =
		    (uint16_t)((v->real_cmd & ~pass) | (want & pass));

		if (real != v->real_cmd && v->ops->cfg_write &&
		    !v->ops->cfg_write(v->opaque, PCI_COMMAND, &real, 2))
			v->real_cmd = real;
	}
	if ((off < PCI_COMMAND + 2 && end > PCI_COMMAND) ||
	    (off < PCI_BAR0 + 24 && end > PCI_BAR0))
		bars_moved(v);
	if (v->msix.cap && off < v->msix.cap + 4u && end > v->msix.cap + 2u)
		msix_update(v);
	pthread_mutex_unlock(&v->lock);
}

/* The MSI-X capability at @cap of the real space @real: table and PBA. */
static int msix_parse(struct vmm_vfio_pci *v, const uint8_t *real, unsigned cap,
		      char *err, size_t errlen)
{
	uint32_t t, p;
	unsigned n;

	if (cap > 256 - 12) {
		snprintf(err, errlen, "its MSI-X capability is truncated");
		return -EINVAL;
	}
	n = (get16(real + cap + 2) & 0x7ff) + 1u;
	t = get32(real + cap + 4);
	p = get32(real + cap + 8);
	v->msix.cap = (uint8_t)cap;
	v->msix.table_bar = t & 7;
	v->msix.table_off = t & ~7u;
	v->msix.pba_bar = p & 7;
	v->msix.pba_off = p & ~7u;
	if (v->msix.table_bar > 5 || !v->bar[v->msix.table_bar].size ||
	    v->msix.table_off > v->bar[v->msix.table_bar].size ||
	    16ull * n > v->bar[v->msix.table_bar].size - v->msix.table_off) {
		snprintf(err, errlen,
			 "its MSI-X table (BAR %u offset %#x, %u entries) is "
			 "not inside a memory BAR",
			 v->msix.table_bar, v->msix.table_off, n);
		return -EINVAL;
	}
	v->msix.table_n = n;
	v->msix.nvec = n < VMM_VFIO_MAX_VECTORS ? n : VMM_VFIO_MAX_VECTORS;
	for (unsigned i = 0; i < VMM_VFIO_MAX_VECTORS; i++)
		v->msix.entry[i].ctrl = 1; /* masked at reset */
	/* table size as offered; enable and function mask start clear */
	put16(v->pci.cfg + cap + 2, (uint16_t)(v->msix.nvec - 1));
	v->pci.wmask[cap + 3] = 0xc0;
	return 0;
}

/* Copy the capability area and relink the chain without the hidden ones
 * (MSI).  Offsets come from the device: each is checked, and the walk is
 * bounded. */
static int caps_build(struct vmm_vfio_pci *v, const uint8_t *real, char *err,
		      size_t errlen)
{
	unsigned off = real[PCI_CAP_PTR] & 0xfc, prev = PCI_CAP_PTR;
	unsigned hops = 0;

	memcpy(v->pci.cfg + PCI_CAP_FIRST, real + PCI_CAP_FIRST,
	       256 - PCI_CAP_FIRST);
	v->pci.cfg[PCI_CAP_PTR] = 0;
	if (!(get16(real + PCI_STATUS) & PCI_STATUS_CAP_LIST))
		off = 0;
	while (off >= PCI_CAP_FIRST && off <= 256 - 4 &&
	       hops++ < CAP_HOPS_MAX) {
		uint8_t id = real[off];
		unsigned next = real[off + 1] & 0xfc;

		if (id == PCI_CAP_ID_MSI) {
			v->hidden++;
		} else {
			v->pci
			    .cfg[prev == PCI_CAP_PTR ? PCI_CAP_PTR : prev + 1] =
			    (uint8_t)off;
			prev = off;
			v->pci.cfg[off + 1] = 0;
			if (id == PCI_CAP_ID_MSIX && !v->msix.cap &&
			    msix_parse(v, real, off, err, errlen))
				return -EINVAL;
		}
		off = next;
	}
	if (v->pci.cfg[PCI_CAP_PTR])
		v->pci.cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	else
		v->pci.cfg[PCI_STATUS] &= (uint8_t)~PCI_STATUS_CAP_LIST;
	return 0;
}

/* BAR registers: sizes from VFIO, type bits from the device, addresses
 * from @mmio_base on (each aligned to its size, at least a page). */
static int bars_build(struct vmm_vfio_pci *v, const uint8_t *real,
		      const uint64_t bar_size[6], uint64_t *next,
		      uint64_t mmio_end, char *err, size_t errlen)
{
	for (unsigned b = 0; b < 6; b++) {
		uint32_t lo = get32(real + PCI_BAR0 + 4 * b);
		uint64_t size = bar_size[b], align, gpa;
		bool is64 = !(lo & PCI_BAR_IO) && (lo & 0x6) == PCI_BAR_MEM64;

		if (!size || (lo & PCI_BAR_IO)) {
			if (is64)
				b++;
			continue; /* unused, or I/O: not offered */
		}
		if (size & (size - 1) || size > (256u << 20) ||
		    (is64 && b == 5)) {
			snprintf(err, errlen,
				 "BAR %u (%llu bytes) cannot be passed through",
				 b, (unsigned long long)size);
			return -EINVAL;
		}
		if (size < 16)
			size = 16;
		align = size < 4096 ? 4096 : size;
		gpa = (*next + align - 1) & ~(align - 1);
		if (gpa > mmio_end || size > mmio_end - gpa) {
			snprintf(err, errlen, "no room for BAR %u", b);
			return -ENOSPC;
		}
		*next = gpa + align;
		v->bar[b].size = size;
		v->bar[b].flags = lo & 0xf;
		v->pci.bar_size[b] = (uint32_t)size;
		put32(v->pci.cfg + PCI_BAR0 + 4 * b,
		      (uint32_t)gpa | v->bar[b].flags);
		put32(v->pci.wmask + PCI_BAR0 + 4 * b, ~(uint32_t)(size - 1));
		if (is64) {
			b++;
			put32(v->pci.cfg + PCI_BAR0 + 4 * b,
			      (uint32_t)(gpa >> 32));
			put32(v->pci.wmask + PCI_BAR0 + 4 * b, 0xffffffffu);
		}
	}
	return 0;
}

/**
 * vmm_vfio_pci_init() - the guest's view of a function
 * @v: filled
 * @bar_size: each BAR's size as VFIO reports it (0: none)
 * @mmio_base: guest-physical address to place BARs from
 * @mmio_end: in: the end of the space for BARs; out: the first address
 *            after the ones placed
 * @ops: the real device
 * @opaque: for @ops
 * @err: one sentence on failure
 * @errlen: room in @err
 *
 * Return: 0, or -EIO (the configuration space cannot be read), -EINVAL (a
 * type-1 header, a BAR or MSI-X table that cannot be passed through),
 * -ENOSPC
 */
int vmm_vfio_pci_init(struct vmm_vfio_pci *v, const uint64_t bar_size[6],
		      uint64_t mmio_base, uint64_t *mmio_end,
		      const struct vmm_vfio_pci_ops *ops, void *opaque,
		      char *err, size_t errlen)
{
	uint8_t real[256];
	uint64_t next = mmio_base;
	int ret;

	memset(v, 0, sizeof(*v));
	pthread_mutex_init(&v->lock, NULL);
	v->ops = ops;
	v->opaque = opaque;
	if (ops->cfg_read(opaque, 0, real, sizeof(real))) {
		snprintf(err, errlen, "cannot read its configuration space");
		return -EIO;
	}
	if (get16(real + PCI_VENDOR_ID) == 0xffff ||
	    (real[PCI_HEADER_TYPE] & 0x7f) != 0) {
		snprintf(err, errlen,
			 "it is not a type-0 function (vendor %04x, header "
			 "type %02x)",
			 get16(real + PCI_VENDOR_ID), real[PCI_HEADER_TYPE]);
		return -EINVAL;
	}
	vmm_pci_dev_init(
	    &v->pci, get16(real + PCI_VENDOR_ID), get16(real + PCI_DEVICE_ID),
	    get32(real + PCI_REVISION), get16(real + PCI_SUBSYS_VENDOR),
	    get16(real + PCI_SUBSYS_ID));
	v->pci.cfg[PCI_INTERRUPT_PIN] = 0; /* MSI-X only */
	put16(v->pci.wmask + PCI_COMMAND,
	      PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_OFF);
	v->real_cmd = get16(real + PCI_COMMAND);
	ret = bars_build(v, real, bar_size, &next, *mmio_end, err, errlen);
	ret = ret ? ret : caps_build(v, real, err, errlen);
	if (ret)
		return ret;
	*mmio_end = next;
	v->pci.bar_rw = bar_rw;
	v->pci.cfg_write = cfg_write;
	v->pci.opaque = v;
	return 0;
}
