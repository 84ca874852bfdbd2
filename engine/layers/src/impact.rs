//! Impact analysis, the hot path at work: for every incident at once, the objects inside its
//! zone and in rings around it (e.g. within 500 m, 1 km, 2 km of the zone's edge), and the people
//! in them. Zones are projected into the index's metric frame by the caller's function (a
//! projected CRS or a tileset's local metres); circles become 64-sided polygons. Incidents are
//! worked on in parallel; for each, the objects inside come from `city_index`'s polygon query
//! (exact intersection) and ring candidates from its window query, kept when the exact distance
//! from footprint to zone is within the ring.
use city_index::{BatchOptions, CityIndex, Shape};
use geo::{Area, BoundingRect, Coord, Distance, Euclidean, LineString, MultiPolygon, Polygon, Rect};
use rayon::prelude::*;

use crate::{Incident, LayerError, Occupancy, ZoneShape};

/// Sides of the polygon a circle becomes: 0.1% short of the true area at worst.
const CIRCLE_SIDES: usize = 64;

/// How people are estimated when an object does not count them (`occupants`): its footprint
/// times its storeys (as the source says, else its height at `storey_m` each) divided by the
/// floor area per person of its use ([`crate::BuildingUse`], documented there), or
/// `m2_per_person` when the use is unknown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeopleModel {
    /// Floor area per person when the use is unknown, m2.
    pub m2_per_person: f64,
    /// Storey height, m.
    pub storey_m: f64,
}

impl Default for PeopleModel {
    fn default() -> Self {
        Self { m2_per_person: 30.0, storey_m: 3.0 }
    }
}

impl PeopleModel {
    /// People in an object of `footprint_m2` and `height_m` that says `occ`.
    pub fn people(&self, footprint_m2: f64, height_m: f64, occ: &Occupancy) -> f64 {
        if let Some(n) = occ.occupants {
            return n;
        }
        let storeys = occ.storeys.unwrap_or_else(|| (height_m / self.storey_m).round()).max(1.0);
        footprint_m2 * storeys / occ.usage.m2_per_person(self.m2_per_person)
    }
}

/// What one incident touches.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Impact {
    /// Objects whose footprint meets the zone, ascending.
    pub inside: Vec<u32>,
    /// Per ring, the objects outside the zone and the smaller rings but within this distance of
    /// it, ascending.
    pub rings: Vec<Vec<u32>>,
    /// People estimated inside the zone.
    pub people_inside: f64,
}

/// An incident's zone projected by `project` (lon, lat degrees to metres).
pub fn project_zone(incident: &Incident, project: &(impl Fn(f64, f64) -> [f64; 2] + Sync)) -> MultiPolygon<f64> {
    let polygon = |pts: Vec<[f64; 2]>| Polygon::new(LineString::from(pts), vec![]);
    MultiPolygon::new(
        incident
            .zones
            .iter()
            .map(|z| match z {
                ZoneShape::Polygon(ring) => polygon(ring.iter().map(|p| project(p[0], p[1])).collect()),
                ZoneShape::Circle { lon_deg, lat_deg, radius_m } => {
                    let c = project(*lon_deg, *lat_deg);
                    let r = radius_m.max(0.01);
                    let mut pts: Vec<[f64; 2]> = (0..CIRCLE_SIDES)
                        .map(|k| {
                            let a = std::f64::consts::TAU * k as f64 / CIRCLE_SIDES as f64;
                            [c[0] + r * a.cos(), c[1] + r * a.sin()]
                        })
                        .collect();
                    pts.push(pts[0]);
                    polygon(pts)
                }
            })
            .collect(),
    )
}

/// Distance in metres from an object's shape to a zone (0 when they meet).
fn distance(shape: Shape<'_>, zone: &MultiPolygon<f64>) -> f64 {
    match shape {
        Shape::Box(b) => {
            let r = Rect::new(Coord { x: b.min[0], y: b.min[1] }, Coord { x: b.max[0], y: b.max[1] }).to_polygon();
            zone.0.iter().map(|z| Euclidean.distance(&r, z)).fold(f64::INFINITY, f64::min)
        }
        Shape::Footprint(fp) => {
            fp.0.iter().flat_map(|p| zone.0.iter().map(move |z| Euclidean.distance(p, z))).fold(f64::INFINITY, f64::min)
        }
    }
}

/// Footprint area of an object, m2.
fn area(shape: Shape<'_>) -> f64 {
    match shape {
        Shape::Box(b) => (b.max[0] - b.min[0]) * (b.max[1] - b.min[1]),
        Shape::Footprint(fp) => fp.unsigned_area(),
    }
}

/// The impact of every incident: zones projected by `project`, rings at `rings_m` (ascending),
/// people by `model` from what each object says (`occupancy`: object id -> its use, storeys,
/// occupants).
pub fn impacts(
    incidents: &[Incident],
    index: &CityIndex,
    project: impl Fn(f64, f64) -> [f64; 2] + Sync,
    rings_m: &[f64],
    model: PeopleModel,
    occupancy: impl Fn(u32) -> Occupancy + Sync,
) -> Result<Vec<Impact>, LayerError> {
    if rings_m.windows(2).any(|w| w[0] >= w[1]) || rings_m.iter().any(|r| !(*r > 0.0 && r.is_finite())) {
        return Err(LayerError::Rule(format!("rings {rings_m:?}: give positive distances, ascending")));
    }
    let outer = rings_m.last().copied().unwrap_or(0.0);
    let err = |source| LayerError::Index { what: "impact", source };
    // One task per incident, each asking the index sequentially: zones differ in size by 10x
    // and more, and rayon's stealing balances them better than a split of the batch would.
    incidents
        .par_iter()
        .map(|incident| {
            let zone = project_zone(incident, &project);
            let one = std::slice::from_ref(&zone);
            let mut ins = index.join_zones(one, BatchOptions::sequential()).map_err(err)?.get(0).to_vec();
            ins.sort_unstable();
            let mut rings = vec![Vec::new(); rings_m.len()];
            if !rings_m.is_empty() {
                let r = zone.bounding_rect().ok_or_else(|| LayerError::Rule("impact: an empty zone".into()))?;
                let window = city_core::Aabb2 {
                    min: [r.min().x - outer, r.min().y - outer],
                    max: [r.max().x + outer, r.max().y + outer],
                };
                let near = index.windows(&[window], BatchOptions::sequential()).map_err(err)?;
                for &id in near.get(0) {
                    if ins.binary_search(&id).is_ok() {
                        continue;
                    }
                    let d = distance(index.shape(id), &zone);
                    if let Some(ring) = rings_m.iter().position(|r| d <= *r) {
                        rings[ring].push(id);
                    }
                }
            }
            for r in &mut rings {
                r.sort_unstable();
            }
            let people_inside = ins
                .iter()
                .map(|&id| {
                    let b = index.bbox(id);
                    model.people(area(index.shape(id)), b.max[2] - b.min[2], &occupancy(id))
                })
                // An empty float sum is -0.0; + 0.0 makes it 0, which prints as such.
                .sum::<f64>()
                + 0.0;
            Ok(Impact { inside: ins, rings, people_inside })
        })
        .collect()
}
