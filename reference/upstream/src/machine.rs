//! The simulated i386 machine under upstream's memory module: physical
//! memory (TRACE_FORMAT's trace RAM pattern, zero elsewhere), cr3, the MMU's
//! two-level walk for `read`/`write`, and the virtual windows upstream
//! dereferences as real pointers.
//!
//! Upstream reaches page tables through RecursiveTablesLand (the active
//! directory at `0xfffff000`, table `i` at `0xffc00000 + i * 0x1000`) and
//! through temporary KernelLand mappings. In wasm32 linear memory spans the
//! whole 4 GiB, so those addresses are real: each page of
//! `[0xc0000000, 4 GiB)` that the active page tables map is *materialised*
//! in linear memory, and while it is, the frame's contents live there (and
//! nowhere else): every physical access to that frame is redirected to it.
//! At every TLB flush and cr3 switch (the only moments at which upstream
//! relies on a new translation) the windows are brought back in line with
//! the page tables: pages whose translation changed are written back to
//! their old frame and filled from their new one.
//!
//! Boot layout (shared with the other hosted implementations): the boot
//! page directory at `0x01000000`, KernelLand tables at `0x01001000 +
//! i * 0x1000` for directory slots 768..=1022, slot 1023 recursive.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

pub const BOOT_DIRECTORY: u32 = 0x0100_0000;
pub const KERNEL_TABLES: u32 = 0x0100_1000;
const PRESENT: u32 = 1;
const WRITABLE: u32 = 2;
const FRAME_MASK: u32 = 0xffff_f000;
const NONE: u32 = u32::MAX;

/// First page number of the windows (KernelLand start).
const WIN_FIRST: u32 = 0xc0000;
/// Number of window pages: KernelLand and RecursiveTablesLand.
const WIN_PAGES: usize = 0x40000;
/// Window index of RecursiveTablesLand's first page.
const RTL_FIRST: usize = (0xffc00 - WIN_FIRST) as usize; // = KL_PAGES
/// KernelLand pages (directory slots 768..=1022).
const KL_PAGES: usize = 255 * 1024;
/// How far past the highest mapped KernelLand page the flush looks for
/// new entries (upstream maps KernelLand first-fit and page by page, one
/// flush per entry).
const KL_MARGIN: usize = 1024;

/// The two ranges of trace RAM, `[start, end)`.
pub const TRACE_RAM: [(u32, u32); 2] = [(0x0000_0000, 0x0009_f000), (0x0010_0000, 0x0100_0000)];

fn frame_in_trace_ram(frame: usize) -> bool {
    let a = (frame as u32) << 12;
    in_trace_ram(a)
}

pub fn in_trace_ram(paddr: u32) -> bool {
    TRACE_RAM.iter().any(|&(lo, hi)| lo <= paddr && paddr < hi)
}

pub struct Machine {
    /// Backing store of frames not materialised and ever written, by frame
    /// number (others hold their initial contents).
    pages: HashMap<u32, Box<[u32; 1024]>>,
    /// Frame materialised at each window page (or NONE).
    v2p: Vec<u32>,
    /// Window page that holds each materialised frame's contents.
    p2v: HashMap<u32, u32>,
    /// Window pages that may hold non-zero bytes (linear memory starts zeroed).
    dirty: Vec<bool>,
    /// The raw table entry each window page's translation was last read from.
    shadow: Vec<u32>,
    /// Scratch page for frames still holding their initial pattern.
    scratch: Box<[u32; 1024]>,
    /// Window pages showing a frame that another window page holds
    /// (hosted-only aliases such as a mirror of a page table).
    aliases: Vec<(u32, u32)>,
    /// Highest KernelLand window index mapped, plus one.
    kl_hi: usize,
    pub cr3: u32,
    /// Set while `walk` borrows an inactive directory through cr3.
    pub cr3_override: Option<u32>,
    pub full_scan: bool,
}

static mut MACHINE: Option<Machine> = None;
static BUSY: AtomicBool = AtomicBool::new(false);

/// The machine (single-threaded; created by `init`).
pub fn m() -> &'static mut Machine {
    unsafe { MACHINE.as_mut().expect("machine not initialised") }
}

fn win_va(idx: usize) -> usize {
    ((WIN_FIRST as usize + idx) << 12) as usize
}

