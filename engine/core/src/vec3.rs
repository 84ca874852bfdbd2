//! Arithmetic on plain f64 3-vectors ([`Vec3`]: ECEF, ENU or projected metres), written once for
//! every crate: the viewer's picking and floating origin, the tiler's triangulation, the view
//! frustum and the index's rays each used to carry their own copy. Plain functions over arrays,
//! not a vector type, so coordinates keep the `[f64; 3]` every file format and crate already
//! speaks; they live in this module (`city_core::vec3::dot`) because `dot` or `sub` alone would
//! say too little in a flat list of exports.
//!
//! ```
//! use city_core::vec3::{cross, dot, normalise, sub};
//! let (a, b, c) = ([0.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 3.0, 0.0]);
//! let n = normalise(cross(sub(b, a), sub(c, a)));
//! assert_eq!(n, [0.0, 0.0, 1.0]);
//! assert_eq!(dot(n, sub(b, a)), 0.0);
//! ```
use crate::Vec3;

/// `a + b`.
pub fn add(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

/// `a - b`.
pub fn sub(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

/// `a * s`.
pub fn scale(a: Vec3, s: f64) -> Vec3 {
    [a[0] * s, a[1] * s, a[2] * s]
}

/// `a + b * s`: a step of `s` along `b` from `a`.
pub fn add_scaled(a: Vec3, b: Vec3, s: f64) -> Vec3 {
    [a[0] + b[0] * s, a[1] + b[1] * s, a[2] + b[2] * s]
}

/// The dot product.
pub fn dot(a: Vec3, b: Vec3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// The cross product (right-handed).
pub fn cross(a: Vec3, b: Vec3) -> Vec3 {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

/// The z of the cross product of two vectors in the xy plane (the 2D "perp dot"): positive when
/// `b` turns counter-clockwise from `a`, zero when they are parallel.
pub fn cross_xy(a: [f64; 2], b: [f64; 2]) -> f64 {
    a[0] * b[1] - a[1] * b[0]
}

/// The Euclidean length.
pub fn length(a: Vec3) -> f64 {
    dot(a, a).sqrt()
}

/// The distance between two points.
pub fn distance(a: Vec3, b: Vec3) -> f64 {
    length(sub(a, b))
}

/// `a` scaled to unit length; the zero vector stays zero (callers that must not accept it
/// check the length first).
pub fn normalise(a: Vec3) -> Vec3 {
    let l = length(a);
    if l > 0.0 { [a[0] / l, a[1] / l, a[2] / l] } else { a }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_basis_is_right_handed_and_lengths_are_euclidean() {
        let (x, y, z) = ([1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]);
        assert_eq!(cross(x, y), z);
        assert_eq!(cross(y, z), x);
        assert_eq!(cross(z, x), y);
        assert_eq!(cross_xy([1.0, 0.0], [0.0, 1.0]), 1.0);
        assert_eq!(cross_xy([2.0, 4.0], [1.0, 2.0]), 0.0, "parallel");
        assert_eq!(length([3.0, 4.0, 12.0]), 13.0);
        assert_eq!(distance([1.0, 1.0, 1.0], [4.0, 5.0, 1.0]), 5.0);
        assert_eq!(add(sub(x, y), y), x);
        assert_eq!(add_scaled(x, y, 2.0), add(x, scale(y, 2.0)));
        assert_eq!(normalise([0.0, 0.0, 5.0]), z);
        assert_eq!(normalise([0.0; 3]), [0.0; 3], "zero stays zero");
    }
}
