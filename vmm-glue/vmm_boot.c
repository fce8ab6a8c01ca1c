// SPDX-License-Identifier: GPL-2.0-or-later
/* vmm_boot.c - guest memory access, the e820 map, page tables, GDT and the
 * two x86 kernel boot protocols vnet-vmm speaks: Linux bzImage (64-bit
 * entry, boot_params) and ELF through its PVH note (32-bit entry,
 * hvm_start_info).  Every file offset and guest address is checked: the
 * kernel image is input like any other. */
#include <elf.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "vmm.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18

/**
 * vmm_mem_init_buf() - describe guest RAM already mapped at @buf
 * @m: filled (the fd is left at -1 for the caller to set)
 * @buf: mapping of the whole RAM
 * @size: bytes, guest-physical 0 to @size
 *
 * Return: 0 or -EINVAL when @size is outside what the layout allows
 */
int vmm_mem_init_buf(struct vmm_mem *m, uint8_t *buf, uint64_t size)
{
	memset(m, 0, sizeof(*m));
	m->fd = -1;
	if (size < VMM_MEM_MIN || size > VMM_MEM_MAX)
		return -EINVAL;
	m->base = buf;
	m->size = size;
	m->gm.nregions = 1;
	m->gm.r[0] = (struct guest_region){.gpa = 0,
					   .uva = (uint64_t)(uintptr_t)buf,
					   .size = size,
					   .hva = buf,
					   .map = buf,
					   .map_size = size};
	return 0;
}

/**
 * vmm_mem_ptr() - a host pointer to @len contiguous guest bytes
 * @m: guest memory
 * @gpa: guest-physical start
 * @len: bytes that must all be RAM
 *
 * Return: the pointer, or NULL unless all of [@gpa, @gpa + @len) is RAM
 */
void *vmm_mem_ptr(const struct vmm_mem *m, uint64_t gpa, uint64_t len)
{
	uint64_t got = len;
	void *p = guest_mem_gpa_to_hva(&m->gm, gpa, &got);

	return p && got >= len ? p : NULL;
}

/**
 * vmm_mem_write() - copy bytes into guest memory
 * @m: guest memory
 * @gpa: destination
 * @src: bytes
 * @len: count
 *
 * Return: 0, or -EFAULT when the range is not all RAM
 */
