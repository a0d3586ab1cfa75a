/* table.c -- i386 page table hierarchies
 * (upstream kernel/src/paging/arch/i386/table.rs). */
#include "arch/i386/table.h"
#include "frame_allocator.h"
#include "kernel_memory.h"
#include "lands.h"

/* Result::unwrap on a KernelError. */
#define UNWRAP(expr) EXPECT(expr, "called `Result::unwrap()` on an `Err` value")

/* A directory entry is always WRITABLE; UserLand ones are USER_ACCESSIBLE. */
static i386_entry_flags directory_entry_flags(uint32_t index)
{
	i386_entry_flags flags = I386_ENTRY_PRESENT | I386_ENTRY_WRITABLE;
	if (index <= USERLAND_END_TABLE) /* USERLAND_START_TABLE is 0 */
		flags |= I386_ENTRY_USER_ACCESSIBLE;
	return flags;
}

/* A table reached at kernel address va. */
static void table_at(hier_table *t, const table_ops *ops, vaddr_t va)
{
	t->ops = ops;
	t->va = va;
	t->entries = mach_kptr(va);
}

/* ---- ActiveHierarchy ---------------------------------------------------- */

static page_state_kind active_page_table_get_child_table(hier_table *self, uint32_t index, hier_table *child)
{
	(void)self; (void)index; (void)child;
	panic("An active page table has no children");
}

static void active_page_table_create_child_table(hier_table *self, uint32_t index, hier_table *child)
{
	(void)self; (void)index; (void)child;
	panic("An active page table has no children");
}

static const table_ops ACTIVE_PAGE_TABLE_OPS = {
	0, true, active_page_table_get_child_table, active_page_table_create_child_table, 0,
};

/* ActivePageDirectory::get_child_table: the table through recursive mapping. */
static page_state_kind active_page_directory_get_child_table(hier_table *self, uint32_t index, hier_table *child)
{
	page_state st = i386_entry_pointed_frame(&self->entries[index]);
	if (st.kind == PAGE_STATE_PRESENT)
		table_at(child, &ACTIVE_PAGE_TABLE_OPS, (self->va << 10) | (index << 12));
	return st.kind;
}

/* ActivePageDirectory::create_child_table */
static void active_page_directory_create_child_table(hier_table *self, uint32_t index, hier_table *child)
{
	physical_mem_region table_frame;
	kassert(i386_entry_is_unused(&self->entries[index]), "called create_child_table on a non available entry");
	UNWRAP(frame_allocator_allocate_frame(&table_frame));
	hier_table_map_nth_entry(self, index, physical_mem_region_address(&table_frame), directory_entry_flags(index));
	physical_mem_region_forget(&table_frame); /* it is mapped in RecursiveTablesLand */
	if (active_page_directory_get_child_table(self, index, child) != PAGE_STATE_PRESENT)
		panic("Table was not present");
	hier_table_zero(child);
}

static const table_ops ACTIVE_PAGE_DIRECTORY_OPS = {
	1, true, active_page_directory_get_child_table, active_page_directory_create_child_table, 0,
};

/* ActiveHierarchy::get_top_level_table: the directory through recursion. */
static void active_hierarchy_get_top_level_table(table_hierarchy *self, hier_table *out)
{
	(void)self;
	kassert(mach_is_paging_on(), "Paging is disabled");
	table_at(out, &ACTIVE_PAGE_DIRECTORY_OPS, DIRECTORY_RECURSIVE_ADDRESS);
}

active_hierarchy ACTIVE_HIERARCHY = { { active_hierarchy_get_top_level_table } };

/* ---- InactiveHierarchy -------------------------------------------------- */

/* Drop for InactivePageTable / InactivePageDirectory: unmap the window. */
static void inactive_table_drop(hier_table *self)
{
	kernel_memory_unmap_no_dealloc(get_kernel_memory(), self->va, PAGE_SIZE);
}

static page_state_kind inactive_page_table_get_child_table(hier_table *self, uint32_t index, hier_table *child)
{
	(void)self; (void)index; (void)child;
	panic("An inactive page table has no children");
}

static void inactive_page_table_create_child_table(hier_table *self, uint32_t index, hier_table *child)
{
	(void)self; (void)index; (void)child;
	panic("An inactive page table has no children");
}

static const table_ops INACTIVE_PAGE_TABLE_OPS = {
	0, false, inactive_page_table_get_child_table, inactive_page_table_create_child_table, inactive_table_drop,
};

/* Maps frame `frame` in KernelLand and returns it as a table. */
static void map_temporarily(hier_table *t, const table_ops *ops, physical_mem_region frame, mapping_access_rights rights)
{
	kernel_memory *active_pages = get_kernel_memory();
	vaddr_t va;
	UNWRAP(kernel_memory_find_virtual_space(active_pages, PAGE_SIZE, &va));
	kernel_memory_map_phys_region_to(active_pages, frame, va, rights);
	table_at(t, ops, va);
}

