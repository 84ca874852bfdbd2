/// One planar surface of an object: an outer ring and its holes, in the file's CRS (f64), rings
/// open (the first vertex is not repeated), with its semantic type when the file gives one.
#[derive(Debug, Clone, PartialEq)]
pub struct Surface {
    /// The outer ring, then the holes.
    pub rings: Vec<Vec<[f64; 3]>>,
    /// `RoofSurface`, `WallSurface`, `GroundSurface`... when known.
    pub semantic: Option<String>,
}

impl Surface {
    /// Newell's normal of the outer ring (not normalised; its length is twice the area of the
    /// ring's projection on its plane).
    pub fn newell_normal(&self) -> [f64; 3] {
        let ring = &self.rings[0];
        let mut n = [0.0; 3];
        for (i, a) in ring.iter().enumerate() {
            let b = ring[(i + 1) % ring.len()];
            n[0] += (a[1] - b[1]) * (a[2] + b[2]);
            n[1] += (a[2] - b[2]) * (a[0] + b[0]);
            n[2] += (a[0] - b[0]) * (a[1] + b[1]);
        }
        n
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
    fn newell_gives_area_and_orientation() {
        let s = Surface {
            rings: vec![vec![[0.0, 0.0, 5.0], [2.0, 0.0, 5.0], [2.0, 3.0, 5.0], [0.0, 3.0, 5.0]]],
            semantic: None,
        };
        assert_eq!(s.area(), 6.0);
        assert!(s.newell_normal()[2] > 0.0, "counter-clockwise seen from above points up");
    }
}
