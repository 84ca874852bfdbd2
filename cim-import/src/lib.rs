//! # cim_import
//!
//! Reads city and building models into CityTwin's model: each object a
//! [`city_core::CityObject`] (id, kind, footprint, z range, typed attributes) plus the surfaces of
//! the level of detail chosen for tiling, in the file's CRS and f64.
//!
//! Status (issue 3, in progress): CityJSON 1.0 / 1.1 / 2.0 and CityJSONSeq, GeoJSON footprints
//! and OSM PBF buildings; planar triangulation; GLB with `EXT_mesh_features` and
//! `EXT_structural_metadata`; the tileset writer. CityGML and IFC come with issues 7 and 8.
//!
//! Readers never panic on bad input: a file that cannot be read at all is an [`ImportError`]
//! naming the file and the place; a bad object is skipped and listed in
//! [`Imported::skipped`] with its id, and the others are kept.
#![forbid(unsafe_code)]

mod city_store;
mod cityjson;
mod error;
mod extrude;
mod geojson_footprints;
mod glb;
mod imported;
mod osm_buildings;
mod surface;
mod tileset_writer;
mod triangulate;

pub use city_store::CityStore;
pub use cityjson::{
    CityJsonOptions, LodChoice, read_cityjson, read_cityjson_seq, read_cityjson_str, stream_cityjson_seq,
};
pub use error::{ImportError, Skipped};
pub use geojson_footprints::{ExtrudeOptions, read_geojson_footprints};
pub use glb::{Column, NO_DATA, PropertyTable, TileMesh, property_id, write_glb};
pub use imported::{Imported, ImportedObject};
pub use osm_buildings::read_osm_buildings;
pub use surface::Surface;
pub use tileset_writer::{Progress, TilingOptions, TilingSummary, write_tileset};
pub use triangulate::{Triangles, triangulate, triangulate_face};
