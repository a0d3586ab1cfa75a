//! Simulated physical memory of the whole 4 GiB space.
//!
//! Pages are materialised lazily: a page never written reads as its initial
//! content, which is "every 32-bit word holds its own address" inside trace
//! RAM and zero everywhere else (devices, the kernel's own frames, ...).

/// The two ranges of trace RAM, `[start, end)`.
pub const TRACE_RAM: [(u32, u32); 2] = [(0x0000_0000, 0x0009_f000), (0x0010_0000, 0x0100_0000)];

/// Whether the byte at `paddr` is trace RAM.
pub fn in_trace_ram(paddr: u32) -> bool {
    TRACE_RAM.iter().any(|&(lo, hi)| lo <= paddr && paddr < hi)
}

/// Whether `[start, end)` lies inside one range of trace RAM.
pub fn range_in_trace_ram(start: u32, end: u32) -> bool {
    TRACE_RAM.iter().any(|&(lo, hi)| lo <= start && end <= hi)
}

const WORDS: usize = 1024;

type Pages = Vec<Option<Box<[u32; WORDS]>>>;

/// Sparse physical memory: one optional page per frame number.
pub struct PhysMem {
    pages: Pages,
    /// Frame numbers of the materialised pages, so that a reset only
    /// revisits those (the fuzzer resets the model thousands of times a
    /// second).
    touched: Vec<u32>,
    /// Pages released by a reset, for reuse.
    spare: Vec<Box<[u32; WORDS]>>,
}

thread_local! {
    /// Page tables of dropped memories, already emptied, for reuse.
    static POOL: std::cell::RefCell<Vec<Pages>> = std::cell::RefCell::new(Vec::new());
}

impl Drop for PhysMem {
    fn drop(&mut self) {
        for f in self.touched.drain(..) {
            self.pages[f as usize] = None;
        }
        let pages = std::mem::take(&mut self.pages);
        POOL.with(|p| p.borrow_mut().push(pages));
    }
}

impl Default for PhysMem {
    fn default() -> Self {
        PhysMem::new()
    }
}

impl PhysMem {
    /// Memory as it is before a trace.
    pub fn new() -> PhysMem {
        let pages = POOL.with(|p| p.borrow_mut().pop()).unwrap_or_else(|| vec![None; 1 << 20]);
        PhysMem { pages, touched: Vec::new(), spare: Vec::new() }
    }

    /// Back to the memory before a trace, keeping the storage.
    pub fn reset(&mut self) {
        for f in self.touched.drain(..) {
            if let Some(page) = self.pages[f as usize].take() {
                self.spare.push(page);
            }
        }
    }

    /// Initial value of the aligned word at `paddr`.
    fn initial_word(paddr: u32) -> u32 {
        if in_trace_ram(paddr) {
            paddr
        } else {
            0
        }
    }

    fn page_mut(&mut self, paddr: u32) -> &mut [u32; WORDS] {
        let base = paddr & !0xfff;
        let slot = &mut self.pages[(base >> 12) as usize];
        if slot.is_none() {
            self.touched.push(base >> 12);
        }
        let spare = &mut self.spare;
        slot.get_or_insert_with(|| {
            let mut page = spare.pop().unwrap_or_else(|| Box::new([0u32; WORDS]));
            // trace RAM's ranges are page aligned: one test per page
            if in_trace_ram(base) {
                for (i, w) in page.iter_mut().enumerate() {
                    *w = base + 4 * i as u32;
                }
            } else {
                page.iter_mut().for_each(|w| *w = 0);
            }
            page
        })
    }

    /// Reads the word containing `paddr` (the low two bits are ignored).
    pub fn read_word(&self, paddr: u32) -> u32 {
        let paddr = paddr & !3;
        match &self.pages[(paddr >> 12) as usize] {
            Some(page) => page[((paddr & 0xfff) >> 2) as usize],
            None => PhysMem::initial_word(paddr),
        }
    }

    /// Writes the word containing `paddr` (the low two bits are ignored).
    pub fn write_word(&mut self, paddr: u32, value: u32) {
        let paddr = paddr & !3;
        self.page_mut(paddr)[((paddr & 0xfff) >> 2) as usize] = value;
    }

    /// Writes `value` to every word of the page holding `paddr` (without
    /// first writing the page's initial content, which it replaces).
    pub fn fill_page(&mut self, paddr: u32, value: u32) {
        let base = paddr & !0xfff;
        let slot = &mut self.pages[(base >> 12) as usize];
        match slot {
            Some(page) => page.iter_mut().for_each(|w| *w = value),
            None => {
                self.touched.push(base >> 12);
                let mut page = self.spare.pop().unwrap_or_else(|| Box::new([0u32; WORDS]));
                page.iter_mut().for_each(|w| *w = value);
                *slot = Some(page);
            }
        }
    }

    /// Reads one byte (little endian within its word).
    pub fn read_byte(&self, paddr: u32) -> u8 {
        (self.read_word(paddr) >> (8 * (paddr & 3))) as u8
    }

    /// Writes one byte (little endian within its word).
    pub fn write_byte(&mut self, paddr: u32, value: u8) {
        let shift = 8 * (paddr & 3);
        let word = self.read_word(paddr) & !(0xff << shift);
        self.write_word(paddr, word | (u32::from(value) << shift));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_pattern() {
        let m = PhysMem::new();
        assert_eq!(m.read_word(0x0040_1008), 0x0040_1008);
        assert_eq!(m.read_word(0x0009_effc), 0x0009_effc);
        assert_eq!(m.read_word(0x0009_f000), 0);
        assert_eq!(m.read_word(0x0100_0000), 0);
        assert_eq!(m.read_word(0xffff_fffc), 0);
    }

    #[test]
    fn bytes_are_little_endian() {
        let mut m = PhysMem::new();
        assert_eq!(m.read_byte(0x2ffd), 0x2f);
        m.write_byte(0x2ffd, 0xd4);
        assert_eq!(m.read_word(0x2ffc), 0x0000_d4fc);
        // the rest of the page keeps its pattern once materialised
        assert_eq!(m.read_word(0x2000), 0x2000);
        m.write_word(0x0200_0000, 7);
        m.fill_page(0x0040_1234, 0x200);
        assert_eq!(m.read_word(0x0040_1000), 0x200);
        assert_eq!(m.read_word(0x0040_1ffc), 0x200);
        assert_eq!(m.read_word(0x0040_2000), 0x0040_2000);
        assert_eq!(m.read_word(0x0200_0000), 7);
        assert_eq!(m.read_word(0x0200_0004), 0);
    }

    #[test]
    fn trace_ram_ranges() {
        assert!(range_in_trace_ram(0, 0x9f000));
        assert!(!range_in_trace_ram(0, 0xa0000));
        assert!(range_in_trace_ram(0x100000, 0x1000000));
        assert!(!range_in_trace_ram(0x00f00000, 0x01001000));
        assert!(range_in_trace_ram(0x200000, 0x200000));
        assert!(!range_in_trace_ram(0xa0000, 0xa0000));
    }
}
