/* mmu.c -- the machine side of the port on real i386 paging: the boot page
 * directory, trace RAM, and the mach.h / machine.h functions that touch them.
 *
 * The boot directory (boot.S) maps KernelLand through 255 page tables that
 * never change owner; every process directory the port creates copies those
 * slots, so the kernel and its direct map stay visible under any cr3.
 */
#include <stdbool.h>
#include <string.h>

#include "mach.h"
#include "machine.h"
#include "i386.h"

#define KL_PTE_COUNT (KL_TABLES * 1024u)

machine_jmp_buf machine_panic_jmp;
const char *machine_panic_msg;

static uint32_t direct_end_pa = KERNEL_PHYS; /* end of the direct map */

/* The KernelLand PTE that maps `va` (KernelLand only). */
static uint32_t *kl_pte(uint32_t va)
{
	return &kl_ptes[(va - KERNELLAND_BASE) >> 12];
}

/* Index in kl_ptes of the PTE that maps `va`. */
static uint32_t kl_index(uint32_t va)
{
	return (va - KERNELLAND_BASE) >> 12;
}

/* True when the bytes [pa, pa + n) lie inside trace RAM. */
static bool in_trace_ram(uint32_t pa, uint32_t n)
{
	return (pa < TRACE_RAM_LOW_END && n <= TRACE_RAM_LOW_END - pa) ||
	       (pa >= TRACE_RAM_HIGH_BASE && pa < TRACE_RAM_HIGH_END &&
	        n <= TRACE_RAM_HIGH_END - pa);
}

/* Drops the boot identity map and unmaps the stack guard page. */
void mmu_init(void)
{
	boot_pd[KERNEL_PHYS >> 22] = 0;
	direct_end_pa = (uint32_t)V2P((uint32_t)__kernel_end);
	*kl_pte((uint32_t)kstack_guard) = 0;
	lcr3(rcr3());
}

/* Extends the direct map (va = pa + KERNEL_OFFSET) up to `end_pa`. */
void mmu_map_direct(uint32_t end_pa)
{
	if (end_pa > DIRECT_MAP_LIMIT)
		end_pa = DIRECT_MAP_LIMIT;
	end_pa &= ~(PAGE_SIZE - 1);
	for (uint32_t pa = direct_end_pa; pa < end_pa; pa += PAGE_SIZE)
		*kl_pte(P2V(pa)) = pa | PTE_P | PTE_W;
	if (end_pa > direct_end_pa)
		direct_end_pa = end_pa;
	lcr3(rcr3());
}

/* Physical end of the direct map. */
uint32_t mmu_direct_end(void)
{
	return direct_end_pa;
}

/* Maps the fill window over physical pages [pa, end) (below 16 MiB). */
static void window_map(uint32_t pa, uint32_t end)
{
	for (; pa < end; pa += PAGE_SIZE)
		*kl_pte(FILL_WINDOW + pa) = pa | PTE_P | PTE_W;
}

/* Unmaps the whole fill window and flushes the TLB. */
static void window_unmap(void)
{
	memset(kl_pte(FILL_WINDOW), 0, (KERNEL_PHYS >> 12) * 4);
	lcr3(rcr3());
}

/* Copies `n` bytes at physical `pa` to `dst`: from the direct map, or through
 * the fill window below 16 MiB. Returns -1 when `pa` is reachable neither way. */
int phys_copy(void *dst, uint32_t pa, size_t n)
{
	if (pa >= KERNEL_PHYS && pa <= direct_end_pa &&
	    n <= direct_end_pa - pa) {
		memcpy(dst, (void *)P2V(pa), n);
		return 0;
	}
	if (pa < KERNEL_PHYS && n <= KERNEL_PHYS - pa) {
		window_map(pa & ~(PAGE_SIZE - 1), pa + n);
		lcr3(rcr3());
		memcpy(dst, (void *)(FILL_WINDOW + pa), n);
		window_unmap();
		return 0;
	}
	return -1;
}

/* Writes the identity pattern over physical [pa, end) through the window. */
static void fill_pattern(uint32_t pa, uint32_t end)
{
	uint32_t *p = (uint32_t *)(FILL_WINDOW + pa);
	for (; pa < end; pa += 16, p += 4) {
		p[0] = pa;
		p[1] = pa + 4;
		p[2] = pa + 8;
		p[3] = pa + 12;
	}
}

/* Every word of trace RAM gets its own physical address. */
static void trace_ram_fill(void)
{
	window_map(0, TRACE_RAM_LOW_END);
	window_map(TRACE_RAM_HIGH_BASE, TRACE_RAM_HIGH_END);
	lcr3(rcr3());
	fill_pattern(0, TRACE_RAM_LOW_END);
	fill_pattern(TRACE_RAM_HIGH_BASE, TRACE_RAM_HIGH_END);
	window_unmap();
}

