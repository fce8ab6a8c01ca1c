/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vnic_fast_obj.S - the fast path's BPF object, built into the binary so
 * vnetd loads exactly the programs it was built with */
	.section .rodata
	.balign 8
	.global vnic_fast_obj_start
	.global vnic_fast_obj_size
vnic_fast_obj_start:
	.incbin VNIC_FAST_OBJ
vnic_fast_obj_end:
	.balign 8
/* Its size, computed here: C may not subtract pointers to two objects. */
vnic_fast_obj_size:
	.quad vnic_fast_obj_end - vnic_fast_obj_start
	.section .note.GNU-stack,"",@progbits
