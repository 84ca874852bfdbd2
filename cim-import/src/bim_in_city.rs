//! A BIM building in a city model: when a city and a building model are imported together, the
//! BIM building replaces the city model's building standing at the same place, so the tileset
//! does not hold the same building twice (an LoD2 shell around the BIM walls).
//!
//! "The same place" is judged on the ground, in metres: the BIM model's outline (the convex hull
//! of its elements, in the east-north plane at its centre) against each city building's
//! footprint. When more than half of the smaller of the two lies in their overlap (the city
//! building is mostly under the model, or the model stands mostly on the city building: a city
//! block modelled as one building), the city building or part is replaced; a neighbour that
//! only touches the model is kept.
use city_core::{Crs, EnuFrame, ObjectKind, geodetic_from_ecef};
use geo::{Area, BooleanOps, Polygon};

use crate::{ImportError, Imported, ImportedObject};

/// Share of the smaller of a city building's footprint and a BIM outline that must lie in their
/// overlap for the building to be replaced.
const REPLACED_SHARE: f64 = 0.5;

/// Where a BIM model stands on the ground.
pub struct BimOutline {
    /// The file it came from, for reports.
    pub file: std::path::PathBuf,
    /// East-north-up frame at the model's centre.
    frame: EnuFrame,
    /// Convex hull of the elements, metres east and north of the frame's origin.
    outline: Polygon<f64>,
}

impl BimOutline {
    /// The outline of an imported BIM model (its objects in `imp.crs`), or `None` when it has
    /// no geometry.
    pub fn of(imp: &Imported) -> Result<Option<Self>, ImportError> {
        let Some(crs) = &imp.crs else { return Ok(None) };
        let mut ecef = Vec::new();
        // The building itself: not the site's terrain or plot, nor geographic elements.
        let ground = |o: &&ImportedObject| {
            matches!(
                o.object.attributes.get("ifc:class").and_then(|c| c.as_str()),
                Some("IfcSite" | "IfcGeographicElement")
            )
        };
        let building = imp.objects.iter().filter(|o| !ground(o));
        // An element with a coordinate that is no place on Earth is skipped when it is stored
        // (named there); its points are left out of the outline here.
        for o in building {
            ecef.extend(o.surfaces.iter().flat_map(|s| s.rings.iter().flatten()).filter_map(|p| crs.to_ecef(*p).ok()));
        }
        if ecef.len() < 3 {
            return Ok(None);
        }
        let n = ecef.len() as f64;
        let centre: [f64; 3] = std::array::from_fn(|k| ecef.iter().map(|p| p[k]).sum::<f64>() / n);
        let frame = EnuFrame::at(geodetic_from_ecef(centre));
        let points = ecef.iter().map(|p| {
            let e = frame.enu_from_ecef(*p);
            [e[0], e[1]]
        });
        let Some(outline) = crate::hull::finite_hull(points) else { return Ok(None) };
        Ok(Some(Self { file: imp.file.clone(), frame, outline }))
    }

    /// Whether `o` (a city object in `crs`) is a building the BIM model replaces.
    pub fn replaces(&self, o: &ImportedObject, crs: &Crs) -> bool {
        if !matches!(o.object.kind, ObjectKind::Building | ObjectKind::BuildingPart) {
            return false;
        }
        // Far away (more than 2 km from the model): not worth the polygons.
        let first = o.object.footprint.0.first().and_then(|p| p.exterior().0.first());
        let near = first.and_then(|c| crs.to_ecef([c.x, c.y, o.object.z_min_m]).ok()).is_some_and(|p| {
            let e = self.frame.enu_from_ecef(p);
            e[0].hypot(e[1]) < 2_000.0
        });
        if !near {
            return false;
        }
        let to_ground = |x: f64, y: f64| -> Option<(f64, f64)> {
            let e = self.frame.enu_from_ecef(crs.to_ecef([x, y, o.object.z_min_m]).ok()?);
            Some((e[0], e[1]))
        };
        let mut inside = 0.0;
        let mut total = 0.0;
        for poly in &o.object.footprint.0 {
            let ring = |r: &geo::LineString<f64>| -> Option<geo::LineString<f64>> {
                r.0.iter().map(|c| to_ground(c.x, c.y)).collect::<Option<Vec<_>>>().map(geo::LineString::from)
            };
            let Some(exterior) = ring(poly.exterior()) else { return false };
            let Some(holes) = poly.interiors().iter().map(ring).collect::<Option<Vec<_>>>() else { return false };
            let ground = Polygon::new(exterior, holes);
            total += ground.unsigned_area();
            inside += ground.intersection(&self.outline).unsigned_area();
        }
        let smaller = total.min(self.outline.unsigned_area());
        smaller > 0.0 && inside > REPLACED_SHARE * smaller
    }
}

