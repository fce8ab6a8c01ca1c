// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_vmm_kernel.c - libFuzzer target: vnet-vmm's kernel loader (ELF with
 * a PVH note, or bzImage) fed arbitrary files, then the initrd placement
 * and the boot information; nothing may be read or written outside the
 * file and the guest's RAM */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm-glue/vmm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	static struct vmm_mem mem;
	uint8_t *img =
	    malloc(size ? size : 1); /* exact size: ASan sees overreads */
	struct vmm_boot b;
	uint64_t igpa = 0;
	char err[256];

	if (!ram) {
		ram = malloc(VMM_MEM_MIN);
		if (!ram || vmm_mem_init_buf(&mem, ram, VMM_MEM_MIN))
			abort();
	}
	if (!img)
		return 0;
	memcpy(img, data, size);
	if (!vmm_load_kernel(&mem, img, size, &b, err, sizeof(err))) {
		if (b.mode != VMM_ENTRY_PVH32 && b.mode != VMM_ENTRY_LINUX64)
			abort();
		(void)vmm_place_initrd(&mem, &b, data,
				       size < 4096 ? size : 4096, &igpa, err,
				       sizeof(err));
		(void)vmm_boot_finish(&mem, img, size, &b, "console=ttyS0",
				      igpa, size < 4096 ? size : 4096, err,
				      sizeof(err));
	}
	free(img);
	return 0;
}
