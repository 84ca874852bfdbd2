//! 3D Tiles 1.1 implicit tiling: quadtrees and octrees whose tiles are known from `.subtree`
//! availability bitstreams instead of being listed in JSON.
//!
//! The tree is expanded lazily: the implicit root starts with `pending_subtree` set; when its
//! subtree file is loaded, [`expand_subtree`] adds every available tile of that subtree (with
//! its bounding volume, error and content URIs from the templates) and, below its last level,
//! placeholders for the available child subtrees, which expand in turn when selection reaches
//! them.
use city_core::{BoundingVolume, OrientedBox, Region};
use serde::Deserialize;

use crate::tile_tree::{Refine, Tile, TileContent, TileId, TileTree, box_radius, resolve_uri, world_box};
use crate::tileset_json::ImplicitTilingJson;
use crate::{Mat4, TilesError};

/// Quadtree or octree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subdivision {
    /// Four children, split in x and y.
    Quadtree,
    /// Eight children, split in x, y and z.
    Octree,
}

/// What an implicit tree's root says about the whole tree.
#[derive(Debug, Clone)]
pub struct ImplicitRoot {
    /// Quadtree or octree.
    pub scheme: Subdivision,
    /// Levels per subtree file.
    pub subtree_levels: u32,
    /// Levels in the tree.
    pub available_levels: u32,
    /// The subtree URI template, resolved against the tileset.
    pub subtree_template: String,
    /// The content URI templates (resolved).
    pub content_templates: Vec<TileContent>,
    /// The root's volume in its tile frame.
    pub volume: BoundingVolume,
    /// The root's tile frame.
    pub world_from_tile: Mat4,
    /// The root's geometric error; level n has error / 2^n.
    pub geometric_error: f64,
    /// ADD or REPLACE, for every tile.
    pub refine: Refine,
}

fn fill(template: &str, level: u32, x: u64, y: u64, z: u64) -> String {
    template
        .replace("{level}", &level.to_string())
        .replace("{x}", &x.to_string())
        .replace("{y}", &y.to_string())
        .replace("{z}", &z.to_string())
}

impl ImplicitRoot {
    pub(crate) fn new(
        json: &ImplicitTilingJson,
        volume: &BoundingVolume,
        world_from_tile: Mat4,
        geometric_error: f64,
        refine: Refine,
        uri: &str,
        at: &str,
    ) -> Result<Self, TilesError> {
        let scheme = match json.subdivision_scheme.as_str() {
            "QUADTREE" => Subdivision::Quadtree,
            "OCTREE" => Subdivision::Octree,
            other => {
                return Err(TilesError::format(
                    uri,
                    format!("{at}.implicitTiling.subdivisionScheme"),
                    format!("{other:?}"),
                ));
            }
        };
        if json.subtree_levels == 0 || json.available_levels == 0 || json.available_levels > 32 {
            return Err(TilesError::format(
                uri,
                format!("{at}.implicitTiling"),
                "subtreeLevels and availableLevels must be 1..32",
            ));
        }
        if matches!(volume, BoundingVolume::Sphere(_)) {
            return Err(TilesError::format(
                uri,
                format!("{at}.boundingVolume"),
                "implicit tiling needs a box or a region",
            ));
        }
        Ok(Self {
            scheme,
            subtree_levels: json.subtree_levels,
            available_levels: json.available_levels,
            subtree_template: resolve_uri(uri, &json.subtrees.uri),
            content_templates: Vec::new(),
            volume: *volume,
            world_from_tile,
            geometric_error,
            refine,
        })
    }

    /// The URI of the subtree rooted at a tile.
    pub fn subtree_uri(&self, level: u32, x: u64, y: u64, z: u64) -> String {
        fill(&self.subtree_template, level, x, y, z)
    }

