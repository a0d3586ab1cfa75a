/* layout.h -- physical and virtual memory layout of the i386 trace kernel.
 *
 * Physical memory:
 *   [0x00000000, 0x0009f000)  trace RAM (low)
 *   [0x00100000, 0x01000000)  trace RAM (high)
 *   [0x01000000, 0x01100000)  boot page directory, then the 255 KernelLand
 *                             page tables (kernel.ld)
 *   [0x01100000, ...)         rest of the kernel image, then the multiboot
 *                             modules QEMU loads after it, then the heap
 *
 * Virtual memory (KernelLand is 0xc0000000..0xffbfffff):
 *   [0x00000000, 0xc0000000)  UserLand: empty whenever a trace starts
 *   [0xc0000000, 0xe0000000)  free KernelLand, handed to the port
 *   [0xe0000000, 0xe1000000)  fill window over trace RAM (mapped only while
 *                             machine_reset() writes the pattern)
 *   [0xe1000000, 0xffc00000)  direct map of physical RAM from 16 MiB up:
 *                             va = pa + KERNEL_OFFSET
 *   [0xffc00000, 0xffffffff]  recursive mapping (directory slot 1023)
 */
#ifndef SR_I386_LAYOUT_H
#define SR_I386_LAYOUT_H

/* Unsigned constants usable from both C and assembly. */
#ifdef __ASSEMBLER__
#define U32(x) x
#else
#define U32(x) x##u
#endif

#define PAGE_SIZE        U32(0x1000)
#define KERNEL_OFFSET    U32(0xe0000000)  /* va - pa for kernel memory */
#define KERNEL_PHYS      U32(0x01000000)  /* load address (LMA) */
#define KERNEL_VIRT      (KERNEL_PHYS + KERNEL_OFFSET)
#define KERNELLAND_BASE  U32(0xc0000000)
#define FILL_WINDOW      U32(0xe0000000)  /* va of physical 0 while filling */
#define RECURSIVE_BASE   U32(0xffc00000)  /* tables seen through slot 1023 */
#define RECURSIVE_DIR    U32(0xfffff000)  /* the directory itself */
#define DIRECT_MAP_LIMIT U32(0x1fc00000)  /* the direct map stops below this pa */

#define KL_FIRST_SLOT    U32(768)         /* first KernelLand directory slot */
#define KL_TABLES        U32(255)         /* slots 768..1022 */
#define RECURSIVE_SLOT   U32(1023)

#define PTE_P            U32(0x001)       /* present */
#define PTE_W            U32(0x002)       /* writable */
#define PTE_U            U32(0x004)       /* user accessible */

#define CR0_PE           U32(0x00000001)
#define CR0_WP           U32(0x00010000)
#define CR0_PG           U32(0x80000000)

#define KSTACK_SIZE      U32(0x40000)     /* main kernel stack, guard page below */
#define DFSTACK_SIZE     U32(0x4000)      /* double-fault task stack */

/* Kernel virtual address of kernel physical address `pa` (>= 16 MiB). */
#define P2V(pa) ((pa) + KERNEL_OFFSET)
/* Physical address of kernel virtual address `va` (>= KERNEL_VIRT). */
#define V2P(va) ((va) - KERNEL_OFFSET)

#endif
