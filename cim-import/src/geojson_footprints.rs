//! GeoJSON building footprints (RFC 7946: WGS84 longitude, latitude) extruded to LoD1 blocks.
//!
//! Heights come from `height` (metres; numbers or numeric strings such as `"12 m"`), else
//! `building:levels` x 3 m, else the attribute `--height-attr` names, else a default height,
//! counted and warned about. `min_height` lifts the block's base. Features that share an id are
//! pieces of one building (vector tiles cut buildings at tile edges) and become one object;
//! an id seen only on label points has no footprint and is listed as skipped.
use std::collections::BTreeMap;
use std::path::Path;

use city_core::{AttributeValue, Attributes, AxisOrder, Crs, ObjectKind};
use geo::{Coord, LineString, Polygon};
use serde_json::Value;

use crate::extrude::{STOREY_M, default_height_warning, lod1_object, number, wgs84_lon_lat};
use crate::object_sink::hand_over;
use crate::{ExtrudeOptions, ImportError, Imported, ObjectSink, ReadOptions, Skipped};

/// The features of one building id, gathered.
struct Pieces {
    polygons: Vec<Polygon<f64>>,
    attributes: Attributes,
    /// The greatest height any piece gives.
    height: Option<f64>,
    /// The lowest base any piece gives.
    base: f64,
}

/// The CRS of a GeoJSON 2008 `crs` member (`{"type": "name", "properties": {"name":
/// "urn:ogc:def:crs:EPSG::28992"}}`), which RFC 7946 dropped but GDAL and QGIS still write for
/// data that is not WGS84. Coordinates stay easting first, as GeoJSON's always are. A name that
/// is not a CRS is an error: reading metres as degrees would put every building nowhere.
fn legacy_crs(json: &Value, path: &Path) -> Result<Option<Crs>, ImportError> {
    let Some(name) = json["crs"]["properties"]["name"].as_str() else { return Ok(None) };
    let upper = name.to_ascii_uppercase();
    if upper.ends_with("CRS84") || upper.ends_with("CRS:84") {
        return Ok(None); // longitude, latitude: the default
    }
    Crs::parse(name).map(|c| Some(c.with_axis_order(AxisOrder::EastNorth))).map_err(|e| ImportError::Format {
        file: path.to_owned(),
        reason: format!("\"crs\" member names {name:?}: {e}"),
    })
}

/// Reads a GeoJSON FeatureCollection of footprints and hands the extruded buildings to `sink`.
pub(crate) fn read_geojson_footprints(
    path: &Path,
    opts: &ReadOptions,
    sink: &mut ObjectSink<'_>,
) -> Result<Imported, ImportError> {
    hand_over(read_footprints(path, &opts.extrude)?, sink)
}

