// SPDX-License-Identifier: GPL-2.0-or-later
/* vmm_vfio_dev.c - a VFIO device in a vnet-vmm guest: the type1 container,
 * the IOMMU group and the device; the guest's RAM mapped for the device's
 * DMA (IOVA = guest-physical address); each memory BAR mmapped and given
 * to KVM as memory slots around the page(s) of the MSI-X table, which
 * stay trapped and emulated (vmm_vfio.c); MSI-X vectors delivered as
 * eventfds VFIO signals and KVM injects (irqfd with an MSI route), so
 * interrupts do not pass through vnet-vmm either.  At the end the device
 * is reset and everything is undone, so vnetd can give the VF back to its
 * host driver.
 *
 * `vnet-vmm vfio-check PCI` does all of that but KVM: it is what a host
 * without KVM (a TCG guest with an emulated SR-IOV NIC) can check. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <linux/vfio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm_priv.h"
#include "vmm_vfio.h"

#define VFIO_MMIO_BASE 0xe1000000ull /* above the virtio NICs' BARs */
#define VFIO_MMIO_END  0xfe000000ull /* below the IOAPIC and LAPIC */
#define VFIO_SLOT_BASE 8	     /* KVM memory slots: RAM is slot 0 */
#define PAGE	       4096ull

/**
 * struct vmm_vfio_region - one BAR's VFIO region and its mappings
 * @off: the region's offset in the device fd
 * @size: bytes
 * @part: up to two mmapped parts, around the MSI-X table's pages: offset
 *        in the BAR, length, address here (NULL: not mapped, trapped)
 */
struct vmm_vfio_region {
	uint64_t off, size;
	uint32_t flags;
	struct {
		uint64_t off, len;
		void *map;
		bool in_kvm;
	} part[2];
};

/**
 * struct vmm_vfio - one passed-through function
 * @container: /dev/vfio/vfio
 * @group: /dev/vfio/N
 * @device: the device fd
 * @kvm_dev: the KVM-VFIO pseudo device (coherent DMA on Intel), or -1
 * @cfg_off: the configuration region's offset in @device
 * @dma_size: bytes of guest RAM mapped for DMA (0: none)
 * @efd: an eventfd per MSI-X vector, VFIO's trigger: a KVM irqfd while
 *       the vector is usable (@efd_on), detached while it is masked so
 *       the device's signal waits in the eventfd (its pending bit)
 * @irqs_on: the vectors are attached with VFIO_DEVICE_SET_IRQS
 */
struct vmm_vfio {
	struct vmm_vfio_pci pci;
	struct vmm_vm *vm;
	char name[32];
	unsigned index;
	int container, group, device, kvm_dev;
	struct vfio_device_info info;
	uint64_t cfg_off;
	struct vmm_vfio_region region[6];
	uint64_t dma_size;
	int efd[VMM_VFIO_MAX_VECTORS];
	bool efd_on[VMM_VFIO_MAX_VECTORS];
	int req_fd; /* device requests (VFIO_PCI_REQ_IRQ_INDEX), or -1 */
	unsigned gsi_base;
	bool irqs_on, can_reset;
	FILE *say; /* vfio-check: where to describe each step, else NULL */
};

static uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_u32(const uint8_t *p)
{
	return get_u16(p) | (uint32_t)get_u16(p + 2) << 16;
}

