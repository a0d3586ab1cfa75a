//! Stand-in for libkern's `process.rs` (process-creation metadata built on crates we do not have; the memory module does not use it).
