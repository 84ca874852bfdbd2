//! The tile hierarchy as one flat arena, in world coordinates (ECEF for georeferenced tilesets).
//!
//! It grows while streaming: an external tileset's root is grafted under the tile whose content
//! it is, and an implicit subtree's tiles are added when its `.subtree` file arrives
//! (`implicit_tiling.rs`). Selection reads it; loading adds to it; nothing is ever removed, so a
//! [`TileId`] stays valid for the tree's life.
use city_core::{BoundingVolume, OrientedBox};
use serde_json::Value;

use crate::implicit_tiling::ImplicitRoot;
use crate::tileset_json::{BoundingVolumeJson, TileJson, TilesetJson};
use crate::{Mat4, TilesError};

/// A tile's index in its [`TileTree`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId(pub u32);

/// How a tile's children relate to its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refine {
    /// Children replace the tile's content.
    Replace,
    /// Children are drawn as well as the tile's content.
    Add,
}

/// One content of a tile.
#[derive(Debug, Clone, PartialEq)]
pub struct TileContent {
    /// The URI, resolved against the tileset that names it: a path relative to the root
    /// tileset's folder (or an absolute URL).
    pub uri: String,
    /// Whether it is an external tileset (a `.json`), grafted into the tree when loaded.
    pub is_tileset: bool,
    /// 1.1 content group.
    pub group: Option<u32>,
    /// 1.1 content metadata.
    pub metadata: Option<Value>,
}

/// One tile.
#[derive(Debug, Clone)]
pub struct Tile {
    /// The parent (none for the root).
    pub parent: Option<TileId>,
    /// The children known so far.
    pub children: Vec<TileId>,
    /// From the tile's frame to the world (the product of the transforms above it).
    pub world_from_tile: Mat4,
    /// The bounding volume in world coordinates.
    pub bounds: OrientedBox,
    /// The radius of a sphere around `bounds.center` holding it.
    pub radius_m: f64,
    /// Drawn only while the camera is inside this (world) volume.
    pub request_volume: Option<OrientedBox>,
    /// Metres of error when this tile is drawn instead of its children.
    pub geometric_error: f64,
    /// ADD or REPLACE.
    pub refine: Refine,
    /// Its contents (none, one or several).
    pub contents: Vec<TileContent>,
    /// Depth below the root tileset's root.
    pub depth: u32,
    /// 1.1 tile metadata.
    pub metadata: Option<Value>,
    /// For tiles of an implicit tree: (index into [`TileTree::implicit_roots`], level, x, y, z).
    pub implicit: Option<(usize, u32, u64, u64, u64)>,
    /// For the root of an implicit subtree whose file is not read yet: its URI. Its children
    /// (and its own contents) are known once it is loaded.
    pub pending_subtree: Option<String>,
}

/// The tileset's tiles, and what came with the root tileset.
#[derive(Debug, Clone)]
pub struct TileTree {
    /// Every tile; `TileId(i)` is `tiles[i]`.
    pub tiles: Vec<Tile>,
    /// "1.0" or "1.1".
    pub version: String,
    /// The root tileset's own geometric error.
    pub geometric_error: f64,
    /// 1.1 schema, tileset metadata and groups, as JSON (for the panels).
    pub schema: Option<Value>,
    /// 1.1 tileset metadata.
    pub metadata: Option<Value>,
    /// 1.1 content groups.
    pub groups: Vec<Value>,
    /// The implicit trees rooted somewhere in this tree.
    pub implicit_roots: Vec<ImplicitRoot>,
    /// The tileset is not georeferenced and was placed at 0 N 0 E.
    pub placed_locally: bool,
}

/// The world box of a bounding volume given in a tile's frame (regions are always geodetic
/// and ignore the tile's transform, as the spec says).
pub(crate) fn world_box(v: &BoundingVolume, world_from_tile: &Mat4) -> OrientedBox {
    match v {
        BoundingVolume::Region(r) => r.to_box(),
        BoundingVolume::Box(b) => OrientedBox {
            center: world_from_tile.point(b.center),
            half_axes: b.half_axes.map(|a| world_from_tile.vector(a)),
        },
        BoundingVolume::Sphere(s) => {
            let r = s.radius_m * world_from_tile.max_scale();
            OrientedBox {
                center: world_from_tile.point(s.center),
                half_axes: [[r, 0.0, 0.0], [0.0, r, 0.0], [0.0, 0.0, r]],
            }
        }
    }
}