static void say(struct vmm_vfio *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void say(struct vmm_vfio *f, const char *fmt, ...)
{
	va_list ap;

	if (!f->say)
		return;
	va_start(ap, fmt);
	fprintf(f->say, "vfio-check: ");
	vfprintf(f->say, fmt, ap);
	fputc('\n', f->say);
	va_end(ap);
}

/* ---- the real device behind the model ---- */

static int dev_cfg_read(void *opaque, unsigned off, void *buf, unsigned len)
{
	struct vmm_vfio *f = opaque;

	return pread(f->device, buf, len, (off_t)(f->cfg_off + off)) ==
		       (ssize_t)len
		   ? 0
		   : -EIO;
}

static int dev_cfg_write(void *opaque, unsigned off, const void *buf,
			 unsigned len)
{
	struct vmm_vfio *f = opaque;

	return pwrite(f->device, buf, len, (off_t)(f->cfg_off + off)) ==
		       (ssize_t)len
		   ? 0
		   : -EIO;
}

static void dev_bar_rw(void *opaque, unsigned bar, uint64_t off, uint8_t *data,
		       unsigned size, bool write)
{
	struct vmm_vfio *f = opaque;
	const struct vmm_vfio_region *r = &f->region[bar];
	ssize_t n;

	if (bar > 5 || off >= r->size || size > r->size - off) {
		if (!write)
			memset(data, 0xff, size);
		return;
	}
	n = write ? pwrite(f->device, data, size, (off_t)(r->off + off))
		  : pread(f->device, data, size, (off_t)(r->off + off));
	if (n != (ssize_t)size && !write)
		memset(data, 0xff, size);
}

static int slot_set(struct vmm_vfio *f, unsigned bar, unsigned part,
		    uint64_t gpa)
{
	struct vmm_vfio_region *r = &f->region[bar];
	struct kvm_userspace_memory_region m = {
	    .slot = VFIO_SLOT_BASE + f->index * 12 + bar * 2 + part,
	    .guest_phys_addr = gpa + r->part[part].off,
	    .memory_size = gpa ? r->part[part].len : 0,
	    .userspace_addr = (uint64_t)(uintptr_t)r->part[part].map};

	if (!r->part[part].map || (!gpa && !r->part[part].in_kvm))
		return 0;
	if (!gpa)
		m.guest_phys_addr = 0;
	if (ioctl(f->vm->fd, KVM_SET_USER_MEMORY_REGION, &m))
		return -errno;
	r->part[part].in_kvm = gpa != 0;
	return 0;
}

/* The guest moved a BAR or turned decoding on or off: its mmapped parts
 * follow as KVM memory slots; the rest traps (vmm_pci_mmio()). */
static void dev_bar_moved(void *opaque, unsigned bar, uint64_t gpa)
{
	struct vmm_vfio *f = opaque;

	if (!f->vm)
		return;
	for (unsigned p = 0; p < 2; p++) {
		(void)slot_set(f, bar, p, 0);
		if (gpa && slot_set(f, bar, p, gpa))
			fprintf(stderr,
				"vnet-vmm: %s: BAR %u at %#llx cannot be "
				"mapped (%s); its accesses trap\n",
				f->name, bar, (unsigned long long)gpa,
				strerror(errno));
	}
}

static int irqs_set(struct vmm_vfio *f, bool on)
{
	union {
		struct vfio_irq_set s;
		uint8_t room[sizeof(struct vfio_irq_set) +
			     VMM_VFIO_MAX_VECTORS * sizeof(int)];
	} u;
	unsigned n = on ? f->pci.msix.nvec : 0;

	memset(&u, 0, sizeof(u));
	u.s.argsz = (uint32_t)(sizeof(u.s) + n * sizeof(int));
	u.s.flags = VFIO_IRQ_SET_ACTION_TRIGGER |
		    (on ? VFIO_IRQ_SET_DATA_EVENTFD : VFIO_IRQ_SET_DATA_NONE);
	u.s.index = VFIO_PCI_MSIX_IRQ_INDEX;
	u.s.start = 0;
	u.s.count = n;
	memcpy(u.s.data, f->efd, n * sizeof(int));
	if (ioctl(f->device, VFIO_DEVICE_SET_IRQS, &u.s))
		return -errno;
	f->irqs_on = on;
	return 0;
}

/* Attach or detach vector @i's eventfd as an irqfd; on attaching, a
 * signal it held while detached becomes the vector's pending bit. */
static void efd_attach(struct vmm_vfio *f, unsigned i, bool on)
{
	uint64_t cnt;

	if (f->efd[i] < 0 || f->efd_on[i] == on)
		return;
	if (on && read(f->efd[i], &cnt, sizeof(cnt)) == sizeof(cnt) && cnt)
		f->pci.msix.pba |= 1u << i;
	if (!vmm_vm_irqfd(f->vm, f->efd[i], f->gsi_base + i, on))
		f->efd_on[i] = on;
}

/* MSI-X changed: routes follow the table; a masked vector's irqfd comes
 * off (its interrupt waits in the eventfd, pending, instead of being
 * lost) and goes on again once it is unmasked; the vectors are attached
 * to the device while MSI-X is enabled. */
static void dev_msix_changed(void *opaque)
{
	struct vmm_vfio *f = opaque;
	bool on =
	    f->pci.msix.cap && (f->pci.pci.cfg[f->pci.msix.cap + 3] & 0x80);

	if (!f->vm)
		return;
	for (unsigned i = 0; i < f->pci.msix.nvec; i++)
		if (!vmm_vfio_vector_usable(&f->pci, i))
			efd_attach(f, i, false);
	for (unsigned i = 0; i < f->pci.msix.nvec; i++)
		(void)vmm_vm_set_msi(
		    f->vm, f->gsi_base + i, vmm_vfio_vector_usable(&f->pci, i),
		    f->pci.msix.entry[i].addr_lo, f->pci.msix.entry[i].addr_hi,
		    f->pci.msix.entry[i].data);
	for (unsigned i = 0; i < f->pci.msix.nvec; i++)
		if (vmm_vfio_vector_usable(&f->pci, i))
			efd_attach(f, i, true);
	if (on != f->irqs_on && irqs_set(f, on))
		fprintf(stderr, "vnet-vmm: %s: MSI-X %s failed: %s\n", f->name,
			on ? "enable" : "disable", strerror(errno));
}

/* Deliver vector @vec now (usable: enabled and unmasked). */
static void dev_signal(void *opaque, unsigned vec)
{
	struct vmm_vfio *f = opaque;

	if (f->vm)
		(void)vmm_vm_signal_msi(f->vm, f->pci.msix.entry[vec].addr_lo,
					f->pci.msix.entry[vec].addr_hi,
					f->pci.msix.entry[vec].data);
}

/* Signals waiting in detached eventfds (poll does not consume them). */
static uint32_t dev_pending(void *opaque)
{
	struct vmm_vfio *f = opaque;
	uint32_t bits = 0;

	for (unsigned i = 0; i < f->pci.msix.nvec; i++) {
		struct pollfd pf = {.fd = f->efd[i], .events = POLLIN};

		if (f->efd[i] >= 0 && !f->efd_on[i] && poll(&pf, 1, 0) == 1)
			bits |= 1u << i;
	}
	return bits;
}

static const struct vmm_vfio_pci_ops dev_ops = {
    .cfg_read = dev_cfg_read,
    .cfg_write = dev_cfg_write,
    .bar_rw = dev_bar_rw,
    .bar_moved = dev_bar_moved,
    .msix_changed = dev_msix_changed,
    .signal = dev_signal,
    .pending = dev_pending,
};

/* ---- opening ---- */

static int fail(char *err, size_t errlen, int e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int e, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	n = strlen(err);
	if (e && n < errlen)
		snprintf(err + n, errlen - n, ": %s", strerror(e));
	return e ? -e : -EIO;
}

/* The IOMMU group of a PCI function, from sysfs. */
static int group_of(const char *pci, char *err, size_t errlen)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", pci);
	if (access(path, F_OK))
		return fail(err, errlen, errno, "no PCI function %s", pci);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group",
		 pci);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return fail(err, errlen, 0,
			    "%s is in no IOMMU group (no IOMMU, or it is "
			    "off: intel_iommu=on)",
			    pci);
	link[n] = 0;
	base = strrchr(link, '/');
	return atoi(base ? base + 1 : link);
}

