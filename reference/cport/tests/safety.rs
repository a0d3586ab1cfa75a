//! What safe code cannot break: the one-machine rule, stale handles after a
//! reset, a dead machine after a kernel panic, panics inside `Drop`; and
//! that handles release what upstream's drops release.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use sunrise_mm_c::*;

const RAM: (PhysicalAddress, PhysicalAddress) = (PhysicalAddress(0x0040_0000), PhysicalAddress(0x0080_0000));

fn va(a: usize) -> VirtualAddress {
    VirtualAddress(a)
}

/// The panic message of `f`, which must panic.
fn panic_of<T>(f: impl FnOnce() -> T) -> String {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(_) => panic!("expected a panic"),
        Err(p) => p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default(),
    }
}

#[test]
fn no_machine_no_port() {
    common::quiet_kernel_panics();
    // this thread holds no machine (another test's thread may)
    let m = panic_of(ProcessMemory::default);
    assert!(m.starts_with(MISUSE_PREFIX) && m.contains("no Machine"), "{}", m);
    let m = panic_of(|| FrameAllocator::allocate_region(PAGE_SIZE));
    assert!(m.contains("no Machine"), "{}", m);
}

#[test]
fn one_machine_at_a_time() {
    common::quiet_kernel_panics();
    let machine = Machine::reset(&[RAM]);
    // a second one on the same thread would deadlock: it panics instead
    let m = panic_of(|| Machine::reset(&[]));
    assert!(m.contains("already holds"), "{}", m);
    // the machine is still usable
    assert_eq!(machine.free_frames(), 1024);
    // another thread cannot use the port, nor take the machine
    let other = thread::spawn(|| {
        let none = Machine::try_reset(&[]).is_none();
        let refused = catch_unwind(ProcessMemory::default).is_err();
        (none, refused)
    });
    assert_eq!(other.join().unwrap(), (true, true));
    // reset() on another thread waits for this machine to go
    let (tx, rx) = mpsc::channel();
    let waiter = thread::spawn(move || {
        let m = Machine::reset(&[RAM]);
        tx.send(m.free_frames()).unwrap();
    });
    thread::sleep(Duration::from_millis(50));
    assert!(rx.try_recv().is_err(), "a second machine went live beside the first");
    drop(machine);
    assert_eq!(rx.recv().unwrap(), 1024);
    waiter.join().unwrap();
}

#[test]
fn stale_handles_after_a_reset() {
    common::quiet_kernel_panics();
    let machine = Machine::reset(&[RAM]);
    let mut p = ProcessMemory::default();
    p.create_regular_mapping(va(0x0040_0000), 0x2000, MemoryType::SharedMemory, MappingAccessRights::u_rw()).unwrap();
    let shared = p.occupied_mapping_at(va(0x0040_1000)).unwrap().shared_frames().unwrap();
    let region = FrameAllocator::allocate_region(PAGE_SIZE).unwrap();
    let mirror = p.mirror_mapping(va(0x0040_0000), 8).unwrap();
    let unmapped = {
        p.create_regular_mapping(va(0x0050_0000), 0x1000, MemoryType::Normal, MappingAccessRights::u_rw()).unwrap();
        p.unmap(va(0x0050_0000), 0x1000).unwrap()
    };
    drop(machine);

    // a new machine: every handle above points into released memory
    let machine = Machine::reset(&[RAM]);
    for m in [
        panic_of(|| p.query_memory(va(0x0040_0000)).mapping().length()),
        panic_of(|| p.create_regular_mapping(va(0x0060_0000), 0x1000, MemoryType::Normal, MappingAccessRights::u_rw())),
        panic_of(|| shared.clone()),
        panic_of(|| unmapped.frames_it().count()),
        panic_of(|| ProcessMemory::default().map_phys_region_to(region, va(0x0070_0000), MemoryType::Normal, MappingAccessRights::u_rw())),
    ] {
        assert!(m.starts_with(MISUSE_PREFIX) && !m.starts_with(KERNEL_PANIC_PREFIX), "{}", m);
    }
    // the plain copies stay readable; dropping does nothing
    assert_eq!(mirror.len(), 8);
    drop((p, shared, mirror, unmapped));
    // (the process made by the refused call above was dropped as the panic
    // unwound, a current handle: its directory went back)
    assert_eq!(machine.free_frames(), 1024);
    assert!(!machine.is_dead());
}

