// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vmm_boot.c - vnet-vmm's boot code on plain memory: the e820 map, the
 * identity page tables, the Linux boot_params page from a bzImage setup
 * header, the PVH start info of an ELF kernel, initrd placement, and
 * refusals of images that do not fit or are not kernels */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../vmm-glue/vmm.h"

#define MEM (64u << 20)

static uint8_t *ram;
static struct vmm_mem mem;

static int setup(void **state)
{
	ram = calloc(1, MEM);
	assert_non_null(ram);
	assert_int_equal(vmm_mem_init_buf(&mem, ram, MEM), 0);
	return 0;
}

static int teardown(void **state)
{
	free(ram);
	return 0;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* e820: low RAM, reserved EBDA and BIOS area, RAM from 1 MiB; no overlap,
 * sorted, and the total RAM is what was asked for minus the hole. */
static void test_e820(void **state)
{
	struct vmm_e820 e[VMM_E820_MAX];
	uint64_t ram_total = 0;
	int n = vmm_e820_build(MEM, e, VMM_E820_MAX);

	assert_int_equal(n, 4);
	for (int i = 0; i < n; i++) {
		if (i)
			assert_true(e[i].addr >= e[i - 1].addr + e[i - 1].size);
		if (e[i].type == VMM_E820_RAM)
			ram_total += e[i].size;
	}
	assert_int_equal(e[0].addr, 0);
	assert_int_equal(e[0].type, VMM_E820_RAM);
	assert_int_equal(e[3].addr, 0x100000);
	assert_int_equal(e[3].addr + e[3].size, MEM);
	assert_int_equal(ram_total, MEM - (0x100000 - VMM_EBDA_GPA));
	assert_int_equal(vmm_e820_build(VMM_MEM_MIN - 1, e, VMM_E820_MAX),
			 -EINVAL);
	assert_int_equal(vmm_e820_build(VMM_MEM_MAX + 4096, e, VMM_E820_MAX),
			 -EINVAL);
	assert_int_equal(vmm_e820_build(MEM, e, 3), -EINVAL);
}

/* Page tables: PML4[0] -> PDPT, four PDs of 2 MiB pages mapping VA = PA. */
static void test_page_tables(void **state)
{
	const uint64_t *pml4 = (const uint64_t *)(ram + VMM_PML4_GPA);
	const uint64_t *pdpt = (const uint64_t *)(ram + VMM_PDPT_GPA);
	uint64_t va[] = {0, 0x1000000, 0x7fffffff, 0xfffff000};

	assert_int_equal(vmm_build_page_tables(&mem), 0);
	assert_int_equal(pml4[0] & ~0xfffull, VMM_PDPT_GPA);
	assert_true(pml4[0] & 1);
	assert_int_equal(pml4[1], 0);
	for (unsigned i = 0; i < sizeof(va) / sizeof(va[0]); i++) {
		uint64_t pdpte = pdpt[(va[i] >> 30) & 511];
		const uint64_t *pd =
		    (const uint64_t *)(ram + (pdpte & ~0xfffull));
		uint64_t pde = pd[(va[i] >> 21) & 511];

		assert_true(pdpte & 1);
		assert_true(pde & 0x80); /* 2 MiB page */
		assert_int_equal((pde & ~0x1fffffull & 0xfffffffffull) |
				     (va[i] & 0x1fffff),
				 va[i]);
	}
	/* Too little RAM for the tables: refused, nothing written out of
	 * bounds. */
	{
		struct vmm_mem tiny = mem;

		tiny.gm.r[0].size = VMM_PD_GPA + 4096;
		assert_int_equal(vmm_build_page_tables(&tiny), -EFAULT);
	}
}

/* A fake bzImage: setup header fields the loader reads, code after it. */
static uint8_t *fake_bzimage(size_t *len, uint16_t version, uint16_t xlf)
{
	size_t n = 5 * 512 + 8192;
	uint8_t *k = calloc(1, n);

	k[BP_SETUP_SECTS] = 4;
	k[BP_JUMP + 1] = 0x6a; /* header ends at 0x26c */
	memcpy(k + BP_HEADER, "HdrS", 4);
	memcpy(k + BP_VERSION, &version, 2);
	memcpy(k + BP_XLOADFLAGS, &xlf, 2);
	k[BP_LOADFLAGS] = 0x01; /* LOADED_HIGH */
	{
		uint32_t max = 0x7fffffff, csz = 2048, init = 0x100000;

		memcpy(k + BP_INITRD_MAX, &max, 4);
		memcpy(k + BP_CMDLINE_SIZE, &csz, 4);
		memcpy(k + 0x260, &init, 4);
	}
	memset(k + 5 * 512, 0x90, 8192);
	*len = n;
	return k;
}

static void test_bzimage(void **state)
{
	char err[200];
	size_t len;
	uint8_t *k = fake_bzimage(&len, 0x20f, 1);
	uint8_t initrd[10000];
	struct vmm_boot b;
	uint64_t igpa;
	const uint8_t *zp = ram + VMM_ZERO_PAGE_GPA;
	const char *cl = "console=ttyS0 earlyprintk=serial";

	memset(initrd, 0xab, sizeof(initrd));
	assert_int_equal(vmm_load_kernel(&mem, k, len, &b, err, sizeof(err)),
			 0);
	assert_int_equal(b.mode, VMM_ENTRY_LINUX64);
	assert_int_equal(b.entry, 0x100200);
	assert_int_equal(b.arg, VMM_ZERO_PAGE_GPA);
	assert_memory_equal(ram + 0x100000, k + 5 * 512, 8192);
	assert_int_equal(vmm_place_initrd(&mem, &b, initrd, sizeof(initrd),
					  &igpa, err, sizeof(err)),
			 0);
	assert_int_equal(igpa & 0xfff, 0);
	assert_true(igpa >= b.kernel_end);
	assert_true(igpa + sizeof(initrd) <= MEM);
	assert_memory_equal(ram + igpa, initrd, sizeof(initrd));
	assert_int_equal(vmm_boot_finish(&mem, k, len, &b, cl, igpa,
					 sizeof(initrd), err, sizeof(err)),
			 0);
	/* boot_params: header copied, loader fields set */
	assert_memory_equal(zp + BP_HEADER, "HdrS", 4);
	assert_int_equal(zp[BP_TYPE_OF_LOADR], 0xff);
	assert_true(zp[BP_LOADFLAGS] & 0x80);
	assert_true(zp[BP_LOADFLAGS] & 0x01);
	assert_int_equal(rd32(zp + BP_CMD_LINE_PTR), VMM_CMDLINE_GPA);
	assert_string_equal((const char *)ram + VMM_CMDLINE_GPA, cl);
	assert_int_equal(rd32(zp + BP_RAMDISK_IMAGE), igpa);
	assert_int_equal(rd32(zp + BP_RAMDISK_SIZE), sizeof(initrd));
	assert_int_equal(zp[BP_E820_ENTRIES], 4);
	{
		struct vmm_e820 e;

		memcpy(&e, zp + BP_E820_TABLE + 3 * 20, 20);
		assert_int_equal(e.addr, 0x100000);
		assert_int_equal(e.addr + e.size, MEM);
	}
	/* and the page tables of the 64-bit entry */
	assert_int_equal(rd32(ram + VMM_PML4_GPA) & ~0xfffu, VMM_PDPT_GPA);
	free(k);
}

static void test_bzimage_refused(void **state)
{
	char err[200], big[3000];
	size_t len;
	uint8_t *k = fake_bzimage(&len, 0x20f, 0);
	struct vmm_boot b;

	assert_int_equal(vmm_load_kernel(&mem, k, len, &b, err, sizeof(err)),
			 -ENOEXEC);
	assert_non_null(strstr(err, "64-bit"));
	free(k);
	k = fake_bzimage(&len, 0x20a, 1);
	assert_int_equal(vmm_load_kernel(&mem, k, len, &b, err, sizeof(err)),
			 -ENOEXEC);
	assert_non_null(strstr(err, "older"));
	free(k);
	/* a truncated header is not read past its end */
	k = fake_bzimage(&len, 0x20f, 1);
	assert_int_equal(vmm_load_kernel(&mem, k, 0x210, &b, err, sizeof(err)),
			 -ENOEXEC);
	/* a command line longer than the kernel takes */
	assert_int_equal(vmm_load_kernel(&mem, k, len, &b, err, sizeof(err)),
			 0);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(
	    vmm_boot_finish(&mem, k, len, &b, big, 0, 0, err, sizeof(err)),
	    -E2BIG);
	/* an initrd bigger than RAM */
	assert_int_equal(vmm_place_initrd(&mem, &b, k, MEM, &(uint64_t){0}, err,
					  sizeof(err)),
			 -ENOMEM);
	free(k);
	assert_int_equal(vmm_load_kernel(&mem, (const uint8_t *)"hello", 5, &b,
					 err, sizeof(err)),
			 -ENOEXEC); /* just the ELF magic: nothing read past it
				       (found by fuzz_vmm_kernel) */
	{
		uint8_t *magic = malloc(4);

		memcpy(magic, ELFMAG, 4);
		assert_int_equal(
		    vmm_load_kernel(&mem, magic, 4, &b, err, sizeof(err)),
		    -ENOEXEC);
		free(magic);
	}
}

/* A minimal ELF32 with one PT_LOAD at 1 MiB and a PVH note. */
static size_t fake_elf(uint8_t *buf, uint32_t paddr, bool note)
{
	Elf32_Ehdr *eh = (Elf32_Ehdr *)buf;
	Elf32_Phdr *ph = (Elf32_Phdr *)(buf + sizeof(*eh));
	uint8_t *n = buf + 0x100;
	uint32_t hdr[3] = {4, 4, 18}, entry = paddr + 0x10;

	memset(buf, 0, 0x1000);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 2;
	ph[0] = (Elf32_Phdr){.p_type = PT_LOAD,
			     .p_offset = 0x200,
			     .p_paddr = paddr,
			     .p_filesz = 0x100,
			     .p_memsz = 0x2000};
	ph[1] = (Elf32_Phdr){.p_type = note ? PT_NOTE : PT_NULL,
			     .p_offset = 0x100,
			     .p_filesz = 20};
	memcpy(n, hdr, 12);
	memcpy(n + 12, "Xen", 4);
	memcpy(n + 16, &entry, 4);
	memset(buf + 0x200, 0xcc, 0x100);
	return 0x1000;
}

static void test_pvh(void **state)
{
	static uint8_t elf[0x1000];
	size_t len = fake_elf(elf, 0x100000, true);
	const struct hvm_start_info *si =
	    (const struct hvm_start_info *)(ram + VMM_PVH_INFO_GPA);
	const struct hvm_memmap_entry *mm;
	const struct hvm_modlist_entry *mod;
	struct vmm_boot b;
	uint8_t initrd[5000] = {1, 2, 3};
	uint64_t igpa;
	char err[200];

	memset(ram + 0x100000, 0x55, 0x3000);
	assert_int_equal(vmm_load_kernel(&mem, elf, len, &b, err, sizeof(err)),
			 0);
	assert_int_equal(b.mode, VMM_ENTRY_PVH32);
	assert_int_equal(b.entry, 0x100010);
	assert_int_equal(b.arg, VMM_PVH_INFO_GPA);
	assert_int_equal(ram[0x100000], 0xcc);
	assert_int_equal(ram[0x100100], 0); /* bss zeroed */
	assert_int_equal(ram[0x101fff], 0);
	assert_int_equal(ram[0x102000], 0x55); /* nothing past memsz */
	assert_int_equal(vmm_place_initrd(&mem, &b, initrd, sizeof(initrd),
					  &igpa, err, sizeof(err)),
			 0);
	assert_int_equal(vmm_boot_finish(&mem, elf, len, &b, "peer=1.2.3.4",
					 igpa, sizeof(initrd), err,
					 sizeof(err)),
			 0);
	assert_int_equal(si->magic, PVH_START_MAGIC);
	assert_int_equal(si->version, 1);
	assert_int_equal(si->cmdline_paddr, VMM_CMDLINE_GPA);
	assert_int_equal(si->memmap_entries, 4);
	assert_int_equal(si->nr_modules, 1);
	mm = (const struct hvm_memmap_entry *)(ram + si->memmap_paddr);
	assert_int_equal(mm[3].addr + mm[3].size, MEM);
	assert_int_equal(mm[1].type, VMM_E820_RESERVED);
	mod = (const struct hvm_modlist_entry *)(ram + si->modlist_paddr);
	assert_int_equal(mod->paddr, igpa);
	assert_int_equal(mod->size, sizeof(initrd));
}

static void test_elf_refused(void **state)
{
	static uint8_t elf[0x1000];
	size_t len = fake_elf(elf, 0x100000, false);
	struct vmm_boot b;
	char err[200];

	assert_int_equal(vmm_load_kernel(&mem, elf, len, &b, err, sizeof(err)),
			 -ENOEXEC);
	assert_non_null(strstr(err, "PVH"));
	/* a segment beyond guest RAM or below 1 MiB */
	len = fake_elf(elf, MEM - 0x1000, true);
	assert_int_equal(vmm_load_kernel(&mem, elf, len, &b, err, sizeof(err)),
			 -ENOEXEC);
	len = fake_elf(elf, 0x1000, true);
	assert_int_equal(vmm_load_kernel(&mem, elf, len, &b, err, sizeof(err)),
			 -ENOEXEC);
	/* program headers pointing past the file */
	len = fake_elf(elf, 0x100000, true);
	((Elf32_Ehdr *)elf)->e_phoff = 0xff0;
	assert_int_equal(vmm_load_kernel(&mem, elf, len, &b, err, sizeof(err)),
			 -ENOEXEC);
	/* a note whose size runs past its segment */
	len = fake_elf(elf, 0x100000, true);
	elf[0x104] = 0xff;
	assert_int_equal(vmm_load_kernel(&mem, elf, len, &b, err, sizeof(err)),
			 -ENOEXEC);
}

/* Guest addresses: only whole ranges inside RAM translate. */
static void test_mem_ptr(void **state)
{
	assert_non_null(vmm_mem_ptr(&mem, 0, MEM));
	assert_non_null(vmm_mem_ptr(&mem, MEM - 1, 1));
	assert_null(vmm_mem_ptr(&mem, MEM - 1, 2));
	assert_null(vmm_mem_ptr(&mem, MEM, 1));
	assert_null(vmm_mem_ptr(&mem, UINT64_MAX, 2));
	assert_int_equal(vmm_mem_write(&mem, MEM - 2, "abc", 3), -EFAULT);
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* MP table: floating pointer and table checksums, one processor entry per
 * vCPU (0 the BSP), an IOAPIC, ISA IRQs to its pins, all inside the
 * reserved BIOS area of the e820 map. */
static void test_mptable(void **state)
{
	const uint8_t *fp = ram + VMM_BIOS_GPA, *t, *e;
	unsigned procs = 0, ioapics = 0, ioints = 0, lints = 0, bsp = 0;
	uint16_t len, count;
	uint32_t addr;

	assert_int_equal(vmm_mptable_build(&mem, 3), 0);
	assert_memory_equal(fp, "_MP_", 4);
	assert_int_equal(sum(fp, 16), 0);
	assert_int_equal(fp[8], 1);
	memcpy(&addr, fp + 4, 4);
	assert_true(addr >= VMM_BIOS_GPA && addr < 0x100000);
	t = ram + addr;
	assert_memory_equal(t, "PCMP", 4);
	memcpy(&len, t + 4, 2);
	memcpy(&count, t + 34, 2);
	assert_true(addr + len <= 0x100000);
	assert_int_equal(sum(t, len), 0);
	e = t + 44;
	for (unsigned i = 0; i < count; i++) {
		assert_true(e < t + len);
		switch (e[0]) {
		case 0:
			assert_int_equal(e[1], procs);
			bsp += e[3] & 2;
			procs++;
			e += 20;
			break;
		case 2:
			assert_int_equal(e[1], 3); /* id after the LAPICs */
			ioapics++;
			e += 8;
			break;
		case 3:
			assert_int_equal(e[5], e[7]); /* ISA IRQ i on pin i */
			ioints++;
			e += 8;
			break;
		case 4:
			lints++;
			e += 8;
			break;
		default:
			e += 8;
		}
	}
	assert_ptr_equal(e, t + len);
	assert_int_equal(procs, 3);
	assert_int_equal(bsp, 2);
	assert_int_equal(ioapics, 1);
	assert_int_equal(ioints, 15);
	assert_int_equal(lints, 2);
	assert_int_equal(vmm_mptable_build(&mem, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_e820, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_page_tables, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bzimage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bzimage_refused, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_pvh, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_elf_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mem_ptr, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mptable, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
