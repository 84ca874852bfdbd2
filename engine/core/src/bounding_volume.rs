//! The three bounding volumes of 3D Tiles (`box`, `region`, `sphere`) and conversions between
//! them. Conversions are conservative: the result always holds everything the input held, so
//! a tile culled by its converted volume is never wrongly hidden.
use crate::vec3::{add, distance, scale};
use crate::{Aabb3, EnuFrame, Geodetic, Vec3, ecef_from_geodetic, geodetic_from_ecef};

/// A 3D Tiles `box`: a centre and three half-axis vectors (ECEF or tile-local metres).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrientedBox {
    /// Centre.
    pub center: Vec3,
    /// The three half-axes (x, y, z directions scaled by half the box's size along each).
    pub half_axes: [Vec3; 3],
}

/// A 3D Tiles `region`: a geodetic box on the WGS84 ellipsoid. Angles in radians, as in the spec.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Region {
    /// Westernmost longitude, radians.
    pub west: f64,
    /// Southernmost latitude, radians.
    pub south: f64,
    /// Easternmost longitude, radians.
    pub east: f64,
    /// Northernmost latitude, radians.
    pub north: f64,
    /// Lowest height above the ellipsoid, metres.
    pub min_height_m: f64,
    /// Highest height above the ellipsoid, metres.
    pub max_height_m: f64,
}

/// A 3D Tiles `sphere`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sphere {
    /// Centre.
    pub center: Vec3,
    /// Radius, metres.
    pub radius_m: f64,
}

/// One of the 3D Tiles bounding volumes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BoundingVolume {
    /// `boundingVolume.box`.
    Box(OrientedBox),
    /// `boundingVolume.region`.
    Region(Region),
    /// `boundingVolume.sphere`.
    Sphere(Sphere),
}

impl OrientedBox {
    /// The axis-aligned box as an oriented box.
    pub fn from_aabb(b: &Aabb3) -> Self {
        let h: Vec3 = std::array::from_fn(|i| (b.max[i] - b.min[i]) * 0.5);
        Self { center: b.center(), half_axes: [[h[0], 0.0, 0.0], [0.0, h[1], 0.0], [0.0, 0.0, h[2]]] }
    }

    /// The eight corners.
    pub fn corners(&self) -> [Vec3; 8] {
        let [u, v, w] = self.half_axes;
        std::array::from_fn(|i| {
            let s = |bit: usize| if i & bit == 0 { -1.0 } else { 1.0 };
            add(self.center, add(scale(u, s(1)), add(scale(v, s(2)), scale(w, s(4)))))
        })
    }

    /// The smallest axis-aligned box holding it.
    pub fn aabb(&self) -> Aabb3 {
        let c = self.corners();
        let min = std::array::from_fn(|i| c.iter().map(|p| p[i]).fold(f64::INFINITY, f64::min));
        let max = std::array::from_fn(|i| c.iter().map(|p| p[i]).fold(f64::NEG_INFINITY, f64::max));
        Aabb3 { min, max }
    }
}

impl Region {
    /// Reads a region from degrees, as people write them.
    pub fn from_deg(west: f64, south: f64, east: f64, north: f64, min_height_m: f64, max_height_m: f64) -> Self {
        Self {
            west: west.to_radians(),
            south: south.to_radians(),
            east: east.to_radians(),
            north: north.to_radians(),
            min_height_m,
            max_height_m,
        }
    }