#[test]
fn a_borrowed_view_outliving_its_machine() {
    common::quiet_kernel_panics();
    let machine = Machine::reset(&[RAM]);
    let mut p = ProcessMemory::default();
    p.create_regular_mapping(va(0x0040_0000), 0x3000, MemoryType::Normal, MappingAccessRights::u_rw()).unwrap();
    let q = p.query_memory(va(0x0040_2000));
    assert_eq!(q.mapping().frames_it().count(), 3);
    drop(machine);
    let _machine = Machine::reset(&[RAM]);
    // the copied fields are still there; reaching into the port is refused
    assert_eq!(q.mapping().length(), 0x3000);
    let m = panic_of(|| q.mapping().frames_it().count());
    assert!(m.contains("reset"), "{}", m);
}

#[test]
fn a_kernel_panic_kills_the_machine_until_reset() {
    common::quiet_kernel_panics();
    let machine = Machine::reset(&[RAM]);
    let mut p = ProcessMemory::default();
    let s = SharedFrames::new(FrameAllocator::allocate_frames_fragmented(0x1000).unwrap());
    // UserLand::check_contains_region asserts a non-zero length
    let m = panic_of(|| p.unmap(va(0x0040_0000), 0));
    assert!(m.starts_with(KERNEL_PANIC_PREFIX) && m.contains("size == 0"), "{}", m);
    assert!(machine.is_dead());
    assert!(machine.panic_message().unwrap().contains("size == 0"));
    // everything refuses, naming the panic; nothing is touched
    let m = panic_of(|| p.query_memory(va(0x0040_0000)).mapping().length());
    assert!(m.starts_with(MISUSE_PREFIX) && m.contains("dead"), "{}", m);
    let m = panic_of(|| machine.free_frames());
    assert!(m.contains("dead"), "{}", m);
    drop(s); // does nothing
    drop(p); // does nothing
    drop(machine);
    let machine = Machine::reset(&[RAM]);
    assert_eq!(machine.free_frames(), 1024);
    let _p = ProcessMemory::default();
    assert_eq!(machine.free_frames(), 1023);
}

#[test]
fn a_kernel_panic_in_drop() {
    common::quiet_kernel_panics();
    let machine = Machine::reset(&[RAM]);
    let mut p = ProcessMemory::default();
    p.switch_to();
    // dropping the active hierarchy is an assertion upstream
    let m = panic_of(move || drop(p));
    assert!(m.starts_with(KERNEL_PANIC_PREFIX) && m.contains("active"), "{}", m);
    assert!(machine.is_dead());
    drop(machine);

    // while unwinding from another panic, a port panic in a drop poisons the
    // machine but does not panic again (which would abort)
    let machine = Machine::reset(&[RAM]);
    let m = panic_of(|| {
        let mut p = ProcessMemory::default();
        p.switch_to();
        panic!("unrelated");
    });
    assert_eq!(m, "unrelated");
    assert!(machine.is_dead());
}

#[test]
fn drops_release_what_upstream_releases() {
    common::quiet_kernel_panics();
    let machine = Machine::reset(&[RAM]);
    let mut p = ProcessMemory::default();
    assert_eq!(machine.free_frames(), 1023); // the directory

    // an unmapped Mapping holds its frames until dropped
    p.create_regular_mapping(va(0x0040_0000), 0x3000, MemoryType::Normal, MappingAccessRights::u_rw()).unwrap();
    let free = machine.free_frames();
    let m = p.unmap(va(0x0040_0000), 0x3000).unwrap();
    assert_eq!((m.address(), m.length(), m.state().ty()), (va(0x0040_0000), 0x3000, MemoryType::Normal));
    assert_eq!(m.frames_it().count(), 3);
    assert_eq!(machine.free_frames(), free);
    drop(m);
    assert_eq!(machine.free_frames(), free + 3);

    // shared frames go with their last reference
    let shm = SharedFrames::new(FrameAllocator::allocate_frames_fragmented(0x2000).unwrap());
    assert_eq!(shm.frame_count(), 2);
    let free = machine.free_frames();
    p.map_partial_shared_mapping(shm.clone(), va(0x0050_0000), 0x1000, 0x1000, MemoryType::SharedMemory, MappingAccessRights::u_rw())
        .unwrap();
    let mirror = p.mirror_mapping(va(0x0050_0004), 4).unwrap();
    assert!(mirror.addr().addr() >= 0xc000_0000 && mirror.addr().addr() % PAGE_SIZE == 4);
    // trace RAM words hold their own physical address: the mirror reads the
    // second frame of the shared ones (phys_offset 0x1000), at +4
    let frame = p.query_memory(va(0x0050_0000)).mapping().frames_it().next().unwrap();
    assert_eq!(machine.read32(mirror.addr()), Some(frame.addr() as u32 + 4));
    assert_eq!(machine.read32(va(0x0050_0004)), None, "p is not the active process");
    drop(shm);
    drop(p.unmap(va(0x0050_0000), 0x1000).unwrap());
    assert_eq!(machine.free_frames(), free, "the mirror still holds the frames");
    drop(mirror);
    assert_eq!(machine.free_frames(), free + 2);

    // a region is freed on drop, an mmio one is not
    let r = FrameAllocator::allocate_region(0x2000).unwrap();
    assert_eq!(machine.free_frames(), free);
    drop(r);
    assert_eq!(machine.free_frames(), free + 2);
    let mmio = PhysicalMemRegion::on_fixed_mmio(PhysicalAddress(0xfee0_0000), PAGE_SIZE).unwrap();
    assert!(!mmio.should_free_on_drop());
    drop(mmio);
    assert_eq!(
        // a free frame is not a device's
        PhysicalMemRegion::on_fixed_mmio(PhysicalAddress(0x007f_f000), PAGE_SIZE).unwrap_err(),
        KernelError::InvalidAddress { address: 0x007f_f000 }
    );

    // a process that is not active drops cleanly, tables and directory
    let free = machine.free_frames();
    let mut q = ProcessMemory::default();
    q.create_regular_mapping(va(0x0040_0000), 0x1000, MemoryType::Normal, MappingAccessRights::u_rw()).unwrap();
    drop(q);
    assert_eq!(machine.free_frames(), free);
    drop(p);
    assert_eq!(machine.free_frames(), 1024);
}