/* Container, group, IOMMU, device. */
static int vfio_attach(struct vmm_vfio *f, int group, char *err, size_t errlen)
{
	struct vfio_group_status gs = {.argsz = sizeof(gs)};
	char path[64];
	int api;

	f->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (f->container < 0)
		return fail(err, errlen, errno,
			    "cannot open /dev/vfio/vfio (is the vfio module "
			    "loaded?)");
	api = ioctl(f->container, VFIO_GET_API_VERSION);
	if (api != VFIO_API_VERSION)
		return fail(err, errlen, 0, "VFIO speaks API %d, not %d", api,
			    VFIO_API_VERSION);
	if (ioctl(f->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) <= 0)
		return fail(err, errlen, 0,
			    "VFIO has no type1 IOMMU (no IOMMU on this host?)");
	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	f->group = open(path, O_RDWR | O_CLOEXEC);
	if (f->group < 0)
		return fail(err, errlen, errno,
			    "cannot open %s (is %s bound to vfio-pci?)", path,
			    f->name);
	if (ioctl(f->group, VFIO_GROUP_GET_STATUS, &gs))
		return fail(err, errlen, errno, "VFIO_GROUP_GET_STATUS");
	if (!(gs.flags & VFIO_GROUP_FLAGS_VIABLE))
		return fail(err, errlen, 0,
			    "IOMMU group %d is not viable: every device in it "
			    "must be bound to vfio-pci",
			    group);
	if (ioctl(f->group, VFIO_GROUP_SET_CONTAINER, &f->container))
		return fail(err, errlen, errno, "VFIO_GROUP_SET_CONTAINER");
	if (ioctl(f->container, VFIO_SET_IOMMU,
		  ioctl(f->container, VFIO_CHECK_EXTENSION,
			VFIO_TYPE1v2_IOMMU) > 0
		      ? VFIO_TYPE1v2_IOMMU
		      : VFIO_TYPE1_IOMMU))
		return fail(err, errlen, errno, "VFIO_SET_IOMMU");
	say(f, "container: VFIO API %d, type1 IOMMU, group %d viable", api,
	    group);
	f->device = ioctl(f->group, VFIO_GROUP_GET_DEVICE_FD, f->name);
	if (f->device < 0)
		return fail(err, errlen, errno, "cannot get VFIO device %s",
			    f->name);
	f->info.argsz = sizeof(f->info);
	if (ioctl(f->device, VFIO_DEVICE_GET_INFO, &f->info))
		return fail(err, errlen, errno, "VFIO_DEVICE_GET_INFO");
	if (!(f->info.flags & VFIO_DEVICE_FLAGS_PCI) ||
	    f->info.num_regions <= VFIO_PCI_CONFIG_REGION_INDEX ||
	    f->info.num_irqs <= VFIO_PCI_MSIX_IRQ_INDEX)
		return fail(err, errlen, 0, "%s is not a VFIO PCI device",
			    f->name);
	f->can_reset = f->info.flags & VFIO_DEVICE_FLAGS_RESET;
	say(f, "device: %u regions, %u interrupt types, reset %s",
	    f->info.num_regions, f->info.num_irqs,
	    f->can_reset ? "supported" : "not supported");
	return 0;
}

