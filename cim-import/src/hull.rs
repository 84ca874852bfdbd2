//! The convex hull of 2D points that may include garbage. `geo`'s hull compares coordinates
//! with `partial_cmp(..).unwrap()` and panics on NaN, which a coordinate of 1e308 becomes after
//! one placement, and which its own products make of finite coordinates far apart (1e300 and
//! -1e300: found by fuzzing); every hull the importer draws goes through here, where only
//! points within 1e150 of the origin count (no CRS reaches that; their products stay finite).
use geo::{ConvexHull, MultiPoint, Point, Polygon};

/// Coordinates beyond this are garbage to a hull: twice its square still fits an f64.
const HULL_LIMIT: f64 = 1e150;

/// The hull of the usable points among `points` (finite, within [`HULL_LIMIT`]); `None` when
/// fewer than three are.
pub(crate) fn finite_hull(points: impl IntoIterator<Item = [f64; 2]>) -> Option<Polygon<f64>> {
    let usable = |v: f64| v.abs() <= HULL_LIMIT;
    let pts: MultiPoint<f64> =
        points.into_iter().filter(|p| usable(p[0]) && usable(p[1])).map(|p| Point::new(p[0], p[1])).collect();
    (pts.0.len() >= 3).then(|| pts.convex_hull())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Area;

    #[test]
    fn nan_and_infinite_points_are_left_out_not_a_panic() {
        let h = finite_hull([[0.0, 0.0], [f64::NAN, 1.0], [2.0, 0.0], [f64::INFINITY, 0.0], [0.0, 2.0]]).unwrap();
        assert!((h.unsigned_area() - 2.0).abs() < 1e-12);
        assert!(finite_hull([[0.0, 0.0], [f64::NAN, f64::NAN], [1.0, 1.0]]).is_none());
    }

    #[test]
    fn far_apart_finite_points_are_left_out_not_a_panic() {
        // The fuzzer's case: geo's products of these overflow to NaN.
        let pts = [
            [85020.0, 447008.0],
            [1e300, 447000.0],
            [85030.0, 447000.0],
            [1e300, 447_080_050.0],
            [-1e300, 0.0],
            [85020.0, 447000.0],
        ];
        let h = finite_hull(pts).unwrap();
        assert!((h.unsigned_area() - 40.0).abs() < 1e-6, "{}", h.unsigned_area());
    }
}
