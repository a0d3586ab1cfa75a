//! The shim's C interface (`csrc/srp.h`). Every function returning `c_int`
//! returns [`SRP_OK`] or [`SRP_PANICKED`]; nothing here is called without
//! the port lock held (see `port.rs`).

use std::os::raw::{c_char, c_int, c_void};

pub const SRP_OK: c_int = 0;
#[allow(dead_code)] // the shim's other status
pub const SRP_PANICKED: c_int = 1;

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct SrpErr {
    pub kind: u32,
    pub address: u32,
    pub size: u32,
    pub ty: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct SrpMappingInfo {
    pub address: u32,
    pub length: u32,
    pub state: u32,
    pub flags: u32,
    pub offset: u32,
    pub frames_kind: u32,
}

/// `srp_table`: a table of the C port (its operations, its entries, its
/// kernel address), as the shim copies it.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
#[allow(dead_code)]
pub struct SrpTable {
    pub ops: *const c_void,
    pub entries: *mut u32,
    pub va: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct SrpRegion {
    pub start: u32,
    pub frames: u32,
    pub free_on_drop: u32,
}

pub type SrpEntryCb = extern "C" fn(ctx: *mut c_void, kind: u32, addr: u32, length: u32);
#[allow(dead_code)] // the mixed builds' (reference/upstream/mix)
pub type SrpFrameCb = extern "C" fn(ctx: *mut c_void, paddr: u32);

extern "C" {
    pub fn srp_panic_message() -> *const c_char;

    pub fn srp_memory_type_get_memory_state(ty: u32) -> u32;
    pub fn srp_memory_state_ty(state: u32) -> u32;
    pub fn srp_memory_state_from_bits_truncate(bits: u32) -> u32;
    pub fn srp_memory_permissions_from_bits_truncate(bits: u32) -> u32;
    pub fn srp_mapping_access_rights_to_memory_permissions(rights: u32) -> u32;
    pub fn srp_memory_type_name(ty: u32) -> *const c_char;
    #[allow(dead_code)] // used by the tests
    pub fn srp_kernel_error_name(kind: u32) -> *const c_char;

    pub fn srp_machine_reset() -> c_int;
    pub fn srp_mark_area_free(start: u32, end: u32) -> c_int;
    pub fn srp_mark_area_reserved(start: u32, end: u32) -> c_int;
    pub fn srp_mark_frame_bootstrap_allocated(addr: u32) -> c_int;
    pub fn srp_read32(va: u32, out: *mut u32, fault: *mut c_int) -> c_int;
    pub fn srp_write32(va: u32, value: u32, fault: *mut c_int) -> c_int;
    pub fn srp_boot_directory(out: *mut u32) -> c_int;
    pub fn srp_read_cr3(out: *mut u32) -> c_int;
    pub fn srp_free_count(out: *mut u32) -> c_int;
    #[allow(dead_code)] // the mixed builds' (reference/upstream/mix)
    pub fn srp_init_all_reserved() -> c_int;
    #[allow(dead_code)]
    pub fn srp_reserve_kernel_land_frames() -> c_int;
    #[allow(dead_code)]
    pub fn srp_check_is_allocated(address: u32, length: u32, out: *mut u32) -> c_int;
    #[allow(dead_code)]
    pub fn srp_check_is_reserved(address: u32, length: u32, out: *mut u32) -> c_int;

    pub fn srp_allocate_region(length: u32, err: *mut SrpErr, out: *mut SrpRegion) -> c_int;
    pub fn srp_allocate_frames_fragmented(length: u32, err: *mut SrpErr, out: *mut *mut SrpRegion, n: *mut u32) -> c_int;
    pub fn srp_free_buffer(p: *mut c_void);
    pub fn srp_on_fixed_mmio(address: u32, length: u32, err: *mut SrpErr, out: *mut SrpRegion) -> c_int;
    #[allow(dead_code)]
    pub fn srp_region_make(address: u32, length: u32, mode: u32, out: *mut SrpRegion) -> c_int;
    pub fn srp_region_drop(r: SrpRegion) -> c_int;

    pub fn srp_shared_new(regions: *const SrpRegion, n: u32, out: *mut *mut c_void) -> c_int;
    pub fn srp_shared_clone(s: *mut c_void) -> c_int;
    pub fn srp_shared_drop(s: *mut c_void) -> c_int;
    pub fn srp_shared_frame_count(s: *mut c_void, out: *mut u32) -> c_int;
    #[allow(dead_code)]
    pub fn srp_shared_regions(s: *mut c_void, buf: *mut SrpRegion, cap: u32, n: *mut u32) -> c_int;

    pub fn srp_process_new(out: *mut *mut c_void) -> c_int;
    pub fn srp_process_drop(pm: *mut c_void) -> c_int;
    pub fn srp_create_regular_mapping(pm: *mut c_void, address: u32, length: u32, ty: u32, flags: u32, err: *mut SrpErr) -> c_int;
    pub fn srp_map_phys_region_to(pm: *mut c_void, phys: SrpRegion, address: u32, ty: u32, flags: u32, err: *mut SrpErr) -> c_int;
    #[allow(clippy::too_many_arguments)]
    pub fn srp_map_partial_shared_mapping(
        pm: *mut c_void,
        shared: *mut c_void,
        address: u32,
        phys_offset: u32,
        length: u32,
        ty: u32,
        flags: u32,
        err: *mut SrpErr,
    ) -> c_int;
    pub fn srp_guard(pm: *mut c_void, address: u32, length: u32, ty: u32, err: *mut SrpErr) -> c_int;
    pub fn srp_unmap(pm: *mut c_void, address: u32, length: u32, err: *mut SrpErr, out: *mut *mut c_void) -> c_int;
    pub fn srp_query_memory(pm: *mut c_void, address: u32, info: *mut SrpMappingInfo, used: *mut *const c_void) -> c_int;
    pub fn srp_occupied_mapping_at(
        pm: *mut c_void,
        address: u32,
        err: *mut SrpErr,
        info: *mut SrpMappingInfo,
        out: *mut *const c_void,
    ) -> c_int;
    pub fn srp_expand_mapping(pm: *mut c_void, address: u32, new_size: u32, err: *mut SrpErr) -> c_int;
    pub fn srp_find_available_space(pm: *mut c_void, length: u32, err: *mut SrpErr, out: *mut u32) -> c_int;
    pub fn srp_mirror_mapping(
        pm: *mut c_void,
        address: u32,
        length: u32,
        err: *mut SrpErr,
        out: *mut *mut c_void,
        addr: *mut u32,
        len: *mut u32,
    ) -> c_int;
    pub fn srp_resize_heap(pm: *mut c_void, new_size: u32, err: *mut SrpErr, out: *mut u32) -> c_int;
    pub fn srp_switch_to(pm: *mut c_void) -> c_int;
    #[allow(clippy::too_many_arguments)]
    pub fn srp_check_range(
        pm: *mut c_void,
        addr: u32,
        size: u32,
        state_mask: u32,
        state_expected: u32,
        perms_mask: u32,
        perms_expected: u32,
        attrs_mask: u32,
        attrs_expected: u32,
        attrs_ignore_mask: u32,
        err: *mut SrpErr,
        out: *mut u32,
    ) -> c_int;
    pub fn srp_for_every_entry(pm: *mut c_void, address: u32, length: u32, cb: SrpEntryCb, ctx: *mut c_void) -> c_int;

    pub fn srp_mapping_info_of(m: *const c_void, info: *mut SrpMappingInfo) -> c_int;
    pub fn srp_mapping_frames(m: *const c_void, buf: *mut u32, cap: u32, n: *mut u32) -> c_int;
    pub fn srp_mapping_shared_clone(m: *const c_void, out: *mut *mut c_void) -> c_int;
    #[allow(dead_code)]
    pub fn srp_mapping_take_owned(m: *mut c_void, out: *mut *mut SrpRegion, n: *mut u32) -> c_int;
    #[allow(dead_code)]
    pub fn srp_process_directory(pm: *mut c_void, out: *mut u32) -> c_int;
    pub fn srp_mapping_drop(m: *mut c_void) -> c_int;
    pub fn srp_mirror_drop(c: *mut c_void) -> c_int;

    // The lower modules one by one: the mixed builds' middle rungs
    // (reference/upstream/mix); see srp.h.
    #[allow(dead_code)]
    pub fn srp_hier_new(from_currently_active: c_int, out: *mut *mut c_void) -> c_int;
    #[allow(dead_code)]
    pub fn srp_hier_drop(h: *mut c_void, forget: c_int) -> c_int;
    #[allow(dead_code)]
    pub fn srp_hier_switch_to(h: *mut c_void) -> c_int;
    #[allow(dead_code)]
    pub fn srp_hier_copy_active_kernel_space(h: *mut c_void) -> c_int;
    #[allow(dead_code)]
    pub fn srp_hier_is_currently_active(h: *mut c_void, out: *mut u32) -> c_int;
    #[allow(dead_code)]
    pub fn srp_hier_directory(h: *mut c_void, out: *mut u32) -> c_int;
    #[allow(dead_code)]
    pub fn srp_th_map_frames(h: *mut c_void, frames: *const u32, n: u32, address: u32, flags: u32) -> c_int;
    #[allow(dead_code)]
    pub fn srp_th_guard(h: *mut c_void, address: u32, length: u32) -> c_int;
    #[allow(dead_code)]
    pub fn srp_th_unmap(h: *mut c_void, address: u32, length: u32, cb: SrpFrameCb, ctx: *mut c_void) -> c_int;
    #[allow(dead_code)]
    pub fn srp_th_for_every_entry(h: *mut c_void, address: u32, length: u32, cb: SrpEntryCb, ctx: *mut c_void) -> c_int;
    #[allow(dead_code)]
    pub fn srp_th_find_available_virtual_space_aligned(
        h: *mut c_void,
        length: u32,
        start: u32,
        end: u32,
        alignment: u32,
        found: *mut u32,
        out: *mut u32,
    ) -> c_int;
    // The i386 entries and tables alone (rung 2); see srp.h.
    #[allow(dead_code)]
    pub fn srp_entry_flags_from_rights(rights: u32, out: *mut u32) -> c_int;
    #[allow(dead_code)]
    pub fn srp_entry_is_unused(e: *const u32, out: *mut u32) -> c_int;
    #[allow(dead_code)]
    pub fn srp_entry_flags(e: *const u32, out: *mut u32) -> c_int;
    #[allow(dead_code)]
    pub fn srp_entry_pointed_frame(e: *const u32, kind: *mut u32, addr: *mut u32) -> c_int;
    #[allow(dead_code)]
    pub fn srp_entry_set_unused(e: *mut u32, kind: *mut u32, addr: *mut u32) -> c_int;
    #[allow(dead_code)]
    pub fn srp_entry_set(e: *mut u32, frame: u32, flags: u32) -> c_int;
    #[allow(dead_code)]
    pub fn srp_entry_set_guard(e: *mut u32) -> c_int;
    #[allow(dead_code)]
    pub fn srp_table_top(h: *mut c_void, out: *mut SrpTable) -> c_int;
    #[allow(dead_code)]
    pub fn srp_table_level(t: *const SrpTable, level: *mut u32, tlb_flush: *mut u32) -> c_int;
    #[allow(dead_code)]
    pub fn srp_table_get_child(t: *const SrpTable, index: u32, child: *mut SrpTable, kind: *mut u32) -> c_int;
    #[allow(dead_code)]
    pub fn srp_table_create_child(t: *const SrpTable, index: u32, child: *mut SrpTable) -> c_int;
    #[allow(dead_code)]
    pub fn srp_table_drop(t: *const SrpTable) -> c_int;
    #[allow(dead_code)]
    pub fn srp_bk_new(out: *mut *mut c_void) -> c_int;
    #[allow(dead_code)]
    pub fn srp_bk_drop(bk: *mut c_void) -> c_int;
    #[allow(dead_code)]
    pub fn srp_bk_mapping_at(bk: *mut c_void, address: u32, info: *mut SrpMappingInfo, used: *mut *const c_void) -> c_int;
    #[allow(dead_code)]
    pub fn srp_bk_occupied_mapping_at(bk: *mut c_void, address: u32, err: *mut SrpErr, out: *mut *const c_void) -> c_int;
    #[allow(dead_code)]
    pub fn srp_bk_is_vacant(bk: *mut c_void, address: u32, length: u32, err: *mut SrpErr, out: *mut u32) -> c_int;
    #[allow(dead_code)]
    pub fn srp_bk_check_vacant(bk: *mut c_void, address: u32, length: u32, err: *mut SrpErr) -> c_int;
    #[allow(dead_code)]
    pub fn srp_bk_add_mapping(bk: *mut c_void, m: *mut c_void, err: *mut SrpErr) -> c_int;
    #[allow(dead_code)]
    pub fn srp_bk_remove_mapping(bk: *mut c_void, address: u32, length: u32, err: *mut SrpErr, out: *mut *mut c_void) -> c_int;
    #[allow(dead_code)]
    pub fn srp_bk_find_available_space(bk: *mut c_void, length: u32, err: *mut SrpErr, out: *mut u32) -> c_int;
    #[allow(dead_code)]
    #[allow(clippy::too_many_arguments)]
    pub fn srp_mapping_new(
        address: u32,
        kind: u32,
        regions: *const SrpRegion,
        n: u32,
        shared: *mut c_void,
        offset: u32,
        length: u32,
        ty: u32,
        flags: u32,
        err: *mut SrpErr,
        out: *mut *mut c_void,
    ) -> c_int;
    #[allow(dead_code)]
    pub fn srp_shared_append(s: *mut c_void, regions: *const SrpRegion, n: u32) -> c_int;
    #[allow(dead_code)]
    pub fn srp_mirror_of_mapping(
        m: *const c_void,
        offset: u32,
        length: u32,
        err: *mut SrpErr,
        out: *mut *mut c_void,
        addr: *mut u32,
        len: *mut u32,
    ) -> c_int;
}
