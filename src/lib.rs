//! The `citytwin` command line's own pieces: where the shared data lives, the built-in demo
//! city, and the file formats `citytwin query` reads and writes. `main.rs` parses arguments and calls these and the
//! engine crates; tests and benchmarks use them too.
#![forbid(unsafe_code)]

pub mod data_dir;
pub mod demo_city;
pub mod query_io;
