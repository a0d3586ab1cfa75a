/* trap.c -- GDT, TSS and IDT, and what an exception turns into.
 *
 * A fault on one of the probe instructions of machine_read32/write32 makes
 * the probe return -1. Any other exception crashes the running trace (the
 * kernel then moves on to the next one). A double fault -- typically a
 * kernel stack overflow -- switches to a task of its own with a fresh stack,
 * reports the crash and stops the machine.
 */
#include "i386.h"

#define SEL_CODE   0x08
#define SEL_DATA   0x10
#define SEL_TSS    0x18
#define SEL_DFTSS  0x20

/* The 32-bit task-state segment. */
struct tss {
	uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
	uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint32_t es, cs, ss, ds, fs, gs, ldt;
	uint16_t trap, iomap;
};

/* Operand of lgdt/lidt. */
struct __attribute__((packed)) pseudo_desc {
	uint16_t limit;
	uint32_t base;
};

extern const uint32_t trap_stubs[32];
extern char probe_read_insn[], probe_write_insn[], probe_fixup[];

static uint64_t gdt[5];
static uint64_t idt[256];
static struct tss main_tss, df_tss;
static char df_stack[DFSTACK_SIZE] __attribute__((aligned(16)));

static const char *const trap_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode",
	"#NM no math coprocessor", "#DF double fault", "coprocessor overrun",
	"#TS invalid TSS", "#NP segment not present", "#SS stack fault",
	"#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD error", "#VE virtualization", "#CP control protection",
	"reserved 22", "reserved 23", "reserved 24", "reserved 25",
	"reserved 26", "reserved 27", "reserved 28", "reserved 29",
	"reserved 30", "reserved 31",
};

/* A flat 4 GiB segment descriptor of access byte `access`. */
static uint64_t seg_flat(uint8_t access)
{
	return 0x00cf00000000ffffull | ((uint64_t)access << 40);
}

/* A 32-bit available-TSS descriptor for `t`. */
static uint64_t seg_tss(struct tss *t)
{
	uint32_t base = (uint32_t)t, limit = sizeof *t - 1;
	uint32_t lo = (limit & 0xffff) | (base << 16);
	uint32_t hi = ((base >> 16) & 0xff) | 0x8900 | (limit & 0xf0000) |
	              (base & 0xff000000);
	return ((uint64_t)hi << 32) | lo;
}

/* A ring-0 interrupt gate to `handler`. */
static uint64_t gate_intr(uint32_t handler)
{
	uint32_t lo = (handler & 0xffff) | (SEL_CODE << 16);
	uint32_t hi = (handler & 0xffff0000) | 0x8e00;
	return ((uint64_t)hi << 32) | lo;
}

/* A task gate to the TSS selected by `sel`. */
static uint64_t gate_task(uint16_t sel)
{
	return ((uint64_t)0x8500 << 32) | ((uint32_t)sel << 16);
}

/* Entry of the double-fault task: report and stop (never returns). */
static void df_task(void)
{
	char msg[160];
	ksnprintf(msg, sizeof msg,
	          "#DF double fault (kernel stack overflow?) eip=0x%08x "
	          "esp=0x%08x cr2=0x%08x",
	          main_tss.eip, main_tss.esp, rcr2());
	trace_fatal(msg);
}

/* Prepares the double-fault task: own stack, boot directory, df_task(). */
static void df_tss_init(void)
{
	df_tss.eip = (uint32_t)df_task;
	df_tss.esp = (uint32_t)(df_stack + sizeof df_stack - 16);
	df_tss.cr3 = V2P((uint32_t)boot_pd);
	df_tss.eflags = 0x2;
	df_tss.cs = SEL_CODE;
	df_tss.ds = df_tss.es = df_tss.ss = df_tss.fs = df_tss.gs = SEL_DATA;
	df_tss.iomap = sizeof df_tss;
	main_tss.iomap = sizeof main_tss;
}

/* Loads the GDT, reloads every segment register and the task register. */
static void gdt_load(void)
{
	struct pseudo_desc pd = { sizeof gdt - 1, (uint32_t)gdt };

	gdt[1] = seg_flat(0x9a);
	gdt[2] = seg_flat(0x92);
	gdt[3] = seg_tss(&main_tss);
	gdt[4] = seg_tss(&df_tss);
	__asm__ volatile("lgdt %0\n\t"
	                 "ljmp %1, $1f\n"
	                 "1:\tmovw %2, %%ax\n\t"
	                 "movw %%ax, %%ds\n\t"
	                 "movw %%ax, %%es\n\t"
	                 "movw %%ax, %%fs\n\t"
	                 "movw %%ax, %%gs\n\t"
	                 "movw %%ax, %%ss\n\t"
	                 "ltr %w3"
	                 :
	                 : "m"(pd), "i"(SEL_CODE), "i"(SEL_DATA),
	                   "r"(SEL_TSS)
	                 : "eax", "memory");
}

/* Loads an IDT with the 32 exception stubs, #DF as a task gate. */
static void idt_load(void)
{
	struct pseudo_desc pd = { sizeof idt - 1, (uint32_t)idt };

	for (int i = 0; i < 32; i++)
		idt[i] = gate_intr(trap_stubs[i]);
	idt[8] = gate_task(SEL_DFTSS);
	__asm__ volatile("lidt %0" : : "m"(pd));
}

/* Installs our own GDT (the loader's lives in trace RAM), TSSs and IDT. */
void trap_init(void)
{
	df_tss_init();
	gdt_load();
	idt_load();
}

/* True when `tf` is a fault on a probe instruction. */
static int is_probe_fault(const struct trapframe *tf)
{
	return (tf->trapno == 14 || tf->trapno == 13) &&
	       (tf->eip == (uint32_t)probe_read_insn ||
	        tf->eip == (uint32_t)probe_write_insn);
}

/* Called by trap_common for every exception. */
void trap(struct trapframe *tf)
{
	char msg[200];

	if (is_probe_fault(tf)) {
		tf->eip = (uint32_t)probe_fixup;
		return;
	}
	ksnprintf(msg, sizeof msg,
	          "%s err=0x%08x eip=0x%08x cr2=0x%08x cr3=0x%08x",
	          trap_names[tf->trapno & 31], tf->err, tf->eip, rcr2(),
	          rcr3());
	trace_crashed(msg);
}