int vmm_mem_write(const struct vmm_mem *m, uint64_t gpa, const void *src,
		  uint64_t len)
{
	void *p = vmm_mem_ptr(m, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(p, src, len);
	return 0;
}

/**
 * vmm_e820_build() - the memory map the guest is told about
 * @mem_size: RAM bytes (at most VMM_MEM_MAX)
 * @e: filled
 * @max: room in @e
 *
 * Low RAM up to the EBDA, the EBDA and BIOS area reserved (the MP table
 * lives there), RAM from 1 MiB to @mem_size.
 *
 * Return: entry count, or -EINVAL
 */
int vmm_e820_build(uint64_t mem_size, struct vmm_e820 *e, unsigned max)
{
	if (max < 4 || mem_size < VMM_MEM_MIN || mem_size > VMM_MEM_MAX)
		return -EINVAL;
	e[0] = (struct vmm_e820){0, VMM_EBDA_GPA, VMM_E820_RAM};
	e[1] = (struct vmm_e820){VMM_EBDA_GPA, 0xa0000 - VMM_EBDA_GPA,
				 VMM_E820_RESERVED};
	e[2] = (struct vmm_e820){VMM_BIOS_GPA, VMM_HIGH_GPA - VMM_BIOS_GPA,
				 VMM_E820_RESERVED};
	e[3] = (struct vmm_e820){VMM_HIGH_GPA, mem_size - VMM_HIGH_GPA,
				 VMM_E820_RAM};
	return 4;
}

/**
 * vmm_build_page_tables() - identity-map the first 4 GiB with 2 MiB pages
 * @m: guest memory (PML4, PDPT and four PDs at the VMM_*_GPA addresses)
 *
 * What the 64-bit Linux entry expects: the kernel, boot_params and
 * command line reachable at their physical addresses.
 *
 * Return: 0 or -EFAULT when the tables do not fit in RAM
 */
int vmm_build_page_tables(const struct vmm_mem *m)
{
	uint64_t *pml4 = vmm_mem_ptr(m, VMM_PML4_GPA, 4096);
	uint64_t *pdpt = vmm_mem_ptr(m, VMM_PDPT_GPA, 4096);
	uint64_t *pd = vmm_mem_ptr(m, VMM_PD_GPA, 4 * 4096);

	if (!pml4 || !pdpt || !pd)
		return -EFAULT;
	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = VMM_PDPT_GPA | 0x3; /* present, writable */
	for (unsigned i = 0; i < 4; i++)
		pdpt[i] = (VMM_PD_GPA + i * 4096ull) | 0x3;
	for (unsigned i = 0; i < 4 * 512; i++)
		pd[i] = ((uint64_t)i << 21) | 0x83; /* present, rw, 2 MiB */
	return 0;
}

/**
 * vmm_boot_gdt() - write the boot GDT: null, null, code, data, TSS
 * @m: guest memory
 * @long_mode: a 64-bit code segment (else 32-bit)
 * @gdt: the five descriptors written, for the caller's segment registers
 *
 * Return: 0 or -EFAULT
 */
int vmm_boot_gdt(const struct vmm_mem *m, bool long_mode, uint64_t *gdt)
{
	gdt[0] = 0;
	gdt[1] = 0;
	gdt[2] = long_mode ? 0x00af9b000000ffffull : 0x00cf9b000000ffffull;
	gdt[3] = 0x00cf93000000ffffull;
	gdt[4] = 0x00008b0000000067ull; /* 32-bit busy TSS at 0 */
	return vmm_mem_write(m, VMM_GDT_GPA, gdt, 5 * sizeof(*gdt));
}

/* ---- ELF through PVH ---- */

struct elf_view {
	const uint8_t *img;
	size_t len;
	bool is64;
};

/* Bytes [off, off + n) of the file, or NULL. */
static const void *elf_at(const struct elf_view *v, uint64_t off, uint64_t n)
{
	if (off > v->len || n > v->len - off)
		return NULL;
	return v->img + off;
}

struct elf_phdr_v {
	uint32_t type;
	uint64_t offset, paddr, filesz, memsz;
};

/* Program header @i of an ELF of class EH/PH, copied out (e_phoff is the
 * file's: any alignment).  One body for both classes. */
#define ELF_PHDR_READ(EH, PH)                                                \
	do {                                                                 \
		EH eh;                                                       \
		PH ph;                                                       \
		const void *at;                                              \
                                                                             \
		memcpy(&eh, v->img, sizeof(eh));                             \
		if (eh.e_phentsize != sizeof(ph))                            \
			return -ENOEXEC;                                     \
		at = elf_at(v, eh.e_phoff + (uint64_t)i * sizeof(ph),        \
			    sizeof(ph));                                     \
		if (!at)                                                     \
			return -ENOEXEC;                                     \
		memcpy(&ph, at, sizeof(ph));                                 \
		*p = (struct elf_phdr_v){ph.p_type, ph.p_offset, ph.p_paddr, \
					 ph.p_filesz, ph.p_memsz};           \
	} while (0)

static int elf_phdr(const struct elf_view *v, unsigned i, struct elf_phdr_v *p)
{
	if (v->is64)
		ELF_PHDR_READ(Elf64_Ehdr, Elf64_Phdr);
	else
		ELF_PHDR_READ(Elf32_Ehdr, Elf32_Phdr);
	return 0;
}
#undef ELF_PHDR_READ

/* The PVH entry from the "Xen" PHYS32_ENTRY note of one PT_NOTE segment. */
static bool elf_pvh_note(const struct elf_view *v, const struct elf_phdr_v *p,
			 uint64_t *entry)
{
	const uint8_t *n = elf_at(v, p->offset, p->filesz);
	uint64_t left = n ? p->filesz : 0;

	while (left >= 12) {
		uint32_t namesz, descsz, type;
		uint64_t nsz, dsz;

		memcpy(&namesz, n, 4);
		memcpy(&descsz, n + 4, 4);
		memcpy(&type, n + 8, 4);
		nsz = ((uint64_t)namesz + 3) & ~3ull;
		dsz = ((uint64_t)descsz + 3) & ~3ull;
		if (nsz > left - 12 || dsz > left - 12 - nsz)
			return false;
		if (type == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4 &&
		    !memcmp(n + 12, "Xen", 4) && (descsz == 4 || descsz == 8)) {
			uint32_t e32;

			memcpy(&e32, n + 12 + nsz, 4); /* low half suffices */
			*entry = e32;
			return true;
		}
		n += 12 + nsz + dsz;
		left -= 12 + nsz + dsz;
	}
	return false;
}

static int load_elf(const struct vmm_mem *m, const uint8_t *img, size_t len,
		    struct vmm_boot *b, char *err, size_t errlen)
{
	struct elf_view v = {img, len,
			     len > EI_CLASS && img[EI_CLASS] == ELFCLASS64};
	unsigned phnum, loaded = 0;
	bool have_entry = false;
	uint64_t entry = 0;

	if (len < EI_NIDENT ||
	    !elf_at(&v, 0, v.is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr))) {
		snprintf(err, errlen, "the ELF header is truncated");
		return -ENOEXEC;
	}
	{
		uint16_t n;

		memcpy(&n,
		       img + (v.is64 ? offsetof(Elf64_Ehdr, e_phnum)
				     : offsetof(Elf32_Ehdr, e_phnum)),
		       sizeof(n));
		phnum = n;
	}
	b->kernel_end = 0;
	for (unsigned i = 0; i < phnum; i++) {
		struct elf_phdr_v p;
		const uint8_t *src;
		uint8_t *dst;

		if (elf_phdr(&v, i, &p)) {
			snprintf(err, errlen, "its program headers are bad");
			return -ENOEXEC;
		}
		if (p.type == PT_NOTE && !have_entry)
			have_entry = elf_pvh_note(&v, &p, &entry);
		if (p.type != PT_LOAD)
			continue;
		src = elf_at(&v, p.offset, p.filesz);
		dst = vmm_mem_ptr(m, p.paddr, p.memsz);
		if (!src || p.filesz > p.memsz || !dst ||
		    p.paddr < VMM_HIGH_GPA) {
			snprintf(err, errlen,
				 "segment %u (0x%llx, %llu bytes) does not "
				 "fit in guest RAM above 1 MiB",
				 i, (unsigned long long)p.paddr,
				 (unsigned long long)p.memsz);
			return -ENOEXEC;
		}
		memcpy(dst, src, p.filesz);
		memset(dst + p.filesz, 0, p.memsz - p.filesz);
		if (p.paddr + p.memsz > b->kernel_end)
			b->kernel_end = p.paddr + p.memsz;
		loaded++;
	}
	if (!loaded) {
		snprintf(err, errlen, "it has no loadable segment");
		return -ENOEXEC;
	}
	if (!have_entry) {
		snprintf(err, errlen,
			 "it is an ELF file without a PVH entry note "
			 "(XEN_ELFNOTE_PHYS32_ENTRY)");
		return -ENOEXEC;
	}
	b->mode = VMM_ENTRY_PVH32;
	b->entry = entry;
	b->arg = VMM_PVH_INFO_GPA;
	b->initrd_max = m->size - 1;
	return 0;
}