unsafe fn lin_page(idx: usize) -> *mut u32 {
    win_va(idx) as *mut u32
}

/// Zeroes every window page that may hold data (before a reset).
pub fn wipe() {
    if let Some(mach) = unsafe { MACHINE.as_mut() } {
        for idx in 0..WIN_PAGES {
            if mach.dirty[idx] || mach.v2p[idx] != NONE {
                unsafe { core::ptr::write_bytes(lin_page(idx), 0, 1024) };
                mach.dirty[idx] = false;
            }
        }
    }
}

pub fn init(full_scan: bool) {
    let mut mach = Machine {
        pages: HashMap::new(),
        v2p: vec![NONE; WIN_PAGES],
        p2v: HashMap::new(),
        dirty: vec![false; WIN_PAGES],
        shadow: vec![0; WIN_PAGES],
        scratch: Box::new([0; 1024]),
        aliases: Vec::new(),
        kl_hi: 0,
        cr3: BOOT_DIRECTORY,
        cr3_override: None,
        full_scan,
    };
    for slot in 768..=1022u32 {
        mach.write_word(BOOT_DIRECTORY + 4 * slot, (KERNEL_TABLES + (slot - 768) * 0x1000) | PRESENT | WRITABLE);
    }
    mach.write_word(BOOT_DIRECTORY + 4 * 1023, BOOT_DIRECTORY | PRESENT | WRITABLE);
    unsafe {
        MACHINE = Some(mach);
    }
    sync();
}

impl Machine {
    fn initial_word(paddr: u32) -> u32 {
        if in_trace_ram(paddr) {
            paddr
        } else {
            0
        }
    }

    fn page_mut(&mut self, frame: usize) -> &mut [u32; 1024] {
        self.pages.entry(frame as u32).or_insert_with(|| {
            let base = (frame as u32) << 12;
            let mut p = Box::new([0u32; 1024]);
            for (i, w) in p.iter_mut().enumerate() {
                *w = Machine::initial_word(base + 4 * i as u32);
            }
            p
        })
    }