/* InactivePageDirectory::get_child_table: temporarily maps the table. */
static page_state_kind inactive_page_directory_get_child_table(hier_table *self, uint32_t index, hier_table *child)
{
	page_state st = i386_entry_pointed_frame(&self->entries[index]);
	if (st.kind == PAGE_STATE_PRESENT)
		map_temporarily(child, &INACTIVE_PAGE_TABLE_OPS,
		                physical_mem_region_reconstruct_no_dealloc(st.addr, PAGE_SIZE), MAPPING_ACCESS_RIGHTS_K_W);
	return st.kind;
}

/* InactivePageDirectory::create_child_table */
static void inactive_page_directory_create_child_table(hier_table *self, uint32_t index, hier_table *child)
{
	physical_mem_region table_frame;
	kassert(i386_entry_is_unused(&self->entries[index]), "assertion failed: self.entries()[index].is_unused()");
	UNWRAP(frame_allocator_allocate_frame(&table_frame));
	physical_mem_region dup = physical_mem_region_reconstruct_no_dealloc(table_frame.start_addr, PAGE_SIZE);
	map_temporarily(child, &INACTIVE_PAGE_TABLE_OPS, table_frame, MAPPING_ACCESS_RIGHTS_K_W);
	hier_table_zero(child);
	hier_table_map_nth_entry(self, index, physical_mem_region_address(&dup), directory_entry_flags(index));
}

static const table_ops INACTIVE_PAGE_DIRECTORY_OPS = {
	1, false, inactive_page_directory_get_child_table, inactive_page_directory_create_child_table, inactive_table_drop,
};

/* InactiveHierarchy::get_top_level_table: temporarily maps the directory. */
static void inactive_hierarchy_get_top_level_table(table_hierarchy *self, hier_table *out)
{
	inactive_hierarchy *h = (inactive_hierarchy *)self;
	map_temporarily(out, &INACTIVE_PAGE_DIRECTORY_OPS,
	                physical_mem_region_reconstruct_no_dealloc(h->directory_physical_address, PAGE_SIZE),
	                MAPPING_ACCESS_RIGHTS_READABLE | MAPPING_ACCESS_RIGHTS_WRITABLE);
}

/* InactiveHierarchyTrait::new */
void inactive_hierarchy_new(inactive_hierarchy *h)
{
	physical_mem_region directory_frame;
	hier_table dir;
	UNWRAP(frame_allocator_allocate_frame(&directory_frame));
	h->base.get_top_level_table = inactive_hierarchy_get_top_level_table;
	h->directory_physical_address = physical_mem_region_address(&directory_frame);
	inactive_hierarchy_get_top_level_table(&h->base, &dir);
	hier_table_zero(&dir);
	hier_table_map_nth_entry(&dir, ENTRY_COUNT - 1, physical_mem_region_address(&directory_frame),
	                         I386_ENTRY_PRESENT | I386_ENTRY_WRITABLE);
	hier_table_drop(&dir);
	physical_mem_region_forget(&directory_frame); /* it is mapped now */
}

/* InactiveHierarchyTrait::switch_to */
void inactive_hierarchy_switch_to(inactive_hierarchy *h)
{
	inactive_hierarchy_copy_active_kernel_space(h);
	mach_swap_cr3(h->directory_physical_address);
}

/* InactiveHierarchyTrait::copy_active_kernel_space */
void inactive_hierarchy_copy_active_kernel_space(inactive_hierarchy *h)
{
	hier_table dir, active_dir;
	inactive_hierarchy_get_top_level_table(&h->base, &dir);
	kernel_memory *memory = get_kernel_memory();
	table_hierarchy *active = kernel_memory_get_hierarchy(memory);
	active->get_top_level_table(active, &active_dir);
	for (uint32_t i = KERNELLAND_START_TABLE; i <= KERNELLAND_END_TABLE; i++)
		dir.entries[i] = active_dir.entries[i];
	hier_table_drop(&active_dir);
	hier_table_drop(&dir);
}

/* InactiveHierarchyTrait::is_currently_active */
bool inactive_hierarchy_is_currently_active(const inactive_hierarchy *h)
{
	return mach_read_cr3() == h->directory_physical_address;
}

/* InactiveHierarchyTrait::from_currently_active */
void inactive_hierarchy_from_currently_active(inactive_hierarchy *h)
{
	h->base.get_top_level_table = inactive_hierarchy_get_top_level_table;
	h->directory_physical_address = mach_read_cr3();
}

/* Drop for InactiveHierarchy */
void inactive_hierarchy_drop(inactive_hierarchy *h)
{
	hier_table dir;
	kassert(!inactive_hierarchy_is_currently_active(h), "Dropped the currently active paging hierarchy");
	inactive_hierarchy_get_top_level_table(&h->base, &dir);
	for (uint32_t i = USERLAND_START_TABLE; i <= USERLAND_END_TABLE; i++) { /* 0..=767 */
		page_state st = i386_entry_pointed_frame(&dir.entries[i]);
		if (st.kind == PAGE_STATE_PRESENT) {
			physical_mem_region r = physical_mem_region_reconstruct(st.addr, PAGE_SIZE);
			physical_mem_region_drop(&r);
		}
	}
	hier_table_drop(&dir);
	physical_mem_region r = physical_mem_region_reconstruct(h->directory_physical_address, PAGE_SIZE);
	physical_mem_region_drop(&r);
}
