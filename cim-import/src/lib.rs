//! # cim_import
//!
//! Reads city and building models into CityTwin's model, then writes them as OGC 3D Tiles 1.1.
//!
//! 1. Readers give each object as an [`ImportedObject`]: a [`city_core::CityObject`] (id, kind,
//!    footprint, z range, typed attributes) plus the surfaces of the level of detail chosen for
//!    tiling, in the file's CRS and f64. CityJSON 1.0 / 1.1 / 2.0, CityJSONSeq (streamed,
//!    [`stream_cityjson_seq`]), CityGML 2.0 / 3.0, GeoJSON footprints and OSM PBF buildings.
//! 2. [`CityStore`] packs them flat and in ECEF as they arrive, so a whole city fits in about
//!    its input's size.
//! 3. [`write_tileset`] chooses the local frame, splits the objects into tiles, triangulates,
//!    and writes GLB (`EXT_mesh_features`, `EXT_structural_metadata`), `tileset.json` and the
//!    `features.csv` sidecar (ADR 0003).
//!
//! CityGML 2.0 and 3.0 are streamed ([`read_citygml`]: one city object in memory at a time);
//! textures, terrain and IFC come with issues 7 and 8.
//!
//! Readers never panic on bad input: a file that cannot be read at all is an [`ImportError`]
//! naming the file and the place; a bad object is skipped and listed in
//! [`Imported::skipped`] with its id, and the others are kept.
#![forbid(unsafe_code)]

mod bim_in_city;
mod city_store;
mod citygml;
mod citygml_appearance;
mod cityjson;
mod error;
mod extrude;
mod geojson_footprints;
mod glb;
mod gltf_bim;
mod gml_members;
mod ground_check;
mod ifc;
mod ifc_attributes;
mod ifc_georef;
mod ifc_style;
mod imported;
mod osm_buildings;
mod surface;
mod texture_atlas;
mod texture_limit;
mod tileset_writer;
mod triangulate;

pub use bim_in_city::{BimOutline, BimSites};
pub use city_store::CityStore;
pub use citygml::{
    CityGmlOptions, crs_of_srs_name, read_citygml, read_citygml_from, stream_citygml, stream_citygml_from,
};
pub use cityjson::{
    CityJsonOptions, LodChoice, ObjectSink, read_cityjson, read_cityjson_seq, read_cityjson_str, stream_cityjson_seq,
};
pub use error::{ImportError, Skipped};
pub use geojson_footprints::{ExtrudeOptions, read_geojson_footprints};
pub use glb::{Column, NO_DATA, PropertyTable, TexturedPart, TileMesh, property_id, write_glb};
pub use gltf_bim::read_gltf_bim;
pub use ground_check::{GroundCheck, ON_GROUND_M, TerrainGrid};
pub use ifc::{IFC_READER, IfcElement, IfcGeoreference, IfcModel, IfcOptions, Placement, read_ifc, read_ifc_model};
pub use imported::{Imported, ImportedObject};
pub use osm_buildings::read_osm_buildings;
pub use surface::{Surface, SurfaceTexture};
pub use tileset_writer::{Progress, TilingOptions, TilingSummary, write_tileset};
pub use triangulate::{Triangles, triangulate, triangulate_face};