    /// Sample points on the region's surfaces, in ECEF. A 9 x 9 grid at both heights: the
    /// bulge of the ellipsoid between samples is below a millimetre for city-sized regions.
    fn samples_ecef(&self) -> impl Iterator<Item = Vec3> + '_ {
        const N: usize = 8;
        (0..=N).flat_map(move |i| {
            (0..=N).flat_map(move |j| {
                let lon = self.west + (self.east - self.west) * i as f64 / N as f64;
                let lat = self.south + (self.north - self.south) * j as f64 / N as f64;
                [self.min_height_m, self.max_height_m]
                    .map(|h| ecef_from_geodetic(Geodetic::from_deg(lon.to_degrees(), lat.to_degrees(), h)))
            })
        })
    }

    /// An oriented box in ECEF holding the region, aligned with the local ENU frame at its centre.
    pub fn to_box(&self) -> OrientedBox {
        let centre = Geodetic::from_deg(
            ((self.west + self.east) * 0.5).to_degrees(),
            ((self.south + self.north) * 0.5).to_degrees(),
            (self.min_height_m + self.max_height_m) * 0.5,
        );
        let frame = EnuFrame::at(centre);
        let mut min = [f64::INFINITY; 3];
        let mut max = [f64::NEG_INFINITY; 3];
        for p in self.samples_ecef() {
            let q = frame.enu_from_ecef(p);
            for i in 0..3 {
                min[i] = min[i].min(q[i]);
                max[i] = max[i].max(q[i]);
            }
        }
        // Margin for the curvature between samples: 1 mm per km of extent, at least 1 mm.
        let margin = 1e-3 * (1.0 + (max[0] - min[0]).max(max[1] - min[1]) / 1000.0);
        let mid: Vec3 = std::array::from_fn(|i| (min[i] + max[i]) * 0.5);
        let half: Vec3 = std::array::from_fn(|i| (max[i] - min[i]) * 0.5 + margin);
        OrientedBox {
            center: frame.ecef_from_enu(mid),
            half_axes: std::array::from_fn(|i| scale(frame.axes[i], half[i])),
        }
    }
}

impl BoundingVolume {
    /// Reads the JSON array of a 3D Tiles bounding volume: 12 numbers for a box, 6 for a region,
    /// 4 for a sphere, as the spec's key says which one it is.
    pub fn from_3dtiles(key: &str, v: &[f64]) -> Option<Self> {
        match (key, v.len()) {
            ("box", 12) => Some(Self::Box(OrientedBox {
                center: [v[0], v[1], v[2]],
                half_axes: [[v[3], v[4], v[5]], [v[6], v[7], v[8]], [v[9], v[10], v[11]]],
            })),
            ("region", 6) => Some(Self::Region(Region {
                west: v[0],
                south: v[1],
                east: v[2],
                north: v[3],
                min_height_m: v[4],
                max_height_m: v[5],
            })),
            ("sphere", 4) => Some(Self::Sphere(Sphere { center: [v[0], v[1], v[2]], radius_m: v[3] })),
            _ => None,
        }
    }

    /// The JSON key and array 3D Tiles writes for it.
    pub fn to_3dtiles(&self) -> (&'static str, Vec<f64>) {
        match self {
            Self::Box(b) => {
                let mut v = b.center.to_vec();
                b.half_axes.iter().for_each(|a| v.extend_from_slice(a));
                ("box", v)
            }
            Self::Region(r) => ("region", vec![r.west, r.south, r.east, r.north, r.min_height_m, r.max_height_m]),
            Self::Sphere(s) => ("sphere", vec![s.center[0], s.center[1], s.center[2], s.radius_m]),
        }
    }

    /// An oriented box (ECEF for regions) holding the volume.
    pub fn to_box(&self) -> OrientedBox {
        match self {
            Self::Box(b) => *b,
            Self::Region(r) => r.to_box(),
            Self::Sphere(s) => {
                let r = s.radius_m;
                OrientedBox { center: s.center, half_axes: [[r, 0.0, 0.0], [0.0, r, 0.0], [0.0, 0.0, r]] }
            }
        }
    }

    /// A sphere holding the volume.
    pub fn to_sphere(&self) -> Sphere {
        match self {
            Self::Sphere(s) => *s,
            _ => {
                let b = self.to_box();
                let radius_m = b.corners().iter().map(|c| distance(*c, b.center)).fold(0.0, f64::max);
                Sphere { center: b.center, radius_m }
            }
        }
    }

