/* SPDX-License-Identifier: GPL-2.0-or-later */
/* entry.S - the test guest's PVH entry: 32-bit protected mode, paging off,
 * %ebx = hvm_start_info.  Announce ourselves on port 0x80 (the VMM's
 * first-instruction timestamp), set a stack and call tg_main(). */
	.section .note.pvh, "a"
	.balign 4
	.long 4			/* namesz */
	.long 4			/* descsz */
	.long 18		/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.long _start

	.text
	.globl _start
	.code32
_start:
	movb $0x01, %al
	outb %al, $0x80
	cli
	movl $stack_top, %esp
	pushl %ebx
	call tg_main
1:	hlt
	jmp 1b

	.bss
	.balign 16
	.skip 16384
stack_top:
