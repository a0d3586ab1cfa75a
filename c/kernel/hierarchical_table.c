/* hierarchical_table.c -- walks over page-table hierarchies
 * (upstream kernel/src/paging/hierarchical_table.rs). */
#include "hierarchical_table.h"

/* PagingCacheFlusher::flush_whole_cache of the table's flusher. */
static void flush_whole_cache(const hier_table *t)
{
	if (t->ops->tlb_flush)
		mach_flush_tlb();
}

/* Drop for SmartHierarchicalTable */
void hier_table_drop(hier_table *t)
{
	if (t->ops->drop)
		t->ops->drop(t);
}

/* HierarchicalTable::entry_vm_size: ENTRY_COUNT^level * PAGE_SIZE */
uint32_t hier_table_entry_vm_size(const hier_table *t)
{
	uint32_t size = PAGE_SIZE;
	for (uint32_t i = 0; i < t->ops->level; i++)
		size = ck_mul(size, ENTRY_COUNT);
	return size;
}

/* HierarchicalTable::zero */
void hier_table_zero(hier_table *t)
{
	for (uint32_t i = 0; i < ENTRY_COUNT; i++)
		i386_entry_set_unused(&t->entries[i]);
	flush_whole_cache(t);
}

/* HierarchicalTable::guard_all_entries */
void hier_table_guard_all_entries(hier_table *t)
{
	for (uint32_t i = 0; i < ENTRY_COUNT; i++)
		i386_entry_set_guard(&t->entries[i]);
	flush_whole_cache(t);
}

/* HierarchicalTable::map_nth_entry */
void hier_table_map_nth_entry(hier_table *t, uint32_t entry, paddr_t paddr, i386_entry_flags flags)
{
	i386_entry_set(&t->entries[entry], paddr, flags);
	flush_whole_cache(t);
}

/* HierarchicalTable::guard_nth_entry */
void hier_table_guard_nth_entry(hier_table *t, uint32_t entry)
{
	i386_entry_set_guard(&t->entries[entry]);
	flush_whole_cache(t);
}

/* HierarchicalTable::unmap_nth_entry */
void hier_table_unmap_nth_entry(hier_table *t, uint32_t entry)
{
	i386_entry_set_unused(&t->entries[entry]);
	flush_whole_cache(t);
}

/* HierarchicalTable::get_child_table_or_create */
page_state_kind hier_table_get_child_table_or_create(hier_table *t, uint32_t index, hier_table *child)
{
	kassert(t->ops->level >= 1, "get_child_table_or_create() called on non-parent table");
	switch (i386_entry_pointed_frame(&t->entries[index]).kind) {
	case PAGE_STATE_PRESENT:
		return t->ops->get_child_table(t, index, child);
	case PAGE_STATE_AVAILABLE:
		t->ops->create_child_table(t, index, child);
		return PAGE_STATE_PRESENT;
	default:
		return PAGE_STATE_GUARDED;
	}
}

/* PageState::unwrap */
static void page_state_unwrap(page_state_kind k)
{
	if (k != PAGE_STATE_PRESENT)
		panic("Table was not present");
}

/* rec_map_to: delay work to child tables, map it ourselves at level 0. */
static void rec_map_to(hier_table *table, frame_iter *frames_iterator, uint32_t start_address,
                       mapping_access_rights flags)
{
	uint32_t vm = hier_table_entry_vm_size(table);
	uint32_t entry_offset = start_address / vm;
	kassert(entry_offset < ENTRY_COUNT, "rec_map_to computed an entry offset > ENTRY_COUNT");
	uint32_t child_start_address = start_address % vm;

	for (uint32_t index = entry_offset; index < ENTRY_COUNT; index++) {
		paddr_t frame;
		if (!frame_iter_peek(frames_iterator, &frame))
			return;
		page_state_kind st = i386_entry_pointed_frame(&table->entries[index]).kind;
		if (table->ops->level == 0 && st == PAGE_STATE_AVAILABLE) {
			frame_iter_next(frames_iterator, &frame);
			hier_table_map_nth_entry(table, index, frame, i386_entry_flags_from_rights(flags));
		} else if (table->ops->level > 0 && (st == PAGE_STATE_AVAILABLE || st == PAGE_STATE_PRESENT)) {
			hier_table child;
			page_state_unwrap(hier_table_get_child_table_or_create(table, index, &child));
			rec_map_to(&child, frames_iterator, child_start_address, flags);
			hier_table_drop(&child);
			child_start_address = 0;
		} else {
			panic("rec_map_to was asked to map a non-available entry");
		}
	}
}

