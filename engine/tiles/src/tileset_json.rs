//! `tileset.json` as written (3D Tiles 1.0 and 1.1), read with serde. Only the tree's shape is
//! typed; metadata (schema, groups, tileset/tile/content metadata) is kept as JSON values for
//! the panels, since its classes are defined by each tileset.
use serde::Deserialize;
use serde_json::Value;

use crate::TilesError;

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TilesetJson {
    /// `asset.version`: "1.0" or "1.1".
    pub asset: AssetJson,
    /// The error when the tileset is not drawn at all, metres.
    pub geometric_error: f64,
    /// The root tile.
    pub root: TileJson,
    /// 1.1 metadata schema (inline).
    #[serde(default)]
    pub schema: Option<Value>,
    /// 1.1 metadata schema by URI.
    #[serde(default)]
    pub schema_uri: Option<String>,
    /// 1.1 tileset metadata.
    #[serde(default)]
    pub metadata: Option<Value>,
    /// 1.1 content groups.
    #[serde(default)]
    pub groups: Option<Vec<Value>>,
    /// 1.0 per-property ranges.
    #[serde(default)]
    pub properties: Option<Value>,
    /// Extensions the tileset needs.
    #[serde(default)]
    pub extensions_required: Vec<String>,
}

/// `asset`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetJson {
    /// "1.0" or "1.1".
    pub version: String,
    /// Application data; CityTwin's terrain tilesets name their imagery here.
    #[serde(default)]
    pub extras: Option<Value>,
}

impl AssetJson {
    /// The credit the tileset's imagery asks for: `extras.imagery.attribution`, as
    /// `citytwin import DEM --imagery` writes it.
    pub fn imagery_attribution(&self) -> Option<String> {
        let a = self.extras.as_ref()?.get("imagery")?.get("attribution")?.as_str()?;
        (!a.trim().is_empty()).then(|| a.to_owned())
    }
}

/// One tile.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TileJson {
    /// Where its content (and its children's) lies.
    pub bounding_volume: BoundingVolumeJson,
    /// Drawn only while the camera is inside this volume.
    #[serde(default)]
    pub viewer_request_volume: Option<BoundingVolumeJson>,
    /// Metres of error if this tile is drawn and not its children.
    pub geometric_error: f64,
    /// "ADD" or "REPLACE" (inherited when absent).
    #[serde(default)]
    pub refine: Option<String>,
    /// Column-major 4x4 from this tile's frame to its parent's.
    #[serde(default)]
    pub transform: Option<Vec<f64>>,
    /// One content (1.0 and 1.1).
    #[serde(default)]
    pub content: Option<ContentJson>,
    /// Several contents (1.1).
    #[serde(default)]
    pub contents: Option<Vec<ContentJson>>,
    /// Explicit children.
    #[serde(default)]
    pub children: Option<Vec<TileJson>>,
    /// 1.1 implicit tiling rooted at this tile.
    #[serde(default)]
    pub implicit_tiling: Option<ImplicitTilingJson>,
    /// 1.1 tile metadata.
    #[serde(default)]
    pub metadata: Option<Value>,
    /// The 1.0 extensions that became 1.1's core (moved into the fields above by
    /// [`TilesetJson::parse`]).
    #[serde(default)]
    pub extensions: Option<TileExtensionsJson>,
}

/// A tile's `extensions`: the 1.0-era forms of implicit tiling and multiple contents, which
/// tilesets made before 1.1 (and some made since) still write.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TileExtensionsJson {
    /// `3DTILES_implicit_tiling`.
    #[serde(rename = "3DTILES_implicit_tiling", default)]
    pub implicit_tiling: Option<ImplicitTilingJson>,
    /// `3DTILES_multiple_contents`.
    #[serde(rename = "3DTILES_multiple_contents", default)]
    pub multiple_contents: Option<MultipleContentsJson>,
}

/// `3DTILES_multiple_contents`.
#[derive(Debug, Clone, Deserialize)]
pub struct MultipleContentsJson {
    /// The contents (`content` in 1.0 tilesets).
    #[serde(alias = "content")]
    pub contents: Vec<ContentJson>,
}

/// A bounding volume: exactly one of the three.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BoundingVolumeJson {
    /// Centre and three half-axes (12 numbers).
    #[serde(rename = "box", default)]
    pub box_: Option<Vec<f64>>,
    /// West, south, east, north (radians), min and max height (metres).
    #[serde(default)]
    pub region: Option<Vec<f64>>,
    /// Centre and radius.
    #[serde(default)]
    pub sphere: Option<Vec<f64>>,
}

