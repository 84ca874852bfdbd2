use geo_types::MultiPolygon;

use crate::{Aabb2, Aabb3, Attributes, ObjectKind};

/// A level of detail as CityJSON and 3DBAG write it: `1`, `1.2`, `2.2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Lod {
    /// The CityGML LoD, 0 to 4.
    pub major: u8,
    /// The refinement within it (3DBAG's 1.2, 1.3, 2.2), 0 when absent.
    pub minor: u8,
}

impl Lod {
    /// Reads `"2"`, `"2.2"` or a JSON number such as `1.3`.
    pub fn parse(text: &str) -> Option<Self> {
        let (a, b) = text.trim().split_once('.').unwrap_or((text.trim(), "0"));
        Some(Self { major: a.parse().ok()?, minor: b.parse().ok()? })
    }
}

impl std::fmt::Display for Lod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Where the geometry of one LoD of an object lives: the tile content that holds it and the
/// feature id inside that content. The model keeps references, not meshes: meshes belong to
/// tiles, which stream; the model answers queries over the whole city.
#[derive(Debug, Clone, PartialEq)]
pub struct GeometryRef {
    /// The level of detail.
    pub lod: Lod,
    /// The tile content URI, relative to the tileset, once tiled.
    pub content_uri: Option<String>,
    /// The feature id (`EXT_mesh_features`) within that content.
    pub feature_id: Option<u32>,
}

/// One object of the city: a building, a road, a sensor, a BIM element.
///
/// Coordinates are f64 in the city's projected CRS or local ENU frame (metres), the frame the
/// index works in; the tileset carries the transform to ECEF.
#[derive(Debug, Clone, PartialEq)]
pub struct CityObject {
    /// The id as the source wrote it (CityJSON key, gml:id, OSM way id, IFC GlobalId).
    pub id: String,
    /// What it is.
    pub kind: ObjectKind,
    /// The parent's id, for BuildingParts and BIM elements.
    pub parent: Option<String>,
    /// The 2D footprint (one or more polygons with holes).
    pub footprint: MultiPolygon<f64>,
    /// Lowest point, metres.
    pub z_min_m: f64,
    /// Highest point, metres.
    pub z_max_m: f64,
    /// The geometry of each LoD the object has.
    pub lods: Vec<GeometryRef>,
    /// Typed attributes.
    pub attributes: Attributes,
}

impl CityObject {
    /// The footprint's 2D box, or `None` for an object without footprint.
    pub fn bbox2(&self) -> Option<Aabb2> {
        Aabb2::from_points(self.footprint.0.iter().flat_map(|p| p.exterior().0.iter().map(|c| [c.x, c.y])))
    }

    /// The 3D box: footprint box and z range.
    pub fn bbox3(&self) -> Option<Aabb3> {
        self.bbox2().map(|b| b.with_z(self.z_min_m, self.z_max_m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::polygon;

    #[test]
    fn lod_parses_3dbag_spellings() {
        assert_eq!(Lod::parse("2.2"), Some(Lod { major: 2, minor: 2 }));
        assert_eq!(Lod::parse("1"), Some(Lod { major: 1, minor: 0 }));
        assert_eq!(Lod::parse("x"), None);
        assert!(Lod::parse("1.3") < Lod::parse("2"));
    }

    #[test]
    fn bbox_covers_the_footprint_and_z_range() {
        let o = CityObject {
            id: "b1".into(),
            kind: ObjectKind::Building,
            parent: None,
            footprint: MultiPolygon(vec![
                polygon![(x: 85_000.0, y: 447_000.0), (x: 85_010.0, y: 447_000.0), (x: 85_010.0, y: 447_020.0)],
            ]),
            z_min_m: -1.0,
            z_max_m: 12.5,
            lods: vec![],
            attributes: Attributes::new(),
        };
        let b = o.bbox3().unwrap();
        assert_eq!(b.min, [85_000.0, 447_000.0, -1.0]);
        assert_eq!(b.max, [85_010.0, 447_020.0, 12.5]);
    }
}
