use city_core::Aabb3;

/// A plane `normal . p + d = 0`; the inside is where `normal . p + d >= 0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plane {
    /// The normal, pointing inside (need not be unit length).
    pub normal: [f64; 3],
    /// The offset.
    pub d: f64,
}

impl Plane {
    /// Signed distance (scaled by |normal|) of a point.
    #[inline]
    pub fn eval(&self, p: [f64; 3]) -> f64 {
        self.normal[0] * p[0] + self.normal[1] * p[1] + self.normal[2] * p[2] + self.d
    }
}

/// A view frustum: six planes (left, right, bottom, top, near, far) in the index's coordinates.
///
/// A box counts as visible unless it lies entirely outside one plane: the standard conservative
/// test for culling, which keeps a few boxes near the frustum's edges that an exact test would
/// drop, and never drops a visible one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frustum {
    /// The six planes.
    pub planes: [Plane; 6],
}

impl Frustum {
    /// The frustum of a `clip_from_world` matrix (column-major, as glam and glTF store them),
    /// by Gribb and Hartmann's plane extraction. `depth_zero_to_one` for wgpu / Vulkan / D3D
    /// clip space (z in 0..w), false for OpenGL's -w..w.
    pub fn from_clip_from_world(m: [f64; 16], depth_zero_to_one: bool) -> Self {
        let row = |r: usize| [m[r], m[4 + r], m[8 + r], m[12 + r]];
        let (r0, r1, r2, r3) = (row(0), row(1), row(2), row(3));
        let plane = |a: [f64; 4], s: f64| Plane {
            normal: [a[0] * s + r3[0], a[1] * s + r3[1], a[2] * s + r3[2]],
            d: a[3] * s + r3[3],
        };
        let near = if depth_zero_to_one { Plane { normal: [r2[0], r2[1], r2[2]], d: r2[3] } } else { plane(r2, 1.0) };
        Self { planes: [plane(r0, 1.0), plane(r0, -1.0), plane(r1, 1.0), plane(r1, -1.0), near, plane(r2, -1.0)] }
    }

    /// Whether the box lies entirely outside at least one plane.
    #[inline]
    pub fn box_outside(&self, lo: [f64; 3], hi: [f64; 3]) -> bool {
        self.planes.iter().any(|p| {
            // The corner farthest along the normal.
            let v = std::array::from_fn(|i| if p.normal[i] >= 0.0 { hi[i] } else { lo[i] });
            p.eval(v) < 0.0
        })
    }

    /// Whether the box is (conservatively) visible.
    pub fn intersects(&self, b: &Aabb3) -> bool {
        !self.box_outside(b.min, b.max)
    }

    /// Whether every number is finite.
    pub(crate) fn is_finite(&self) -> bool {
        self.planes.iter().all(|p| p.d.is_finite() && p.normal.iter().all(|v| v.is_finite()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An orthographic clip_from_world for the box [-1,1]^3 (OpenGL convention).
    fn unit_ortho() -> [f64; 16] {
        [1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0]
    }

    #[test]
    fn extracted_planes_bound_the_clip_volume() {
        let f = Frustum::from_clip_from_world(unit_ortho(), false);
        let inside = Aabb3::new([-0.5; 3], [0.5; 3]).unwrap();
        let straddling = Aabb3::new([0.9, 0.0, 0.0], [1.5, 0.1, 0.1]).unwrap();
        let outside = Aabb3::new([1.1, 0.0, 0.0], [2.0, 0.1, 0.1]).unwrap();
        let behind = Aabb3::new([0.0, 0.0, -3.0], [0.1, 0.1, -1.5]).unwrap();
        assert!(f.intersects(&inside) && f.intersects(&straddling));
        assert!(!f.intersects(&outside) && !f.intersects(&behind));
        // wgpu depth: the near plane moves to z = 0.
        let g = Frustum::from_clip_from_world(unit_ortho(), true);
        assert!(!g.intersects(&Aabb3::new([0.0, 0.0, -0.5], [0.1, 0.1, -0.1]).unwrap()));
    }
}
