//! The `citytwin` command line's own pieces: where the shared data lives, the built-in demo
//! city, the file formats `citytwin query` reads and writes, and which building holds each
//! sensor. `main.rs` parses arguments and calls these and the
//! engine crates; tests and benchmarks use them too.
#![forbid(unsafe_code)]

pub mod data_dir;
pub mod demo_city;
pub mod geotiff_out;
pub mod query_io;
pub mod scene_ground;
pub mod sensor_buildings;