    /// The 1024 words of `frame`, wherever they live (valid until the next
    /// change of the machine).
    fn frame_words(&mut self, frame: usize) -> &'static [u32; 1024] {
        let owner = self.owner(frame);
        if owner != NONE {
            return unsafe { &*(lin_page(owner as usize) as *const [u32; 1024]) };
        }
        if let Some(p) = self.pages.get(&(frame as u32)) {
            return unsafe { &*(&**p as *const [u32; 1024]) };
        }
        let base = (frame as u32) << 12;
        for (i, w) in self.scratch.iter_mut().enumerate() {
            *w = Machine::initial_word(base + 4 * i as u32);
        }
        unsafe { &*(&*self.scratch as *const [u32; 1024]) }
    }

    fn owner(&self, frame: usize) -> u32 {
        match self.p2v.get(&(frame as u32)) {
            Some(&v) => v,
            None => NONE,
        }
    }

    /// Reads the aligned word at `paddr`, wherever the frame lives.
    pub fn read_word(&self, paddr: u32) -> u32 {
        let paddr = paddr & !3;
        let frame = (paddr >> 12) as usize;
        let owner = self.owner(frame);
        if owner != NONE {
            return unsafe { core::ptr::read_volatile(lin_page(owner as usize).add(((paddr & 0xfff) >> 2) as usize)) };
        }
        match self.pages.get(&(frame as u32)) {
            Some(p) => p[((paddr & 0xfff) >> 2) as usize],
            None => Machine::initial_word(paddr),
        }
    }

    /// Writes the aligned word at `paddr`, wherever the frame lives.
    pub fn write_word(&mut self, paddr: u32, value: u32) {
        let paddr = paddr & !3;
        let frame = (paddr >> 12) as usize;
        let owner = self.owner(frame);
        if owner != NONE {
            unsafe { core::ptr::write_volatile(lin_page(owner as usize).add(((paddr & 0xfff) >> 2) as usize), value) };
            return;
        }
        self.page_mut(frame)[((paddr & 0xfff) >> 2) as usize] = value;
    }

    fn copy_frame_to_window(&mut self, frame: usize, idx: usize) {
        let zero_frame = !self.pages.contains_key(&(frame as u32)) && !frame_in_trace_ram(frame);
        if zero_frame {
            if self.dirty[idx] {
                unsafe { core::ptr::write_bytes(lin_page(idx), 0, 1024) };
                self.dirty[idx] = false;
            }
            return;
        }
        let src: [u32; 1024] = match self.pages.get(&(frame as u32)) {
            Some(p) => **p,
            None => {
                let mut p = [0u32; 1024];
                let base = (frame as u32) << 12;
                for (i, w) in p.iter_mut().enumerate() {
                    *w = Machine::initial_word(base + 4 * i as u32);
                }
                p
            }
        };
        unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), lin_page(idx), 1024) };
        self.dirty[idx] = true;
    }

    fn copy_window_to_frame(&mut self, idx: usize, frame: usize) {
        let mut buf = [0u32; 1024];
        unsafe { core::ptr::copy_nonoverlapping(lin_page(idx) as *const u32, buf.as_mut_ptr(), 1024) };
        if buf.iter().any(|&w| w != 0) {
            self.dirty[idx] = true;
        }
        if !self.pages.contains_key(&(frame as u32)) && !frame_in_trace_ram(frame) && !self.dirty[idx] {
            return; // still all zero: nothing to keep
        }
        *self.page_mut(frame) = buf;
    }

    /// Window page `idx` stops showing its frame.
    fn dematerialize(&mut self, idx: usize) {
        let frame = self.v2p[idx];
        if frame == NONE {
            return;
        }
        self.v2p[idx] = NONE;
        let f = frame as usize;
        if self.owner(f) == idx as u32 {
            self.copy_window_to_frame(idx, f);
            self.p2v.remove(&frame);
            // an alias of the same frame takes over
            if let Some(pos) = self.aliases.iter().position(|&(p, _)| p == frame) {
                let (_, v) = self.aliases.swap_remove(pos);
                self.copy_frame_to_window(f, v as usize);
                self.p2v.insert(frame, v);
            }
        } else if let Some(pos) = self.aliases.iter().position(|&(p, v)| p == frame && v == idx as u32) {
            self.aliases.swap_remove(pos);
        }
    }

    /// Window page `idx` starts showing `frame`.
    fn materialize(&mut self, idx: usize, frame: u32) {
        let f = frame as usize;
        self.v2p[idx] = frame;
        let owner = self.owner(f);
        if owner == NONE {
            self.copy_frame_to_window(f, idx);
            self.p2v.insert(frame, idx as u32);
        } else {
            unsafe { core::ptr::copy_nonoverlapping(lin_page(owner as usize) as *const u32, lin_page(idx), 1024) };
            self.dirty[idx] = true;
            self.aliases.push((frame, idx as u32));
        }
    }

    fn cur_cr3(&self) -> u32 {
        self.cr3_override.unwrap_or(self.cr3)
    }
}

/// Brings the windows in line with the active page tables (a TLB flush):
/// each window page shows what the two-level walk of its address gives
/// (for RecursiveTablesLand, normally the directory's own entries, through
/// its recursive slot 1023).
pub fn sync() {
    if BUSY.swap(true, Ordering::SeqCst) {
        return;
    }
    let mach = m();
    let dir = (mach.cr3 >> 12) as usize;
    // the table frame of each directory slot 768..=1023
    let mut tables = [NONE; 256];
    {
        let d = mach.frame_words(dir);
        for (k, t) in tables.iter_mut().enumerate() {
            let pde = d[768 + k];
            if pde & PRESENT != 0 {
                *t = pde >> 12;
            }
        }
    }
    let limit = if mach.full_scan { KL_PAGES } else { (mach.kl_hi + KL_MARGIN).min(KL_PAGES) };
    let mut changes: Vec<(usize, u32)> = Vec::new();
    let mut scan = |mach: &mut Machine, from: usize, to: usize, changes: &mut Vec<(usize, u32)>| -> usize {
        let mut hi = 0;
        let mut w = from;
        while w < to {
            let slot_end = ((w / 1024) + 1) * 1024;
            let end = slot_end.min(to);
            let table = tables[w / 1024];
            let words = if table == NONE { ZERO_PAGE } else { mach.frame_words(table as usize) };
            for j in w..end {
                let pte = words[j % 1024];
                if pte == mach.shadow[j] {
                    if mach.v2p[j] != NONE {
                        hi = j + 1;
                    }
                    continue;
                }
                mach.shadow[j] = pte;
                let want = if pte & PRESENT != 0 { pte >> 12 } else { NONE };
                if want != NONE {
                    hi = j + 1;
                }
                if mach.v2p[j] != want {
                    changes.push((j, want));
                }
            }
            w = slot_end;
        }
        hi
    };
    let new_hi = scan(mach, 0, limit, &mut changes);
    scan(mach, RTL_FIRST, WIN_PAGES, &mut changes);
    // every mapped KernelLand page lay below the old mark, so the scan saw it
    mach.kl_hi = new_hi;
    for &(j, _) in &changes {
        mach.dematerialize(j);
    }
    for &(j, w) in &changes {
        if w != NONE {
            mach.materialize(j, w);
        }
    }
    BUSY.store(false, Ordering::SeqCst);
}