/// A content reference.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentJson {
    /// The URI (`url` in pre-1.0 tilesets, still found in the wild).
    #[serde(alias = "url")]
    pub uri: String,
    /// A tighter volume for the content alone.
    #[serde(default)]
    pub bounding_volume: Option<BoundingVolumeJson>,
    /// 1.1 content group index.
    #[serde(default)]
    pub group: Option<u32>,
    /// 1.1 content metadata.
    #[serde(default)]
    pub metadata: Option<Value>,
}

/// `implicitTiling`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImplicitTilingJson {
    /// "QUADTREE" or "OCTREE".
    pub subdivision_scheme: String,
    /// Levels per subtree file.
    pub subtree_levels: u32,
    /// Levels in the whole tree.
    #[serde(default)]
    pub available_levels: u32,
    /// The deepest level (the `3DTILES_implicit_tiling` extension's name: levels - 1).
    #[serde(default)]
    pub maximum_level: Option<u32>,
    /// The subtree URI template.
    pub subtrees: SubtreesJson,
}

/// `implicitTiling.subtrees`.
#[derive(Debug, Clone, Deserialize)]
pub struct SubtreesJson {
    /// Template with `{level}`, `{x}`, `{y}` (and `{z}`).
    pub uri: String,
}

impl TilesetJson {
    /// Parses `tileset.json` bytes; `uri` names the file in errors.
    pub fn parse(bytes: &[u8], uri: &str) -> Result<Self, TilesError> {
        let t: Self = serde_json::from_slice(city_core::without_bom(bytes)).map_err(|e| TilesError::json(uri, &e))?;
        if !matches!(t.asset.version.as_str(), "1.0" | "1.1" | "0.0") {
            return Err(TilesError::format(uri, "asset.version", format!("{:?} is not 1.0 or 1.1", t.asset.version)));
        }
        let mut t = t;
        lift_extensions(&mut t.root);
        Ok(t)
    }

    /// The required extensions this reader does not know. The tileset is still read (what it
    /// needs them for fails per tile, named); the caller says so to the user.
    pub fn unknown_required_extensions(&self) -> Vec<&str> {
        self.extensions_required.iter().map(String::as_str).filter(|e| !KNOWN_EXTENSIONS.contains(e)).collect()
    }
}

/// Tileset extensions read here: glTF content and metadata (read as 1.1's), the 1.0 forms of
/// implicit tiling and multiple contents (lifted into 1.1's fields), Draco point clouds (pnts).
const KNOWN_EXTENSIONS: [&str; 5] = [
    "3DTILES_content_gltf",
    "3DTILES_metadata",
    "3DTILES_implicit_tiling",
    "3DTILES_multiple_contents",
    "3DTILES_draco_point_compression",
];

/// Moves the 1.0 extension forms into the 1.1 fields, through the whole explicit tree.
fn lift_extensions(tile: &mut TileJson) {
    if let Some(ext) = tile.extensions.take() {
        if let (None, Some(mut i)) = (&tile.implicit_tiling, ext.implicit_tiling) {
            if i.available_levels == 0 {
                i.available_levels = i.maximum_level.map_or(0, |m| m + 1);
            }
            tile.implicit_tiling = Some(i);
        }
        if let (None, Some(m)) = (&tile.contents, ext.multiple_contents) {
            tile.contents = Some(m.contents);
        }
    }
    for child in tile.children.iter_mut().flatten() {
        lift_extensions(child);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imagery_credit_comes_from_the_asset_extras() {
        let with = |extras: &str| {
            let text = format!(
                r#"{{"asset": {{"version": "1.1"{extras}}}, "geometricError": 1,
                   "root": {{"boundingVolume": {{"sphere": [0, 0, 0, 1]}}, "geometricError": 0}}}}"#
            );
            TilesetJson::parse(text.as_bytes(), "t.json").map(|t| t.asset.imagery_attribution())
        };
        let credit = with(r#", "extras": {"imagery": {"attribution": "OSM contributors"}}"#);
        assert_eq!(credit.ok().flatten().as_deref(), Some("OSM contributors"));
        assert_eq!(with("").ok().flatten(), None);
        assert_eq!(with(r#", "extras": {"imagery": {"attribution": null}}"#).ok().flatten(), None);
    }
}
