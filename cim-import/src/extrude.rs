//! Footprints to LoD1 blocks: what GeoJSON and OSM buildings become.
use std::path::Path;

use city_core::{Attributes, AxisOrder, CityObject, Crs, GeometryRef, Lod, ObjectKind};
use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde_json::Value;

use crate::{ImportedObject, Skipped, Surface};

/// How to extrude footprints.
#[derive(Debug, Clone)]
pub struct ExtrudeOptions {
    /// An attribute to read the height from when `height` and `building:levels` are absent.
    pub height_attr: Option<String>,
    /// Height of a building that gives none, metres.
    pub default_height_m: f64,
}

impl Default for ExtrudeOptions {
    fn default() -> Self {
        Self { height_attr: None, default_height_m: 10.0 }
    }
}

/// A footprint reader's object: the footprint extruded from `base` to `top` as LoD1.
/// Footprints without area (all points on a line) are dropped; `None` when none is left.
pub(crate) fn lod1_object(
    id: String,
    kind: ObjectKind,
    polygons: Vec<Polygon<f64>>,
    (base, top): (f64, f64),
    attributes: Attributes,
) -> Option<ImportedObject> {
    let polygons: Vec<Polygon<f64>> = polygons.into_iter().filter(|p| signed_area(&p.exterior().0) != 0.0).collect();
    if polygons.is_empty() {
        return None;
    }
    let surfaces = polygons.iter().flat_map(|p| extrude(p, base, top)).collect();
    let object = CityObject {
        id,
        kind,
        parent: None,
        footprint: MultiPolygon(polygons),
        z_min_m: base,
        z_max_m: top,
        lods: vec![GeometryRef { lod: Lod { major: 1, minor: 0 }, content_uri: None, feature_id: None }],
        attributes,
    };
    Some(ImportedObject { object, surfaces })
}

/// The warning for buildings that gave no height and got the default.
pub(crate) fn default_height_warning(file: &Path, count: usize, opts: &ExtrudeOptions) -> Option<Skipped> {
    (count > 0).then(|| Skipped {
        file: file.to_owned(),
        id: String::new(),
        reason: format!(
            "{count} buildings give no height (height, building:levels{}): extruded to {} m",
            opts.height_attr.as_ref().map(|a| format!(", {a}")).unwrap_or_default(),
            opts.default_height_m
        ),
    })
}

/// WGS84 longitude, latitude: the CRS of GeoJSON (RFC 7946) and OSM.
pub(crate) fn wgs84_lon_lat() -> Option<Crs> {
    Crs::from_epsg(4326).ok().map(|c| c.with_axis_order(AxisOrder::EastNorth))
}

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
        texture: None,
        color: None,
    });
    out.push(Surface {
        rings: rings.iter().map(|r| r.iter().rev().map(|c| at(c, base)).collect()).collect(),
        semantic: Some("GroundSurface".into()),
        texture: None,
        color: None,
    });
    for r in &rings {
        for i in 0..r.len() {
            let (a, b) = (&r[i], &r[(i + 1) % r.len()]);
            out.push(Surface {
                rings: vec![vec![at(a, base), at(b, base), at(b, top), at(a, top)]],
                semantic: Some("WallSurface".into()),
                texture: None,
                color: None,
            });
        }
    }
    out
}
