//! The global allocator of `srup`: linear memory spans the whole 4 GiB from
//! the start (KernelLand and RecursiveTablesLand must be real addresses), so
//! the heap is `[__heap_base, 0xc0000000)`, handed out by a bump pointer
//! with free lists per power-of-two size class (large blocks: a first-fit
//! list). All its state is in statics, so restoring the module's data
//! (`srup.mjs` does, between traces) empties the heap.

use core::alloc::{GlobalAlloc, Layout};

const HEAP_END: usize = 0xc000_0000;
const CLASSES: usize = 21; // 16 B .. 16 MiB
const MIN_SHIFT: usize = 4;

extern "C" {
    static __heap_base: u8;
}

pub struct Heap;

static mut TOP: usize = 0;
static mut FREE: [usize; CLASSES] = [0; CLASSES];
/// Large blocks: singly linked, each starting with (next, size).
static mut LARGE: usize = 0;

fn class_of(size: usize) -> Option<usize> {
    let mut c = 0;
    while c < CLASSES {
        if size <= 1 << (c + MIN_SHIFT) {
            return Some(c);
        }
        c += 1;
    }
    None
}

unsafe fn bump(size: usize, align: usize) -> *mut u8 {
    if TOP == 0 {
        TOP = &__heap_base as *const u8 as usize;
    }
    let start = (TOP + align - 1) & !(align - 1);
    match start.checked_add(size) {
        Some(end) if end <= HEAP_END => {
            TOP = end;
            start as *mut u8
        }
        _ => core::ptr::null_mut(),
    }
}

unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let size = layout.size().max(layout.align()).max(1);
        match class_of(size) {
            Some(c) => {
                let head = FREE[c];
                if head != 0 {
                    FREE[c] = *(head as *const usize);
                    return head as *mut u8;
                }
                // blocks of a class are aligned to their size
                bump(1 << (c + MIN_SHIFT), 1 << (c + MIN_SHIFT))
            }
            None => {
                let size = (size + 0xffff) & !0xffff;
                let mut prev: *mut usize = core::ptr::addr_of_mut!(LARGE);
                let mut cur = LARGE;
                while cur != 0 {
                    let next = *(cur as *const usize);
                    let bsize = *((cur + 8) as *const usize);
                    if bsize >= size && cur % layout.align() == 0 {
                        *prev = next;
                        *((cur + 8) as *mut usize) = bsize;
                        return cur as *mut u8;
                    }
                    prev = cur as *mut usize;
                    cur = next;
                }
                bump(size, layout.align().max(0x10000))
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let size = layout.size().max(layout.align()).max(1);
        match class_of(size) {
            Some(c) => {
                *(ptr as *mut usize) = FREE[c];
                FREE[c] = ptr as usize;
            }
            None => {
                let size = (size + 0xffff) & !0xffff;
                *(ptr as *mut usize) = LARGE;
                *((ptr as usize + 8) as *mut usize) = size;
                LARGE = ptr as usize;
            }
        }
    }
}
