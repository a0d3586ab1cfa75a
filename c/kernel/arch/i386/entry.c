/* entry.c -- I386Entry (upstream kernel/src/paging/arch/i386/entry.rs). */
#include "arch/i386/entry.h"

/* From<MappingAccessRights> for I386EntryFlags: no R/W/X makes a guard. */
i386_entry_flags i386_entry_flags_from_rights(mapping_access_rights rights)
{
	i386_entry_flags f = 0;
	if (rights & (MAPPING_ACCESS_RIGHTS_READABLE | MAPPING_ACCESS_RIGHTS_WRITABLE | MAPPING_ACCESS_RIGHTS_EXECUTABLE))
		f |= I386_ENTRY_PRESENT;
	else
		return I386_ENTRY_GUARD_PAGE;
	if (rights & MAPPING_ACCESS_RIGHTS_WRITABLE)
		f |= I386_ENTRY_WRITABLE;
	if (rights & MAPPING_ACCESS_RIGHTS_USER_ACCESSIBLE)
		f |= I386_ENTRY_USER_ACCESSIBLE;
	return f;
}

/* HierarchicalEntry::pointed_frame */
page_state i386_entry_pointed_frame(const i386_entry *e)
{
	page_state s = { .kind = PAGE_STATE_AVAILABLE }; /* Available carries no address */
	i386_entry_flags f = i386_entry_flags_of(e);
	if (f & I386_ENTRY_PRESENT) {
		s.kind = PAGE_STATE_PRESENT;
		s.addr = *e & ENTRY_PHYS_ADDRESS_MASK;
	} else if (f & I386_ENTRY_GUARD_PAGE) {
		s.kind = PAGE_STATE_GUARDED;
	}
	return s;
}

/* HierarchicalEntry::set_unused */
page_state i386_entry_set_unused(i386_entry *e)
{
	page_state s = i386_entry_pointed_frame(e);
	*e = 0;
	return s;
}

/* HierarchicalEntry::set */
void i386_entry_set(i386_entry *e, paddr_t frame, i386_entry_flags flags)
{
	kassert(!((flags & I386_ENTRY_PRESENT) && (flags & I386_ENTRY_GUARD_PAGE)), "a GUARD_PAGE cannot also be PRESENT");
	if (flags & I386_ENTRY_GUARD_PAGE) {
		/* no frame stored in a guard entry (L1TF) */
		i386_entry_set_guard(e);
		return;
	}
	kassert((frame & ~ENTRY_PHYS_ADDRESS_MASK) == 0, "entry set: frame is not page aligned");
	*e = frame | flags;
}
