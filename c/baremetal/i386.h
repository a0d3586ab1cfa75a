/* i386.h -- declarations shared by the files of the i386 trace kernel. */
#ifndef SR_I386_H
#define SR_I386_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "layout.h"

/* ---- CPU instructions ---- */

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t rcr0(void)
{
	uint32_t v;
	__asm__ volatile("movl %%cr0, %0" : "=r"(v));
	return v;
}

static inline uint32_t rcr2(void)
{
	uint32_t v;
	__asm__ volatile("movl %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint32_t rcr3(void)
{
	uint32_t v;
	__asm__ volatile("movl %%cr3, %0" : "=r"(v));
	return v;
}

static inline void lcr3(uint32_t v)
{
	__asm__ volatile("movl %0, %%cr3" : : "r"(v) : "memory");
}

static inline void invlpg(uint32_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/* ---- Symbols of boot.S and the linker script ---- */

extern uint32_t boot_pd[1024];
extern uint32_t kl_ptes[];      /* every KernelLand PTE, in va order */
extern char kstack_guard[];
extern char kstack_top[];
extern uint32_t boot_mb_magic, boot_mb_info;
extern char __kernel_start[], __kernel_end[];

/* ---- console.c: the debug console port and the doorbell ---- */

void srio_bell(void);
void con_printf(const char *fmt, ...);

/* ---- kprintf.c: formatting into a buffer ---- */

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...);

/* ---- mmu.c: page tables, trace RAM, physical access ---- */

void mmu_init(void);
void mmu_map_direct(uint32_t end_pa);
uint32_t mmu_direct_end(void);
int phys_copy(void *dst, uint32_t pa, size_t n);
void mmu_restore_boot_cr3(void);

/* ---- reset.c: machine_reset() that refills only what a trace wrote ---- */

void reset_mark_dirty(uint32_t pa);
void reset_force_full(void);
void reset_set_verify(int on);
uint32_t reset_ram_mismatch(void);

/* ---- heap.c: mach_alloc/mach_free over a resettable region ---- */

void heap_init(uint32_t base_va, uint32_t end_va);
void heap_reset(void);

/* ---- trap.c: GDT, TSS, IDT and exception reporting ---- */

struct trapframe {
	uint32_t edi, esi, ebp, esp_pushal, ebx, edx, ecx, eax;
	uint32_t trapno, err;
	uint32_t eip, cs, eflags;
};

void trap_init(void);
void trap(struct trapframe *tf);

/* ---- the program (harness/baremetal/kmain.c): boot.S calls kmain; trap.c
 * reports a crash or a fatal error through it ---- */

void kmain(void);
_Noreturn void kernel_exit(int fatal);
_Noreturn void trace_crashed(const char *reason);
_Noreturn void trace_fatal(const char *reason);

/* ---- probes: the raw ones of trapasm.S, and tlb.c's, which flush what
 * tlb.c left pending and mark the page a store wrote (reset.c) ---- */

int probe_load32(uint32_t va, uint32_t *out);
int probe_store32(uint32_t va, uint32_t v);
int probe_read32(uint32_t va, uint32_t *out);
int probe_write32(uint32_t va, uint32_t v);

#endif
