//! 4x4 f64 matrices, column-major as 3D Tiles and glTF write them (`m[12..15]` is the
//! translation). Tile transforms chain in f64 all the way to ECEF; only the viewer makes f32
//! of them, relative to its floating origin.
use city_core::Vec3;

/// A column-major 4x4 matrix.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mat4(pub [f64; 16]);

impl Default for Mat4 {
    fn default() -> Self {
        Self::IDENTITY
    }
}

impl Mat4 {
    /// The identity.
    pub const IDENTITY: Self = Self([1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0]);

    /// glTF is y-up, 3D Tiles z-up: content positions (x, y, z) are (x, -z, y) in the tile's
    /// frame (3D Tiles 1.1, "glTF transforms").
    pub const Z_UP_FROM_Y_UP: Self =
        Self([1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]);

    /// A translation.
    pub fn from_translation(t: Vec3) -> Self {
        let mut m = Self::IDENTITY;
        m.0[12..15].copy_from_slice(&t);
        m
    }

    /// A matrix from its columns: three axes and the translation.
    pub fn from_axes(x: Vec3, y: Vec3, z: Vec3, t: Vec3) -> Self {
        Self([x[0], x[1], x[2], 0.0, y[0], y[1], y[2], 0.0, z[0], z[1], z[2], 0.0, t[0], t[1], t[2], 1.0])
    }

    /// `self * rhs`: apply `rhs` first.
    pub fn mul(&self, rhs: &Self) -> Self {
        let (a, b) = (&self.0, &rhs.0);
        let mut out = [0.0; 16];
        for c in 0..4 {
            for r in 0..4 {
                out[c * 4 + r] = (0..4).map(|k| a[k * 4 + r] * b[c * 4 + k]).sum();
            }
        }
        Self(out)
    }

    /// A point through the matrix (w = 1).
    pub fn point(&self, p: Vec3) -> Vec3 {
        let m = &self.0;
        std::array::from_fn(|r| m[r] * p[0] + m[4 + r] * p[1] + m[8 + r] * p[2] + m[12 + r])
    }

    /// A direction through the matrix (w = 0): no translation.
    pub fn vector(&self, v: Vec3) -> Vec3 {
        let m = &self.0;
        std::array::from_fn(|r| m[r] * v[0] + m[4 + r] * v[1] + m[8 + r] * v[2])
    }

    /// The translation column.
    pub fn translation(&self) -> Vec3 {
        [self.0[12], self.0[13], self.0[14]]
    }

    /// The largest scale along any axis (for sphere radii).
    pub fn max_scale(&self) -> f64 {
        (0..3).map(|c| (0..3).map(|r| self.0[c * 4 + r].powi(2)).sum::<f64>().sqrt()).fold(0.0, f64::max)
    }

    /// The inverse of an affine matrix (rotation, scale, shear and translation; the last row
    /// 0 0 0 1). A singular matrix gives the identity rather than NaNs.
    pub fn inverse_affine(&self) -> Self {
        let m = &self.0;
        let a = |r: usize, c: usize| m[c * 4 + r];
        let det = a(0, 0) * (a(1, 1) * a(2, 2) - a(1, 2) * a(2, 1)) - a(0, 1) * (a(1, 0) * a(2, 2) - a(1, 2) * a(2, 0))
            + a(0, 2) * (a(1, 0) * a(2, 1) - a(1, 1) * a(2, 0));
        if det.abs() < 1e-300 || !det.is_finite() {
            return Self::IDENTITY;
        }
        // inv[r][c] = cofactor[c][r] / det
        let cof = |r: usize, c: usize| {
            let (r0, r1) = ((r + 1) % 3, (r + 2) % 3);
            let (c0, c1) = ((c + 1) % 3, (c + 2) % 3);
            a(r0, c0) * a(r1, c1) - a(r0, c1) * a(r1, c0)
        };
        let mut out = Self::IDENTITY;
        for r in 0..3 {
            for c in 0..3 {
                out.0[c * 4 + r] = cof(c, r) / det;
            }
        }
        let t = out.vector(self.translation());
        out.0[12..15].copy_from_slice(&[-t[0], -t[1], -t[2]]);
        out
    }

    /// Whether every entry is finite.
    pub fn is_finite(&self) -> bool {
        self.0.iter().all(|v| v.is_finite())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn y_up_content_lands_z_up() {
        // glTF "up" (0, 1, 0) is the tile's +z; glTF +z (towards the viewer) is the tile's -y.
        assert_eq!(Mat4::Z_UP_FROM_Y_UP.point([0.0, 1.0, 0.0]), [0.0, 0.0, 1.0]);
        assert_eq!(Mat4::Z_UP_FROM_Y_UP.point([0.0, 0.0, 1.0]), [0.0, -1.0, 0.0]);
    }

    #[test]
    fn products_apply_the_right_factor_first() {
        let t = Mat4::from_translation([10.0, 0.0, 0.0]);
        let r = Mat4::Z_UP_FROM_Y_UP;
        assert_eq!(t.mul(&r).point([0.0, 1.0, 0.0]), [10.0, 0.0, 1.0]);
        assert_eq!(r.mul(&t).point([0.0, 1.0, 0.0]), [10.0, 0.0, 1.0]);
        assert_eq!(r.mul(&Mat4::from_translation([0.0, 0.0, 5.0])).point([0.0; 3]), [0.0, -5.0, 0.0]);
        assert_eq!(Mat4::from_translation([1.0, 2.0, 3.0]).vector([1.0, 0.0, 0.0]), [1.0, 0.0, 0.0]);
    }

    #[test]
    fn the_affine_inverse_undoes_the_matrix() {
        let m = Mat4::from_translation([1215000.0, -4736000.0, 4081000.0]).mul(&Mat4::from_axes(
            [0.0, 2.0, 0.0],
            [-3.0, 0.0, 0.0],
            [0.0, 0.5, 4.0],
            [0.0; 3],
        ));
        let p = [3.0, -7.0, 11.0];
        let back = m.inverse_affine().point(m.point(p));
        assert!((0..3).all(|i| (back[i] - p[i]).abs() < 1e-6), "{back:?}");
    }
}