    /// The volume of the tile at (level, x, y, z), in the root's tile frame.
    pub fn tile_volume(&self, level: u32, x: u64, y: u64, z: u64) -> BoundingVolume {
        let n = (1u64 << level) as f64;
        let octree = self.scheme == Subdivision::Octree;
        match self.volume {
            BoundingVolume::Box(b) => {
                let frac = |c: u64| (2.0 * c as f64 + 1.0) / n - 1.0;
                let (fx, fy, fz) = (frac(x), frac(y), if octree { frac(z) } else { 0.0 });
                let [u, v, w] = b.half_axes;
                let center = std::array::from_fn(|i| b.center[i] + u[i] * fx + v[i] * fy + w[i] * fz);
                let wz = if octree { w.map(|c| c / n) } else { w };
                BoundingVolume::Box(OrientedBox { center, half_axes: [u.map(|c| c / n), v.map(|c| c / n), wz] })
            }
            BoundingVolume::Region(r) => {
                let lerp = |a: f64, b: f64, t: f64| a + (b - a) * t;
                let (h0, h1) = if octree {
                    (
                        lerp(r.min_height_m, r.max_height_m, z as f64 / n),
                        lerp(r.min_height_m, r.max_height_m, (z + 1) as f64 / n),
                    )
                } else {
                    (r.min_height_m, r.max_height_m)
                };
                BoundingVolume::Region(Region {
                    west: lerp(r.west, r.east, x as f64 / n),
                    east: lerp(r.west, r.east, (x + 1) as f64 / n),
                    south: lerp(r.south, r.north, y as f64 / n),
                    north: lerp(r.south, r.north, (y + 1) as f64 / n),
                    min_height_m: h0,
                    max_height_m: h1,
                })
            }
            BoundingVolume::Sphere(_) => self.volume, // refused in `new`
        }
    }

    /// A tile of this tree (without children yet).
    fn tile(&self, root: usize, parent: TileId, depth: u32, (level, x, y, z): (u32, u64, u64, u64)) -> Tile {
        let bounds = world_box(&self.tile_volume(level, x, y, z), &self.world_from_tile);
        Tile {
            parent: Some(parent),
            children: Vec::new(),
            world_from_tile: self.world_from_tile,
            radius_m: box_radius(&bounds),
            bounds,
            request_volume: None,
            geometric_error: self.geometric_error / (1u64 << level) as f64,
            refine: self.refine,
            contents: Vec::new(),
            depth,
            metadata: None,
            implicit: Some((root, level, x, y, z)),
            pending_subtree: None,
        }
    }

    fn bits_per_level(&self) -> u32 {
        if self.scheme == Subdivision::Octree { 3 } else { 2 }
    }
}

/// The (x, y, z) of a Morton index: x in bit 0, y in bit 1 (and z in bit 2) of each group.
fn morton_decode(m: u64, dims: u32) -> (u64, u64, u64) {
    let mut c = [0u64; 3];
    for bit in 0..(64 / dims) {
        for (d, coord) in c.iter_mut().enumerate().take(dims as usize) {
            *coord |= ((m >> (bit * dims + d as u32)) & 1) << bit;
        }
    }
    (c[0], c[1], c[2])
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubtreeJson {
    #[serde(default)]
    buffers: Vec<BufferJson>,
    #[serde(default)]
    buffer_views: Vec<BufferViewJson>,
    tile_availability: AvailabilityJson,
    #[serde(default)]
    content_availability: Vec<AvailabilityJson>,
    child_subtree_availability: AvailabilityJson,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BufferJson {
    byte_length: usize,
    #[serde(default)]
    uri: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BufferViewJson {
    buffer: usize,
    #[serde(default)]
    byte_offset: usize,
    byte_length: usize,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AvailabilityJson {
    #[serde(default, alias = "bufferView")]
    bitstream: Option<usize>,
    #[serde(default)]
    constant: Option<u8>,
}

/// One availability: all, none, or a bitstream.
enum Availability<'a> {
    Constant(bool),
    Bits(&'a [u8]),
}

impl Availability<'_> {
    fn get(&self, i: u64) -> bool {
        match self {
            Self::Constant(c) => *c,
            Self::Bits(b) => b.get((i / 8) as usize).is_some_and(|byte| (byte >> (i % 8)) & 1 == 1),
        }
    }
}

/// A parsed `.subtree` (binary) or subtree JSON, with its bitstreams.
struct Subtree<'a> {
    tiles: Availability<'a>,
    contents: Vec<Availability<'a>>,
    children: Availability<'a>,
}

/// The JSON and the binary chunk of a `.subtree` file; a JSON subtree has no binary chunk.
fn split_subtree<'a>(bytes: &'a [u8], uri: &str) -> Result<(&'a [u8], &'a [u8]), TilesError> {
    Ok(if bytes.starts_with(b"subt") {
        if bytes.len() < 24 {
            return Err(TilesError::format(
                uri,
                "byte 0",
                format!("{} bytes: shorter than the 24-byte header", bytes.len()),
            ));
        }
        let u64_at = |o: usize| u64::from_le_bytes(bytes[o..o + 8].try_into().unwrap_or([0; 8])) as usize;
        let (jl, bl) = (u64_at(8), u64_at(16));
        let json_end = 24usize.saturating_add(jl);
        let bin_end = json_end.saturating_add(bl);
        if bin_end > bytes.len() {
            return Err(TilesError::format(
                uri,
                "byte 8",
                format!(
                    "header says {jl} bytes of JSON and {bl} of binary, the file has {} after the header",
                    bytes.len() - 24
                ),
            ));
        }
        (&bytes[24..json_end], &bytes[json_end..bin_end])
    } else {
        (bytes, &[])
    })
}

fn parse_subtree<'a>(bytes: &'a [u8], uri: &str, bits_needed: (u64, u64)) -> Result<Subtree<'a>, TilesError> {
    let (json, binary) = split_subtree(bytes, uri)?;
    let sj: SubtreeJson = serde_json::from_slice(json).map_err(|e| TilesError::json(uri, &e))?;
    if let Some(b) = sj.buffers.iter().position(|b| b.uri.is_some()) {
        return Err(TilesError::Unsupported {
            uri: uri.to_owned(),
            what: format!("subtree buffer {b} in a separate file"),
        });
    }
    let avail = |a: &AvailabilityJson, what: &str, bits: u64| -> Result<Availability<'a>, TilesError> {
        match (a.bitstream, a.constant) {
            (Some(v), _) => {
                let view = sj
                    .buffer_views
                    .get(v)
                    .ok_or_else(|| TilesError::format(uri, what, format!("bufferView {v} does not exist")))?;
                let end = view.byte_offset.saturating_add(view.byte_length);
                if view.buffer != 0 || end > binary.len() || end > sj.buffers.first().map_or(0, |b| b.byte_length) {
                    return Err(TilesError::format(
                        uri,
                        what,
                        format!("bufferView {v} runs past the binary chunk ({} bytes)", binary.len()),
                    ));
                }
                if (view.byte_length as u64) * 8 < bits {
                    return Err(TilesError::format(
                        uri,
                        what,
                        format!("bitstream of {} bytes is truncated: {bits} bits needed", view.byte_length),
                    ));
                }
                Ok(Availability::Bits(&binary[view.byte_offset..end]))
            }
            (None, Some(c)) => Ok(Availability::Constant(c == 1)),
            (None, None) => Err(TilesError::format(uri, what, "neither bitstream nor constant")),
        }
    };
    let (tile_bits, child_bits) = bits_needed;
    Ok(Subtree {
        tiles: avail(&sj.tile_availability, "tileAvailability", tile_bits)?,
        contents: sj
            .content_availability
            .iter()
            .enumerate()
            .map(|(i, a)| avail(a, &format!("contentAvailability[{i}]"), tile_bits))
            .collect::<Result<_, _>>()?,
        children: avail(&sj.child_subtree_availability, "childSubtreeAvailability", child_bits)?,
    })
}

