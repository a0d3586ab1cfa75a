//! `srtrace`: the trace-line parser of our own reference model
//! (`reference/src/parse.rs` and the two modules it names), shared so that
//! malformed lines get exactly the model's reasons.
#![allow(warnings)]

#[path = "model/parse.rs"]
pub mod parse;
#[path = "model/phys.rs"]
pub mod phys;
#[path = "model/types.rs"]
pub mod types;