/* ---- bzImage ---- */

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* Offset of the protected-mode kernel in the file, or 0 if not a bzImage
 * this loader can start. */
static size_t bz_setup_size(const uint8_t *img, size_t len, char *err,
			    size_t errlen)
{
	unsigned sects;
	size_t off;

	if (len < 0x264 || memcmp(img + BP_HEADER, "HdrS", 4)) {
		snprintf(err, errlen,
			 "it is neither an ELF file nor a bzImage");
		return 0;
	}
	if (rd16(img + BP_VERSION) < 0x20c) {
		snprintf(err, errlen,
			 "its boot protocol %x.%02x is older than 2.12",
			 img[BP_VERSION + 1], img[BP_VERSION]);
		return 0;
	}
	if (!(rd16(img + BP_XLOADFLAGS) & 1)) {
		snprintf(err, errlen, "the bzImage has no 64-bit entry point");
		return 0;
	}
	sects = img[BP_SETUP_SECTS] ? img[BP_SETUP_SECTS] : 4;
	off = (size_t)(sects + 1) * 512;
	if (off >= len) {
		snprintf(err, errlen, "the bzImage is truncated");
		return 0;
	}
	return off;
}

static int load_bzimage(const struct vmm_mem *m, const uint8_t *img, size_t len,
			struct vmm_boot *b, char *err, size_t errlen)
{
	size_t off = bz_setup_size(img, len, err, errlen);
	uint32_t init_size;

