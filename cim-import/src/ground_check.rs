//! Do the buildings stand on the terrain? When a tileset holds both (a PLATEAU `bldg` file with
//! its `dem`), each building's lowest point is compared with the lowest terrain under its base
//! (where its lowest vertices stand: on a slope a building is set at the low side): within 1 m it
//! stands on the ground; otherwise it floats or is buried (a datum mismatch between the files,
//! or a wrong CRS, shows here first).
//!
//! The terrain's triangles go into a uniform grid in the tileset's east-north-up frame; a
//! building's question is one cell's triangles. A DEM given with the import (`--terrain`) answers
//! instead, bilinearly between its pixels, and `--fix-ground` sets each building that floats or
//! is buried on it ([`CityStore::lift`]).
use city_core::{EnuFrame, ObjectKind, Vec3, geodetic_from_ecef};

use crate::city_store::CityStore;
use crate::{Dem, ImportError};

/// How far a building's lowest point may be from the terrain below and still stand on it.
pub const ON_GROUND_M: f64 = 1.0;

/// What the check found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroundCheck {
    /// Buildings within [`ON_GROUND_M`] of the terrain below them.
    pub on_ground: usize,
    /// Buildings whose lowest point is higher (floating).
    pub above: usize,
    /// Buildings whose lowest point is lower (buried).
    pub below: usize,
    /// Buildings with no terrain under their base.
    pub outside: usize,
    /// Of those with terrain under them, the buildings within 0.5 m of it.
    pub within_half_m: usize,
    /// The largest difference found, metres (building minus terrain), with the building's id.
    pub worst: Option<(String, f64)>,
}

/// The terrain as triangles in a grid, in the frame's metres.
pub struct TerrainGrid {
    triangles: Vec<[Vec3; 3]>,
    lo: [f64; 2],
    cell: f64,
    cols: usize,
    rows: usize,
    cells: Vec<Vec<u32>>,
}

impl TerrainGrid {
    /// The grid over `triangles`, or `None` when there are none.
    pub fn new(triangles: Vec<[Vec3; 3]>) -> Option<Self> {
        if triangles.is_empty() {
            return None;
        }
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for p in triangles.iter().flatten() {
            for k in 0..2 {
                (lo[k], hi[k]) = (lo[k].min(p[k]), hi[k].max(p[k]));
            }
        }
        // About two triangles a cell.
        let area = ((hi[0] - lo[0]) * (hi[1] - lo[1])).max(1.0);
        let cell = (2.0 * area / triangles.len() as f64).sqrt().max(0.5);
        let cols = (((hi[0] - lo[0]) / cell) as usize + 1).min(4096);
        let rows = (((hi[1] - lo[1]) / cell) as usize + 1).min(4096);
        let cell = cell.max((hi[0] - lo[0]) / cols as f64).max((hi[1] - lo[1]) / rows as f64);
        let mut grid = Self { triangles, lo, cell, cols, rows, cells: vec![Vec::new(); cols * rows] };
        for (n, t) in grid.triangles.iter().enumerate() {
            let (x0, y0) = grid.at(
                t.iter().map(|p| p[0]).fold(f64::INFINITY, f64::min),
                t.iter().map(|p| p[1]).fold(f64::INFINITY, f64::min),
            );
            let (x1, y1) = grid.at(
                t.iter().map(|p| p[0]).fold(f64::NEG_INFINITY, f64::max),
                t.iter().map(|p| p[1]).fold(f64::NEG_INFINITY, f64::max),
            );
            for y in y0..=y1 {
                for x in x0..=x1 {
                    grid.cells[y * grid.cols + x].push(n as u32);
                }
            }
        }
        Some(grid)
    }

    /// The cell holding (x, y), clamped to the grid.
    fn at(&self, x: f64, y: f64) -> (usize, usize) {
        let c = ((x - self.lo[0]) / self.cell).floor().clamp(0.0, (self.cols - 1) as f64) as usize;
        let r = ((y - self.lo[1]) / self.cell).floor().clamp(0.0, (self.rows - 1) as f64) as usize;
        (c, r)
    }

    /// The terrain's height at (x, y): the plane of the triangle holding the point, or `None`
    /// outside the terrain.
    pub fn height_at(&self, x: f64, y: f64) -> Option<f64> {
        let (c, r) = self.at(x, y);
        self.cells[r * self.cols + c].iter().find_map(|&n| {
            let [a, b, p] = self.triangles[n as usize];
            // Barycentric coordinates of (x, y) in the triangle's plan.
            let d = (b[1] - p[1]) * (a[0] - p[0]) + (p[0] - b[0]) * (a[1] - p[1]);
            if d.abs() < 1e-12 {
                return None;
            }
            let l1 = ((b[1] - p[1]) * (x - p[0]) + (p[0] - b[0]) * (y - p[1])) / d;
            let l2 = ((p[1] - a[1]) * (x - p[0]) + (a[0] - p[0]) * (y - p[1])) / d;
            let l3 = 1.0 - l1 - l2;
            let eps = -1e-9;
            (l1 >= eps && l2 >= eps && l3 >= eps).then(|| l1 * a[2] + l2 * b[2] + l3 * p[2])
        })
    }
}