    /// A geodetic region holding the volume, for volumes given in ECEF. Not for volumes that
    /// cross the antimeridian or hold a pole: 3D Tiles regions cannot express those either.
    pub fn to_region(&self) -> Region {
        if let Self::Region(r) = self {
            return *r;
        }
        let b = self.to_box();
        // Corners alone miss the ellipsoid's bulge inside a large box; add face centres.
        let [u, v, w] = b.half_axes;
        let faces = [u, v, w].into_iter().flat_map(|a| [add(b.center, a), add(b.center, scale(a, -1.0))]);
        let mut r = Region {
            west: f64::INFINITY,
            south: f64::INFINITY,
            east: f64::NEG_INFINITY,
            north: f64::NEG_INFINITY,
            min_height_m: f64::INFINITY,
            max_height_m: f64::NEG_INFINITY,
        };
        for p in b.corners().into_iter().chain(faces).chain([b.center]) {
            let g = geodetic_from_ecef(p);
            r.west = r.west.min(g.lon());
            r.east = r.east.max(g.lon());
            r.south = r.south.min(g.lat());
            r.north = r.north.max(g.lat());
            r.min_height_m = r.min_height_m.min(g.height_m);
            r.max_height_m = r.max_height_m.max(g.height_m);
        }
        r
    }

    /// Whether the volume holds an ECEF point (with a tolerance in metres).
    pub fn contains(&self, p: Vec3, tol_m: f64) -> bool {
        match self {
            Self::Sphere(s) => distance(p, s.center) <= s.radius_m + tol_m,
            Self::Region(r) => {
                let g = geodetic_from_ecef(p);
                let eps = tol_m / 6_378_137.0;
                g.lon() >= r.west - eps
                    && g.lon() <= r.east + eps
                    && g.lat() >= r.south - eps
                    && g.lat() <= r.north + eps
                    && g.height_m >= r.min_height_m - tol_m
                    && g.height_m <= r.max_height_m + tol_m
            }
            Self::Box(b) => {
                let d = [p[0] - b.center[0], p[1] - b.center[1], p[2] - b.center[2]];
                b.half_axes.iter().all(|a| {
                    let len2 = a[0] * a[0] + a[1] * a[1] + a[2] * a[2];
                    let proj = (d[0] * a[0] + d[1] * a[1] + d[2] * a[2]).abs();
                    // |d . a| / |a| <= |a| + tol
                    proj <= len2 + tol_m * len2.sqrt()
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delft_region() -> Region {
        Region::from_deg(4.35, 51.99, 4.38, 52.02, -5.0, 120.0)
    }

    #[test]
    fn region_box_and_sphere_hold_every_point_of_the_region() {
        let r = delft_region();
        let bx = BoundingVolume::Box(r.to_box());
        let sp = BoundingVolume::Sphere(BoundingVolume::Region(r).to_sphere());
        for i in 0..=10 {
            for j in 0..=10 {
                for h in [-5.0, 50.0, 120.0] {
                    let lon = 4.35 + 0.03 * i as f64 / 10.0;
                    let lat = 51.99 + 0.03 * j as f64 / 10.0;
                    let p = ecef_from_geodetic(Geodetic::from_deg(lon, lat, h));
                    assert!(bx.contains(p, 0.0), "box misses {lon} {lat} {h}");
                    assert!(sp.contains(p, 0.0), "sphere misses {lon} {lat} {h}");
                }
            }
        }
        // ... and are not absurdly larger: the region is ~2 km x 3.3 km x 125 m.
        let b = r.to_box();
        let len = |a: Vec3| (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt();
        assert!(len(b.half_axes[0]) < 1_100.0 && len(b.half_axes[1]) < 1_700.0, "{b:?}");
    }

    #[test]
    fn box_to_region_holds_the_box_corners() {
        let r = delft_region();
        let b = r.to_box();
        let back = BoundingVolume::Box(b).to_region();
        assert!(back.west <= r.west && back.east >= r.east && back.south <= r.south && back.north >= r.north);
        assert!(back.min_height_m <= -5.0 && back.max_height_m >= 120.0);
        for c in b.corners() {
            assert!(BoundingVolume::Region(back).contains(c, 1e-6));
        }
    }

    #[test]
    fn json_arrays_round_trip_and_wrong_lengths_are_refused() {
        let v: Vec<f64> = (0..12).map(f64::from).collect();
        let b = BoundingVolume::from_3dtiles("box", &v).unwrap();
        assert_eq!(b.to_3dtiles(), ("box", v));
        assert!(BoundingVolume::from_3dtiles("box", &[1.0; 11]).is_none());
        assert!(BoundingVolume::from_3dtiles("cone", &[1.0; 4]).is_none());
        let s = BoundingVolume::from_3dtiles("sphere", &[1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!(s.to_sphere().radius_m, 4.0);
    }
}