	if (!off)
		return -ENOEXEC;
	init_size = rd32(img + 0x260);
	if (init_size < len - off)
		init_size = (uint32_t)(len - off);
	if (!vmm_mem_ptr(m, VMM_BZIMAGE_LOAD, init_size) ||
	    vmm_mem_write(m, VMM_BZIMAGE_LOAD, img + off, len - off)) {
		snprintf(err, errlen,
			 "the kernel needs %u bytes at 1 MiB; guest RAM is too "
			 "small",
			 init_size);
		return -ENOMEM;
	}
	b->mode = VMM_ENTRY_LINUX64;
	b->entry = VMM_BZIMAGE_LOAD + 0x200;
	b->arg = VMM_ZERO_PAGE_GPA;
	b->kernel_end = VMM_BZIMAGE_LOAD + init_size;
	b->initrd_max = rd32(img + BP_INITRD_MAX);
	if (!b->initrd_max || b->initrd_max > m->size - 1)
		b->initrd_max = m->size - 1;
	return 0;
}

/**
 * vmm_load_kernel() - load a kernel image into guest memory
 * @m: guest memory
 * @img: the file's bytes
 * @len: its size
 * @b: filled: entry mode and address, end of the image
 * @err: why not, one sentence fragment ("it has no ...")
 * @errlen: room in @err
 *
 * An ELF file (vmlinux or the test guest) must carry a PVH entry note; a
 * bzImage must offer the 64-bit entry (boot protocol 2.12 or later).
 *
 * Return: 0, -ENOEXEC (not a kernel this loader starts) or -ENOMEM
 */
int vmm_load_kernel(const struct vmm_mem *m, const uint8_t *img, size_t len,
		    struct vmm_boot *b, char *err, size_t errlen)
{
	memset(b, 0, sizeof(*b));
	if (len >= 4 && !memcmp(img, ELFMAG, SELFMAG))
		return load_elf(m, img, len, b, err, errlen);
	return load_bzimage(m, img, len, b, err, errlen);
}

/**
 * vmm_place_initrd() - copy the initrd to the top of the RAM it may use
 * @m: guest memory
 * @b: the loaded kernel (its end and the initrd limit)
 * @img: initrd bytes
 * @len: its size
 * @gpa: where it went
 * @err: why not
 * @errlen: room in @err
 *
 * Return: 0 or -ENOMEM
 */
int vmm_place_initrd(const struct vmm_mem *m, const struct vmm_boot *b,
		     const uint8_t *img, size_t len, uint64_t *gpa, char *err,
		     size_t errlen)
{
	uint64_t top = b->initrd_max + 1, at;
	uint64_t low = (b->kernel_end + 0xfff) & ~0xfffull;

	if (top > m->size)
		top = m->size;
	if (len > top || top - len < low) {
		snprintf(err, errlen,
			 "the initrd (%zu bytes) does not fit in guest RAM "
			 "above the kernel",
			 len);
		return -ENOMEM;
	}
	at = (top - len) & ~0xfffull;
	if (vmm_mem_write(m, at, img, len)) {
		snprintf(err, errlen, "the initrd does not fit in guest RAM");
		return -ENOMEM;
	}
	*gpa = at;
	return 0;
}

static int fill_pvh(const struct vmm_mem *m, uint64_t cmdline_gpa,
		    uint64_t initrd_gpa, uint64_t initrd_size)
{
	struct hvm_start_info si = {.magic = PVH_START_MAGIC,
				    .version = 1,
				    .cmdline_paddr = cmdline_gpa,
				    .memmap_paddr = VMM_PVH_MMAP_GPA};
	struct hvm_memmap_entry mm[VMM_E820_MAX];
	struct hvm_modlist_entry mod = {.paddr = initrd_gpa,
					.size = initrd_size};
	struct vmm_e820 e[VMM_E820_MAX];
	int n = vmm_e820_build(m->size, e, VMM_E820_MAX);
	uint64_t modgpa = VMM_PVH_MMAP_GPA + sizeof(mm);

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		mm[i] = (struct hvm_memmap_entry){e[i].addr, e[i].size,
						  e[i].type, 0};
	si.memmap_entries = (uint32_t)n;
	if (initrd_size) {
		si.nr_modules = 1;
		si.modlist_paddr = modgpa;
		if (vmm_mem_write(m, modgpa, &mod, sizeof(mod)))
			return -EFAULT;
	}
	if (vmm_mem_write(m, VMM_PVH_MMAP_GPA, mm, sizeof(mm[0]) * (size_t)n))
		return -EFAULT;
	return vmm_mem_write(m, VMM_PVH_INFO_GPA, &si, sizeof(si));
}

