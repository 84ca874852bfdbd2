/// One planar surface of an object: an outer ring and its holes, in the file's CRS (f64), rings
/// open (the first vertex is not repeated), with its semantic type when the file gives one.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Surface {
    /// The outer ring, then the holes.
    pub rings: Vec<Vec<[f64; 3]>>,
    /// `RoofSurface`, `WallSurface`, `GroundSurface`... when known.
    pub semantic: Option<String>,
    /// Its texture, when the file gives one.
    pub texture: Option<SurfaceTexture>,
    /// Its material colour (linear RGBA, CityGML `X3DMaterial` diffuse colour and opacity),
    /// when the file gives one and no texture.
    pub color: Option<[f32; 4]>,
}

/// A surface's texture: an image file and, per ring, the texture coordinates of each of its
/// points.
#[derive(Debug, Clone, PartialEq)]
pub struct SurfaceTexture {
    /// The image file (shared by the surfaces it textures).
    pub image: std::sync::Arc<std::path::Path>,
    /// Per ring, one (u, v) per point.
    pub uv: Vec<Vec<[f32; 2]>>,
}

/// The lowest and highest z of the surfaces' points ((0, 0) when there are none).
pub(crate) fn z_range(surfaces: &[Surface]) -> (f64, f64) {
    let mut range = (f64::INFINITY, f64::NEG_INFINITY);
    for p in surfaces.iter().flat_map(|s| s.rings.iter().flatten()) {
        range = (range.0.min(p[2]), range.1.max(p[2]));
    }
    if surfaces.is_empty() { (0.0, 0.0) } else { range }
}

/// Newell's normal of a ring (not normalised; its length is twice the area of the ring's
/// projection on its plane). Robust for any simple ring, convex or not.
pub(crate) fn newell(ring: &[[f64; 3]]) -> [f64; 3] {
    let mut n = [0.0; 3];
    for (i, a) in ring.iter().enumerate() {
        let b = ring[(i + 1) % ring.len()];
        n[0] += (a[1] - b[1]) * (a[2] + b[2]);
        n[1] += (a[2] - b[2]) * (a[0] + b[0]);
        n[2] += (a[0] - b[0]) * (a[1] + b[1]);
    }
    n
}

impl Surface {
    /// Newell's normal of the outer ring (not normalised; its length is twice the area of the
    /// ring's projection on its plane).
    pub fn newell_normal(&self) -> [f64; 3] {
        newell(&self.rings[0])
    }

    /// Whether two non-adjacent edges of the outer ring cross (a bow tie): such a face has no
    /// proper inside, and ear cutting would make up triangles for it. Tested in 2D, dropping the
    /// axis the face is most perpendicular to.
    pub fn outer_ring_self_intersects(&self) -> bool {
        let n = self.newell_normal();
        let drop = (0..3).max_by(|&a, &b| n[a].abs().total_cmp(&n[b].abs())).unwrap_or(2);
        let (i, j) = match drop {
            0 => (1, 2),
            1 => (0, 2),
            _ => (0, 1),
        };
        let r: Vec<[f64; 2]> = self.rings[0].iter().map(|p| [p[i], p[j]]).collect();
        let k = r.len();
        let orient =
            |a: [f64; 2], b: [f64; 2], c: [f64; 2]| (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
        for e in 0..k {
            for f in e + 2..k {
                if e == 0 && f == k - 1 {
                    continue; // the edges meeting at vertex 0
                }
                let (a, b, c, d) = (r[e], r[(e + 1) % k], r[f], r[(f + 1) % k]);
                let (o1, o2) = (orient(a, b, c), orient(a, b, d));
                let (o3, o4) = (orient(c, d, a), orient(c, d, b));
                if o1 * o2 < 0.0 && o3 * o4 < 0.0 {
                    return true;
                }
            }
        }
        false
    }

    /// The area of the outer ring, m^2.
    pub fn area(&self) -> f64 {
        let n = self.newell_normal();
        0.5 * (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bow_tie_self_intersects_and_a_square_does_not() {
        let bow = Surface {
            rings: vec![vec![[0.0, 0.0, 1.0], [1.0, 1.0, 1.0], [1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]],
            semantic: None,
            texture: None,
            color: None,
        };
        assert!(bow.outer_ring_self_intersects());
        let wall = Surface {
            rings: vec![vec![[0.0, 5.0, 0.0], [2.0, 5.0, 0.0], [2.0, 5.0, 3.0], [0.0, 5.0, 3.0]]],
            semantic: None,
            texture: None,
            color: None,
        };
        assert!(!wall.outer_ring_self_intersects());
    }

    #[test]
    fn newell_gives_area_and_orientation() {
        let s = Surface {
            rings: vec![vec![[0.0, 0.0, 5.0], [2.0, 0.0, 5.0], [2.0, 3.0, 5.0], [0.0, 3.0, 5.0]]],
            semantic: None,
            texture: None,
            color: None,
        };
        assert_eq!(s.area(), 6.0);
        assert!(s.newell_normal()[2] > 0.0, "counter-clockwise seen from above points up");
    }
}