static int region_info(struct vmm_vfio *f, unsigned idx,
		       struct vfio_region_info *ri)
{
	*ri = (struct vfio_region_info){.argsz = sizeof(*ri), .index = idx};
	return ioctl(f->device, VFIO_DEVICE_GET_REGION_INFO, ri) ? -errno : 0;
}

/* mmap the parts of each BAR outside the MSI-X table's and the PBA's
 * pages; what cannot be mapped is trapped. */
static void bars_map(struct vmm_vfio *f)
{
	for (unsigned b = 0; b < 6; b++) {
		struct vmm_vfio_region *r = &f->region[b];
		uint64_t size = f->pci.bar[b].size, cut_lo = size,
			 cut_hi = size;

		if (!size)
			continue;
		vmm_vfio_trap_span(&f->pci, b, PAGE, &cut_lo, &cut_hi);
		r->part[0].off = 0;
		r->part[0].len = cut_lo;
		r->part[1].off = cut_hi;
		r->part[1].len = cut_hi < size ? size - cut_hi : 0;
		for (unsigned p = 0; p < 2; p++) {
			void *m;

			if (!(r->flags & VFIO_REGION_INFO_FLAG_MMAP) ||
			    r->part[p].len < PAGE || size < PAGE)
				continue;
			m = mmap(NULL, r->part[p].len, PROT_READ | PROT_WRITE,
				 MAP_SHARED, f->device,
				 (off_t)(r->off + r->part[p].off));
			if (m != MAP_FAILED)
				r->part[p].map = m;
		}
		say(f, "BAR%u: memory %llu KiB%s at guest %#llx, %s%s", b,
		    (unsigned long long)size >> 10,
		    f->pci.bar[b].flags & PCI_BAR_MEM64 ? " (64-bit)" : "",
		    (unsigned long long)vmm_pci_bar_addr(&f->pci.pci, b),
		    r->part[0].map || r->part[1].map ? "mmapped"
						     : "trapped (no mmap)",
		    cut_lo < size ? " around the MSI-X table and PBA" : "");
	}
}

/* The device's regions; its BARs placed from *@next on (then the first
 * address after them, where the next device's go: no two overlap). */