/* TableHierarchy::map_to_from_iterator */
void table_hierarchy_map_to_from_iterator(table_hierarchy *h, frame_iter *frames_iterator,
                                          vaddr_t start_address, mapping_access_rights flags)
{
	hier_table top;
	kassert(start_address % PAGE_SIZE == 0, "Address is not page aligned");
	h->get_top_level_table(h, &top);
	rec_map_to(&top, frames_iterator, start_address, flags);
	hier_table_drop(&top);
}

/* rec_guard: guard whole entries when possible (HUGE guards). */
static void rec_guard(hier_table *table, uint32_t start_address, uint32_t *length)
{
	uint32_t vm = hier_table_entry_vm_size(table);
	uint32_t start_entry = start_address / vm;
	kassert(start_entry < ENTRY_COUNT, "rec_guard computed an entry offset > ENTRY_COUNT");
	uint32_t child_start_address = start_address % vm;

	for (uint32_t entry_index = start_entry; entry_index < ENTRY_COUNT; entry_index++) {
		if (*length == 0)
			return;
		page_state_kind st = i386_entry_pointed_frame(&table->entries[entry_index]).kind;
		hier_table child;
		if (st == PAGE_STATE_GUARDED) {
			panic("rec_guard encountered an already guarded entry");
		} else if (st == PAGE_STATE_PRESENT && table->ops->level == 0) {
			panic("rec_guard was asked to guard a non-available entry");
		} else if (st == PAGE_STATE_PRESENT) {
			page_state_unwrap(table->ops->get_child_table(table, entry_index, &child));
			rec_guard(&child, child_start_address, length);
			hier_table_drop(&child);
		} else if (*length >= vm && child_start_address == 0) {
			hier_table_guard_nth_entry(table, entry_index);
			*length -= vm;
		} else {
			kassert(table->ops->level > 0, "rec_guard encountered an error");
			table->ops->create_child_table(table, entry_index, &child);
			rec_guard(&child, child_start_address, length);
			hier_table_drop(&child);
		}
		child_start_address = 0;
	}
}

/* TableHierarchy::guard */
void table_hierarchy_guard(table_hierarchy *h, vaddr_t address, uint32_t length)
{
	hier_table top;
	kassert(address % PAGE_SIZE == 0, "Guarding : address is not page aligned");
	kassert(length % PAGE_SIZE == 0, "Guarding : length is not page aligned");
	h->get_top_level_table(h, &top);
	rec_guard(&top, address, &length);
	hier_table_drop(&top);
}

/* rec_unmap: clear entries, splitting HUGE guards when needed. */
static void rec_unmap(hier_table *table, uint32_t start_address, uint32_t *length, unmap_callback cb, void *ctx)
{
	uint32_t vm = hier_table_entry_vm_size(table);
	uint32_t start_offset = start_address / vm;
	kassert(start_offset < ENTRY_COUNT, "rec_unmap computed an entry offset > ENTRY_COUNT");
	uint32_t child_start_address = start_address % vm;

	for (uint32_t entry_index = start_offset; entry_index < ENTRY_COUNT; entry_index++) {
		if (*length == 0)
			return;
		page_state st = i386_entry_pointed_frame(&table->entries[entry_index]);
		hier_table child;
		if (st.kind == PAGE_STATE_AVAILABLE) {
			panic("unmap encountered a non-mapped entry, is this a bug ?");
		} else if (st.kind == PAGE_STATE_PRESENT && table->ops->level == 0) {
			hier_table_unmap_nth_entry(table, entry_index);
			cb(ctx, st.addr);
			*length = ck_sub(*length, vm);
		} else if (st.kind == PAGE_STATE_PRESENT) {
			page_state_unwrap(table->ops->get_child_table(table, entry_index, &child));
			rec_unmap(&child, child_start_address, length, cb, ctx);
			hier_table_drop(&child);
		} else if (*length >= vm) {
			hier_table_unmap_nth_entry(table, entry_index);
			*length -= vm;
		} else {
			hier_table_unmap_nth_entry(table, entry_index);
			table->ops->create_child_table(table, entry_index, &child);
			hier_table_guard_all_entries(&child);
			rec_unmap(&child, child_start_address, length, cb, ctx);
			hier_table_drop(&child);
		}
		child_start_address = 0;
	}
}

/* TableHierarchy::unmap */
void table_hierarchy_unmap(table_hierarchy *h, vaddr_t address, uint32_t length, unmap_callback cb, void *ctx)
{
	hier_table top;
	kassert(address % PAGE_SIZE == 0, "Address is not page aligned");
	kassert(length % PAGE_SIZE == 0, "Length is not page aligned");
	h->get_top_level_table(h, &top);
	rec_unmap(&top, address, &length, cb, ctx);
	hier_table_drop(&top);
}

