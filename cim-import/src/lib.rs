//! # cim_import
//!
//! Reads city and building models into CityTwin's model: each object a
//! [`city_core::CityObject`] (id, kind, footprint, z range, typed attributes) plus the surfaces of
//! the level of detail chosen for tiling, in the file's CRS and f64.
//!
//! Status (issue 3): the CityJSON 1.1 / 2.0 reader. The tiler and 3D Tiles writer come next.
//!
//! Readers never panic on bad input: a file that cannot be read at all is an [`ImportError`]
//! naming the file and the place; a bad object is skipped and listed in
//! [`Imported::skipped`] with its id, and the others are kept.
#![forbid(unsafe_code)]

mod cityjson;
mod error;
mod imported;
mod surface;
mod triangulate;

pub use cityjson::{CityJsonOptions, LodChoice, read_cityjson, read_cityjson_str};
pub use error::{ImportError, Skipped};
pub use imported::{Imported, ImportedObject};
pub use surface::Surface;
pub use triangulate::{Triangles, triangulate};