static int regions_open(struct vmm_vfio *f, uint64_t *next, char *err,
			size_t errlen)
{
	struct vfio_region_info ri;
	uint64_t sizes[6] = {0}, end = VFIO_MMIO_END;
	int ret = region_info(f, VFIO_PCI_CONFIG_REGION_INDEX, &ri);

	if (ret)
		return fail(err, errlen, -ret, "no configuration region");
	f->cfg_off = ri.offset;
	for (unsigned b = 0; b < 6; b++) {
		if (region_info(f, VFIO_PCI_BAR0_REGION_INDEX + b, &ri) ||
		    !ri.size)
			continue;
		f->region[b].off = ri.offset;
		f->region[b].size = ri.size;
		f->region[b].flags = ri.flags;
		sizes[b] = ri.size;
	}
	ret = vmm_vfio_pci_init(&f->pci, sizes, *next, &end, &dev_ops, f, err,
				errlen);
	if (ret)
		return ret;
	*next = end;
	say(f, "config: vendor %04x device %04x class %06x, %s",
	    get_u16(f->pci.pci.cfg + PCI_VENDOR_ID),
	    get_u16(f->pci.pci.cfg + PCI_DEVICE_ID),
	    (unsigned)(get_u32(f->pci.pci.cfg + PCI_REVISION) >> 8),
	    f->pci.hidden ? "MSI hidden" : "no MSI");
	for (unsigned off = f->pci.pci.cfg[PCI_CAP_PTR], hops = 0;
	     off && hops < 48; off = f->pci.pci.cfg[off + 1], hops++) {
		if (f->pci.pci.cfg[off] == PCI_CAP_ID_MSIX)
			say(f,
			    "capability %#x: MSI-X, %u vectors offered, table "
			    "BAR%u+%#x, PBA BAR%u+%#x",
			    off, f->pci.msix.nvec, f->pci.msix.table_bar,
			    f->pci.msix.table_off, f->pci.msix.pba_bar,
			    f->pci.msix.pba_off);
		else
			say(f, "capability %#x: %s (read-only)", off,
			    vmm_vfio_cap_name(f->pci.pci.cfg[off]));
	}
	bars_map(f);
	return 0;
}

static int dma_map(struct vmm_vfio *f, void *base, uint64_t size, char *err,
		   size_t errlen)
{
	struct vfio_iommu_type1_dma_map m = {.argsz = sizeof(m),
					     .flags = VFIO_DMA_MAP_FLAG_READ |
						      VFIO_DMA_MAP_FLAG_WRITE,
					     .vaddr = (uint64_t)(uintptr_t)base,
					     .iova = 0,
					     .size = size};

	if (ioctl(f->container, VFIO_IOMMU_MAP_DMA, &m))
		return fail(err, errlen, errno,
			    "cannot map %llu MiB of guest RAM for DMA",
			    (unsigned long long)size >> 20);
	f->dma_size = size;
	return 0;
}

static void dma_unmap(struct vmm_vfio *f)
{
	struct vfio_iommu_type1_dma_unmap u = {
	    .argsz = sizeof(u), .iova = 0, .size = f->dma_size};

	if (f->dma_size)
		(void)ioctl(f->container, VFIO_IOMMU_UNMAP_DMA, &u);
	f->dma_size = 0;
}

static int vectors_open(struct vmm_vfio *f, char *err, size_t errlen)
{
	struct vfio_irq_info ii = {.argsz = sizeof(ii),
				   .index = VFIO_PCI_MSIX_IRQ_INDEX};
	unsigned offered = f->pci.msix.nvec;

	if (!f->pci.msix.cap)
		return fail(err, errlen, 0,
			    "%s has no MSI-X (vnet-vmm routes MSI-X only)",
			    f->name);
	if (ioctl(f->device, VFIO_DEVICE_GET_IRQ_INFO, &ii) || !ii.count)
		return fail(err, errlen, errno, "no MSI-X interrupts in VFIO");
	vmm_vfio_msix_limit(&f->pci, ii.count);
	if (f->pci.msix.nvec < offered)
		say(f,
		    "MSI-X: VFIO delivers %u of the %u vectors offered; "
		    "the guest is shown %u",
		    f->pci.msix.nvec, offered, f->pci.msix.nvec);
	for (unsigned i = 0; i < f->pci.msix.nvec; i++) {
		f->efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (f->efd[i] < 0)
			return fail(err, errlen, errno, "eventfd");
	}
	return 0;
}

/* One eventfd (or none, @fd -1) for the device request interrupt. */
static int req_set(struct vmm_vfio *f, int fd)
{
	union {
		struct vfio_irq_set s;
		uint8_t room[sizeof(struct vfio_irq_set) + sizeof(int)];
	} u;

	memset(&u, 0, sizeof(u));
	u.s.argsz = (uint32_t)sizeof(u);
	u.s.flags =
	    VFIO_IRQ_SET_ACTION_TRIGGER |
	    (fd >= 0 ? VFIO_IRQ_SET_DATA_EVENTFD : VFIO_IRQ_SET_DATA_NONE);
	u.s.index = VFIO_PCI_REQ_IRQ_INDEX;
	u.s.count = fd >= 0;
	if (fd >= 0)
		memcpy(u.s.data, &fd, sizeof(fd));
	else
		u.s.argsz = (uint32_t)sizeof(u.s);
	return ioctl(f->device, VFIO_DEVICE_SET_IRQS, &u.s) ? -errno : 0;
}