/// A subtree whose buffers live in separate files (`"uri": "0.0.0.bin"`, which the spec allows
/// and some producers write) made self-contained: the files fetched through `loader`, relative
/// to `uri`, and appended to the binary chunk, each buffer view pointed at its new place. A
/// subtree with no such buffer comes back as it was, without a copy.
pub fn inline_subtree_buffers<'b>(
    bytes: &'b [u8],
    uri: &str,
    loader: &dyn crate::ContentLoader,
) -> Result<std::borrow::Cow<'b, [u8]>, TilesError> {
    use std::borrow::Cow;
    let (json, binary) = split_subtree(bytes, uri)?;
    let mut doc: serde_json::Value = serde_json::from_slice(json).map_err(|e| TilesError::json(uri, &e))?;
    let buffers = doc["buffers"].as_array().cloned().unwrap_or_default();
    if buffers.iter().all(|b| b.get("uri").is_none()) {
        return Ok(Cow::Borrowed(bytes));
    }
    let mut merged = Vec::new();
    let mut base = Vec::with_capacity(buffers.len());
    for (i, b) in buffers.iter().enumerate() {
        while !merged.len().is_multiple_of(8) {
            merged.push(0);
        }
        base.push(merged.len());
        match b["uri"].as_str() {
            Some(u) => merged.extend(loader.load(&crate::resolve_uri(uri, u)).map_err(|e| {
                // Named by the subtree that asks for it, where the user will look.
                TilesError::format(uri, "buffers", format!("buffer {u:?}: {e}"))
            })?),
            None if i == 0 => merged.extend_from_slice(binary),
            None => return Err(TilesError::format(uri, format!("buffers[{i}]"), "no uri and not the binary chunk")),
        }
    }
    for (i, v) in doc["bufferViews"].as_array_mut().into_iter().flatten().enumerate() {
        let b = v["buffer"].as_u64().unwrap_or(0) as usize;
        let start = *base.get(b).ok_or_else(|| {
            TilesError::format(uri, format!("bufferViews[{i}]"), format!("buffer {b} does not exist"))
        })?;
        v["byteOffset"] = (start + v["byteOffset"].as_u64().unwrap_or(0) as usize).into();
        v["buffer"] = 0.into();
    }
    doc["buffers"] = serde_json::json!([{ "byteLength": merged.len() }]);
    let mut json = serde_json::to_vec(&doc).unwrap_or_default();
    while !json.len().is_multiple_of(8) {
        json.push(b' ');
    }
    let mut out = b"subt".to_vec();
    out.extend(1u32.to_le_bytes());
    out.extend((json.len() as u64).to_le_bytes());
    out.extend((merged.len() as u64).to_le_bytes());
    out.extend(json);
    out.extend(merged);
    Ok(Cow::Owned(out))
}

