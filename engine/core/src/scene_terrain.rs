//! The scene's ground: `[[terrain]]` tables name terrain, `[[imagery]]` tables the imagery
//! draped on it (bottom first, each over the ones before).
//!
//! A terrain's `path` is a terrain tileset (`citytwin import dem.tif -o DIR`, imagery already
//! baked in) or its sources themselves: a DEM (`.tif`) or point clouds (`.las`, `.laz`). Those
//! the viewer builds into its cache on opening, draped with the scene's `[[imagery]]`, and
//! builds again only when a source or the imagery list changes. Turning an imagery layer on or
//! off in the viewer builds (or finds in the cache) the terrain draped with the new choice.
use std::path::PathBuf;

use serde::Deserialize;

/// One `[[terrain]]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SceneTerrain {
    /// Its name in the layers panel.
    pub name: String,
    /// A terrain tileset (its folder, `tileset.json` or `http(s)://` URL), or a DEM GeoTIFF or
    /// LAS/LAZ point cloud to build one from (relative to the scene file).
    pub path: PathBuf,
    /// The CRS of a DEM or point cloud that declares none (`EPSG:28992`).
    #[serde(default)]
    pub crs: Option<String>,
    /// Shown at start (default true).
    #[serde(default = "yes")]
    pub visible: bool,
    /// 1 opaque (the default), 0 invisible: below 1 the city's underground shows through.
    #[serde(default = "one")]
    pub opacity: f32,
}

/// One `[[imagery]]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SceneImagery {
    /// Its name in the layers panel.
    pub name: String,
    /// An RGB GeoTIFF or MBTiles file (relative to the scene file), or a tile URL template
    /// (`https://host/{z}/{x}/{y}.png`; `{-y}` for TMS; WMTS's `{TileMatrix}/{TileRow}/{TileCol}`).
    pub source: String,
    /// The credit its licence asks for, shown in the viewer's corner.
    #[serde(default)]
    pub attribution: Option<String>,
    /// A URL source's deepest zoom level (default 19).
    #[serde(default)]
    pub max_zoom: Option<u8>,
    /// Draped at start (default true); the layers panel turns each on and off.
    #[serde(default = "yes")]
    pub visible: bool,
}

fn yes() -> bool {
    true
}

fn one() -> f32 {
    1.0
}

impl SceneImagery {
    /// Whether the source is a URL (not a file).
    pub fn is_url(&self) -> bool {
        self.source.starts_with("http://") || self.source.starts_with("https://")
    }
}