/* The device request: vfio-pci signals it when the host wants the device
 * back (an unbind, its driver or the VF count changing), which then waits
 * until this process lets go; without an eventfd for it the kernel tells
 * no one.  Return: 0, -EOPNOTSUPP when the device has none, -errno. */
static int req_open(struct vmm_vfio *f)
{
	struct vfio_irq_info ii = {.argsz = sizeof(ii),
				   .index = VFIO_PCI_REQ_IRQ_INDEX};
	int ret;

	if (f->info.num_irqs <= VFIO_PCI_REQ_IRQ_INDEX ||
	    ioctl(f->device, VFIO_DEVICE_GET_IRQ_INFO, &ii) || ii.count < 1)
		return -EOPNOTSUPP;
	f->req_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (f->req_fd < 0)
		return -errno;
	ret = req_set(f, f->req_fd);
	if (ret) {
		close(f->req_fd);
		f->req_fd = -1;
	}
	return ret;
}

/* req_open(); without it the VM runs, and stderr says what is missing. */
static void req_open_or_say(struct vmm_vfio *f)
{
	int ret = req_open(f);

	if (ret && ret != -EOPNOTSUPP)
		fprintf(
		    stderr,
		    "vnet-vmm: %s: device requests cannot be received (%s): "
		    "an unbind of it waits for this VM without a word\n",
		    f->name, strerror(-ret));
}

/**
 * vmm_vfio_req_fd() - the fd that becomes readable when the host asks for
 * the device back
 * @f: the function
 *
 * Return: an eventfd, or -1 when the device has no request interrupt
 */
int vmm_vfio_req_fd(const struct vmm_vfio *f)
{
	return f ? f->req_fd : -1;
}

/**
 * vmm_vfio_req_take() - the host's requests for the device since the
 * last call (vfio-pci repeats one every 10 s or so while it waits)
 * @f: the function
 *
 * Return: how many, 0 for none
 */
uint64_t vmm_vfio_req_take(struct vmm_vfio *f)
{
	uint64_t n = 0;

	if (!f || f->req_fd < 0 || read(f->req_fd, &n, sizeof(n)) != sizeof(n))
		return 0;
	return n;
}

/**
 * vmm_vfio_name() - the function's PCI address
 * @f: the function
 *
 * Return: "0000:01:10.2"
 */
const char *vmm_vfio_name(const struct vmm_vfio *f)
{
	return f->name;
}

static struct vmm_vfio *vfio_new(const char *pci, unsigned index)
{
	struct vmm_vfio *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	snprintf(f->name, sizeof(f->name), "%s", pci);
	f->index = index;
	f->container = f->group = f->device = f->kvm_dev = f->req_fd = -1;
	for (unsigned i = 0; i < VMM_VFIO_MAX_VECTORS; i++)
		f->efd[i] = -1;
	return f;
}

/**
 * vmm_vfio_close() - reset the device and undo everything (NULL-safe)
 * @f: the function, vCPUs stopped
 *
 * The VF is left quiet and unmapped, so vnetd can give it back to its
 * host driver.
 */
void vmm_vfio_close(struct vmm_vfio *f)
{
	if (!f)
		return;
	if (f->irqs_on)
		(void)irqs_set(f, false);
	if (f->req_fd >= 0) {
		(void)req_set(f, -1);
		close(f->req_fd);
	}
	if (f->device >= 0 && f->can_reset &&
	    ioctl(f->device, VFIO_DEVICE_RESET) && !f->say)
		fprintf(stderr, "vnet-vmm: %s: reset failed: %s\n", f->name,
			strerror(errno));
	for (unsigned b = 0; b < 6; b++)
		for (unsigned p = 0; p < 2; p++) {
			struct vmm_vfio_region *r = &f->region[b];

			if (f->vm)
				(void)slot_set(f, b, p, 0);
			if (r->part[p].map)
				munmap(r->part[p].map, r->part[p].len);
		}
	for (unsigned i = 0; i < VMM_VFIO_MAX_VECTORS; i++) {
		if (f->efd[i] < 0)
			continue;
		if (f->vm && f->efd_on[i])
			(void)vmm_vm_irqfd(f->vm, f->efd[i], f->gsi_base + i,
					   false);
		close(f->efd[i]);
	}
	dma_unmap(f);
	if (f->kvm_dev >= 0)
		close(f->kvm_dev);
	if (f->device >= 0)
		close(f->device);
	if (f->group >= 0)
		close(f->group);
	if (f->container >= 0)
		close(f->container);
	free(f);
}

