//! A synthetic tileset for selection benchmarks and budget tests: a regular tree over a city-
//! sized square (each tile split 5 x 2), georeferenced at a real place, every tile with one
//! content. Depth 5 gives 111,111 tiles.
use city_core::{EnuFrame, Geodetic};
use serde_json::{Value, json};

use crate::TilesetJson;

/// The tileset JSON of a tree `depth` levels below the root over `size_m` metres, centred on
/// `centre`. Tile contents are named `t/{path}.glb` (they do not exist: callers fake the loads).
pub fn synthetic_tileset(depth: u32, size_m: f64, centre: Geodetic) -> TilesetJson {
    #[allow(clippy::too_many_arguments)]
    fn tile(x0: f64, y0: f64, w: f64, h: f64, level: u32, depth: u32, name: &str, size_m: f64) -> Value {
        let error = size_m / 20.0 / 2f64.powi(level as i32 * 3 / 2);
        let mut t = json!({
            "boundingVolume": {"box": [x0 + w / 2.0, y0 + h / 2.0, 30.0, w / 2.0, 0, 0, 0, h / 2.0, 0, 0, 0, 30.0]},
            "geometricError": if level == depth { 0.0 } else { error },
            "content": {"uri": format!("t/{name}.glb")},
        });
        if level < depth {
            // 5 columns x 2 rows, alternating the long side so tiles stay roughly square.
            let (cols, rows) = if w >= h { (5, 2) } else { (2, 5) };
            let (cw, ch) = (w / cols as f64, h / rows as f64);
            let children: Vec<Value> = (0..cols * rows)
                .map(|i| {
                    let (cx, cy) = (i % cols, i / cols);
                    tile(
                        x0 + cx as f64 * cw,
                        y0 + cy as f64 * ch,
                        cw,
                        ch,
                        level + 1,
                        depth,
                        &format!("{name}{i}"),
                        size_m,
                    )
                })
                .collect();
            t["children"] = Value::Array(children);
        }
        t
    }
    let frame = EnuFrame::at(centre);
    let mut root = tile(-size_m / 2.0, -size_m / 2.0, size_m, size_m, 0, depth, "r", size_m);
    root["transform"] = json!(frame.ecef_from_enu_matrix());
    root["refine"] = json!("REPLACE");
    let doc = json!({"asset": {"version": "1.1"}, "geometricError": size_m, "root": root});
    serde_json::from_value(doc).unwrap_or_else(|e| unreachable!("the synthetic tileset is valid JSON: {e}"))
}