/// Adds the tiles of the subtree rooted at `at` (whose subtree file is `bytes`) to the tree.
/// Returns how many tiles were added.
pub fn expand_subtree(tree: &mut TileTree, at: TileId, bytes: &[u8]) -> Result<usize, TilesError> {
    let tile = tree.get(at);
    let uri = tile.pending_subtree.clone().unwrap_or_default();
    let Some((root_index, level0, x0, y0, z0)) = tile.implicit else {
        return Err(TilesError::format(&uri, "tile", "not a tile of an implicit tree"));
    };
    let root = tree.implicit_roots[root_index].clone();
    let dims = root.bits_per_level();
    let n = 1u64 << dims; // children per tile
    let levels = root.subtree_levels.min(root.available_levels.saturating_sub(level0));
    let tile_bits = (n.pow(root.subtree_levels) - 1) / (n - 1);
    let child_bits = n.pow(root.subtree_levels);
    let sub = parse_subtree(bytes, &uri, (tile_bits, child_bits))?;
    if !sub.tiles.get(0) {
        return Err(TilesError::format(&uri, "tileAvailability", "the subtree's root tile is not available"));
    }
    let contents_at = |bit: u64, level: u32, x: u64, y: u64, z: u64| -> Vec<TileContent> {
        root.content_templates
            .iter()
            .zip(&sub.contents)
            .filter(|(_, a)| a.get(bit))
            .map(|(t, _)| TileContent { uri: fill(&t.uri, level, x, y, z), ..t.clone() })
            .collect()
    };
    let depth0 = tree.get(at).depth;
    {
        let t = &mut tree.tiles[at.0 as usize];
        t.contents = contents_at(0, level0, x0, y0, z0);
        t.pending_subtree = None;
    }
    // Tile ids of the previous level, by Morton index within the subtree.
    let mut previous: Vec<Option<TileId>> = vec![Some(at)];
    let mut added = 0;
    let global = |l: u32, m: u64| {
        let (x, y, z) = morton_decode(m, dims);
        (level0 + l, (x0 << l) + x, (y0 << l) + y, (z0 << l) + z)
    };
    for l in 1..levels {
        let offset = (n.pow(l) - 1) / (n - 1);
        let mut current = vec![None; n.pow(l) as usize];
        for m in 0..n.pow(l) {
            if !sub.tiles.get(offset + m) {
                continue;
            }
            let Some(parent) = previous[(m >> dims) as usize] else { continue };
            let coords = global(l, m);
            let mut t = root.tile(root_index, parent, depth0 + l, coords);
            t.contents = contents_at(offset + m, coords.0, coords.1, coords.2, coords.3);
            current[m as usize] = Some(tree.push_child(parent, t));
            added += 1;
        }
        previous = current;
    }
    // Child subtrees hang under the last level's tiles, when the tree goes deeper.
    if levels == root.subtree_levels && level0 + levels < root.available_levels {
        for m in 0..child_bits {
            if !sub.children.get(m) {
                continue;
            }
            let Some(parent) = previous[(m >> dims) as usize] else { continue };
            let coords = global(levels, m);
            let mut t = root.tile(root_index, parent, depth0 + levels, coords);
            t.pending_subtree = Some(root.subtree_uri(coords.0, coords.1, coords.2, coords.3));
            tree.push_child(parent, t);
            added += 1;
        }
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn morton_indices_interleave_x_first() {
        assert_eq!(morton_decode(0b01, 2), (1, 0, 0));
        assert_eq!(morton_decode(0b10, 2), (0, 1, 0));
        assert_eq!(morton_decode(0b1011, 2), (1, 3, 0)); // x bits 1,0 -> 1; y bits 1,1 -> 3
        assert_eq!(morton_decode(0b100, 3), (0, 0, 1));
        assert_eq!(morton_decode(0b111_001, 3), (3, 2, 2));
    }
}
