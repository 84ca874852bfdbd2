//! # city_index
//!
//! The hot path of CityTwin: a spatial index over every object of a city, answering batches of
//! queries (window, k-nearest, within-distance, polygon, frustum, ray pick, joins) sequentially
//! or in parallel with rayon, with results in flat per-worker buffers (no allocation per query).
//!
//! Two indexes, for two lifetimes (docs/adr/0002-index-layout.md):
//! - [`CityIndex`], for the city itself: a packed Hilbert R-tree of our own, built once in bulk
//!   and never changed (a new one is built and swapped in), with f32 boxes rounded outward so a
//!   node is four cache lines, and an exact f64 check for the few boxes near a query's edge.
//! - [`DynamicIndex`], for what changes at run time (live sensors, incidents): rstar's R*-tree.
//!
//! ```
//! use city_core::Aabb2;
//! use city_index::{BatchOptions, CityIndex};
//! let boxes = [Aabb2::new([0.0, 0.0], [10.0, 10.0]).unwrap(), Aabb2::new([20.0, 0.0], [30.0, 5.0]).unwrap()];
//! let index = CityIndex::from_boxes(&boxes).unwrap();
//! let hits = index.windows(&[Aabb2::new([5.0, 5.0], [25.0, 6.0]).unwrap()], BatchOptions::default()).unwrap();
//! assert_eq!(hits.len(), 1);
//! let mut ids = hits.get(0).to_vec();
//! ids.sort();
//! assert_eq!(ids, [0, 1]);
//! ```
#![forbid(unsafe_code)]

mod batch;
mod city_index;
mod dynamic_index;
mod error;
mod frustum;
mod hilbert;
mod index_handle;
mod object_store;
mod packed_rtree;
mod query;
mod ray;
mod synthetic_city;

pub use batch::{BatchOptions, QueryResults, queries_answered};
pub use city_index::{CityIndex, IndexBuilder};
pub use dynamic_index::DynamicIndex;
pub use error::IndexError;
pub use frustum::{Frustum, Plane};
pub use hilbert::hilbert_key;
pub use index_handle::IndexHandle;
pub use object_store::Shape;
pub use query::{KnnQuery, WithinQuery};
pub use ray::Ray;
pub use synthetic_city::{FootprintTemplate, SyntheticCity};

/// Object ids inside an index: the position at which the object was added.
pub type ObjectId = u32;
