/* boot.S -- Multiboot v1 entry: build the boot page directory, turn paging
 * on and jump to kmain() in the high half.
 *
 * QEMU (or any Multiboot loader) enters _start at its physical address with
 * paging off, eax = 0x2BADB002 and ebx = physical address of the multiboot
 * information. Everything here runs at physical addresses until the jump to
 * `high`, so every symbol is translated with V2P().
 */
#include "layout.h"

/* Physical address of kernel symbol `sym` (no parentheses: gas would read
 * a leading one as a base register). */
#define PA(sym) sym - KERNEL_OFFSET

#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003 /* page-aligned modules, memory information */

/* The Multiboot header: within the first 8 KiB of the image. */
.section .multiboot, "a"
.align 4
.long MB_MAGIC
.long MB_FLAGS
.long -(MB_MAGIC + MB_FLAGS)

/* The boot page directory and the 255 KernelLand page tables, contiguous so
 * that kl_ptes[] indexes every KernelLand PTE by (va - 0xc0000000) >> 12.
 * kernel.ld puts them first, at physical 0x01000000. */
.section .bss.pagetables, "aw", @nobits
.align 4096
.globl boot_pd
boot_pd:
.skip PAGE_SIZE
.globl kl_ptes
kl_ptes:
.skip PAGE_SIZE * KL_TABLES

/* The kernel stack; its lowest page is unmapped by mmu_init() as a guard. */
.section .bss.stack, "aw", @nobits
.align 4096
.globl kstack_guard
kstack_guard:
.skip PAGE_SIZE
.skip KSTACK_SIZE
.globl kstack_top
kstack_top:

.section .text.boot, "ax"
.globl _start
_start:
	cli
	cld
	movl %eax, %esi
	movl %ebx, %ebp

	/* Zero the page tables, then .bss. */
	movl $PA(__kernel_start), %edi
	movl $PA(__pagetables_end), %ecx
	subl %edi, %ecx
	shrl $2, %ecx
	xorl %eax, %eax
	rep stosl
	movl $PA(__bss_start), %edi
	movl $PA(__bss_end), %ecx
	subl %edi, %ecx
	shrl $2, %ecx
	xorl %eax, %eax
	rep stosl

	movl %esi, PA(boot_mb_magic)
	movl %ebp, PA(boot_mb_info)

	/* Map the kernel image: va = pa + KERNEL_OFFSET. */
	movl $KERNEL_PHYS, %eax
1:	movl %eax, %edx
	addl $(KERNEL_OFFSET - KERNELLAND_BASE), %edx
	shrl $12, %edx
	shll $2, %edx
	addl $PA(kl_ptes), %edx
	movl %eax, %ecx
	orl $(PTE_P | PTE_W), %ecx
	movl %ecx, (%edx)
	addl $PAGE_SIZE, %eax
	cmpl $PA(__kernel_end), %eax
	jb 1b

	/* Directory slots 768..1022 -> the KernelLand tables. */
	movl $(PA(kl_ptes) + (PTE_P | PTE_W)), %eax
	movl $(PA(boot_pd) + KL_FIRST_SLOT * 4), %edi
	movl $KL_TABLES, %ecx
2:	movl %eax, (%edi)
	addl $PAGE_SIZE, %eax
	addl $4, %edi
	loop 2b

	/* Slot 1023 -> the directory itself (recursive mapping). */
	movl $(PA(boot_pd) + (PTE_P | PTE_W)), %eax
	movl %eax, PA(boot_pd) + RECURSIVE_SLOT * 4

	/* Temporary identity map of the 4 MiB holding this code: it shares
	 * the KernelLand table that maps the same physical memory high. */
	movl PA(boot_pd) + (KERNEL_VIRT >> 22) * 4, %eax
	movl %eax, PA(boot_pd) + (KERNEL_PHYS >> 22) * 4

	xorl %eax, %eax
	movl %eax, %cr4 /* no PSE, no PAE, no global pages */
	movl $PA(boot_pd), %eax
	movl %eax, %cr3
	movl %cr0, %eax
	orl $(CR0_PE | CR0_WP | CR0_PG), %eax
	movl %eax, %cr0

	movl $high, %eax
	jmp *%eax

high:
	movl $kstack_top, %esp
	xorl %ebp, %ebp
	call kmain
3:	cli
	hlt
	jmp 3b

.section .bss
.align 4
.globl boot_mb_magic
boot_mb_magic:
.skip 4
.globl boot_mb_info
boot_mb_info:
.skip 4

/* No executable stack. */
.section .note.GNU-stack, "", @progbits