static int fill_zero_page(const struct vmm_mem *m, const uint8_t *img,
			  size_t len, uint64_t cmdline_gpa, uint64_t initrd_gpa,
			  uint64_t initrd_size)
{
	uint8_t *zp = vmm_mem_ptr(m, VMM_ZERO_PAGE_GPA, 4096);
	struct vmm_e820 e[VMM_E820_MAX];
	size_t hdr_end = 0x202 + (size_t)img[BP_JUMP + 1];
	int n = vmm_e820_build(m->size, e, VMM_E820_MAX);

	if (!zp || n < 0 || hdr_end > len || hdr_end > 4096)
		return -EFAULT;
	memset(zp, 0, 4096);
	memcpy(zp + BP_SETUP_SECTS, img + BP_SETUP_SECTS,
	       hdr_end - BP_SETUP_SECTS);
	zp[BP_TYPE_OF_LOADR] = 0xff;
	zp[BP_LOADFLAGS] |= 0x80;	    /* CAN_USE_HEAP */
	zp[BP_LOADFLAGS] &= (uint8_t)~0x20; /* QUIET_FLAG off */
	zp[BP_HEAP_END_PTR] = 0x00;
	zp[BP_HEAP_END_PTR + 1] = 0xfe;
	wr32(zp + BP_CMD_LINE_PTR, (uint32_t)cmdline_gpa);
	wr32(zp + BP_RAMDISK_IMAGE, (uint32_t)initrd_gpa);
	wr32(zp + BP_RAMDISK_SIZE, (uint32_t)initrd_size);
	zp[BP_E820_ENTRIES] = (uint8_t)n;
	memcpy(zp + BP_E820_TABLE, e, sizeof(e[0]) * (size_t)n);
	return 0;
}

/**
 * vmm_boot_finish() - the command line and the kernel's boot information
 * @m: guest memory
 * @img: the kernel file (a bzImage's setup header is copied from it)
 * @len: its size
 * @b: from vmm_load_kernel()
 * @cmdline: kernel command line (NUL-terminated)
 * @initrd_gpa: from vmm_place_initrd(), or 0
 * @initrd_size: bytes, 0 for none
 * @err: why not
 * @errlen: room in @err
 *
 * PVH: hvm_start_info with the memory map and the initrd as module 0.
 * bzImage: boot_params with the setup header, e820 table, initrd, and
 * the page tables of the 64-bit entry.
 *
 * Return: 0, -E2BIG (command line too long) or -EFAULT
 */
int vmm_boot_finish(const struct vmm_mem *m, const uint8_t *img, size_t len,
		    struct vmm_boot *b, const char *cmdline,
		    uint64_t initrd_gpa, uint64_t initrd_size, char *err,
		    size_t errlen)
{
	size_t clen = strlen(cmdline) + 1;
	uint32_t limit = VMM_CMDLINE_MAX;
	int ret;

	if (b->mode == VMM_ENTRY_LINUX64 &&
	    rd32(img + BP_CMDLINE_SIZE) + 1 < limit)
		limit = rd32(img + BP_CMDLINE_SIZE) + 1;
	if (clen > limit) {
		snprintf(err, errlen,
			 "the command line is %zu bytes; the kernel takes at "
			 "most %u",
			 clen - 1, limit - 1);
		return -E2BIG;
	}
	if (vmm_mem_write(m, VMM_CMDLINE_GPA, cmdline, clen)) {
		snprintf(err, errlen, "guest RAM is too small");
		return -EFAULT;
	}
	if (b->mode == VMM_ENTRY_PVH32)
		ret = fill_pvh(m, VMM_CMDLINE_GPA, initrd_gpa, initrd_size);
	else {
		ret = fill_zero_page(m, img, len, VMM_CMDLINE_GPA, initrd_gpa,
				     initrd_size);
		ret = ret ? ret : vmm_build_page_tables(m);
	}
	if (ret)
		snprintf(err, errlen, "the boot information does not fit");
	return ret;
}

