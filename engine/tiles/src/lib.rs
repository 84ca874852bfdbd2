//! # city_tiles
//!
//! OGC 3D Tiles 1.0 and 1.1 for CityTwin, without any renderer:
//!
//! - [`TilesetJson`] reads `tileset.json`; [`TileTree`] holds the tiles in world (ECEF)
//!   coordinates, grafting external tilesets and expanding implicit subtrees
//!   ([`expand_subtree`]) as they arrive;
//! - [`decode_content`] turns GLB, b3dm, i3dm, pnts and cmpt bytes into [`DecodedContent`]:
//!   meshes, points and the features' properties;
//! - [`select`] is tile selection as a pure function of the tree, what is loaded, the views and
//!   the error threshold; [`TilesetStreamer`] adds load states, the memory and frame budgets,
//!   and eviction; [`pick`] finds the feature a ray hits in decoded contents (f64);
//! - [`TilesetFeatures`] is the feature table an imported tileset carries (`features.csv`):
//!   every feature's id, kind, tile, z range and footprint in the tileset's local metres;
//! - [`ContentLoader`] fetches bytes: [`FileLoader`] for folders (URIs may not leave them),
//!   [`HttpLoader`] for HTTP(S) with an on-disk cache.
//!
//! The viewer (`city_bevy`) runs the loads on background tasks and uploads meshes; everything
//! here is plain data and functions, tested headless.
#![forbid(unsafe_code)]

mod content;
mod error;
mod http_loader;
mod implicit_tiling;
mod loader;
mod mat4;
mod picking;
mod point_values;
mod selection;
mod synthetic_tileset;
mod tile_metadata;
mod tile_tree;
mod tileset_features;
mod tileset_json;
mod tileset_streamer;
mod view;

pub use content::{
    DecodedContent, FeatureProperties, MeshPart, PointCloud, PointProperty, PointSource, TextureImage, check_gltf,
    decode_content, decode_glb, decode_gltf,
};
pub use error::TilesError;
pub use http_loader::HttpLoader;
pub use implicit_tiling::{ImplicitRoot, Subdivision, expand_subtree, inline_subtree_buffers};
pub use loader::{ContentLoader, FileLoader, NoResources};
pub use mat4::Mat4;
pub use picking::{Picked, pick};
pub use point_values::point_values;
pub use selection::{Readiness, Selection, SelectionOptions, select};
pub use synthetic_tileset::synthetic_tileset;
pub use tile_metadata::{MetadataEntry, metadata_entries};
pub use tile_tree::{Refine, Tile, TileContent, TileId, TileTree, resolve_uri};
pub use tileset_features::{
    BadFeatureRow, FEATURE_COLUMNS, FEATURES_FILE, FeatureRow, TilesetFeatures, csv_field, feature_csv_header,
    root_transform,
};
pub use tileset_json::TilesetJson;
pub use tileset_streamer::{
    FrameUpdate, JobKind, LoadJob, LoadOutcome, StreamOptions, StreamStats, TileLoad, TilesetStreamer, run_job,
};
pub use view::View;