/* Makes the boot directory active again and puts it back in its boot state:
 * empty UserLand, the 255 KernelLand tables, the recursive slot. */
void mmu_restore_boot_cr3(void)
{
	uint32_t pd_pa = V2P((uint32_t)boot_pd);

	lcr3(pd_pa);
	memset(boot_pd, 0, KL_FIRST_SLOT * 4);
	for (uint32_t i = 0; i < KL_TABLES; i++)
		boot_pd[KL_FIRST_SLOT + i] =
		    V2P((uint32_t)&kl_ptes[i * 1024]) | PTE_P | PTE_W;
	boot_pd[RECURSIVE_SLOT] = pd_pa | PTE_P | PTE_W;
	lcr3(pd_pa);
}

/* Empties KernelLand outside the kernel's own area (the direct map). */
static void kernelland_clear(void)
{
	uint32_t kstart = kl_index(KERNEL_VIRT);
	uint32_t kend = kl_index(P2V(direct_end_pa));

	memset(kl_ptes, 0, kstart * 4);
	memset(&kl_ptes[kend], 0, (KL_PTE_COUNT - kend) * 4);
	lcr3(rcr3());
}

/* machine.h: the state before a trace (see there). */
void machine_reset(void)
{
	mmu_restore_boot_cr3();
	kernelland_clear();
	trace_ram_fill();
	heap_reset();
}

/* Walks the active tables (through the recursive mapping) for the `n`
 * bytes at `va`, all in one page. True when the access would not fault and
 * lands in trace RAM. */
static bool page_ok(uint32_t va, uint32_t n, bool write)
{
	uint32_t need = PTE_P | (write ? PTE_W : 0);
	uint32_t pde = ((volatile uint32_t *)RECURSIVE_DIR)[va >> 22];

	if ((pde & need) != need)
		return false;
	uint32_t pte = ((volatile uint32_t *)RECURSIVE_BASE)[va >> 12];
	if ((pte & need) != need)
		return false;
	return in_trace_ram((pte & ~(PAGE_SIZE - 1)) | (va & (PAGE_SIZE - 1)), n);
}

/* True when a 32-bit access at `va` (maybe unaligned, maybe straddling two
 * pages) would not fault and lands in trace RAM byte for byte. */
static bool access_ok(uint32_t va, bool write)
{
	uint32_t first = PAGE_SIZE - (va & (PAGE_SIZE - 1));

	if (first >= 4)
		return page_ok(va, 4, write);
	return page_ok(va, first, write) && page_ok(va + first, 4 - first, write);
}

/* True when the tables map the page of `va` (the `n` bytes there) to
 * something other than trace RAM: a device or the kernel's own memory,
 * which a trace access must never touch. */
static bool page_reaches_device(uint32_t va, uint32_t n)
{
	uint32_t pde = ((volatile uint32_t *)RECURSIVE_DIR)[va >> 22];

	if (!(pde & PTE_P))
		return false;
	uint32_t pte = ((volatile uint32_t *)RECURSIVE_BASE)[va >> 12];
	if (!(pte & PTE_P))
		return false;
	return !in_trace_ram((pte & ~(PAGE_SIZE - 1)) | (va & (PAGE_SIZE - 1)), n);
}

static bool reaches_device(uint32_t va)
{
	uint32_t first = PAGE_SIZE - (va & (PAGE_SIZE - 1));

	if (first >= 4)
		return page_reaches_device(va, 4);
	return page_reaches_device(va, first) || page_reaches_device(va + first, 4 - first);
}

/* A ring-0 access as the processor makes it: through its TLB, so a
 * translation the port forgot to flush is used, as on any i386. The tables
 * are looked at before the access only to keep a trace off devices and the
 * kernel's own memory (an access the tables send there is not made), and
 * after a page fault: when they allow the access, the fault came from a
 * stale, less permissive TLB entry, which the processor dropped when it
 * faulted, and the access is retried once (what a kernel's #PF handler
 * does with a spurious fault). A port that forgets a flush may thereby
 * reach a frame the trace mapped earlier; that is the point. */
static int access(vaddr_t va, bool write, uint32_t value, uint32_t *out)
{
	if (reaches_device(va))
		return -1;
	int rc = write ? probe_write32(va, value) : probe_read32(va, out);
	if (rc && access_ok(va, write))
		rc = write ? probe_write32(va, value) : probe_read32(va, out);
	return rc;
}

/* machine.h: a ring-0 load through the active tables. */
int machine_read32(vaddr_t va, uint32_t *out)
{
	return access(va, false, 0, out);
}

