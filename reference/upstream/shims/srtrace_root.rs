//! `srtrace`: our own reference model (`reference/src/*.rs` but its
//! binary, C interface and golden comparison), shared so that upstream runs
//! under the model's trace interpreter (`model.rs`, through the `Backend`
//! trait of `backend.rs`): the same parsing, names, state checks and
//! result lines, and malformed lines get exactly the model's reasons.
#![allow(warnings)]

#[path = "model/alloc.rs"]
pub mod alloc;
#[path = "model/backend.rs"]
pub mod backend;
#[path = "model/bookkeeping.rs"]
pub mod bookkeeping;
#[path = "model/machine.rs"]
pub mod machine;
#[path = "model/mapping.rs"]
pub mod mapping;
#[path = "model/model.rs"]
pub mod model;
#[path = "model/paging.rs"]
pub mod paging;
#[path = "model/parse.rs"]
pub mod parse;
#[path = "model/phys.rs"]
pub mod phys;
#[path = "model/process.rs"]
pub mod process;
#[path = "model/types.rs"]
pub mod types;