#[test]
fn upstream_api_shapes() {
    common::quiet_kernel_panics();
    let machine = Machine::reset(&[RAM]);
    let mut p = ProcessMemory::default();
    let heap = p.resize_heap(0x2000).unwrap();
    assert_eq!(heap, va(0x8000_0000));
    p.expand_mapping(heap, 0x4000).unwrap();
    match p.query_memory(va(0x8000_3000)) {
        QueryMemory::Used(m) => {
            assert_eq!((m.address(), m.length(), m.flags()), (heap, 0x4000, MappingAccessRights::u_rw()));
            assert_eq!(m.frames_kind(), MappingFramesKind::Shared);
        }
        QueryMemory::Available(_) => panic!("the heap is there"),
    }
    match p.query_memory(va(0x0100_0000)) {
        QueryMemory::Available(m) => {
            assert_eq!((m.address(), m.state().ty(), m.frames_it().count()), (va(0), MemoryType::Unmapped, 0))
        }
        QueryMemory::Used(_) => panic!("a hole"),
    }
    assert_eq!(p.find_available_space(0x1000), Ok(va(0x0020_0000)));
    p.guard(va(0x0020_0000), 0x1000, MemoryType::Reserved).unwrap();
    assert_eq!(p.find_available_space(0x1000), Ok(va(0x0020_1000)));
    assert_eq!(
        p.expand_mapping(va(0x0020_0000), 0x2000),
        Err(KernelError::InvalidMemState { address: va(0x0020_0000), ty: MemoryType::Reserved })
    );
    let (state, perms, attrs) = p
        .check_range(
            heap,
            0x4000,
            MemoryState::empty(),
            MemoryState::empty(),
            MemoryPermissions::empty(),
            MemoryPermissions::empty(),
            MemoryAttributes::empty(),
            MemoryAttributes::empty(),
            MemoryAttributes::empty(),
        )
        .unwrap();
    assert_eq!((state, perms, attrs), (MemoryType::Heap.get_memory_state(), MemoryPermissions::from(MappingAccessRights::u_rw()), MemoryAttributes::empty()));
    let mut entries = Vec::new();
    p.for_every_entry(va(0x0020_0000), 0x2000, |st, len| entries.push((st, len)));
    assert_eq!(entries, vec![(PageState::Guarded, PAGE_SIZE), (PageState::Available, PAGE_SIZE)]);
    assert_eq!(FrameAllocator::allocate_region(0).unwrap_err(), KernelError::InvalidSize { size: 0 });
    assert_eq!(FrameAllocator::allocate_frames_fragmented(0x1000_0000).unwrap_err(), KernelError::PhysicalMemoryExhaustion);
    // an address beyond i386's usize is refused without touching the port
    let m = panic_of(|| p.find_available_space(1 << 40));
    assert!(m.starts_with(MISUSE_PREFIX), "{}", m);
    assert!(!machine.is_dead());
}