/* machine.h: a ring-0 store through the active tables. */
int machine_write32(vaddr_t va, uint32_t value)
{
	return access(va, true, value, 0);
}

/* machine.h: the i386 backend does not track page writes; the checker
 * checks everything after each operation. */
int machine_take_changes(machine_word_fn fn, void *ctx)
{
	(void)fn;
	(void)ctx;
	return -1;
}

/* machine.h: see machine_take_changes. */
int machine_take_changed_pages(machine_page_fn fn, void *ctx)
{
	(void)fn;
	(void)ctx;
	return -1;
}

/* machine.h: the processor's TLB cannot be read; a stale translation shows
 * in the results of the accesses that use it. */
int machine_tlb_stale(vaddr_t *va, uint32_t *cached, uint32_t *now)
{
	(void)va;
	(void)cached;
	(void)now;
	return -1;
}

/* machine.h: the boot page directory. */
paddr_t machine_boot_directory(void)
{
	return V2P((uint32_t)boot_pd);
}

/* True when `pa` holds a KernelLand PTE of the kernel's own area (fill
 * window and direct map, from FILL_WINDOW up). */
static bool is_own_pte(paddr_t pa)
{
	uint32_t lo = V2P((uint32_t)kl_pte(FILL_WINDOW));
	uint32_t hi = V2P((uint32_t)&kl_ptes[KL_PTE_COUNT]);
	return pa >= lo && pa < hi;
}

/* machine.h: a physical load for the invariant checker. The PTEs of the
 * kernel's own KernelLand area read as 0: that area is the machine's, not
 * the port's, and the checker must see KernelLand as the hosted machine
 * has it (only the port's pages). Below 16 MiB the page is mapped in the
 * fill window just for this load, so KernelLand is the same afterwards. */
uint32_t machine_phys_read32(paddr_t pa)
{
	uint32_t v;

	pa &= ~3u;
	if (is_own_pte(pa))
		return 0;
	if (pa >= KERNEL_PHYS && pa < direct_end_pa)
		return *(volatile uint32_t *)P2V(pa);
	if (pa >= KERNEL_PHYS)
		return 0;
	uint32_t *pte = kl_pte(FILL_WINDOW + pa);
	uint32_t va = FILL_WINDOW + (pa & ~(PAGE_SIZE - 1));
	*pte = (pa & ~(PAGE_SIZE - 1)) | PTE_P;
	invlpg(va);
	v = *(volatile uint32_t *)(FILL_WINDOW + pa);
	*pte = 0;
	invlpg(va);
	return v;
}

/* machine.h: a whole page, as machine_phys_read32 reads its words: the
 * direct map itself, or a copy through the fill window mapped once for the
 * page; word by word where the page holds PTEs of the kernel's own area. */
const uint32_t *machine_phys_page(paddr_t frame, uint32_t out[1024])
{
	uint32_t lo = V2P((uint32_t)kl_pte(FILL_WINDOW));
	uint32_t hi = V2P((uint32_t)&kl_ptes[KL_PTE_COUNT]);

	frame &= ~(PAGE_SIZE - 1);
	if ((frame < hi && frame + PAGE_SIZE > lo) ||
	    (frame < direct_end_pa && frame + PAGE_SIZE > direct_end_pa)) {
		for (uint32_t i = 0; i < 1024; i++)
			out[i] = machine_phys_read32(frame + i * 4);
	} else if (frame >= KERNEL_PHYS && frame < direct_end_pa) {
		return (const uint32_t *)P2V(frame);
	} else if (frame >= KERNEL_PHYS) {
		memset(out, 0, PAGE_SIZE);
	} else {
		uint32_t *pte = kl_pte(FILL_WINDOW + frame);
		uint32_t va = FILL_WINDOW + frame;
		*pte = frame | PTE_P;
		invlpg(va);
		memcpy(out, (const void *)va, PAGE_SIZE);
		*pte = 0;
		invlpg(va);
	}
	return out;
}

/* ---- mach.h ---- */

void *mach_kptr(vaddr_t va)
{
	return (void *)va;
}

paddr_t mach_read_cr3(void)
{
	return rcr3();
}

paddr_t mach_swap_cr3(paddr_t dir)
{
	paddr_t old = rcr3();
	lcr3(dir);
	return old;
}

void mach_flush_tlb(void)
{
	lcr3(rcr3());
}

bool mach_is_paging_on(void)
{
	return (rcr0() & (CR0_PE | CR0_PG)) == (CR0_PE | CR0_PG);
}

_Noreturn void mach_panic(const char *msg)
{
	machine_panic_msg = msg;
	MACHINE_LONGJMP(machine_panic_jmp);
}