/// The BIM models of one import, and the city buildings they replaced.
#[derive(Default)]
pub struct BimSites {
    outlines: Vec<BimOutline>,
    /// Ids of the city buildings left out, in the order met.
    pub replaced: Vec<String>,
}

impl BimSites {
    /// A BIM model that city buildings under it make way for.
    pub fn add(&mut self, outline: BimOutline) {
        self.outlines.push(outline);
    }

    /// `batch` (city objects in `crs`) without the buildings a BIM model replaces.
    pub fn admit(&mut self, crs: &Crs, mut batch: Vec<ImportedObject>) -> Vec<ImportedObject> {
        if !self.outlines.is_empty() {
            batch.retain(|o| {
                let gone = self.outlines.iter().any(|b| b.replaces(o, crs));
                if gone {
                    self.replaced.push(o.object.id.clone());
                }
                !gone
            });
        }
        batch
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Surface;
    use city_core::{CityObject, Geodetic};

    /// A box of `w` x `d` metres at (lon, lat) in WGS84 degrees (EPSG:4979, lat first).
    fn building(lon: f64, lat: f64, w: f64, d: f64, kind: ObjectKind) -> ImportedObject {
        let frame = EnuFrame::at(Geodetic::from_deg(lon, lat, 0.0));
        let corner = |x: f64, y: f64| {
            let g = geodetic_from_ecef(frame.ecef_from_enu([x, y, 0.0]));
            [g.lat_deg, g.lon_deg, 0.0]
        };
        let ring = vec![corner(0.0, 0.0), corner(w, 0.0), corner(w, d), corner(0.0, d)];
        let footprint = geo::MultiPolygon(vec![Polygon::new(
            geo::LineString::from(ring.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>()),
            vec![],
        )]);
        ImportedObject {
            object: CityObject {
                id: format!("{lon},{lat}"),
                kind,
                parent: None,
                footprint,
                z_min_m: 0.0,
                z_max_m: 10.0,
                lods: vec![],
                attributes: Default::default(),
            },
            surfaces: vec![Surface { rings: vec![ring], ..Surface::default() }],
        }
    }

    #[test]
    fn a_building_under_the_model_is_replaced_and_its_neighbours_are_not() {
        let crs = Crs::from_epsg(4979).unwrap();
        let bim = Imported {
            file: "house.ifc".into(),
            crs: Some(crs.clone()),
            objects: vec![building(8.4365, 49.1004, 12.0, 10.0, ObjectKind::BimElement)],
            skipped: vec![],
            warnings: vec![],
            textures: vec![],
        };
        let outline = BimOutline::of(&bim).unwrap().unwrap();
        // The city's LoD2 shell of the same house, 1 m larger on each side: replaced.
        let d = 1.0 / 111_320.0;
        let shell = building(8.4365 - d / (49.1f64).to_radians().cos(), 49.1004 - d, 14.0, 12.0, ObjectKind::Building);
        assert!(outline.replaces(&shell, &crs));
        // A neighbour 11 m east (1 m of overlap on a 12 m wide building): kept.
        let east = 11.0 / (111_320.0 * (49.1f64).to_radians().cos());
        assert!(!outline.replaces(&building(8.4365 + east, 49.1004, 12.0, 10.0, ObjectKind::Building), &crs));
        // Not a building: kept.
        assert!(!outline.replaces(&building(8.4365, 49.1004, 12.0, 10.0, ObjectKind::Road), &crs));
    }
}
