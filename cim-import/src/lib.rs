//! # cim_import
//!
//! Reads city and building models into CityTwin's model, then writes them as OGC 3D Tiles 1.1.
//! [`import`] is the whole pipeline, as `citytwin import` runs it; its parts:
//!
//! 1. [`Format::detect`] tells a file's format; [`Format::read`] reads any of them the same way,
//!    handing each object to an [`ObjectSink`] as an [`ImportedObject`]: a
//!    [`city_core::CityObject`] (id, kind, footprint, z range, typed attributes) plus the
//!    surfaces of the level of detail chosen ([`LodChoice`]), in the file's CRS and f64.
//!    CityJSON 1.0 / 1.1 / 2.0 and CityJSONSeq (streamed); CityGML 2.0 / 3.0 (streamed, an
//!    object at a time, with textures, materials, TIN terrain and PLATEAU hazard extents);
//!    GeoJSON footprints and OSM PBF buildings (extruded to LoD1); IFC2X3 / IFC4 element by
//!    element and BIM as glTF, placed on the globe.
//! 2. [`CityStore`] packs them flat and in ECEF as they arrive, so a whole city fits in about
//!    its input's size; a BIM building replaces the city buildings under it ([`BimSites`]).
//! 3. [`write_tileset`] chooses the local frame, splits the objects into tiles, triangulates,
//!    and writes GLB (`EXT_mesh_features`, `EXT_structural_metadata`, textures in atlases),
//!    `tileset.json`, the feature table (`city_tiles::TilesetFeatures`, ADR 0003) and the
//!    hazard zones' sidecar.
//!
//! Readers never panic on bad input: a file that cannot be read at all is an [`ImportError`]
//! naming the file and the place; a bad object is skipped and listed in
//! [`Imported::skipped`] with its id, and the others are kept.
#![forbid(unsafe_code)]

mod archive_inputs;
mod bim_in_city;
mod city_store;
mod citygml;
mod citygml_appearance;
mod cityjson;
mod error;
mod extrude;
mod format;
mod geo_grid;
mod geojson_footprints;
mod geotiff_dem;
mod geotiff_georef;
mod glb;
mod gltf_bim;
mod gml_members;
mod ground_check;
mod hull;
mod ifc;
mod ifc_attributes;
mod ifc_georef;
mod ifc_style;
mod imagery;
mod imagery_geotiff;
mod imagery_http;
mod imagery_mbtiles;
mod imagery_tiles;
mod import;
mod imported;
mod inside_folder;
mod lod_choice;
mod object_sink;
mod osm_buildings;
mod output_folder;
mod point_cloud_dtm;
mod progress;
mod read_options;
mod surface;
mod terrain_blocks;
mod terrain_drape;
mod terrain_tiles;
mod terrain_tin;
mod texture_atlas;
mod texture_limit;
mod tileset_writer;
mod triangulate;

pub use archive_inputs::{Unpacked, unpack_inputs};
pub use bim_in_city::{BimOutline, BimSites};
pub use city_store::CityStore;
pub use citygml::{crs_of_srs_name, read_citygml_from, stream_citygml_from};
pub use cityjson::read_cityjson_str;
pub use error::{ImportError, Skipped};
pub use extrude::ExtrudeOptions;
pub use format::Format;
pub use geotiff_dem::{Dem, DemFile};
pub use glb::{Column, NO_DATA, PropertyTable, TexturedPart, TileMesh, property_id, write_glb};
pub use ground_check::{GroundCheck, ON_GROUND_M, TerrainGrid};
pub use ifc::{IFC_READER, IfcElement, IfcGeoreference, IfcModel, Placement, read_ifc_model};
pub use imagery::{Imagery, ImageryOptions, ImageryProblems, open_imagery};
pub use import::{ImportOptions, ImportReport, import};
pub use imported::{Imported, ImportedObject};
pub use lod_choice::LodChoice;
pub use object_sink::ObjectSink;
pub use point_cloud_dtm::{DtmStats, dtm_from_point_clouds, is_point_cloud};
pub use progress::Progress;
pub use read_options::ReadOptions;
pub use surface::{Surface, SurfaceTexture};
pub use terrain_blocks::write_terrain_file;
pub use terrain_drape::TEXTURE_SIZE;
pub use terrain_tiles::{GROUND_COLOR, TerrainOptions, TerrainSummary, write_terrain};
pub use terrain_tin::{HeightGrid, Tin, tin};
pub use tileset_writer::{TilingOptions, TilingSummary, write_tileset};
pub use triangulate::{Triangles, triangulate, triangulate_face};