/// The whole file's buildings.
fn read_footprints(path: &Path, opts: &ExtrudeOptions) -> Result<Imported, ImportError> {
    let text = city_core::read_utf8(path).map_err(|source| ImportError::Io { file: path.to_owned(), source })?;
    let json: Value = serde_json::from_str(&text).map_err(|e| ImportError::Json {
        file: path.to_owned(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let features = json["features"].as_array().ok_or_else(|| ImportError::Format {
        file: path.to_owned(),
        reason: "not a GeoJSON FeatureCollection (no \"features\" array)".into(),
    })?;
    let skip = |id: &str, reason: String| Skipped { file: path.to_owned(), id: id.to_owned(), reason };

    // Pieces by id, in order of first appearance.
    let mut order: Vec<String> = Vec::new();
    let mut pieces: BTreeMap<String, Pieces> = BTreeMap::new();
    let mut skipped = Vec::new();
    let mut defaulted = 0usize;
    for (i, f) in features.iter().enumerate() {
        let props = &f["properties"];
        let id = match (&f["id"], &props["id"]) {
            (Value::Null, Value::Null) => format!("feature {}", i + 1),
            (Value::Null, v) | (v, _) => v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()),
        };
        let polygons = match polygons(&f["geometry"]) {
            Ok(p) => p,
            Err(reason) => {
                if !pieces.contains_key(&id) {
                    skipped.push(skip(&id, format!("feature {}: {reason}", i + 1)));
                }
                continue;
            }
        };
        let height = number(&props["height"])
            .or_else(|| number(&props["building:levels"]).map(|l| l * STOREY_M))
            .or_else(|| opts.height_attr.as_ref().and_then(|a| number(&props[a.as_str()])));
        let min_height = number(&props["min_height"]).unwrap_or(0.0);
        let entry = pieces.entry(id.clone()).or_insert_with(|| {
            order.push(id.clone());
            let attributes = props
                .as_object()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), AttributeValue::from(v))).collect())
                .unwrap_or_default();
            Pieces { polygons: Vec::new(), attributes, height: None, base: min_height }
        });
        entry.polygons.extend(polygons);
        entry.height = match (entry.height, height) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        entry.base = entry.base.min(min_height);
    }
    // Ids first seen as points whose polygon came later are not skipped after all.
    skipped.retain(|s| !pieces.contains_key(&s.id));

    let mut objects = Vec::with_capacity(order.len());
    for id in order {
        let Some(Pieces { polygons: polys, attributes, height, base }) = pieces.remove(&id) else { continue };
        let top = match height {
            Some(h) if h > base => h,
            Some(_) | None => {
                defaulted += 1;
                base + opts.default_height_m
            }
        };
        let kind = match attributes.get("kind").and_then(AttributeValue::as_str) {
            Some("building_part") => ObjectKind::BuildingPart,
            _ => ObjectKind::Building,
        };
        match lod1_object(id.clone(), kind, polys, (base, top), attributes) {
            Some(o) => objects.push(o),
            None => skipped.push(skip(&id, "footprint has no area".into())),
        }
    }
    let warnings = default_height_warning(path, defaulted, opts).into_iter().collect();
    let crs = legacy_crs(&json, path)?.or_else(wgs84_lon_lat);
    Ok(Imported { file: path.to_owned(), crs, objects, skipped, warnings, textures: Vec::new() })
}

/// The polygons of a Polygon or MultiPolygon geometry, rings checked.
fn polygons(g: &Value) -> Result<Vec<Polygon<f64>>, String> {
    let ring = |r: &Value| -> Result<LineString<f64>, String> {
        let pts: Vec<Coord<f64>> = r
            .as_array()
            .ok_or("a ring is not an array")?
            .iter()
            .map(|p| match (p.get(0).and_then(Value::as_f64), p.get(1).and_then(Value::as_f64)) {
                (Some(x), Some(y)) if x.is_finite() && y.is_finite() => Ok(Coord { x, y }),
                _ => Err(format!("position {p} is not [lon, lat]")),
            })
            .collect::<Result<_, _>>()?;
        if pts.len() < 4 || pts.first() != pts.last() {
            return Err("a ring is not closed or has fewer than 4 positions".into());
        }
        Ok(LineString(pts))
    };
    let polygon = |p: &Value| -> Result<Polygon<f64>, String> {
        let rings = p.as_array().ok_or("a polygon is not an array of rings")?;
        let mut it = rings.iter().map(ring);
        let exterior = it.next().ok_or("a polygon without rings")??;
        Ok(Polygon::new(exterior, it.collect::<Result<_, _>>()?))
    };
    match g["type"].as_str() {
        Some("Polygon") => Ok(vec![polygon(&g["coordinates"])?]),
        Some("MultiPolygon") => {
            g["coordinates"].as_array().ok_or("coordinates is not an array")?.iter().map(polygon).collect()
        }
        Some(other) => Err(format!("a {other}, not a footprint (label points carry no outline)")),
        None => Err("no geometry".into()),
    }
}