/// The radius of the sphere around an oriented box's centre that holds it.
pub(crate) fn box_radius(b: &OrientedBox) -> f64 {
    let [u, v, w] = b.half_axes;
    let len = |a: [f64; 3]| (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt();
    len(u) + len(v) + len(w)
}

/// Reads a JSON bounding volume; `at` names its place for errors.
pub(crate) fn bounding_volume(json: &BoundingVolumeJson, uri: &str, at: &str) -> Result<BoundingVolume, TilesError> {
    let (key, values) = match (&json.box_, &json.region, &json.sphere) {
        (Some(b), _, _) => ("box", b),
        (None, Some(r), _) => ("region", r),
        (None, None, Some(s)) => ("sphere", s),
        (None, None, None) => return Err(TilesError::format(uri, at, "no box, region or sphere")),
    };
    if values.iter().any(|v| !v.is_finite()) {
        return Err(TilesError::format(uri, at, format!("{key} holds a number that is not finite")));
    }
    BoundingVolume::from_3dtiles(key, values).ok_or_else(|| {
        TilesError::format(uri, at, format!("a {key} has {} numbers (box 12, region 6, sphere 4)", values.len()))
    })
}

/// `reference` resolved against the folder of `base` (both relative paths or URLs), with `.`
/// and `..` segments folded. A result that climbs above the root keeps its leading `..`, which
/// the loader then refuses.
pub fn resolve_uri(base: &str, reference: &str) -> String {
    if reference.contains("://") || reference.starts_with('/') {
        return reference.to_owned();
    }
    let folder = match base.rfind('/') {
        Some(i) => &base[..=i],
        None => "",
    };
    let joined = format!("{folder}{reference}");
    let (prefix, path) = match joined.find("://") {
        Some(i) => match joined[i + 3..].find('/') {
            Some(j) => joined.split_at(i + 3 + j + 1),
            None => (joined.as_str(), ""),
        },
        None => ("", joined.as_str()),
    };
    let (path, query) = path.split_once('?').map_or((path, None), |(p, q)| (p, Some(q)));
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "." | "" => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            _ => parts.push(seg),
        }
    }
    let mut out = format!("{prefix}{}", parts.join("/"));
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

