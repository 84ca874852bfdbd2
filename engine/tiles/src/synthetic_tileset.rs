//! A synthetic tileset for selection benchmarks and budget tests: a regular tree over a city-
//! sized square (each tile split 5 x 2), georeferenced at a real place, every tile with one
//! content. Depth 5 gives 111,111 tiles. Built as typed structs (no JSON text or values), so a
//! big one costs little memory beyond the tree itself.
use city_core::{EnuFrame, Geodetic};

use crate::tileset_json::{AssetJson, BoundingVolumeJson, ContentJson, TileJson, TilesetJson};

/// A tile and its subtree over the rectangle (x0, y0, w, h), metres in the root's frame.
#[allow(clippy::too_many_arguments)]
fn tile(x0: f64, y0: f64, w: f64, h: f64, level: u32, depth: u32, name: &str, size_m: f64) -> TileJson {
    let error = size_m / 20.0 / 2f64.powi(level as i32 * 3 / 2);
    let children = (level < depth).then(|| {
        // 5 columns x 2 rows, alternating the long side so tiles stay roughly square.
        let (cols, rows) = if w >= h { (5, 2) } else { (2, 5) };
        let (cw, ch) = (w / cols as f64, h / rows as f64);
        (0..cols * rows)
            .map(|i| {
                let (cx, cy) = (i % cols, i / cols);
                tile(x0 + cx as f64 * cw, y0 + cy as f64 * ch, cw, ch, level + 1, depth, &format!("{name}{i}"), size_m)
            })
            .collect()
    });
    TileJson {
        bounding_volume: BoundingVolumeJson {
            box_: Some(vec![x0 + w / 2.0, y0 + h / 2.0, 30.0, w / 2.0, 0.0, 0.0, 0.0, h / 2.0, 0.0, 0.0, 0.0, 30.0]),
            ..Default::default()
        },
        viewer_request_volume: None,
        geometric_error: if level == depth { 0.0 } else { error },
        refine: None,
        transform: None,
        content: Some(ContentJson { uri: format!("t/{name}.glb"), bounding_volume: None, group: None, metadata: None }),
        contents: None,
        children,
        implicit_tiling: None,
        metadata: None,
        extensions: None,
    }
}

/// The tileset of a tree `depth` levels below the root over `size_m` metres, centred on
/// `centre`. Tile contents are named `t/{path}.glb` (they do not exist: callers make them up).
pub fn synthetic_tileset(depth: u32, size_m: f64, centre: Geodetic) -> TilesetJson {
    let mut root = tile(-size_m / 2.0, -size_m / 2.0, size_m, size_m, 0, depth, "r", size_m);
    root.transform = Some(EnuFrame::at(centre).ecef_from_enu_matrix().to_vec());
    root.refine = Some("REPLACE".into());
    TilesetJson {
        asset: AssetJson { version: "1.1".into(), extras: None },
        geometric_error: size_m,
        root,
        schema: None,
        schema_uri: None,
        metadata: None,
        groups: None,
        properties: None,
        extensions_required: Vec::new(),
    }
}