/* KVM-VFIO: tells KVM a group is assigned (non-coherent DMA on Intel). */
static void kvm_vfio_add(struct vmm_vfio *f)
{
	struct kvm_create_device cd = {.type = KVM_DEV_TYPE_VFIO};
	struct kvm_device_attr a = {.group = KVM_DEV_VFIO_GROUP,
				    .attr = KVM_DEV_VFIO_GROUP_ADD,
				    .addr = (uint64_t)(uintptr_t)&f->group};

	if (ioctl(f->vm->fd, KVM_CREATE_DEVICE, &cd))
		return;
	f->kvm_dev = (int)cd.fd;
	(void)ioctl(f->kvm_dev, KVM_SET_DEVICE_ATTR, &a);
}

/**
 * vmm_vfio_open() - pass a PCI function through to the guest
 * @vm: the VM (RAM allocated)
 * @pci: the function's address, e.g. 0000:01:10.6 (bound to vfio-pci)
 * @group: its IOMMU group, or -1 to look it up in sysfs
 * @index: which NIC (memory slots)
 * @out: the device, put on the VM's PCI bus
 * @err: one sentence on failure
 * @errlen: room in @err
 *
 * Return: 0 or -errno
 */
int vmm_vfio_open(struct vmm_vm *vm, const char *pci, int group, unsigned index,
		  struct vmm_vfio **out, char *err, size_t errlen)
{
	struct vmm_vfio *f = vfio_new(pci, index);
	int ret;

	*out = NULL;
	if (!f)
		return -ENOMEM;
	if (group < 0)
		group = group_of(pci, err, errlen);
	ret = group < 0 ? group : vfio_attach(f, group, err, errlen);
	if (!vm->vfio_mmio_next)
		vm->vfio_mmio_next = VFIO_MMIO_BASE;
	ret = ret ? ret : regions_open(f, &vm->vfio_mmio_next, err, errlen);
	ret = ret ? ret : vectors_open(f, err, errlen);
	if (!ret)
		req_open_or_say(f);
	ret = ret ? ret : dma_map(f, vm->mem.base, vm->mem.size, err, errlen);
	if (!ret) {
		f->vm = vm;
		kvm_vfio_add(f);
		ret = vmm_vm_alloc_gsis(vm, f->pci.msix.nvec);
		if (ret >= 0) {
			f->gsi_base = (unsigned)ret;
			ret = 0;
		} else {
			fail(err, errlen, 0, "too many interrupt vectors");
		}
	}
	for (unsigned i = 0; !ret && i < f->pci.msix.nvec; i++) {
		ret = vmm_vm_irqfd(vm, f->efd[i], f->gsi_base + i, true);
		f->efd_on[i] = !ret;
		if (ret)
			fail(err, errlen, -ret, "KVM irqfd for MSI-X vector %u",
			     i);
	}
	if (!ret && vmm_pci_attach(vm->pci, &f->pci.pci) < 0)
		ret = fail(err, errlen, 0, "no PCI slot left");
	if (ret) {
		vmm_vfio_close(f);
		return ret;
	}
	*out = f;
	return 0;
}

/* As a guest would: memory decoding and bus mastering on through the
 * virtualized command register (they must reach the device), then the
 * first dword of BAR 0 read through the mapping and through VFIO (they
 * must agree), then the command register as it was. */
static int check_access(struct vmm_vfio *f, char *err, size_t errlen)
{
	uint16_t was = f->pci.real_cmd, real = 0;
	uint32_t via_map = 0, via_fd = 0;
	const struct vmm_vfio_region *r = &f->region[0];
	int ret = 0;

	vmm_pci_cfg_write(&f->pci.pci, PCI_COMMAND, 2,
			  PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	if (dev_cfg_read(f, PCI_COMMAND, &real, 2) ||
	    (real & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)) !=
		(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER))
		ret = fail(err, errlen, 0,
			   "memory decoding and bus mastering did not reach "
			   "the device (command %#x)",
			   real);
	if (!ret)
		say(f,
		    "command: memory and bus master reach the device "
		    "(command %#06x)",
		    real);
	if (!ret && r->part[0].map && f->pci.bar[0].size >= 4) {
		via_map = *(volatile uint32_t *)r->part[0].map;
		dev_bar_rw(f, 0, 0, (uint8_t *)&via_fd, 4, false);
		if (via_map != via_fd)
			ret = fail(err, errlen, 0,
				   "BAR0 reads %#x mapped but %#x through VFIO",
				   via_map, via_fd);
		else
			say(f,
			    "BAR0: offset 0 reads 0x%08x mapped and through "
			    "VFIO alike",
			    via_map);
	}
	vmm_pci_cfg_write(&f->pci.pci, PCI_COMMAND, 2, was);
	return ret;
}