impl TileTree {
    /// The tree of a root tileset read from `uri`.
    pub fn from_tileset(json: &TilesetJson, uri: &str) -> Result<Self, TilesError> {
        let mut tree = Self {
            tiles: Vec::new(),
            version: json.asset.version.clone(),
            geometric_error: json.geometric_error,
            schema: json.schema.clone(),
            metadata: json.metadata.clone(),
            groups: json.groups.clone().unwrap_or_default(),
            implicit_roots: Vec::new(),
            placed_locally: false,
        };
        tree.add_tile(&json.root, None, Mat4::IDENTITY, Refine::Replace, uri, "root", 0)?;
        // A tileset that is not georeferenced (its root lies inside the Earth, as in several
        // Cesium samples) is placed on the ellipsoid at 0 N 0 E, z up, so a globe viewer can
        // show it; `placed_locally` says so.
        let c = tree.tiles[0].bounds.center;
        if (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]).sqrt() < 1.0e5 {
            let place =
                Mat4(city_core::EnuFrame::at(city_core::Geodetic::from_deg(0.0, 0.0, 0.0)).ecef_from_enu_matrix());
            tree.tiles.clear();
            tree.implicit_roots.clear();
            tree.add_tile(&json.root, None, place, Refine::Replace, uri, "root", 0)?;
            tree.placed_locally = true;
        }
        Ok(tree)
    }

    /// The root tile.
    pub fn root(&self) -> TileId {
        TileId(0)
    }

    /// A tile.
    pub fn get(&self, id: TileId) -> &Tile {
        &self.tiles[id.0 as usize]
    }

    /// Grafts an external tileset (the content of `parent`, read from `uri`) under `parent`.
    pub fn graft(&mut self, parent: TileId, json: &TilesetJson, uri: &str) -> Result<TileId, TilesError> {
        let p = self.get(parent);
        let (world, refine, depth) = (p.world_from_tile, p.refine, p.depth + 1);
        self.add_tile(&json.root, Some(parent), world, refine, uri, "root", depth)
    }

    /// Adds a tile and its explicit subtree.
    #[allow(clippy::too_many_arguments)]
    fn add_tile(
        &mut self,
        t: &TileJson,
        parent: Option<TileId>,
        parent_world: Mat4,
        parent_refine: Refine,
        uri: &str,
        at: &str,
        depth: u32,
    ) -> Result<TileId, TilesError> {
        let world_from_tile = match &t.transform {
            None => parent_world,
            Some(m) if m.len() == 16 => {
                let local = Mat4(std::array::from_fn(|i| m[i]));
                if !local.is_finite() {
                    return Err(TilesError::format(uri, format!("{at}.transform"), "not finite"));
                }
                parent_world.mul(&local)
            }
            Some(m) => {
                return Err(TilesError::format(uri, format!("{at}.transform"), format!("{} numbers, not 16", m.len())));
            }
        };
        let volume = bounding_volume(&t.bounding_volume, uri, &format!("{at}.boundingVolume"))?;
        let bounds = world_box(&volume, &world_from_tile);
        let request_volume = match &t.viewer_request_volume {
            Some(v) => {
                Some(world_box(&bounding_volume(v, uri, &format!("{at}.viewerRequestVolume"))?, &world_from_tile))
            }
            None => None,
        };
        if !(t.geometric_error >= 0.0 && t.geometric_error.is_finite()) {
            return Err(TilesError::format(
                uri,
                format!("{at}.geometricError"),
                format!("{} is not a non-negative number", t.geometric_error),
            ));
        }
        let refine = match t.refine.as_deref().map(str::to_ascii_uppercase).as_deref() {
            None => parent_refine,
            Some("ADD") => Refine::Add,
            Some("REPLACE") => Refine::Replace,
            Some(other) => {
                return Err(TilesError::format(
                    uri,
                    format!("{at}.refine"),
                    format!("{other:?} is not ADD or REPLACE"),
                ));
            }
        };
        let contents: Vec<TileContent> = t
            .content
            .iter()
            .chain(t.contents.iter().flatten())
            .map(|c| {
                let resolved = resolve_uri(uri, &c.uri);
                let path = resolved.split('?').next().unwrap_or("").to_ascii_lowercase();
                TileContent {
                    is_tileset: path.ends_with(".json"),
                    uri: resolved,
                    group: c.group,
                    metadata: c.metadata.clone(),
                }
            })
            .collect();
        let id = TileId(self.tiles.len() as u32);
        self.tiles.push(Tile {
            parent,
            children: Vec::new(),
            world_from_tile,
            radius_m: box_radius(&bounds),
            bounds,
            request_volume,
            // CesiumJS scales the error with the tile's transform; samples such as
            // DiscreteLOD (a 7 m dragon scaled 100x) rely on it.
            geometric_error: t.geometric_error * world_from_tile.max_scale(),
            refine,
            contents,
            depth,
            metadata: t.metadata.clone(),
            implicit: None,
            pending_subtree: None,
        });
        if let Some(p) = parent {
            self.tiles[p.0 as usize].children.push(id);
        }
        if let Some(imp) = &t.implicit_tiling {
            let error = t.geometric_error * world_from_tile.max_scale();
            let root = ImplicitRoot::new(imp, &volume, world_from_tile, error, refine, uri, at)?;
            // The contents named by the root are templates: the tile itself has contents only
            // where the subtree says so.
            let templates: Vec<TileContent> = std::mem::take(&mut self.tiles[id.0 as usize].contents);
            let subtree = root.subtree_uri(0, 0, 0, 0);
            self.implicit_roots.push(ImplicitRoot { content_templates: templates, ..root });
            let tile = &mut self.tiles[id.0 as usize];
            tile.implicit = Some((self.implicit_roots.len() - 1, 0, 0, 0, 0));
            tile.pending_subtree = Some(subtree);
            return Ok(id);
        }
        for (i, child) in t.children.iter().flatten().enumerate() {
            self.add_tile(child, Some(id), world_from_tile, refine, uri, &format!("{at}.children[{i}]"), depth + 1)?;
        }
        Ok(id)
    }

    /// Adds a tile built elsewhere (an implicit tile) under `parent`.
    pub(crate) fn push_child(&mut self, parent: TileId, tile: Tile) -> TileId {
        let id = TileId(self.tiles.len() as u32);
        self.tiles.push(tile);
        self.tiles[parent.0 as usize].children.push(id);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_resolve_against_the_naming_tileset() {
        assert_eq!(resolve_uri("tileset.json", "tiles/0.glb"), "tiles/0.glb");
        assert_eq!(resolve_uri("city/tileset.json", "ll.b3dm"), "city/ll.b3dm");
        assert_eq!(resolve_uri("a/b/tileset.json", "../c/./d.glb"), "a/c/d.glb");
        assert_eq!(resolve_uri("tileset.json", "../../etc/passwd"), "../../etc/passwd");
        assert_eq!(resolve_uri("https://h.example/t/tileset.json", "../x.glb?v=1"), "https://h.example/x.glb?v=1");
    }
}