/* rec_iter: report every leaf entry with the span it covers. */
static void rec_iter(hier_table *table, uint32_t start_address, uint32_t *length, entry_callback cb, void *ctx)
{
	uint32_t vm = hier_table_entry_vm_size(table);
	uint32_t start_offset = start_address / vm;
	kassert(start_offset < ENTRY_COUNT, "rec_iter computed an entry offset > ENTRY_COUNT");
	uint32_t child_start_address = start_address % vm;

	for (uint32_t entry_index = start_offset; entry_index < ENTRY_COUNT; entry_index++) {
		if (*length == 0)
			return;
		page_state st = i386_entry_pointed_frame(&table->entries[entry_index]);
		if (table->ops->level != 0 && st.kind == PAGE_STATE_PRESENT) {
			hier_table child;
			page_state_unwrap(table->ops->get_child_table(table, entry_index, &child));
			rec_iter(&child, child_start_address, length, cb, ctx);
			hier_table_drop(&child);
		} else {
			cb(ctx, st, vm);
			*length = *length > vm ? *length - vm : 0; /* saturating_sub */
		}
		child_start_address = 0;
	}
}

/* TableHierarchy::for_every_entry */
void table_hierarchy_for_every_entry(table_hierarchy *h, vaddr_t address, uint32_t length, entry_callback cb, void *ctx)
{
	hier_table top;
	kassert(address % PAGE_SIZE == 0, "Address is not page aligned");
	kassert(length % PAGE_SIZE == 0, "Length is not page aligned");
	h->get_top_level_table(h, &top);
	rec_iter(&top, address, &length, cb, ctx);
	hier_table_drop(&top);
}

/* The hole find_available_virtual_space_aligned grows. */
typedef struct hole_t {
	uint32_t start_addr;
	uint32_t len;
} hole_t;

/* rec_find: grow the hole through available entries, restart it after used ones. */
static void rec_find(hier_table *table, uint32_t table_addr, hole_t *hole, uint32_t desired_length,
                     uint32_t start_addr, uint32_t end_addr, uint32_t alignment)
{
	uint32_t vm = hier_table_entry_vm_size(table);
	(void)start_addr;
	for (;;) {
		uint32_t sum, minimum_end;
		if (!checked_add(hole->start_addr, hole->len, &sum))
			sum = USIZE_MAX; /* saturating_add */
		uint32_t next_entry_index = ck_sub(sum, table_addr) / vm;
		if (!(next_entry_index < ENTRY_COUNT && hole->len < desired_length &&
		      checked_add(hole->start_addr, desired_length, &minimum_end) && minimum_end <= end_addr))
			break;
		page_state_kind st = i386_entry_pointed_frame(&table->entries[next_entry_index]).kind;
		if (st == PAGE_STATE_AVAILABLE) {
			hole->len = ck_add(hole->len, vm);
		} else if (st == PAGE_STATE_GUARDED || table->ops->level == 0) {
			uint32_t a, b;
			if (checked_add(ck_add(hole->start_addr, hole->len), vm, &a) && align_up_checked(a, alignment, &b))
				hole->start_addr = b;
			else
				hole->start_addr = USIZE_MAX;
			hole->len = 0;
		} else {
			hier_table child;
			page_state_unwrap(table->ops->get_child_table(table, next_entry_index, &child));
			uint32_t child_table_addr = ck_add(table_addr, ck_mul(next_entry_index, vm));
			rec_find(&child, child_table_addr, hole, desired_length, start_addr, end_addr, alignment);
			hier_table_drop(&child);
		}
	}
}

/* TableHierarchy::find_available_virtual_space_aligned */
bool table_hierarchy_find_available_virtual_space_aligned(table_hierarchy *h, uint32_t length, vaddr_t start_addr,
                                                          vaddr_t end_addr, uint32_t alignment, vaddr_t *out)
{
	kassert(start_addr % PAGE_SIZE == 0, "start_addr is not page aligned");
	kassert(length % PAGE_SIZE == 0, "length is not page aligned");
	kassert(alignment % PAGE_SIZE == 0, "alignment is not page aligned");
	kassert(start_addr <= end_addr, "start_addr > end_addr");
	kassert(length > 0, "length == 0");

	if (length > end_addr - start_addr)
		return false;
	hole_t hole;
	if (!align_up_checked(start_addr, alignment, &hole.start_addr))
		return false;
	hole.len = 0;

	hier_table top;
	h->get_top_level_table(h, &top);
	rec_find(&top, 0, &hole, length, start_addr, end_addr, alignment);
	hier_table_drop(&top);

	if (hole.len >= length) {
		*out = hole.start_addr;
		return true;
	}
	return false;
}