static ZERO_PAGE: &[u32; 1024] = &[0; 1024];

/// Whether `va` (in KernelLand or RecursiveTablesLand) is mapped in the
/// windows, i.e. a kernel access there would not page-fault.
pub fn window_mapped(va: u32) -> bool {
    m().v2p[((va >> 12) - WIN_FIRST) as usize] != NONE
}

/// A kernel access to `va` that the MMU would refuse: a page fault, which
/// in the kernel is a panic.
pub fn check_kernel_access(va: u32) {
    if !window_mapped(va) {
        panic!("kernel page fault: the kernel touched an unmapped address ({:#010x})", va);
    }
}

pub fn read_cr3() -> u32 {
    m().cur_cr3()
}

/// `mov cr3, dir`: switch, then the windows follow the new tables.
pub fn swap_cr3(dir: u32) -> u32 {
    let mach = m();
    let old = mach.cr3;
    mach.cr3 = dir;
    sync();
    old
}

/// The directory and table entries the MMU uses for `va`.
fn walk(va: u32) -> (u32, Option<u32>) {
    let mach = m();
    let pde = mach.read_word((mach.cr3 & FRAME_MASK) + 4 * (va >> 22));
    if pde & PRESENT == 0 {
        return (pde, None);
    }
    let pte = mach.read_word((pde & FRAME_MASK) + 4 * ((va >> 12) & 0x3ff));
    (pde, Some(pte))
}

/// Physical address of one byte of a ring-0 data access with CR0.WP set,
/// or None when it page-faults or lands outside trace RAM.
fn data_translate(va: u32, write: bool) -> Option<u32> {
    let need = PRESENT | if write { WRITABLE } else { 0 };
    match walk(va) {
        (pde, Some(pte)) if pde & need == need && pte & need == need => {
            let pa = (pte & FRAME_MASK) | (va & 0xfff);
            if in_trace_ram(pa) {
                Some(pa)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Physical address of each byte of a 4-byte access at `va` (a mirror
/// access may be unaligned), or None if any byte would fault: the access
/// is then not performed at all.
fn data_bytes(va: u32, write: bool) -> Option<[u32; 4]> {
    let mut pa = [0u32; 4];
    for (i, p) in pa.iter_mut().enumerate() {
        *p = data_translate(va.wrapping_add(i as u32), write)?;
    }
    Some(pa)
}

fn read_byte(pa: u32) -> u8 {
    (m().read_word(pa) >> (8 * (pa & 3))) as u8
}

fn write_byte(pa: u32, v: u8) {
    let shift = 8 * (pa & 3);
    let w = m().read_word(pa) & !(0xff << shift);
    m().write_word(pa, w | (u32::from(v) << shift));
}

/// A 32-bit little-endian load at `va` through the active page tables.
pub fn data_read(va: u32) -> Option<u32> {
    let pa = data_bytes(va, false)?;
    Some(pa.iter().rev().fold(0u32, |acc, &p| acc << 8 | u32::from(read_byte(p))))
}

/// A 32-bit store at `va`; false if it faulted.
pub fn data_write(va: u32, value: u32) -> bool {
    match data_bytes(va, true) {
        Some(pa) => {
            for (i, &p) in pa.iter().enumerate() {
                write_byte(p, (value >> (8 * i)) as u8);
            }
            // The simulation has no TLB (nor has the model, nor had the
            // recorder of the goldens): a store into a page table or directory
            // takes effect at once.
            sync();
            true
        }
        None => false,
    }
}