/* vfio-check --hold: keep the device open, as a VM would, until the host
 * asks for it back or @secs pass. */
static void hold(struct vmm_vfio *f, unsigned secs)
{
	struct pollfd pf = {.events = POLLIN};
	int ret = req_open(f);

	if (ret)
		say(f, "device requests: none (%s)", strerror(-ret));
	say(f, "holding %s up to %u s; a request from the host releases it",
	    f->name, secs);
	fflush(f->say);
	pf.fd = f->req_fd;
	if (poll(&pf, 1, (int)(secs > 86400 ? 86400 : secs) * 1000) == 1)
		say(f, "the host asked for %s back (%llu request(s)): released",
		    f->name, (unsigned long long)vmm_vfio_req_take(f));
	else
		say(f, "held %u s, no request", secs);
}

/**
 * vmm_vfio_check() - `vnet-vmm vfio-check PCI`: open the function as
 * vmm_vfio_open() would, but without KVM, and say what was found
 * @pci: the function's address
 * @out: where to write the findings
 * @hold_s: then keep it open up to this many seconds, until the host asks
 *          for it back through the device request interrupt (0: not)
 *
 * Container, group, device, configuration space and capabilities, BARs
 * mmapped, memory decoding and bus mastering through the virtualized
 * command register, BAR 0 read mapped and through VFIO, 64 MiB of memfd
 * mapped for DMA and unmapped, one eventfd per MSI-X vector attached and
 * detached, the device reset.
 *
 * Return: 0 when every step worked, else 1 (the failed step said on
 * stderr in one sentence)
 */
int vmm_vfio_check(const char *pci, FILE *out, unsigned hold_s)
{
	struct vmm_vfio *f = vfio_new(pci, 0);
	uint64_t dma = 64ull << 20, next = VFIO_MMIO_BASE;
	char err[256] = "";
	void *ram = MAP_FAILED;
	int group, ret, memfd = -1;

	if (!f)
		return 1;
	f->say = out;
	group = group_of(pci, err, sizeof(err));
	if (group >= 0)
		fprintf(out, "vfio-check: %s in IOMMU group %d\n", pci, group);
	ret = group < 0 ? group : vfio_attach(f, group, err, sizeof(err));
	ret = ret ? ret : regions_open(f, &next, err, sizeof(err));
	ret = ret ? ret : vectors_open(f, err, sizeof(err));
	if (!ret) {
		memfd = memfd_create("vfio-check", MFD_CLOEXEC);
		if (memfd < 0 || ftruncate(memfd, (off_t)dma) ||
		    (ram = mmap(NULL, dma, PROT_READ | PROT_WRITE, MAP_SHARED,
				memfd, 0)) == MAP_FAILED)
			ret = fail(err, sizeof(err), errno, "memfd");
	}
	ret = ret ? ret : check_access(f, err, sizeof(err));
	ret = ret ? ret : dma_map(f, ram, dma, err, sizeof(err));
	if (!ret) {
		say(f, "DMA: %llu MiB of memfd mapped at IOVA 0",
		    (unsigned long long)dma >> 20);
		dma_unmap(f);
		ret = irqs_set(f, true);
		if (ret)
			fail(err, sizeof(err), -ret,
			     "cannot attach %u MSI-X eventfds",
			     f->pci.msix.nvec);
	}
	if (!ret) {
		say(f, "MSI-X: %u eventfds attached", f->pci.msix.nvec);
		ret = irqs_set(f, false);
		if (ret)
			fail(err, sizeof(err), -ret, "cannot detach MSI-X");
	}
	if (!ret && f->can_reset) {
		if (ioctl(f->device, VFIO_DEVICE_RESET))
			ret = fail(err, sizeof(err), errno, "reset failed");
		else
			say(f, "reset: done");
	}
	f->can_reset = false; /* done above */
	if (!ret && hold_s)
		hold(f, hold_s);
	vmm_vfio_close(f);
	if (ram != MAP_FAILED)
		munmap(ram, dma);
	if (memfd >= 0)
		close(memfd);
	if (ret) {
		fprintf(stderr, "vnet-vmm: vfio-check %s: %s.\n", pci, err);
		return 1;
	}
	fprintf(out, "vfio-check: OK\n");
	return 0;
}
