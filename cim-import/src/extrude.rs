//! Footprints to LoD1 blocks: what GeoJSON and OSM buildings become.
use geo::{Coord, LineString, Polygon};
use serde_json::Value;

use crate::Surface;

/// Storey height assumed for `building:levels`, metres.
pub(crate) const STOREY_M: f64 = 3.0;

/// A number from a JSON number or a numeric string (`"12"`, `"12.5 m"`).
pub(crate) fn number(v: &Value) -> Option<f64> {
    let n = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().trim_end_matches('m').trim().parse().ok(),
        _ => None,
    };
    n.filter(|x| x.is_finite())
}

/// Signed area of a ring in its own coordinates (positive: counter-clockwise).
fn signed_area(r: &[Coord<f64>]) -> f64 {
    r.windows(2).map(|w| w[0].x * w[1].y - w[1].x * w[0].y).sum::<f64>() * 0.5
}

/// A footprint extruded from `base` to `top`: floor (facing down), roof (facing up) and one
/// wall per edge (facing out), rings open as [`Surface`] wants them.
pub(crate) fn extrude(p: &Polygon<f64>, base: f64, top: f64) -> Vec<Surface> {
    // Exterior counter-clockwise, holes clockwise, seen from above (lon/lat is east/north).
    let oriented = |r: &LineString<f64>, ccw: bool| -> Vec<Coord<f64>> {
        let mut v = r.0.clone();
        if (signed_area(&v) > 0.0) != ccw {
            v.reverse();
        }
        v.pop(); // open the ring
        v
    };
    let rings: Vec<Vec<Coord<f64>>> =
        std::iter::once(oriented(p.exterior(), true)).chain(p.interiors().iter().map(|h| oriented(h, false))).collect();
    let at = |c: &Coord<f64>, z: f64| [c.x, c.y, z];
    let mut out = Vec::new();
    out.push(Surface {
        rings: rings.iter().map(|r| r.iter().map(|c| at(c, top)).collect()).collect(),
        semantic: Some("RoofSurface".into()),
    });
    out.push(Surface {
        rings: rings.iter().map(|r| r.iter().rev().map(|c| at(c, base)).collect()).collect(),
        semantic: Some("GroundSurface".into()),
    });
    for r in &rings {
        for i in 0..r.len() {
            let (a, b) = (&r[i], &r[(i + 1) % r.len()]);
            out.push(Surface {
                rings: vec![vec![at(a, base), at(b, base), at(b, top), at(a, top)]],
                semantic: Some("WallSurface".into()),
            });
        }
    }
    out
}