/// Each building's difference from the ground (its lowest point minus the ground), metres, by
/// object number.
pub type Differences = Vec<(usize, f64)>;

fn is_building(k: ObjectKind) -> bool {
    matches!(k, ObjectKind::Building | ObjectKind::BuildingPart)
}

/// Checks every building and part of `store` against its terrain, in `frame`; `None` when the
/// store has no terrain or no buildings.
pub fn check_ground(store: &CityStore, frame: &EnuFrame) -> Option<GroundCheck> {
    if !store.objects.iter().any(|o| is_building(o.kind)) {
        return None;
    }
    let mut triangles = Vec::new();
    for o in store.objects.iter().filter(|o| o.kind == ObjectKind::Terrain) {
        let v: Vec<Vec3> = store.ecef(o).map(|e| frame.enu_from_ecef(e)).collect();
        for s in o.surfaces.clone() {
            // The outer ring, as a fan (TIN faces are triangles already).
            for ring in store.rings(s).take(1) {
                for k in 1..ring.len().saturating_sub(1) {
                    triangles.push([v[ring[0] as usize], v[ring[k] as usize], v[ring[k + 1] as usize]]);
                }
            }
        }
    }
    let grid = TerrainGrid::new(triangles)?;
    Some(check_with(store, frame, |p| grid.height_at(p[0], p[1])).0)
}

/// Checks every building and part of `store` against a DEM (its heights interpolated
/// bilinearly); also returns each building's difference (its lowest point minus the ground),
/// by object number, for [`CityStore::lift`]. `None` when the store has no buildings.
pub fn check_against_dem(store: &CityStore, dem: &Dem) -> Result<Option<(GroundCheck, Differences)>, ImportError> {
    if !store.objects.iter().any(|o| is_building(o.kind)) {
        return Ok(None);
    }
    let crs = dem.crs.clone().ok_or_else(|| ImportError::NoCrs { file: dem.file.clone() })?;
    let frame = store.centre_frame();
    // The ground under a point: the DEM's height there, as a point in the frame.
    let ground = |p: Vec3| -> Option<f64> {
        let xy = crs.from_geodetic(geodetic_from_ecef(frame.ecef_from_enu(p))).ok()?;
        let [c, r] = dem.pixel(xy[0], xy[1]);
        let h = dem.bilinear(c, r)?;
        Some(frame.enu_from_ecef(crs.to_ecef([xy[0], xy[1], h]).ok()?)[2])
    };
    Ok(Some(check_with(store, &frame, ground)))
}

/// The check of every building against `ground` (the terrain's height in the frame under a
/// point of the frame), with each building's difference by object number.
fn check_with(
    store: &CityStore,
    frame: &EnuFrame,
    ground: impl Fn(Vec3) -> Option<f64> + Sync,
) -> (GroundCheck, Differences) {
    let mut check = GroundCheck::default();
    let mut differences = Vec::new();
    for (i, o) in store.objects.iter().enumerate().filter(|(_, o)| is_building(o.kind)) {
        let v: Vec<Vec3> = store.ecef(o).map(|e| frame.enu_from_ecef(e)).collect();
        if v.is_empty() {
            continue;
        }
        let lowest = v.iter().map(|p| p[2]).fold(f64::INFINITY, f64::min);
        // The lowest ground under the building's base (its vertices within 0.5 m of its lowest
        // point): on a slope a building is set at the low side.
        let under = v.iter().filter(|p| p[2] < lowest + 0.5).filter_map(|&p| ground(p));
        let Some(ground) = under.reduce(f64::min) else {
            check.outside += 1;
            continue;
        };
        let d = lowest - ground;
        differences.push((i, d));
        if d.abs() <= ON_GROUND_M {
            check.on_ground += 1;
        } else if d > 0.0 {
            check.above += 1;
        } else {
            check.below += 1;
        }
        if d.abs() <= 0.5 {
            check.within_half_m += 1;
        }
        if check.worst.as_ref().is_none_or(|(_, w)| d.abs() > w.abs()) {
            check.worst = Some((o.id.to_string(), d));
        }
    }
    (check, differences)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heights_come_from_the_triangle_below() {
        // Two triangles over a 10 m square, the ground rising 1 m per 10 m eastwards.
        let grid = TerrainGrid::new(vec![
            [[0.0, 0.0, 0.0], [10.0, 0.0, 1.0], [10.0, 10.0, 1.0]],
            [[0.0, 0.0, 0.0], [10.0, 10.0, 1.0], [0.0, 10.0, 0.0]],
        ])
        .unwrap();
        assert!((grid.height_at(5.0, 2.0).unwrap() - 0.5).abs() < 1e-12);
        assert!((grid.height_at(2.5, 7.0).unwrap() - 0.25).abs() < 1e-12);
        assert_eq!(grid.height_at(11.0, 5.0), None);
    }
}