/* ---- Intel MP table (MultiProcessor Specification 1.4) ---- */

#define MP_IOAPIC_GPA 0xfec00000u
#define MP_LAPIC_GPA  0xfee00000u
#define MP_PROC	      0
#define MP_BUS	      1
#define MP_IOAPIC     2
#define MP_IOINT      3
#define MP_LINT	      4

static uint8_t mp_sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return (uint8_t)(0x100 - s);
}

/**
 * vmm_mptable_build() - an MP table at VMM_BIOS_GPA for @cpus processors
 * @m: guest memory
 * @cpus: vCPUs (APIC ids 0 to @cpus - 1; 0 boots)
 *
 * Without ACPI, this is how Linux learns the other CPUs and the IOAPIC:
 * processors, an ISA and a PCI bus, one IOAPIC (id @cpus) whose pin i is
 * ISA IRQ i (KVM's default routing), ExtINT on LINT0 and NMI on LINT1.
 *
 * Return: 0, -EINVAL for a bad count, -EFAULT when RAM lacks the BIOS area
 */
int vmm_mptable_build(const struct vmm_mem *m, unsigned cpus)
{
	uint8_t *fp = vmm_mem_ptr(m, VMM_BIOS_GPA, 4096);
	uint8_t *t, *e;
	uint16_t count = 0, len;
	uint32_t v;

	if (!cpus || cpus > 32)
		return -EINVAL;
	if (!fp)
		return -EFAULT;
	memset(fp, 0, 4096);
	t = fp + 16;
	e = t + 44;
	for (unsigned i = 0; i < cpus; i++, e += 20, count++) {
		e[0] = MP_PROC;
		e[1] = (uint8_t)i;			/* LAPIC id */
		e[2] = 0x14;				/* LAPIC version */
		e[3] = (uint8_t)(1 | (i == 0 ? 2 : 0)); /* enabled, BSP */
		wr32(e + 4, 0x600);			/* family 6 */
		wr32(e + 8, 0x201);			/* FPU, APIC */
	}
	memcpy(e, "\1\0PCI   ", 8); /* bus 0: PCI */
	e += 8;
	memcpy(e, "\1\1ISA   ", 8); /* bus 1: ISA */
	e += 8;
	count += 2;
	e[0] = MP_IOAPIC;
	e[1] = (uint8_t)cpus;
	e[2] = 0x11;
	e[3] = 1;
	wr32(e + 4, MP_IOAPIC_GPA);
	e += 8;
	count++;
	for (uint8_t irq = 0; irq < 16; irq++) {
		if (irq == 2) /* the PICs' cascade */
			continue;
		e[0] = MP_IOINT;
		e[1] = 0; /* INT */
		e[4] = 1; /* ISA */
		e[5] = irq;
		e[6] = (uint8_t)cpus;
		e[7] = irq;
		e += 8;
		count++;
	}
	for (uint8_t lint = 0; lint < 2; lint++) {
		e[0] = MP_LINT;
		e[1] = lint ? 1 : 3; /* NMI : ExtINT */
		e[4] = 1;
		e[6] = 0xff; /* every LAPIC */
		e[7] = lint;
		e += 8;
		count++;
	}
	len = (uint16_t)(e - t);
	memcpy(t, "PCMP", 4);
	memcpy(t + 4, &len, 2);
	t[6] = 4;
	memcpy(t + 8, "VNET    ", 8);
	memcpy(t + 16, "VNET-VMM    ", 12);
	memcpy(t + 34, &count, 2);
	v = MP_LAPIC_GPA;
	memcpy(t + 36, &v, 4);
	t[7] = mp_sum(t, len);
	memcpy(fp, "_MP_", 4);
	wr32(fp + 4, (uint32_t)(VMM_BIOS_GPA + 16));
	fp[8] = 1; /* 16 bytes */
	fp[9] = 4; /* spec 1.4 */
	fp[10] = mp_sum(fp, 16);
	return 0;
}
