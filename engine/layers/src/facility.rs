//! Facilities an incident needs near it: hospitals, fire stations, shelters, schools. Read from
//! GeoJSON points tagged as OpenStreetMap tags them (`amenity=hospital|fire_station|school`,
//! `emergency=assembly_point`, `social_facility=shelter`) or with a plain `kind`; ranked per
//! incident by straight-line distance from the zone's edge (0 inside; routing comes later).
use std::path::Path;

use geo::{Distance, Euclidean, MultiPolygon, Point};
use serde_json::Value;

use crate::LayerError;

/// The kinds of facility the operations centre asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FacilityKind {
    /// `amenity=hospital`.
    Hospital,
    /// `amenity=fire_station`.
    FireStation,
    /// `social_facility=shelter`, `emergency=assembly_point`, `amenity=shelter`.
    Shelter,
    /// `amenity=school`.
    School,
}

impl FacilityKind {
    /// All kinds, in the order reports list them.
    pub const ALL: [Self; 4] = [Self::Hospital, Self::FireStation, Self::Shelter, Self::School];

    /// The kind named by OSM-style tags or a plain `kind` property.
    pub fn from_properties(p: &Value) -> Option<Self> {
        let tag = |k: &str| p[k].as_str().unwrap_or("");
        match (tag("kind"), tag("amenity"), tag("emergency"), tag("social_facility")) {
            ("hospital", ..) | (_, "hospital", ..) => Some(Self::Hospital),
            ("fire_station", ..) | (_, "fire_station", ..) => Some(Self::FireStation),
            ("shelter", ..) | (_, "shelter", ..) | (_, _, "assembly_point", _) | (.., "shelter") => Some(Self::Shelter),
            ("school", ..) | (_, "school", ..) => Some(Self::School),
            _ => None,
        }
    }

    /// Its name in reports.
    pub fn label(self) -> &'static str {
        match self {
            Self::Hospital => "hospital",
            Self::FireStation => "fire station",
            Self::Shelter => "shelter",
            Self::School => "school",
        }
    }
}

/// One facility.
#[derive(Debug, Clone, PartialEq)]
pub struct Facility {
    /// Its id (the feature's `id`, or its position in the file).
    pub id: String,
    /// Its name (`name` tag), or the id.
    pub name: String,
    /// What it is.
    pub kind: FacilityKind,
    /// Longitude, latitude, degrees.
    pub lon_lat: [f64; 2],
}

/// Reads the facilities of a GeoJSON file: Point features of a known kind; other features are
/// not facilities and are passed over; a known kind that is not a Point is an error naming it.
pub fn read_facilities(path: &Path) -> Result<Vec<Facility>, LayerError> {
    let file = path.display().to_string();
    let fail = |reason: String| LayerError::File { file: file.clone(), reason };
    let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| fail(format!("not JSON: {e}")))?;
    let features = v["features"].as_array().ok_or_else(|| fail("not a GeoJSON FeatureCollection".into()))?;
    let mut out = Vec::new();
    for (i, f) in features.iter().enumerate() {
        let Some(kind) = FacilityKind::from_properties(&f["properties"]) else { continue };
        let id = match (&f["id"], &f["properties"]["id"]) {
            (Value::String(s), _) | (_, Value::String(s)) => s.clone(),
            (Value::Number(n), _) | (_, Value::Number(n)) => n.to_string(),
            _ => format!("features[{i}]"),
        };
        let c = &f["geometry"]["coordinates"];
        let (Some(lon), Some(lat)) = (c[0].as_f64(), c[1].as_f64()) else {
            return Err(fail(format!("features[{i}] ({id}): a {} that is not a Point", kind.label())));
        };
        if f["geometry"]["type"] != "Point" || lon.abs() > 180.0 || lat.abs() > 90.0 {
            return Err(fail(format!("features[{i}] ({id}): a {} that is not a Point in degrees", kind.label())));
        }
        let name = f["properties"]["name"].as_str().map_or_else(|| id.clone(), str::to_owned);
        out.push(Facility { id, name, kind, lon_lat: [lon, lat] });
    }
    Ok(out)
}

/// Per kind, the facilities ranked for one zone: (kind, [(facility index, distance m)]).
pub type NearestFacilities = Vec<(FacilityKind, Vec<(usize, f64)>)>;

/// For one zone (projected), the `k` nearest facilities of each kind: (kind, [(facility index,
/// distance m)]) nearest first; `positions` are the facilities projected the same way.
pub fn nearest_facilities(
    zone: &MultiPolygon<f64>,
    facilities: &[Facility],
    positions: &[[f64; 2]],
    k: usize,
) -> NearestFacilities {
    FacilityKind::ALL
        .iter()
        .map(|&kind| {
            let mut ranked: Vec<(usize, f64)> = facilities
                .iter()
                .zip(positions)
                .enumerate()
                .filter(|(_, (f, _))| f.kind == kind)
                .map(|(i, (_, p))| (i, Euclidean.distance(&Point::new(p[0], p[1]), zone)))
                .collect();
            ranked.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            ranked.truncate(k);
            (kind, ranked)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_name_kinds_and_a_facility_that_is_not_a_point_is_refused() {
        let kind = |v: Value| FacilityKind::from_properties(&v);
        assert_eq!(kind(serde_json::json!({"amenity": "hospital"})), Some(FacilityKind::Hospital));
        assert_eq!(kind(serde_json::json!({"emergency": "assembly_point"})), Some(FacilityKind::Shelter));
        assert_eq!(kind(serde_json::json!({"social_facility": "shelter"})), Some(FacilityKind::Shelter));
        assert_eq!(kind(serde_json::json!({"kind": "fire_station"})), Some(FacilityKind::FireStation));
        assert_eq!(kind(serde_json::json!({"amenity": "pharmacy"})), None);
        let path = std::env::temp_dir().join(format!("citytwin-facilities-{}.geojson", std::process::id()));
        std::fs::write(
            &path,
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"h1","geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]},"properties":{"amenity":"hospital"}}]}"#,
        )
        .unwrap();
        let e = read_facilities(&path).unwrap_err().to_string();
        std::fs::remove_file(&path).unwrap();
        assert!(e.contains("features[0] (h1): a hospital that is not a Point"), "{e}");
    }
}
