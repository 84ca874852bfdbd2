//! # city_core
//!
//! The ground every other CityTwin crate stands on: coordinates in f64 (geodetic, ECEF, local ENU,
//! and projected CRSs by EPSG code), axis-aligned boxes and the 3D Tiles bounding volumes, and the
//! city-object model that importers produce and the index, tiler and viewer consume.
//!
//! Nothing here knows about rendering: coordinates stay f64 until the viewer turns them into
//! camera-relative f32 (ARCHITECTURE.md, invariant 2).
//!
//! ```
//! use city_core::{Geodetic, ecef_from_geodetic, geodetic_from_ecef};
//! let delft = Geodetic::from_deg(4.3571, 52.0116, 10.0);
//! let back = geodetic_from_ecef(ecef_from_geodetic(delft));
//! assert!((back.height_m - 10.0).abs() < 1e-9);
//! ```
#![forbid(unsafe_code)]

mod aabb;
mod attribute_value;
mod bounding_volume;
mod cache_dir;
mod city_object;
mod civil_time;
mod color_ramp;
mod crs;
mod data_uri;
mod ecef;
mod ellipsoid;
mod enu_frame;
mod epsg_axis_order;
mod epsg_towgs84_fixes;
mod error;
mod fnv_hash;
mod geodetic;
mod hazard_names;
mod now_ms;
mod object_kind;
mod occupancy_names;
mod percent_decoding;
mod resident_memory;
mod scene;
mod scene_emergency;
mod scene_incident;
mod scene_iot;
mod scene_terrain;
mod shared_data;
mod split_mix;
mod text_file;
pub mod vec3;

pub use data_uri::data_uri_bytes;
pub use percent_decoding::percent_decoded;
pub use resident_memory::{peak_resident_bytes, resident_bytes};
pub use text_file::{UTF8_BOM, read_utf8, without_bom};

pub use aabb::{Aabb2, Aabb3};
pub use attribute_value::{AttributeValue, Attributes};
pub use bounding_volume::{BoundingVolume, OrientedBox, Region, Sphere};
pub use cache_dir::cache_dir;
pub use city_object::{CityObject, GeometryRef, Lod};
pub use civil_time::{IsoTime, civil_from_days, days_from_civil, parse_iso_time};
pub use color_ramp::color_ramp;
pub use crs::{AxisOrder, Crs};
pub use ecef::{ecef_from_geodetic, geodetic_from_ecef};
pub use ellipsoid::Ellipsoid;
pub use enu_frame::EnuFrame;
pub use error::CoreError;
pub use fnv_hash::fnv1a;
pub use geodetic::Geodetic;
pub use hazard_names::{HAZARD_ATTRIBUTE, HAZARDS_FILE, flood_risk_kind};
pub use now_ms::now_ms;
pub use object_kind::ObjectKind;
pub use occupancy_names::{OCCUPANT_ATTRIBUTES, STOREY_ATTRIBUTES, USE_ATTRIBUTES};
pub use scene::{Bookmark, CameraPose, Scene, SceneTileset, StyleMode, StyleRule};
pub use scene_emergency::SceneEmergency;
pub use scene_incident::{ScenarioKind, SceneIncident};
pub use scene_iot::{FeedKind, SceneIot, SceneMapping, SceneRule, SceneSensor, SensorKind};
pub use scene_terrain::{SceneImagery, SceneTerrain};
pub use shared_data::{shared_data_dir, shared_data_file};
pub use split_mix::SplitMix64;

/// A plain f64 3-vector: ECEF, ENU or projected coordinates, metres.
pub type Vec3 = [f64; 3];
