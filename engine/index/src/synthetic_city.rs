//! A deterministic synthetic city for benchmarks: a million buildings in clustered districts
//! over 40 x 40 km, their shapes drawn from real footprints, sizes 5-60 m.
//!
//! Real cities are not uniform: dense centres, sparse outskirts. Query cost depends on that
//! (hits per window, depth of descent), so the benchmark city is clustered the same way.
use city_core::{Aabb2, SplitMix64 as Rng};
use geo::{LineString, Polygon};

/// A footprint shape, centred on the origin and scaled so that its longer side is 1.
#[derive(Debug, Clone, PartialEq)]
pub struct FootprintTemplate {
    ring: Vec<[f64; 2]>,
}

impl FootprintTemplate {
    /// Normalises a real footprint ring (any metric CRS); `None` for a ring of fewer than 4
    /// positions or without extent.
    pub fn from_ring(ring: &[[f64; 2]]) -> Option<Self> {
        let b = Aabb2::from_points(ring.iter().copied())?;
        let size = (b.max[0] - b.min[0]).max(b.max[1] - b.min[1]);
        if ring.len() < 4 || size <= 0.0 || !size.is_finite() {
            return None;
        }
        let c = b.center();
        Some(Self { ring: ring.iter().map(|p| [(p[0] - c[0]) / size, (p[1] - c[1]) / size]).collect() })
    }

    /// A unit square, for when no real footprints are at hand.
    pub fn square() -> Self {
        Self { ring: vec![[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5]] }
    }
}

/// One placed building: which template, where, how big, turned how far.
#[derive(Debug, Clone, Copy)]
struct Placement {
    template: u32,
    center: [f64; 2],
    size_m: f64,
    angle: f64,
}

/// The generated city.
#[derive(Debug, Clone)]
pub struct SyntheticCity {
    templates: Vec<FootprintTemplate>,
    placements: Vec<Placement>,
    districts: Vec<([f64; 2], f64)>,
    /// The bounding box of each building, in the order generated.
    pub boxes: Vec<Aabb2>,
}

/// Side of the square the city covers, metres.
pub const CITY_SIDE_M: f64 = 40_000.0;
/// South-west corner: UTM 49N around Zhuhai, so coordinates are as large as real ones.
pub const CITY_ORIGIN: [f64; 2] = [500_000.0, 2_440_000.0];

impl SyntheticCity {
    /// `n` buildings from `seed`. The same arguments give the same city, bit for bit.
    pub fn generate(n: usize, seed: u64, templates: &[FootprintTemplate]) -> Self {
        let templates = if templates.is_empty() { vec![FootprintTemplate::square()] } else { templates.to_vec() };
        let mut rng = Rng(seed);
        // 120 districts with centres anywhere, spreads from 215 m (old town) to 1.8 km (suburb).
        let districts: Vec<([f64; 2], f64)> = (0..120)
            .map(|_| {
                let c = [rng.range(0.0, CITY_SIDE_M), rng.range(0.0, CITY_SIDE_M)];
                (c, rng.range(215.0, 1_800.0))
            })
            .collect();
        let mut placements = Vec::with_capacity(n);
        let mut boxes = Vec::with_capacity(n);
        for _ in 0..n {
            let center = Self::draw_point(&mut rng, &districts);
            let p = Placement {
                template: (rng.next_u64() % templates.len() as u64) as u32,
                center,
                size_m: rng.range(5.0, 60.0),
                angle: rng.range(0.0, std::f64::consts::PI),
            };
            boxes.push(
                Self::ring_of(&templates, &p)
                    .and_then(Aabb2::from_points)
                    .unwrap_or(Aabb2 { min: center, max: center }),
            );
            placements.push(p);
        }
        Self { templates, placements, districts, boxes }
    }

    /// A point from the city's density: a district, then a normal offset, kept in the square.
    fn draw_point(rng: &mut Rng, districts: &[([f64; 2], f64)]) -> [f64; 2] {
        let (c, s) = districts[(rng.next_u64() % districts.len() as u64) as usize];
        let x = (c[0] + s * rng.normal()).clamp(0.0, CITY_SIDE_M);
        let y = (c[1] + s * rng.normal()).clamp(0.0, CITY_SIDE_M);
        [CITY_ORIGIN[0] + x, CITY_ORIGIN[1] + y]
    }

    fn ring_of<'a>(templates: &'a [FootprintTemplate], p: &Placement) -> Option<impl Iterator<Item = [f64; 2]> + 'a> {
        let t = templates.get(p.template as usize)?;
        let (s, c) = p.angle.sin_cos();
        let (size, center) = (p.size_m, p.center);
        Some(
            t.ring
                .iter()
                .map(move |q| [center[0] + size * (c * q[0] - s * q[1]), center[1] + size * (s * q[0] + c * q[1])]),
        )
    }

    /// Number of buildings.
    pub fn len(&self) -> usize {
        self.placements.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.placements.is_empty()
    }

    /// The footprint of building `i`.
    pub fn footprint(&self, i: usize) -> Polygon<f64> {
        let ring: Vec<(f64, f64)> = self
            .placements
            .get(i)
            .and_then(|p| Self::ring_of(&self.templates, p))
            .into_iter()
            .flatten()
            .map(|p| (p[0], p[1]))
            .collect();
        Polygon::new(LineString::from(ring), vec![])
    }

    /// `n` query windows, `min_m`..`max_m` on a side, centred where the buildings are.
    pub fn windows(&self, n: usize, seed: u64, min_m: f64, max_m: f64) -> Vec<Aabb2> {
        let mut rng = Rng(seed ^ 0x5749_4E44);
        (0..n)
            .map(|_| {
                let c = Self::draw_point(&mut rng, &self.districts);
                let (w, h) = (rng.range(min_m, max_m) * 0.5, rng.range(min_m, max_m) * 0.5);
                Aabb2 { min: [c[0] - w, c[1] - h], max: [c[0] + w, c[1] + h] }
            })
            .collect()
    }

    /// `n` query points where the buildings are.
    pub fn points(&self, n: usize, seed: u64) -> Vec<[f64; 2]> {
        let mut rng = Rng(seed ^ 0x504F_494E);
        (0..n).map(|_| Self::draw_point(&mut rng, &self.districts)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_city_and_sizes_in_range() {
        let a = SyntheticCity::generate(2000, 7, &[]);
        let b = SyntheticCity::generate(2000, 7, &[]);
        assert_eq!(a.boxes, b.boxes);
        for bx in &a.boxes {
            let side = (bx.max[0] - bx.min[0]).max(bx.max[1] - bx.min[1]);
            // A unit square turned by up to 45 degrees spans up to sqrt(2) of its size.
            assert!((5.0 * 0.99..=60.0 * 1.5).contains(&side), "{side}");
            assert!(bx.min[0] >= CITY_ORIGIN[0] - 60.0 && bx.max[1] <= CITY_ORIGIN[1] + CITY_SIDE_M + 60.0);
        }
        assert_ne!(a.boxes, SyntheticCity::generate(2000, 8, &[]).boxes);
    }
}
